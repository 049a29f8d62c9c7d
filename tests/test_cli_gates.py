"""``eval`` (several losses, one read) and the gates of SPEC §5/§8 on loss commands and eval:
``--max``/``--min``, ``--baseline`` with ``--rtol``/``--atol``, ``--exit-zero``,
``--write-baseline``, ``--junit`` and ``--summary-file``.

Reference values come from NumPy/scikit-learn, never from losscli's output.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from sklearn.metrics import mean_squared_error, r2_score

pytestmark = pytest.mark.smoke  # also in the README's fresh-copy run (tests/README.md)


def huber(y: np.ndarray, p: np.ndarray, delta: float) -> np.ndarray:
    d = np.abs(p - y)
    return np.where(d <= delta, 0.5 * d * d, delta * (d - 0.5 * delta))


@pytest.fixture(scope="module")
def yp(sample_df) -> tuple[np.ndarray, np.ndarray]:
    return sample_df["label"].to_numpy(float), sample_df["pred"].to_numpy(float)


@pytest.fixture(scope="module")
def ref(yp) -> dict[str, float]:
    y, p = yp
    return {
        "mse": float(mean_squared_error(y, p)),
        "r2": float(r2_score(y, p)),
        "huber": float(huber(y, p, 2.0).mean()),
    }


def lines(text: str) -> list[str]:
    return text.splitlines()


def leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


# -------------------------------------------------------------------- eval ----


def test_eval_json_has_one_result_per_loss_in_order(cli, sample_csv, ref, count_reads):
    result = cli("eval", sample_csv, "-l", "mse", "-l", "huber:delta=2", "-l", "r2", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    # named with the parameters that differ from the defaults (README, issue 13 §4)
    assert [r["loss"] for r in data["results"]] == ["mse", "huber(delta=2.0)", "r2"]
    assert data["results"][1]["params"] == {"delta": 2.0}
    for entry in data["results"]:
        assert entry["value"] == pytest.approx(ref[entry["loss"].partition("(")[0]], rel=1e-12)
        assert entry["count"] == 442
    assert data["results"][2]["higher_is_better"] is True
    assert data["passed"] is True and "checks" not in data
    name = os.path.basename(sample_csv)
    assert count_reads["opened"] == {name: 1} and count_reads["reads"] == {name: 1}


def test_eval_csv_has_one_loss_column_per_loss(cli, sample_csv, yp):
    """loss_<name> per loss whose value is the mean of its per-sample losses; r2's
    per-sample values are the squared error, in a column named so (issue 13 §1)."""
    y, p = yp
    result = cli("eval", sample_csv, "-l", "mse", "-l", "huber:delta=2", "-l", "r2", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 442
    assert {"loss_mse", "loss_huber(delta=2.0)", "squared_error"} <= set(rows[0]) and "loss_r2" not in rows[0]
    np.testing.assert_allclose([float(r["loss_mse"]) for r in rows], (p - y) ** 2, rtol=1e-12)
    huber_2 = [float(r["loss_huber(delta=2.0)"]) for r in rows]
    np.testing.assert_allclose(huber_2, huber(y, p, 2.0), rtol=1e-12)
    np.testing.assert_allclose([float(r["squared_error"]) for r in rows], (p - y) ** 2, rtol=1e-12)


def test_eval_same_loss_twice_gets_distinct_columns(cli, sample_csv, yp):
    y, p = yp
    result = cli("eval", sample_csv, "-l", "huber:delta=2", "-l", "huber:delta=5", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    reader = csv.reader(io.StringIO(result.stdout))
    header = next(reader)
    loss_columns = [h for h in header if h.startswith("loss")]
    assert len(loss_columns) == 2 and len(set(loss_columns)) == 2, header
    body = np.array([[float(row[header.index(c)]) for c in loss_columns] for row in reader])
    np.testing.assert_allclose(body[:, 0], huber(y, p, 2.0), rtol=1e-12)
    np.testing.assert_allclose(body[:, 1], huber(y, p, 5.0), rtol=1e-12)


def test_eval_value_format_is_name_tab_value(cli, sample_csv, ref):
    result = cli("eval", sample_csv, "-l", "mse", "-l", "r2", "-f", "value")
    assert result.exit_code == 0, result.stderr
    pairs = [line.split("\t") for line in lines(result.stdout)]
    assert [name for name, _ in pairs] == ["mse", "r2"]
    for name, value in pairs:
        assert float(value) == pytest.approx(ref[name], rel=1e-12)


@pytest.mark.parametrize(("spec", "needle"), [("nope", "'nope'"), ("huber:delta", "huber:delta")])
def test_eval_unknown_loss_or_bad_parameter_syntax_is_exit_2(cli, sample_csv, expect_error, spec, needle):
    expect_error(cli("eval", sample_csv, "-l", "mse", "-l", spec), needle)


# ----------------------------------------------------------- max / min gates ----


@pytest.mark.parametrize(
    ("loss", "option", "limit", "code"),
    [
        ("mse", "--max", "2000", 1),
        ("mse", "--max", "3000", 0),
        ("mse", "--max", "EXACT", 0),
        ("r2", "--min", "0.6", 1),
        ("r2", "--min", "0.4", 0),
        ("r2", "--min", "EXACT", 0),
    ],
)
def test_max_min_on_a_loss_command(cli, sample_csv, ref, loss, option, limit, code):
    limit = repr(ref[loss]) if limit == "EXACT" else limit  # boundary equality passes
    result = cli(loss, sample_csv, option, limit, "-f", "json")
    assert result.exit_code == code, result.stderr
    (verdict,) = lines(result.stderr)
    assert verdict.startswith(("FAIL " if code else "PASS ") + loss), verdict
    assert f"{ref[loss]:.6g}" in verdict and option[2:] in verdict
    data = json.loads(result.stdout)
    (check,) = data["checks"]
    assert check["loss"] == loss and check["kind"] == option[2:]
    assert check["limit"] == float(limit) and check["baseline"] is None
    assert check["value"] == pytest.approx(ref[loss], rel=1e-12)
    assert check["passed"] is (code == 0) and data["passed"] is (code == 0)


def test_eval_repeatable_gates_per_loss(cli, sample_csv):
    args = ("--max", "mse=2000", "--max", "huber=100", "--min", "r2=0.4")
    result = cli("eval", sample_csv, "-l", "mse", "-l", "huber:delta=2", "-l", "r2", *args, "-f", "json")
    assert result.exit_code == 1
    err = lines(result.stderr)
    assert [line for line in err if line.startswith("FAIL")] == ["FAIL mse 2978.69 > max 2000"]
    assert sum(line.startswith("PASS") for line in err) == 2
    data = json.loads(result.stdout)
    assert [(c["loss"], c["kind"], c["limit"], c["passed"]) for c in data["checks"]] == [
        ("mse", "max", 2000.0, False),
        ("huber(delta=2.0)", "max", 100.0, True),  # --max huber=…: the only huber of the run
        ("r2", "min", 0.4, True),
    ]
    assert data["passed"] is False


def test_exit_zero_reports_but_exits_0(cli, sample_csv, ref):
    result = cli("mse", sample_csv, "--max", "2000", "--exit-zero", "-f", "value")
    assert result.exit_code == 0
    assert float(result.stdout) == pytest.approx(ref["mse"], rel=1e-12)
    assert lines(result.stderr)[0].startswith("FAIL mse")


def test_nan_or_inf_value_never_passes():
    """A NaN value cannot be produced through the CLI (it is exit 2 first): the gate itself."""
    from losscli.checks import Gate, run_gate

    gates = [
        Gate("mse", "max", limit=math.inf),
        Gate("mse", "min", limit=-math.inf),
        Gate("mse", "baseline", baseline=1.0, rtol=math.inf),
    ]
    for value in (math.nan, math.inf, -math.inf):
        for gate in gates:
            assert run_gate(gate, value, higher_is_better=False).passed is False, (gate, value)


def test_overflowing_loss_is_a_clean_error_not_a_pass(run_cli, write_file, expect_error):
    path = write_file("huge.csv", "pred,label\n1e200,0\n3,2\n")
    expect_error(run_cli("mse", path, "--max", "1e308"), "not finite")


# ---------------------------------------------------------------- baselines ----


def flat(tmp_path, **values: float) -> str:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(values))
    return str(path)


def test_write_baseline_then_compare_passes_unchanged(cli, sample_csv, tmp_path, ref):
    target = tmp_path / "base.json"
    result = cli("eval", sample_csv, "-l", "mse", "-l", "r2", "--write-baseline", target, "-f", "value")
    assert result.exit_code == 0, result.stderr
    data = json.loads(target.read_text())
    assert {"losscli_version", "source", "columns", "results", "passed"} <= set(data)
    assert [r["loss"] for r in data["results"]] == ["mse", "r2"]
    assert data["results"][0]["value"] == pytest.approx(ref["mse"], rel=1e-12)
    assert leftovers(tmp_path) == []
    again = cli("eval", sample_csv, "-l", "mse", "-l", "r2", "--baseline", target, "-f", "json")
    assert again.exit_code == 0, again.stderr
    checks = json.loads(again.stdout)["checks"]
    assert [(c["loss"], c["kind"], c["passed"]) for c in checks] == [
        ("mse", "baseline", True),
        ("r2", "baseline", True),
    ]
    assert all(line.startswith("PASS") for line in lines(again.stderr))


# (loss, tolerance options, baseline from the true value v, passes?)
# mse is lower-is-better: worse = v − base; r2 is higher-is-better: worse = base − v.
TOLERANCES = [
    ("mse", (), lambda v: v, True),
    ("mse", (), lambda v: v * (1 - 1e-9), False),
    ("mse", (), lambda v: v * (1 + 1e-3), True),
    ("mse", ("--rtol", "0.05"), lambda v: v / 1.05 * (1 + 1e-6), True),
    ("mse", ("--rtol", "0.05"), lambda v: v / 1.05 * (1 - 1e-6), False),
    ("mse", ("--rtol", "5%"), lambda v: v / 1.05 * (1 + 1e-6), True),
    ("mse", ("--rtol", "5%"), lambda v: v / 1.05 * (1 - 1e-6), False),
    ("mse", ("--atol", "10"), lambda v: v - 9.99, True),
    ("mse", ("--atol", "10"), lambda v: v - 10.01, False),
    ("mse", ("--atol", "200", "--rtol", "0.01"), lambda v: v - 199, True),
    ("mse", ("--atol", "200", "--rtol", "0.01"), lambda v: v - 201, False),
    ("mse", ("--atol", "1", "--rtol", "0.05"), lambda v: v / 1.05 * (1 + 1e-6), True),
    ("r2", (), lambda v: v, True),
    ("r2", (), lambda v: v * (1 + 1e-9), False),
    ("r2", (), lambda v: v * (1 - 1e-3), True),
    ("r2", ("--rtol", "0.05"), lambda v: v / 0.95 * (1 - 1e-6), True),
    ("r2", ("--rtol", "0.05"), lambda v: v / 0.95 * (1 + 1e-6), False),
    ("r2", ("--rtol", "5%"), lambda v: v / 0.95 * (1 + 1e-6), False),
    ("r2", ("--atol", "0.01"), lambda v: v + 0.0099, True),
    ("r2", ("--atol", "0.01"), lambda v: v + 0.0101, False),
    ("r2", ("--atol", "0.01", "--rtol", "0.05"), lambda v: v / 0.95 * (1 - 1e-6), True),
]


@pytest.mark.parametrize(("loss", "tolerance", "base_of", "passes"), TOLERANCES)
def test_baseline_tolerance(cli, sample_csv, tmp_path, ref, loss, tolerance, base_of, passes):
    base = base_of(ref[loss])
    result = cli(loss, sample_csv, "--baseline", flat(tmp_path, **{loss: base}), *tolerance, "-f", "json")
    assert result.exit_code == (0 if passes else 1), result.stderr
    (verdict,) = lines(result.stderr)
    assert verdict.startswith(f"{'PASS' if passes else 'FAIL'} {loss}"), verdict
    (check,) = json.loads(result.stdout)["checks"]
    assert check["kind"] == "baseline" and check["passed"] is passes
    assert check["baseline"] == pytest.approx(base, rel=1e-15)


def test_loss_missing_from_the_baseline(cli, sample_csv, tmp_path, ref):
    base = flat(tmp_path, mse=ref["mse"])
    result = cli("eval", sample_csv, "-l", "mse", "-l", "r2", "--baseline", base, "-f", "json")
    assert result.exit_code == 1
    assert [line.split()[:2] for line in lines(result.stderr)] == [["PASS", "mse"], ["FAIL", "r2"]]
    allowed = cli("eval", sample_csv, "-l", "mse", "-l", "r2", "--baseline", base, "--allow-missing-baseline")
    assert allowed.exit_code == 0, allowed.stderr


def test_failed_run_writes_no_baseline_and_keeps_the_old_one(cli, write_file, tmp_path, expect_error):
    bad = write_file("bad.csv", "pred,label\n1,2\n3,x\n")
    expect_error(cli("mse", bad, "--write-baseline", tmp_path / "new.json"), "row 2")
    assert not (tmp_path / "new.json").exists()
    old = tmp_path / "old.json"
    old.write_text('{"mse": 1.0}')
    expect_error(cli("mse", bad, "--write-baseline", old), "row 2")
    assert old.read_text() == '{"mse": 1.0}'
    assert leftovers(tmp_path) == []


# ------------------------------------------------------- junit and summary ----


def test_junit_one_testcase_per_gate_with_failure_details(cli, sample_csv, tmp_path, ref):
    junit = tmp_path / "junit.xml"
    base = flat(tmp_path, mse=ref["mse"] / 2)
    result = cli(
        "eval", sample_csv, "-l", "mse", "-l", "r2", "--max", "mse=2000", "--min", "r2=0.4",
        "--baseline", base, "--allow-missing-baseline", "--junit", junit, "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["checks"]
    assert len(checks) == 4
    root = ET.parse(junit).getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == len(checks)
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == sum(not c["passed"] for c in checks) == 2
    text = " ".join(f"{c.find('failure').get('message')} {c.find('failure').text}" for c in failed)
    assert "2000" in text  # the limit
    assert repr(ref["mse"]) in text or f"{ref['mse']:.6g}" in text  # the value
    assert repr(ref["mse"] / 2) in text or f"{ref['mse'] / 2:.6g}" in text  # the baseline


def test_summary_file_is_appended_on_exit_1(cli, sample_csv, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    result = cli("mse", sample_csv, "--max", "2000", "--summary-file", summary, "-f", "value")
    assert result.exit_code == 1
    text = summary.read_text()
    assert text.startswith("# earlier step\n")
    assert "| mse |" in text and "FAIL" in text


def test_nothing_is_reported_on_exit_2(cli, write_file, tmp_path, expect_error):
    bad = write_file("bad.csv", "pred,label\n1,2\n3,x\n")
    summary, junit = tmp_path / "summary.md", tmp_path / "junit.xml"
    summary.write_text("# earlier step\n")
    result = cli("mse", bad, "--max", "1", "--summary-file", summary, "--junit", junit)
    expect_error(result, "row 2")
    assert summary.read_text() == "# earlier step\n"
    assert not junit.exists()
    assert leftovers(tmp_path) == []
