"""``losscli check`` (SPEC §5, §8): config discovery, verdicts, formats, reports, one read
per file, invalid configs (exit 2) and the precedence flag > LOSSCLI_* env > config."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_squared_error, r2_score

pytestmark = pytest.mark.smoke  # also in the README's fresh-copy run (tests/README.md)

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"

CHECKS = """
[[check]]
name = "val/mse"
file = "data/val.csv"
loss = "mse"
max = {mse_max}

[[check]]
name = "val/huber"
file = "data/val.csv"
loss = "huber"
delta = 2
max = 100

[[check]]
name = "val/r2"
file = "data/val.csv"
loss = "r2"
min = 0.4

[[check]]
name = "bc/bce"
file = "data/bc.csv"
loss = "bce"
pred = "prob"
max = 0.5
"""
NAMES = ["val/mse", "val/huber", "val/r2", "bc/bce"]
LOSSCLI_ENV = (
    "LOSSCLI_CONFIG",
    "LOSSCLI_RTOL",
    "LOSSCLI_ATOL",
    "LOSSCLI_EXIT_ZERO",
    "LOSSCLI_ALLOW_MISSING_BASELINE",
)


@pytest.fixture(autouse=True)
def no_losscli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LOSSCLI_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ref(sample_df) -> dict[str, float]:
    y, p = sample_df["label"].to_numpy(float), sample_df["pred"].to_numpy(float)
    d = np.abs(p - y)
    bc = np.genfromtxt(SAMPLE_DIR / "breast_cancer_binary.csv", delimiter=",", names=True)
    return {
        "val/mse": float(mean_squared_error(y, p)),
        "val/huber": float(np.where(d <= 2, 0.5 * d * d, 2 * (d - 1)).mean()),
        "val/r2": float(r2_score(y, p)),
        "bc/bce": float(log_loss(bc["label"], bc["prob"])),
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """tmp_path/data/{val,bc}.csv and an empty tmp_path/sub/deep to run from."""
    (tmp_path / "data").mkdir()
    shutil.copy(SAMPLE_DIR / "diabetes_regression.csv", tmp_path / "data" / "val.csv")
    shutil.copy(SAMPLE_DIR / "breast_cancer_binary.csv", tmp_path / "data" / "bc.csv")
    (tmp_path / "sub" / "deep").mkdir(parents=True)
    return tmp_path


def config(project: Path, mse_max: float = 3000, name: str = "losscli.toml") -> Path:
    path = project / name
    path.write_text(CHECKS.format(mse_max=mse_max), encoding="utf-8")
    return path


def verdicts(stderr: str) -> list[tuple[str, str]]:
    return [tuple(line.split()[:2]) for line in stderr.splitlines()]


# ------------------------------------------------------- verdicts, discovery ----


def test_all_pass_exits_0_with_pass_lines(cli, project, monkeypatch):
    config(project)
    monkeypatch.chdir(project / "sub" / "deep")  # discovered walking up
    result = cli("check")
    assert result.exit_code == 0, result.stderr
    assert verdicts(result.stderr) == [("PASS", name) for name in NAMES]
    for name in NAMES:
        assert name in result.stdout
    assert "\x1b[" not in result.stdout


def test_one_failing_check_exits_1(cli, project, monkeypatch, ref):
    monkeypatch.chdir(project)
    config(project, mse_max=2000)
    result = cli("check")
    assert result.exit_code == 1
    assert verdicts(result.stderr) == [("FAIL", "val/mse"), *(("PASS", n) for n in NAMES[1:])]
    fail = result.stderr.splitlines()[0]
    assert f"{ref['val/mse']:.6g}" in fail and "max 2000" in fail
    zero = cli("check", "--exit-zero")
    assert zero.exit_code == 0
    assert zero.stderr == result.stderr


def test_pyproject_discovery_skips_one_without_tool_losscli(cli, project, monkeypatch):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.losscli]\n'
        + CHECKS.format(mse_max=2000).replace("[[check]]", "[[tool.losscli.check]]")
    )
    (project / "sub" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    monkeypatch.chdir(project / "sub" / "deep")
    result = cli("check", "-f", "json")
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    assert Path(data["config"]).resolve() == (project / "pyproject.toml").resolve()
    assert [c["name"] for c in data["checks"]] == NAMES


@pytest.mark.parametrize("how", ["--config", "positional", "env"])
def test_explicit_config(cli, project, tmp_path_factory, monkeypatch, how):
    path = config(project, mse_max=2000, name="ci-checks.toml")
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    args = {"--config": ("--config", path), "positional": (path,), "env": ()}[how]
    env = {"LOSSCLI_CONFIG": str(path)} if how == "env" else None
    result = cli("check", *args, env=env)
    assert result.exit_code == 1, result.stderr
    assert [v for v, _ in verdicts(result.stderr)] == ["FAIL", "PASS", "PASS", "PASS"]


# ---------------------------------------------------------------- formats ----


def test_json_matches_the_schema(cli, project, monkeypatch, ref):
    monkeypatch.chdir(project / "sub")
    config(project, mse_max=2000)
    result = cli("check", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert list(data) == ["losscli_version", "config", "checks", "passed"]
    assert data["passed"] is False
    keys = ["name", "file", "loss", "params", "value", "kind", "limit", "baseline", "passed", "detail"]
    assert [list(c) for c in data["checks"]] == [keys] * 4
    by_name = {c["name"]: c for c in data["checks"]}
    assert list(by_name) == NAMES
    for name, check in by_name.items():
        assert check["value"] == pytest.approx(ref[name], rel=1e-9)
        folder = "val.csv" if name.startswith("val") else "bc.csv"
        assert (project / "sub" / check["file"]).resolve() == (project / "data" / folder).resolve()
    # a loss is named with the parameters that differ from its defaults (README, issue 13 §4)
    assert [c["loss"] for c in data["checks"]] == ["mse", "huber(delta=2.0)", "r2", "bce"]
    assert [(c["kind"], c["limit"]) for c in data["checks"]] == [
        ("max", 2000), ("max", 100), ("min", 0.4), ("max", 0.5)
    ]  # fmt: skip
    assert [c["passed"] for c in data["checks"]] == [False, True, True, True]
    assert by_name["val/huber"]["params"]["delta"] == 2
    assert all(c["baseline"] is None and isinstance(c["detail"], str) for c in data["checks"])


def test_markdown_is_a_pipe_table(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    config(project, mse_max=2000)
    result = cli("check", "--format", "markdown")
    assert result.exit_code == 1
    table = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(NAMES)
    assert set(table[1].replace("|", "").replace(" ", "")) <= set(":-")
    widths = {line.count("|") for line in table}
    assert len(widths) == 1
    for name, line in zip(NAMES, table[2:], strict=True):
        assert name in line and ("FAIL" if name == "val/mse" else "PASS") in line


def test_junit_format_and_junit_file(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    config(project, mse_max=2000)
    junit = project / "out" / "junit.xml"
    junit.parent.mkdir()
    result = cli("check", "--format", "junit", "--junit", junit)
    assert result.exit_code == 1
    for root in (ET.fromstring(result.stdout.encode()), ET.parse(junit).getroot()):
        cases = root.findall(".//testcase")
        assert [c.get("name") for c in cases] == NAMES
        assert [c.find("failure") is not None for c in cases] == [True, False, False, False]
        assert "2000" in (cases[0].find("failure").text or "") + cases[0].find("failure").get("message", "")


def test_summary_file_appends(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    config(project, mse_max=2000)
    summary = project / "summary.md"
    summary.write_text("# before\n")
    assert cli("check", "--summary-file", summary).exit_code == 1
    assert cli("check", "--summary-file", summary).exit_code == 1
    text = summary.read_text()
    assert text.startswith("# before\n")
    assert text.count("| val/mse |") == 2 and "FAIL" in text


def test_each_file_is_read_once(cli, project, monkeypatch, count_reads):
    monkeypatch.chdir(project)
    config(project)
    assert cli("check").exit_code == 0
    assert count_reads["opened"] == {"val.csv": 1, "bc.csv": 1}
    assert count_reads["reads"] == {"val.csv": 1, "bc.csv": 1}


# ---------------------------------------------------------- invalid configs ----

HEAD = '[[check]]\nname = "c"\nfile = "data/val.csv"\n'

INVALID = {
    "unknown-key": (HEAD + 'loss = "mse"\nmaxx = 1\n', ["'maxx'", "did you mean 'max'"]),
    "max-string": (HEAD + 'loss = "mse"\nmax = "1"\n', ["'max'", "number"]),
    "no-file": ('[[check]]\nloss = "mse"\nmax = 1\n', ["'file'", "required"]),
    "no-loss": (HEAD + "max = 1\n", ["'loss'", "required"]),
    "unknown-loss": (HEAD + 'loss = "msee"\nmax = 1\n', ["'msee'", "did you mean 'mse'"]),
    "param-range": (HEAD + 'loss = "huber"\ndelta = -1\nmax = 1\n', ["delta", "> 0"]),
    "param-type": (HEAD + 'loss = "huber"\ndelta = "abc"\nmax = 1\n', ["delta", '"abc"', "float"]),
    "unknown-param": (HEAD + 'loss = "huber"\nalpha = 1\nmax = 1\n', ["'alpha'"]),
    "no-gate": (HEAD + 'loss = "mse"\n', ["nothing to check", "max, min or baseline"]),
    "rtol-string": (HEAD + 'loss = "mse"\nmax = 1\nrtol = "abc"\n', ["rtol", '"abc"']),
    "bad-toml": ("[[check]\nfile = 1\n", ["not valid TOML", "line 1"]),
    "duplicate-name": (
        HEAD + 'loss = "mse"\nmax = 1\n' + HEAD + 'loss = "mae"\nmax = 1\n',
        ["'c'", "two checks"],
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_config_is_exit_2_naming_file_and_key(cli, project, expect_error, case):
    text, needles = INVALID[case]
    path = project / "losscli.toml"
    path.write_text(text, encoding="utf-8")
    summary = project / "summary.md"
    expect_error(cli("check", path, "--summary-file", summary), "losscli.toml", *needles)
    assert not summary.exists()


# ------------------------------------------------------ baseline precedence ----


def test_tolerance_precedence_flag_env_config(cli, project, monkeypatch, ref):
    """mse is 3% worse than the baseline: rtol 5% passes, 1% fails, none (noise only) fails."""
    monkeypatch.chdir(project)
    (project / "data" / "base.json").write_text(json.dumps({"mse": ref["val/mse"] / 1.03}))
    gate = '[[check]]\nname = "m"\nfile = "data/val.csv"\nloss = "mse"\nbaseline = "data/base.json"\n'
    path = project / "losscli.toml"
    path.write_text(gate)
    assert cli("check").exit_code == 1  # default: float noise only
    path.write_text(gate + "rtol = 0.05\n")
    result = cli("check", "-f", "json")
    assert result.exit_code == 0, result.stderr  # config
    (check,) = json.loads(result.stdout)["checks"]
    assert check["kind"] == "baseline" and check["baseline"] == pytest.approx(ref["val/mse"] / 1.03)
    assert cli("check", env={"LOSSCLI_RTOL": "0.01"}).exit_code == 1  # env beats config
    assert cli("check", "--rtol", "5%", env={"LOSSCLI_RTOL": "0.01"}).exit_code == 0  # flag beats env
    assert cli("check", "--rtol", "1%").exit_code == 1  # flag beats config
