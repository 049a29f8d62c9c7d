"""Options are declared once (issue 12, item 4): the loss commands, ``eval``, ``check``,
``check``'s config keys, the environment variables and the Python API's keywords all
come from the declarations in :mod:`losscli.options`.

What each command, the config and the API actually accept is read from the outside
(``--help``, the config's "expected one of" hint, ``inspect.signature``) and compared
with the declarations, and with the spellings SPEC.md and the README name.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
from typer.testing import CliRunner

import losscli
import losscli.options as declared_options
from losscli.losses import get_loss
from losscli.options import (
    LOSS_EVAL,
    CommandOptions,
    ConfigKey,
    Option,
    api_keywords,
    declaration,
    declarations,
    env_name,
    for_command,
)

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parents[1]

# The spellings SPEC.md §3-§5 and the README give the loss commands (and eval).
SPEC_FLAGS = (
    "--pred", "--label", "--target", "--weight", "--labels", "--on", "--by", "--id", "--nan",
    "--no-header", "--delimiter", "--input-format", "--format", "-f", "--rows", "--worst", "--output",
    "-o", "--summary-file", "--color", "--compat", "--max", "--min", "--baseline", "--rtol", "--atol",
    "--allow-missing-baseline", "--write-baseline", "--exit-zero", "--junit", "--engine", "--scheduler",
    "--timeout", "--debug",
)  # fmt: skip
# The keys the README's config section lists for a [[check]], and for the top level.
README_CHECK_KEYS = {
    "name", "file", "loss", "params", "pred", "label", "target", "weight", "var", "std", "lower", "upper",
    "id", "delimiter",
    "input_format", "no_header", "encoding", "nan", "positive", "compat", "max", "min", "baseline", "rtol",
    "atol", "allow_missing_baseline", "labels", "on", "by", "baseline_key", "ci", "resamples", "seed", "ci_block",
    "significance", "vs_dummy", "dummy", "min_skill",
}  # fmt: skip
README_TOP_KEYS = {
    "rtol", "atol", "allow_missing_baseline", "nan", "compat", "timeout", "baseline_key",
    "ci", "resamples", "seed", "ci_block", "significance", "vs_dummy", "dummy",
}  # fmt: skip


def squeezed(text: str) -> str:
    """Text without whitespace: help is wrapped (and words split at hyphens) by width."""
    return re.sub(r"\s+", "", text)


def help_of(cli: Any, *command: str) -> str:
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    return squeezed(result.stdout)


# ---------------------------------------------------------- the command line ----


@pytest.mark.parametrize("loss", ["mse", "bce", "gaussian-nll", "cross-entropy"])
def test_every_declared_option_is_in_a_loss_commands_help_with_its_help_text(cli, loss):
    text = help_of(cli, loss)
    options = for_command("loss", get_loss(loss))
    assert options
    for option in options:
        for flag in option.flags:
            assert squeezed(flag) in text, (loss, flag)
        assert squeezed(option.help) in text, (loss, option.name)


def test_every_declared_option_is_in_evals_and_checks_help(cli):
    for command in ("eval", "check", "list"):
        text = help_of(cli, command)
        for option in for_command(command):
            assert all(squeezed(flag) in text for flag in option.flags), (command, option.name)
            assert squeezed(option.help_in(command)) in text, (command, option.name)


def test_the_spec_spellings_are_declared_for_loss_commands_and_eval():
    flags = {flag for option in for_command("loss") for flag in option.flags}
    assert set(SPEC_FLAGS) <= flags
    assert {flag for option in for_command("eval") for flag in option.flags} >= flags | {"--loss", "-l"}


def test_options_a_loss_does_not_use_are_not_offered(cli):
    """--var only where a loss takes a variance, --positive only for binary losses (and eval)."""
    mse, nll, bce, ev = (help_of(cli, c) for c in ("mse", "gaussian-nll", "bce", "eval"))
    assert "--var" not in mse and "--var" in nll and "--var" not in bce and "--var" in ev
    assert "--positive" not in mse and "--positive" in bce and "--positive" in ev


def test_no_option_is_declared_twice():
    names = [o.name for o in declarations()]
    assert len(names) == len(set(names))
    for command in ("loss", "eval", "check", "list"):
        flags = [flag for o in for_command(command) for flag in o.flags]
        assert len(flags) == len(set(flags)), command


@pytest.mark.parametrize(
    "args",
    [
        ["mse", "{f}", "--pred", "pred", "--pred", "label"],
        ["mse", "{f}", "--label", "label", "--target", "label"],  # two spellings of one option
        ["mse", "{f}", "-f", "json", "--format", "csv"],
        ["huber", "{f}", "--delta", "1", "--delta", "2"],  # a loss parameter
        ["eval", "{f}", "-l", "mse", "--rows", "3", "--rows", "4"],
        ["check", "-f", "json", "-f", "markdown"],
        ["list", "--task", "binary", "--task", "regression"],
    ],
)
def test_an_option_given_twice_is_a_usage_error(cli, sample_csv, args):
    result = cli(*(a.format(f=sample_csv) for a in args))
    assert result.exit_code == 2
    assert "was given twice" in result.stderr and result.stdout == ""


def test_repeatable_options_and_flags_may_be_given_twice(cli, sample_csv):
    result = cli("eval", sample_csv, "-l", "mse", "-l", "mae", "--max", "mse=1e9", "--max", "mae=1e9",
                 "--no-progress", "--no-progress", "-f", "value")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["mse", "mae"]


# ---------------------------------------------------------------- the config ----


def _hint_keys(stderr: str) -> set[str]:
    found = re.search(r"expected one of: (.*)$", stderr.replace("\n  hint: ", " "), re.M)
    assert found, stderr
    return {k.strip() for k in found.group(1).split(",")}


def _config_keys(role_run: bool) -> set[str]:
    out: set[str] = set()
    for option in declarations():
        if option.config is not None and (option.config.role == "run") == role_run:
            out |= {option.name, *option.config.aliases}
    return out


def test_every_key_check_accepts_is_a_declared_config_key_and_vice_versa(cli, tmp_path):
    (tmp_path / "v.csv").write_text("pred,label\n1,1\n", encoding="utf-8")
    config = tmp_path / "losscli.toml"
    config.write_text('[[check]]\nfile = "v.csv"\nloss = "mse"\nmax = 1\nzzzzzz = 1\n', encoding="utf-8")
    result = cli("check", config)
    assert result.exit_code == 2 and "unknown key 'zzzzzz'" in result.stderr
    accepted = _hint_keys(result.stderr)  # mse has no parameters: these are check's own keys
    assert accepted == _config_keys(role_run=False) == README_CHECK_KEYS


def test_every_top_level_key_is_a_declared_shared_or_run_key(cli, tmp_path):
    config = tmp_path / "losscli.toml"
    config.write_text('zzzzzz = 1\n[[check]]\nfile = "v.csv"\nloss = "mse"\nmax = 1\n', encoding="utf-8")
    result = cli("check", config)
    assert result.exit_code == 2 and "unknown key 'zzzzzz'" in result.stderr
    shared = {o.name for o in declarations() if o.config is not None and o.config.shared}
    assert _hint_keys(result.stderr) == shared | _config_keys(role_run=True) | {"check"}
    assert shared | _config_keys(role_run=True) == README_TOP_KEYS


def test_choice_keys_take_the_options_choices():
    from losscli.config_types import CHECK_SCHEMA

    for name in ("nan", "compat", "input_format"):
        option = next(o for o in declarations() if o.name == name)
        assert CHECK_SCHEMA[name].kind == "choice" and CHECK_SCHEMA[name].choices == option.choices
    assert set(CHECK_SCHEMA["input_format"].choices) == {"csv", "tsv", "parquet", "jsonl", "arrow"}  # SPEC §3


# ------------------------------------------------- the environment and the API ----


def test_every_environment_variable_losscli_reads_is_declared_and_documented():
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "losscli").rglob("*.py"))
    used = set(re.findall(r"LOSSCLI_[A-Z_]+[A-Z]", source))
    envs = {o.env for o in declarations() if o.env is not None}
    assert used <= envs, used - envs
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(env in readme for env in envs)


def test_modules_that_read_a_variable_name_the_declared_one():
    from losscli.engine import dask_cluster
    from losscli.io import blocks

    assert dask_cluster.SCHEDULER_ENV == env_name("scheduler") == "LOSSCLI_SCHEDULER"
    assert dask_cluster.TIMEOUT_ENV == env_name("timeout") == "LOSSCLI_TIMEOUT"
    assert blocks.LIMIT_ENV == env_name("max_line_bytes") == "LOSSCLI_MAX_LINE_BYTES"


def test_a_variable_declared_for_check_only_is_read_by_check_only(cli, tmp_path, sample_csv):
    exit_zero = declaration("exit_zero")
    assert exit_zero.reads_env("check") and not exit_zero.reads_env("loss")
    (tmp_path / "v.csv").write_text("pred,label\n1,2\n", encoding="utf-8")  # mse 1
    config = tmp_path / "losscli.toml"
    config.write_text('[[check]]\nfile = "v.csv"\nloss = "mse"\nmax = 0.5\n', encoding="utf-8")
    env = {exit_zero.env: "1"}
    assert cli("check", config).exit_code == 1 and cli("check", config, env=env).exit_code == 0
    assert cli("mse", sample_csv, "--max", "1", "-f", "value", env=env).exit_code == 1


def test_the_api_keywords_are_the_declared_ones():
    signature = inspect.signature(losscli.evaluate)
    keywords = {
        name: p.default
        for name, p in signature.parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert keywords == api_keywords()
    assert {"pred", "label", "weight", "by", "nan", "engine", "scheduler"} <= set(keywords)  # SPEC §1, §3


# ------------------------------------------------- adding an option is one edit ----


@dataclass(frozen=True)
class WithNewFlag(CommandOptions):
    """CommandOptions plus one declaration, as a contributor would add it."""

    new_flag: Annotated[
        str | None,
        Option("A new option, for the test.", commands=LOSS_EVAL, config=ConfigKey("text"), api="new_flag"),
    ] = None


@pytest.fixture
def new_flag(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The declarations with ``new_flag``; runs record their options instead of running."""
    import losscli.cli.run

    monkeypatch.setattr(declared_options, "CommandOptions", WithNewFlag)
    seen: list[Any] = []

    def record(losses: Any, options: Any, verdict: Any) -> int:
        seen.append((losses, options))
        return 0

    monkeypatch.setattr(losscli.cli.run, "run_losses", record)
    return seen


@pytest.mark.parametrize("command", [["mse"], ["eval", "-l", "mse", "-l", "mae"]])
def test_one_new_declaration_is_a_working_option_of_loss_commands_and_eval(new_flag, sample_csv, command):
    from losscli.cli.app import build_app

    app = build_app(command[0])
    runner = CliRunner()
    text = squeezed(runner.invoke(app, [command[0], "--help"]).stdout)
    assert "--new-flag" in text and squeezed("A new option, for the test.") in text
    result = runner.invoke(app, [*command, sample_csv, "--new-flag", "x"])
    assert result.exit_code == 0, result.output
    [(losses, options)] = new_flag
    assert isinstance(options, WithNewFlag) and options.new_flag == "x" and options.file == sample_csv
    assert [name for name, _ in losses] == (["mse"] if command == ["mse"] else ["mse", "mae"])
    twice = runner.invoke(app, [*command, sample_csv, "--new-flag", "x", "--new-flag", "y"])
    assert twice.exit_code == 2 and "was given twice" in twice.stderr
    assert api_keywords()["new_flag"] is None


def test_one_new_declaration_is_a_config_key(new_flag, monkeypatch, tmp_path):
    import losscli.config
    from losscli.config_types import ConfigError, keys

    monkeypatch.setattr(losscli.config, "CHECK_SCHEMA", keys(declarations()))
    (tmp_path / "v.csv").write_text("pred,label\n1,1\n", encoding="utf-8")
    config = tmp_path / "losscli.toml"
    config.write_text('[[check]]\nfile = "v.csv"\nloss = "mse"\nmax = 1\nnew_flag = "x"\n', encoding="utf-8")
    assert losscli.config.load(str(config)).checks[0].loss == "mse"
    config.write_text('[[check]]\nfile = "v.csv"\nloss = "mse"\nmax = 1\nnew_flag = 5\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'new_flag' must be a non-empty string, got the integer 5"):
        losscli.config.load(str(config))
