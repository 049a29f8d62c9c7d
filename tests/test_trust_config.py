"""Issue 11 ("Trust"): configuration, baselines, gates and numbers.

* every config key has a declared type (losscli.config_types); a wrong type is exit 2
  naming the file, the check, the key and the expected type — tested over the whole
  schema and every loss parameter, so a new key is covered automatically;
* TOML files that cannot be read, discovery through odd parent files, a deleted
  working directory;
* non-finite limits and tolerances; non-finite, huge, deep, endless or empty-path
  baselines;
* sums that overflow float64 (every registered loss with huge weights);
* what a config may point at (its own folder, unless --allow-outside);
* why no rows were left (an --on key that never matches is not "--nan drop").

Every case runs the real CLI and checks the exit code, the one-line message and
that no traceback is printed. Reference values come from fractions / formulas.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import losscli.losses as L
from losscli.config_types import CHECK_SCHEMA, DEFAULT_SCHEMA, EXPECTED, Key, param_key

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
LOSSCLI_ENV = ("LOSSCLI_CONFIG", "LOSSCLI_RTOL", "LOSSCLI_ATOL", "LOSSCLI_ALLOW_OUTSIDE")
VAL = "pred,label\n1,1.5\n2,2.9\n4,3\n"
VAL_MSE = (0.5**2 + 0.9**2 + 1.0**2) / 3


@pytest.fixture(autouse=True)
def no_losscli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LOSSCLI_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """tmp_path/proj with val.csv; the config goes beside it."""
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "val.csv").write_text(VAL, encoding="utf-8")
    return folder


def toml(value: object) -> str:
    """A Python value as a TOML literal (the few shapes these tests need)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return repr(value)


def write_config(folder: Path, *checks: dict[str, object], top: str = "") -> Path:
    text = top + "".join(
        "[[check]]\n" + "".join(f"{k} = {v if isinstance(v, Raw) else toml(v)}\n" for k, v in c.items())
        for c in checks
    )
    path = folder / "losscli.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Raw(str):
    """A TOML literal written as is (``inf``, ``nan``, ``1e400``)."""


GOOD = {"name": "first", "file": "val.csv", "loss": "mse", "max": 10}


# ------------------------------------------------ 1. config values have types ----

# Wrong values per kind of key: (TOML literal, how the message shows it). Every kind in
# the schema must be here (test_every_kind_has_wrong_examples), so a new key is covered.
WRONG: dict[str, list[tuple[str, str]]] = {
    "text": [("5", "the integer 5"), ("true", "the boolean true"), ('""', 'the string ""')],
    "path": [("5", "the integer 5"), ("[1]", "an array")],
    "bool": [('"false"', 'the string "false"'), ("0", "the integer 0"), ('"true"', 'the string "true"')],
    "limit": [('"1"', 'the string "1"'), ("true", "the boolean true"), ("inf", "the number inf")],
    "number": [('"abc"', 'the string "abc"'), ("[1]", "an array"), ("true", "the boolean true")],
    "int": [("1.5", "the number 1.5"), ("true", "the boolean true"), ('"1"', 'the string "1"')],
    "tolerance": [("true", "the boolean true"), ("[1]", "an array"), ("-1", "the integer -1")],
    "column": [("5", "the integer 5"), ('["a"]', "an array"), ('""', 'the string ""')],
    "columns": [
        ("5", "the integer 5"),
        ("[]", "an array"),
        ('["a", 1]', "an array"),
        ('""', 'the string ""'),
    ],
    "choice": [("5", "the integer 5"), ('"nope"', 'the string "nope"')],
    "char": [("5", "the integer 5"), ('",;"', 'the string ",;"'), ('""', 'the string ""')],
    "codec": [("5", "the integer 5"), ('"nope"', 'the string "nope"'), ('"rot13"', 'the string "rot13"')],
    "label": [("true", "the boolean true"), ("1.5", "the number 1.5"), ("[1]", "an array")],
    "table": [('"abc"', 'the string "abc"'), ("5", "the integer 5")],
    "seconds": [('"10"', 'the string "10"'), ("0", "the integer 0"), ("-1.5", "the number -1.5")],
}


def test_every_kind_has_wrong_examples():
    kinds = {k.kind for k in CHECK_SCHEMA.values()} | {
        param_key(p).kind for s in L.all_losses() for p in s.params
    }
    assert kinds <= set(WRONG) and set(EXPECTED) == set(WRONG)


def _wrong_cases(schema: dict[str, Key]) -> list[object]:
    return [
        pytest.param(key, literal, shown, id=f"{name}={literal}")
        for name, key in schema.items()
        for literal, shown in WRONG[key.kind]
    ]


@pytest.mark.parametrize(("key", "literal", "shown"), _wrong_cases(CHECK_SCHEMA))
def test_a_check_key_of_the_wrong_type_is_exit_2_naming_file_check_key_and_type(
    cli, proj, expect_error, key, literal, shown
):
    second: dict[str, object] = {"name": "val/mse", "file": "val.csv", "loss": "mse", "max": 10}
    second[key.name] = Raw(literal)
    path = write_config(proj, GOOD, second)
    named = "" if key.name == "name" else " ('val/mse')"
    err = expect_error(cli("check", path), f"losscli.toml: check #2{named}: key '{key.name}' must be ")
    assert key.expected in err and f"got {shown}" in err


@pytest.mark.parametrize(("key", "literal", "shown"), _wrong_cases(DEFAULT_SCHEMA))
@pytest.mark.parametrize("where", ["losscli.toml", "pyproject.toml"])
def test_a_default_key_of_the_wrong_type_is_exit_2(cli, proj, expect_error, key, literal, shown, where):
    check = "".join(f"{k} = {toml(v)}\n" for k, v in GOOD.items())
    if where == "losscli.toml":
        text, table = f"{key.name} = {literal}\n[[check]]\n{check}", "the top level"
    else:
        text = f"[tool.losscli]\n{key.name} = {literal}\n[[tool.losscli.check]]\n{check}"
        table = "[tool.losscli]"
    path = proj / where
    path.write_text(text, encoding="utf-8")
    err = expect_error(cli("check", path), f"{where}: {table}: key '{key.name}' must be {key.expected}")
    assert f"got {shown}" in err


PARAMS = [
    pytest.param(spec.name, param, literal, shown, id=f"{spec.name}-{param.name}={literal}")
    for spec in L.all_losses()
    for param in spec.params
    if not param.hidden
    for literal, shown in WRONG[param_key(param).kind]
]


@pytest.mark.parametrize(("loss", "param", "literal", "shown"), PARAMS)
@pytest.mark.parametrize("spelling", ["key", "params"])
def test_every_loss_parameter_of_the_wrong_type_is_exit_2(
    cli, proj, expect_error, loss, param, literal, shown, spelling
):
    check: dict[str, object] = {"name": "c", "file": "val.csv", "loss": loss, "max": 10}
    if spelling == "key":
        check[param.name] = Raw(literal)
    else:
        check["params"] = Raw(f"{{{param.name} = {literal}}}")
    path = write_config(proj, check)
    err = expect_error(cli("check", path), f"check #1 ('c'): key '{param.name}' must be ")
    assert param_key(param).expected in err and f"got {shown}" in err


@pytest.mark.parametrize(
    ("key", "literal"),
    [
        ("nan", '"skip"'),
        ("compat", '"pytorch"'),
        ("input_format", '"xlsx"'),
        ("delimiter", '"\\n"'),
        ("encoding", '"hex"'),
        ("max", "-inf"),
        ("min", "nan"),
        ("max", "1e400"),
        ("rtol", "inf"),
        ("rtol", '"inf%"'),
        ("atol", "nan"),
        ("atol", '"abc"'),
    ],
)
def test_values_outside_a_keys_domain_are_exit_2(cli, proj, expect_error, key, literal):
    path = write_config(proj, {**GOOD, key: Raw(literal)})
    expect_error(cli("check", path), f"check #1 ('first'): key '{key}' must be {CHECK_SCHEMA[key].expected}")


def test_the_issue_examples_exit_2_not_3(cli, proj, expect_error):
    for key, literal in [("params", '"abc"'), ("delimiter", "5"), ("encoding", "5")]:
        expect_error(cli("check", write_config(proj, {**GOOD, key: Raw(literal)})), f"key '{key}'")
    huber = {**GOOD, "loss": "huber", "delta": Raw("[1]")}
    expect_error(cli("check", write_config(proj, huber)), "key 'delta' must be a finite number")
    for fmt in ("json", "table", "junit"):
        path = write_config(proj, {**GOOD, "max": Raw("inf")})
        expect_error(cli("check", path, "-f", fmt), "key 'max' must be a finite number, got the number inf")


def test_allow_missing_baseline_false_as_a_string_no_longer_passes(cli, proj, expect_error):
    (proj / "base.json").write_text('{"mae": 0.1}', encoding="utf-8")
    check = {"name": "m", "file": "val.csv", "loss": "mse", "baseline": "base.json"}
    expect_error(
        cli("check", write_config(proj, {**check, "allow_missing_baseline": "false"})),
        "key 'allow_missing_baseline' must be true or false, got the string \"false\"",
    )
    result = cli("check", write_config(proj, {**check, "allow_missing_baseline": False}))
    assert result.exit_code == 1 and "FAIL m" in result.stderr  # a real false: the missing loss fails
    result = cli("check", write_config(proj, {**check, "allow_missing_baseline": True}))
    assert result.exit_code == 0, result.stderr


def test_typed_read_keys_that_fit_still_work(cli, proj, expect_error):
    expect_error(cli("check", write_config(proj, {**GOOD, "no_header": "false"})), "key 'no_header'")
    (proj / "semi.csv").write_text(VAL.replace(",", ";"), encoding="latin-1")
    check = {**GOOD, "file": "semi.csv", "no_header": False, "delimiter": ";", "encoding": "latin-1"}
    result = cli("check", write_config(proj, check), "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["checks"][0]["value"] == pytest.approx(VAL_MSE, rel=1e-12)
    (proj / "bin.csv").write_text("prob,label\n0.8,7\n0.4,3\n", encoding="utf-8")
    binary = {"name": "b", "file": "bin.csv", "loss": "bce", "pred": "prob", "positive": 7, "max": 10}
    result = cli("check", write_config(proj, binary), "-f", "json")
    assert result.exit_code == 0, result.stderr
    expected = -(math.log(0.8) + math.log(0.6)) / 2
    assert json.loads(result.stdout)["checks"][0]["value"] == pytest.approx(expected, rel=1e-12)


# ------------------------------------------- 2. TOML files that cannot be read ----


def test_a_latin1_config_is_exit_2(cli, proj, expect_error):
    path = proj / "losscli.toml"
    path.write_bytes(b'[[check]]\nname = "caf\xe9"\nfile = "val.csv"\nloss = "mse"\nmax = 1\n')
    expect_error(cli("check", path), "losscli.toml: not UTF-8 text", "UTF-8")


@pytest.mark.parametrize("opening", ["[", "{a = "])
def test_a_deeply_nested_config_is_exit_2(cli, proj, expect_error, opening):
    path = proj / "losscli.toml"
    closing = {"[": "]", "{a = ": "}"}[opening]
    path.write_text("a = " + opening * 100_000 + "1" + closing * 100_000 + "\n", encoding="utf-8")
    expect_error(cli("check", path), "losscli.toml: not valid TOML", "nested too deeply")


@pytest.mark.parametrize("tool", ["tool = 5", 'tool = "x"', "[tool]\nlosscli = 5", "tool = [1]"])
def test_a_parent_pyproject_with_an_odd_tool_is_skipped_in_discovery(cli, proj, monkeypatch, tool):
    (proj / "pyproject.toml").write_text(tool + "\n", encoding="utf-8")
    (proj / "sub").mkdir()
    write_config(proj.parent, {**GOOD, "file": "proj/val.csv"})
    monkeypatch.chdir(proj / "sub")
    result = cli("check")
    if "losscli = 5" in tool:  # it names [tool.losscli], so it is the config, and it is invalid
        assert result.exit_code == 2 and "no [tool.losscli] table" in result.stderr
    else:
        assert result.exit_code == 0, result.stderr  # found the losscli.toml above it
    assert "Traceback" not in result.stderr


def test_an_explicit_pyproject_with_tool_5_is_exit_2(cli, proj, expect_error):
    path = proj / "pyproject.toml"
    path.write_text("tool = 5\n", encoding="utf-8")
    expect_error(cli("check", path), "pyproject.toml: no [tool.losscli] table")


def test_an_invalid_parent_pyproject_is_named(cli, proj, monkeypatch, expect_error):
    (proj / "pyproject.toml").write_bytes(b"[tool\n")
    monkeypatch.chdir(proj)
    expect_error(cli("check"), "pyproject.toml: not valid TOML")


def test_check_in_a_deleted_working_directory_is_exit_2(cli, proj, monkeypatch, expect_error):
    config = write_config(proj, GOOD)
    gone = proj / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    expect_error(cli("check"), "the working directory no longer exists")
    expect_error(cli("check", config, "-f", "json"), "the working directory no longer exists")


def test_check_in_a_deleted_working_directory_real_process(losscli_exe, process_env, proj):
    gone = proj / "gone"
    gone.mkdir()
    script = f'cd "{gone}" && rmdir "{gone}" && exec "{losscli_exe}" check'
    done = subprocess.run(["sh", "-c", script], capture_output=True, env=process_env, timeout=60, check=False)
    err = done.stderr.decode()
    assert done.returncode == 2 and done.stdout == b"", err
    assert err.startswith("losscli: error: the working directory no longer exists") and "Traceback" not in err


@pytest.mark.parametrize("given", ["/dev/zero", "/dev/null", "DIR"])
def test_a_config_that_is_not_a_regular_file_is_exit_2(cli, proj, expect_error, given):
    path = str(proj) if given == "DIR" else given
    expect_error(cli("check", path), "is not a regular file")
    expect_error(cli("check", "--config", path), "is not a regular file")


def test_an_empty_config_path_is_exit_2(cli, proj, expect_error, monkeypatch):
    expect_error(cli("check", ""), "the config path is empty")
    expect_error(cli("check", "--config", ""), "the config path is empty")
    write_config(proj, GOOD)
    monkeypatch.chdir(proj)
    assert cli("check", env={"LOSSCLI_CONFIG": ""}).exit_code == 0  # an empty variable is unset


# ------------------------------------------------- 3. non-finite limits ----


@pytest.mark.parametrize("option", ["--max", "--min"])
@pytest.mark.parametrize("limit", ["inf", "-inf", "nan", "Infinity", "1e400", "mse=inf"])
@pytest.mark.parametrize("fmt", ["json", "value", "table"])
def test_a_non_finite_limit_on_the_command_line_is_exit_2(cli, proj, expect_error, option, limit, fmt):
    expect_error(cli("mse", proj / "val.csv", option, limit, "-f", fmt), f"{option} {limit}: the limit")


def test_a_non_finite_limit_in_eval_is_exit_2(cli, proj, expect_error):
    expect_error(cli("eval", proj / "val.csv", "-l", "mse", "-l", "mae", "--max", "mae=nan"), "finite")


@pytest.mark.parametrize("option", ["--rtol", "--atol"])
@pytest.mark.parametrize("value", ["inf", "nan", "inf%", "-1"])
def test_a_non_finite_tolerance_is_exit_2(cli, proj, expect_error, option, value):
    (proj / "b.json").write_text('{"mse": 1.0}', encoding="utf-8")
    expect_error(cli("mse", proj / "val.csv", "--baseline", proj / "b.json", option, value), option)
    config = write_config(proj, {"name": "c", "file": "val.csv", "loss": "mse", "baseline": "b.json"})
    expect_error(cli("check", config, option, value), option)


# ------------------------------------------------------- 4. baselines ----

NON_FINITE = ["Infinity", "-Infinity", "NaN", "1e400", "-1e400", "1" + "0" * 400, "-" + "9" * 401]


@pytest.mark.parametrize("spelling", NON_FINITE)
@pytest.mark.parametrize("shape", ["flat", "result"])
def test_a_non_finite_baseline_is_refused(cli, proj, expect_error, spelling, shape):
    if shape == "flat":
        text = f'{{"mse": {spelling}}}'
    else:
        text = f'{{"results": [{{"loss": "mse", "value": {spelling}}}]}}'
    (proj / "b.json").write_text(text, encoding="utf-8")
    expect_error(
        cli("mse", proj / "val.csv", "--baseline", proj / "b.json"),
        "b.json: the baseline for 'mse' is",
        "not a finite number",
    )
    config = write_config(proj, {"name": "c", "file": "val.csv", "loss": "mse", "baseline": "b.json"})
    expect_error(cli("check", config), "not a finite number")


NOT_NUMBERS = [  # (JSON, how losscli.baselines describes it: never the value itself)
    ('"0.5"', "a string that looks like a number"),
    ("true", "a boolean"),
    ("null", "null"),
    ("[1]", "a list"),
    ('{"v": 1}', "a mapping"),
]


@pytest.mark.parametrize(("spelling", "shown"), NOT_NUMBERS)
@pytest.mark.parametrize("shape", ["flat", "result"])
def test_a_baseline_value_that_is_not_a_number_is_exit_2_not_missing(
    cli, proj, expect_error, spelling, shown, shape
):
    """{"mse": "0.5"} was "no baseline for 'mse'": exit 1, and with
    --allow-missing-baseline a PASS. The gate's key is refused, naming what it holds."""
    if shape == "flat":
        text = f'{{"mse": {spelling}}}'
    else:
        text = f'{{"results": [{{"loss": "mse", "params": {{}}, "value": {spelling}}}]}}'
    (proj / "b.json").write_text(text, encoding="utf-8")
    for extra in ([], ["--allow-missing-baseline"]):
        expect_error(
            cli("mse", proj / "val.csv", "--baseline", proj / "b.json", *extra),
            f"b.json: the baseline for 'mse' is not a number: it is {shown}",
        )
    config = write_config(
        proj,
        {"name": "c", "file": "val.csv", "loss": "mse", "baseline": "b.json", "allow_missing_baseline": True},
    )
    expect_error(cli("check", config), f"the baseline for 'mse' is not a number: it is {shown}")


def test_other_fields_of_a_flat_metrics_file_may_be_anything(cli, proj):
    """A DVC-style metrics file may hold a model name or a date beside the numbers: only a
    key a gate needs must be a number."""
    (proj / "b.json").write_text(json.dumps({"mse": VAL_MSE * 2, "model": "v3", "tags": [1], "at": None}))
    result = cli("mse", proj / "val.csv", "--baseline", proj / "b.json")
    assert result.exit_code == 0, result.stderr
    assert "PASS mse" in result.stderr


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"results": "x"}', "'results' is a string, not a list"),
        ('{"results": [5]}', "results entry 1 is not an object like"),
        ('{"results": [{"value": 1}]}', "results entry 1 is not an object like"),
        ('{"results": [{"loss": "mse"}]}', "the baseline for 'mse' is not a number: it is null"),
    ],
)
def test_a_malformed_losscli_result_baseline_is_exit_2(cli, proj, expect_error, text, needle):
    """losscli writes every entry of 'results' with a loss and a numeric value: anything
    else was read as "no baseline"."""
    (proj / "b.json").write_text(text, encoding="utf-8")
    expect_error(
        cli("mse", proj / "val.csv", "--baseline", proj / "b.json", "--allow-missing-baseline"), needle
    )


def test_a_finite_baseline_still_gates(cli, proj):
    (proj / "b.json").write_text(json.dumps({"mse": VAL_MSE * 2}), encoding="utf-8")
    assert cli("mse", proj / "val.csv", "--baseline", proj / "b.json").exit_code == 0
    (proj / "b.json").write_text(json.dumps({"mse": VAL_MSE / 2}), encoding="utf-8")
    result = cli("mse", proj / "val.csv", "--baseline", proj / "b.json")
    assert result.exit_code == 1 and "FAIL mse" in result.stderr


@pytest.mark.parametrize("opening", ["[", '{"a": '])
def test_a_deeply_nested_baseline_is_exit_2(cli, proj, expect_error, opening):
    closing = "]" if opening == "[" else "}"
    (proj / "b.json").write_text(opening * 100_000 + "1" + closing * 100_000, encoding="utf-8")
    expect_error(cli("mse", proj / "val.csv", "--baseline", proj / "b.json"), "nested too deeply")


def test_an_integer_beyond_pythons_digit_limit_is_exit_2(cli, proj, expect_error):
    (proj / "b.json").write_text('{"mse": ' + "9" * 5000 + "}", encoding="utf-8")
    expect_error(cli("mse", proj / "val.csv", "--baseline", proj / "b.json"), "not a readable JSON baseline")


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom"])
def test_an_endless_baseline_is_read_only_to_the_bound(run_cli, proj, expect_error, source):
    err = expect_error(run_cli("mse", proj / "val.csv", "--baseline", source, timeout=60))
    assert f"{source}: the baseline is larger than 64 MiB" in err


def test_a_huge_regular_baseline_is_refused_before_reading(cli, proj, expect_error):
    big = proj / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(65 * 2**20)  # sparse: no 65 MiB written
    expect_error(
        cli("mse", proj / "val.csv", "--baseline", big), "big.json: the baseline is larger than 64 MiB"
    )


def test_a_directory_or_unreadable_baseline_is_exit_2(cli, proj, expect_error):
    expect_error(cli("mse", proj / "val.csv", "--baseline", proj), "cannot read the baseline")
    (proj / "b.json").write_bytes(b'{"mse": "\xff"}')
    expect_error(cli("mse", proj / "val.csv", "--baseline", proj / "b.json"), "not UTF-8")


@pytest.mark.parametrize("command", [["mse"], ["eval", "-l", "mse"]])
def test_an_empty_baseline_path_is_exit_2(cli, proj, expect_error, command):
    expect_error(cli(*command, proj / "val.csv", "--baseline", ""), "--baseline was given an empty path")


@pytest.mark.parametrize("key", ["baseline", "file"])
def test_an_empty_path_in_a_config_is_exit_2(cli, proj, expect_error, key):
    check = {"name": "c", "file": "val.csv", "loss": "mse", "baseline": "b.json", key: ""}
    expect_error(cli("check", write_config(proj, check)), f"check #1 ('c'): key '{key}' is an empty path")


# --------------------------------------------------- 5. overflowing sums ----


def _contract(name: str) -> object:
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_trust_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONTRACTS = [_contract("test_losses_contract"), _contract("test_losses_classification_contract")]


def make_inputs(name: str, n: int) -> list[np.ndarray]:
    """Valid inputs for ``name`` from the registry-wide contract tests' generators."""
    for module in CONTRACTS:
        if name in {case[0] for case in module.CASES}:  # type: ignore[attr-defined]
            return [np.asarray(a) for a in module.make_inputs(name, {}, 3, n=n)]  # type: ignore[attr-defined]
    raise AssertionError(f"no input generator covers {name}")


#: the command-line option of each input role (the kernel's role names)
ROLE_OPTIONS = {"y_true": "label", "y_pred": "pred"}


def write_weighted(path: Path, arrays: list[np.ndarray], w: np.ndarray, loss: str) -> list[str]:
    """A CSV with one column per input column (in the loss's own role order, as the
    contract generators make them); the CLI options naming them."""
    columns: list[tuple[str, np.ndarray]] = []
    options: list[str] = []
    roles = [ROLE_OPTIONS.get(role, role) for role in L.get_loss(loss).inputs]
    for role, values in zip(roles, arrays, strict=False):
        prefix = role[:3] + "x"
        if values.ndim == 1:
            columns.append((prefix, values))
            options += [f"--{role}", prefix]
        else:
            columns += [(f"{prefix}_{j}", values[:, j]) for j in range(values.shape[1])]
            options += [f"--{role}", prefix + "_*"]
    columns.append(("wt", w))
    cells = [[repr(float(v)) for v in values.tolist()] for _, values in columns]
    lines = [",".join(n for n, _ in columns), *(",".join(r) for r in zip(*cells, strict=True))]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return [*options, "--weight", "wt"]


ALL_LOSSES = [spec.name for spec in L.all_losses()]


@pytest.mark.parametrize("loss", ALL_LOSSES)
@pytest.mark.parametrize("weight", [1e308, 9e307])
def test_every_loss_with_weights_summing_past_float64_is_exit_2(cli, tmp_path, expect_error, loss, weight):
    arrays = make_inputs(loss, n=8)
    options = write_weighted(tmp_path / "w.csv", arrays, np.full(8, weight), loss)
    for extra in ([], ["--max", "1e300"], ["-f", "json"]):
        expect_error(
            cli(loss, tmp_path / "w.csv", *options, *extra), f"{loss}: the weight sum Σw overflows float64"
        )


@pytest.mark.parametrize("loss", ALL_LOSSES)
def test_every_loss_with_huge_weights_that_fit_is_exact_or_exit_2(cli, tmp_path, loss):
    """Equal weights whose sum fits in float64 (but Σwℓ may not): the value is the
    unweighted one (a weighted mean is scale-invariant), or a clear exit 2 — never a
    different finite number."""
    arrays = make_inputs(loss, n=8)
    options = write_weighted(tmp_path / "huge.csv", arrays, np.full(8, 2e307), loss)
    unit = write_weighted(tmp_path / "unit.csv", arrays, np.full(8, 1.0), loss)
    huge = cli(loss, tmp_path / "huge.csv", *options, "-f", "value")
    plain = cli(loss, tmp_path / "unit.csv", *unit, "-f", "value")
    assert plain.exit_code == 0, plain.stderr
    if huge.exit_code == 2:
        assert "overflows float64" in huge.stderr and "Traceback" not in huge.stderr
    else:
        assert huge.exit_code == 0, huge.stderr
        assert float(huge.stdout) == pytest.approx(float(plain.stdout), rel=1e-9)


def _weighted_mean(losses: list[Fraction], weights: list[float]) -> float:
    w = [Fraction(x) for x in weights]
    return float(sum(wi * li for wi, li in zip(w, losses, strict=True)) / sum(w))


ISSUE_ROWS = [(1.0, 1.5), (2.0, 2.9)]  # (pred, label)


@pytest.mark.parametrize("loss", ["mape", "smape", "quantile", "log-cosh", "mse", "mae"])
def test_the_issue_example_weights_1e308_are_exit_2_not_0(cli, write_file, expect_error, loss):
    path = write_file("w.csv", "pred,label,w\n" + "".join(f"{p},{y},1e308\n" for p, y in ISSUE_ROWS))
    expect_error(cli(loss, path, "--weight", "w", "--max", "0.1"), "overflows float64", "weight column 'w'")


def test_large_weights_whose_sums_fit_give_the_exact_value(cli, write_file):
    """1e308 and 5e307 sum to 1.5e308 < float64 max: mape is exact (reference in fractions)."""
    weights = [1e308, 5e307]
    path = write_file(
        "w.csv",
        "pred,label,w\n" + "".join(f"{p},{y},{w!r}\n" for (p, y), w in zip(ISSUE_ROWS, weights, strict=True)),
    )
    losses = [abs(Fraction(y) - Fraction(p)) / abs(Fraction(y)) for p, y in ISSUE_ROWS]
    result = cli("mape", path, "--weight", "w", "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert float(result.stdout) == pytest.approx(_weighted_mean(losses, weights), rel=1e-12)


def test_a_weighted_loss_sum_that_overflows_is_exit_2(cli, write_file, expect_error):
    """Σw = 1.5e308 fits but Σwℓ = 3e308 does not."""
    path = write_file("w.csv", "pred,label,w\n0,2,1e308\n0,2,5e307\n")
    expect_error(cli("mae", path, "--weight", "w"), "the weighted loss sum Σwℓ overflows float64")


def test_r2_label_moments_whose_square_overflows_stay_exact(cli, write_file):
    """Σw(y − K) = 1e155 (its square overflows) while SST = 5e299 fits: r2 = 0.5."""
    path = write_file("r.csv", "pred,label,w\n0,0,1e10\n5e144,1e145,1e10\n")
    y = [Fraction(0), Fraction(1e145)]
    p = [Fraction(0), Fraction(5e144)]
    w = [Fraction(1e10)] * 2
    mean = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    sst = sum(wi * (yi - mean) ** 2 for wi, yi in zip(w, y, strict=True))
    sse = sum(wi * (yi - pi) ** 2 for wi, yi, pi in zip(w, y, p, strict=True))
    result = cli("r2", path, "--weight", "w", "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert float(result.stdout) == pytest.approx(float(1 - sse / sst), rel=1e-12)


def test_label_moments_that_overflow_are_exit_2(cli, write_file, expect_error):
    path = write_file("r.csv", "pred,label,w\n0,0,1e300\n1e5,1e5,1e300\n")
    expect_error(cli("r2", path, "--weight", "w"), "r2: the ", "overflows float64")


def test_weights_summing_past_float64_over_many_blocks_are_exit_2(cli, tmp_path, expect_error):
    """Block sums that are finite alone but overflow together (Shewchuk partials hold ±inf)."""
    n = 3 * 4096
    w = np.full(n, 1e308 / 4096 * 0.9)
    path = tmp_path / "w.csv"
    path.write_text("pred,label,w\n" + "".join(f"1,2,{x!r}\n" for x in w.tolist()), encoding="ascii")
    expect_error(cli("mse", path, "--weight", "w"), "the weight sum Σw overflows float64")


# --------------------------------------- 6. what a config may point at ----


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """tmp_path/outside/val.csv and b.json: beside the project, not under it."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "val.csv").write_text(VAL, encoding="utf-8")
    (folder / "b.json").write_text(json.dumps({"mse": 10.0}), encoding="utf-8")
    return folder


def test_a_config_pointing_at_proc_self_environ_is_refused(cli, proj, expect_error):
    path = write_config(proj, {**GOOD, "file": "/proc/self/environ"})
    err = expect_error(
        cli("check", path), "check #1 ('first'): key 'file' points outside the config's folder"
    )
    assert "--allow-outside" in err and "PATH=" not in err and "HOME" not in err


@pytest.mark.parametrize(
    ("key", "where"),
    [
        ("file", "../outside/val.csv"),
        ("file", "ABS"),
        ("baseline", "../outside/b.json"),
        ("file", "/etc/passwd"),
    ],
)
def test_a_path_outside_the_config_folder_is_refused_unless_allowed(
    cli, proj, outside, expect_error, monkeypatch, key, where
):
    target = str(outside / ("val.csv" if key == "file" else "b.json")) if where == "ABS" else where
    check = {**GOOD, key: target}
    path = write_config(proj, check)
    expect_error(cli("check", path), f"key '{key}' points outside the config's folder", "--allow-outside")
    if where != "/etc/passwd":
        result = cli("check", path, "--allow-outside")
        assert result.exit_code == 0, result.stderr
        result = cli("check", path, env={"LOSSCLI_ALLOW_OUTSIDE": "1"})
        assert result.exit_code == 0, result.stderr


def test_absolute_paths_inside_the_tree_and_subfolders_are_fine(cli, proj):
    (proj / "data").mkdir()
    shutil.copy(proj / "val.csv", proj / "data" / "v.csv")
    (proj / "b.json").write_text(json.dumps({"mse": 10.0}), encoding="utf-8")
    checks = [
        {"name": "abs", "file": str(proj / "val.csv"), "loss": "mse", "baseline": str(proj / "b.json")},
        {"name": "sub", "file": "data/v.csv", "loss": "mse", "max": 10},
        {"name": "dot", "file": "./data/../val.csv", "loss": "mse", "max": 10},
    ]
    result = cli("check", write_config(proj, *checks))
    assert result.exit_code == 0, result.stderr


def test_a_symlink_inside_the_tree_pointing_outside_is_refused(cli, proj, outside, expect_error):
    (proj / "link.csv").symlink_to(outside / "val.csv")
    expect_error(cli("check", write_config(proj, {**GOOD, "file": "link.csv"})), "points outside")
    (proj / "env.csv").symlink_to("/proc/self/environ")
    expect_error(cli("check", write_config(proj, {**GOOD, "file": "env.csv"})), "points outside")
    (proj / "data").mkdir()
    (proj / "data" / "x.csv").symlink_to(outside / "val.csv")
    for file in ("data/*.csv", "data"):  # a glob match or a directory entry that leaves the tree
        expect_error(cli("check", write_config(proj, {**GOOD, "file": file})), "points outside")


def test_a_symlinked_folder_pointing_outside_is_refused(cli, proj, outside, expect_error):
    (proj / "ext").symlink_to(outside, target_is_directory=True)
    expect_error(cli("check", write_config(proj, {**GOOD, "file": "ext/val.csv"})), "points outside")


def test_a_fifo_or_device_in_the_tree_is_refused(cli, proj, expect_error):
    os.mkfifo(proj / "pipe.csv")
    expect_error(cli("check", write_config(proj, {**GOOD, "file": "pipe.csv"})), "a device, FIFO or socket")
    expect_error(
        cli("check", write_config(proj, {**GOOD, "baseline": "pipe.csv"})),
        "key 'baseline' points at a device",
    )
    (proj / "zero").symlink_to("/dev/zero")
    expect_error(cli("check", write_config(proj, {**GOOD, "baseline": "zero"})), "points outside")


def test_a_command_line_baseline_outside_is_trusted(cli, proj, outside):
    result = cli("mse", proj / "val.csv", "--baseline", outside / "b.json")
    assert result.exit_code == 0, result.stderr


def test_the_config_folder_is_where_the_config_really_is(cli, tmp_path, proj, outside):
    """A config reached through a symlinked folder may point only under its real folder."""
    (tmp_path / "alias").symlink_to(proj, target_is_directory=True)
    write_config(proj, GOOD)
    result = cli("check", tmp_path / "alias" / "losscli.toml")
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------- 7. messages ----


def test_join_keys_that_never_match_say_so_not_nan_drop(cli, write_file, expect_error):
    preds = write_file("preds.csv", "id,pred\n1,0.5\n2,0.7\n")
    truth = write_file("truth.csv", "id,label\n10,1\n20,2\n")
    err = expect_error(cli("mse", preds, "--labels", truth, "--on", "id"), "none of its 2 rows has a label")
    assert "--nan drop" not in err and "key 'id'" in err


def test_join_misses_and_nan_drop_are_both_named(cli, write_file, expect_error):
    preds = write_file("preds.csv", "id,pred\n1,\n2,0.7\n")
    truth = write_file("truth.csv", "id,label\n1,1\n30,2\n")
    expect_error(
        cli("mse", preds, "--labels", truth, "--on", "id", "--nan", "drop"),
        "1 rows have no label",
        "the other 1 were dropped (--nan drop)",
    )


def test_rows_dropped_by_nan_drop_still_say_nan_drop(cli, write_file, expect_error):
    path = write_file("n.csv", "pred,label\n,1\nnan,2\n")
    expect_error(cli("mse", path, "--nan", "drop"), "all 2 rows were dropped (--nan drop)")
