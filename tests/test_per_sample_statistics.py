"""Issue 13 §1: for losses whose value is not the mean of their per-sample values ℓ (rmse,
r2, rmsle, max-error — found from the registry's finalizers), the per-sample values
and their statistics are named for what they are (``squared_error``, ``squared error``)
in every format, never shown as a loss of their own; ``loss``/``loss_<name>`` (SPEC §8)
stays for every loss whose value is the mean of its ℓ.

Expected numbers come from NumPy on the sample file, never from losscli's output.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from losscli.losses import all_losses
from losscli.spec import finalize_mean

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"

pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def ell(sample_df) -> dict[str, np.ndarray]:
    """The per-sample quantities, by name, from NumPy."""
    y, p = sample_df["label"].to_numpy(float), sample_df["pred"].to_numpy(float)
    return {
        "squared_error": (p - y) ** 2,
        "absolute_error": np.abs(p - y),
        "squared_log_error": (np.log1p(p) - np.log1p(y)) ** 2,
    }


def _csv(result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_the_losses_with_a_per_sample_name_are_those_whose_value_is_not_a_mean():
    """From the finalizers (not a list kept in the renderer): every loss whose finalizer is
    not the weighted mean names its ℓ after its kernel, which a mean loss shares."""
    named = {s.name: s.per_sample for s in all_losses() if s.per_sample and not s.state}
    assert named == {  # LOSSES.md: √mean, 1 − SSE/SST, √mean, max
        "rmse": "squared_error",
        "r2": "squared_error",
        "rmsle": "squared_log_error",
        "max-error": "absolute_error",
    }
    for spec in all_losses():
        assert bool(spec.per_sample) == (spec.finalize is not finalize_mean), spec.name
        if spec.per_sample and not spec.state:  # a summary's ℓ (the score ranked) is no loss's
            twins = [s.name for s in all_losses() if s.kernel == spec.kernel and not s.per_sample]
            assert twins, spec.name  # mse, msle, mae: the same ℓ as a loss of its own


def test_eval_csv_names_shared_per_sample_values_once(cli, sample_csv, ell):
    rows = _csv(cli("eval", sample_csv, "-l", "mse", "-l", "r2", "-l", "rmse", "-f", "csv"))
    assert list(rows[0]) == ["row", "pred", "label", "loss_mse", "squared_error"]
    for column in ("loss_mse", "squared_error"):
        np.testing.assert_allclose([float(r[column]) for r in rows], ell["squared_error"], rtol=1e-12)


def test_each_per_sample_quantity_has_its_column(cli, sample_csv, ell):
    rows = _csv(cli("eval", sample_csv, "-l", "max-error", "-l", "rmsle", "-l", "mae", "-f", "csv"))
    assert list(rows[0]) == ["row", "pred", "label", "absolute_error", "squared_log_error", "loss_mae"]
    for column in ("absolute_error", "squared_log_error"):
        np.testing.assert_allclose([float(r[column]) for r in rows], ell[column], rtol=1e-12)
    np.testing.assert_allclose([float(r["loss_mae"]) for r in rows], ell["absolute_error"], rtol=1e-12)


def test_one_loss_keeps_loss_unless_its_value_is_not_a_mean(cli, sample_csv, ell, tmp_path):
    assert list(_csv(cli("mse", sample_csv, "-f", "csv"))[0])[-1] == "loss"  # SPEC §8
    rows = _csv(cli("rmse", sample_csv, "-f", "csv"))
    assert list(rows[0])[-1] == "squared_error"
    np.testing.assert_allclose([float(r["squared_error"]) for r in rows], ell["squared_error"], rtol=1e-12)
    out = tmp_path / "r2.csv"
    assert cli("r2", sample_csv, "-o", out, "-f", "value").exit_code == 0
    assert out.read_text().splitlines()[0] == "row,pred,label,squared_error"
    first = json.loads(cli("r2", sample_csv, "-f", "jsonl").stdout.splitlines()[0])
    assert set(first) == {"row", "pred", "label", "squared_error"}
    assert first["squared_error"] == pytest.approx(ell["squared_error"][0], rel=1e-12)


def test_json_says_what_mean_and_quantiles_are_of(cli, sample_csv, ell):
    result = cli("eval", sample_csv, "-l", "mse", "-l", "r2", "-l", "max-error", "-l", "rmsle", "-f", "json")
    assert result.exit_code == 0, result.stderr
    found = {r["loss"]: r for r in json.loads(result.stdout)["results"]}
    assert "per_sample" not in found["mse"]  # its mean is its value
    for loss, quantity in (
        ("r2", "squared_error"),
        ("max-error", "absolute_error"),
        ("rmsle", "squared_log_error"),
    ):
        assert found[loss]["per_sample"] == quantity
        assert found[loss]["mean"] == pytest.approx(ell[quantity].mean(), rel=1e-12)
        assert found[loss]["sum"] == pytest.approx(ell[quantity].sum(), rel=1e-12)
        assert found[loss]["quantiles"]["max"] == pytest.approx(ell[quantity].max(), rel=1e-12)
    assert found["max-error"]["value"] == pytest.approx(ell["absolute_error"].max(), rel=1e-12)


def test_value_lines_keep_the_loss_names(cli, sample_csv):
    result = cli("eval", sample_csv, "-l", "mse", "-l", "r2", "-l", "rmse", "-f", "value")
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["mse", "r2", "rmse"]


def _markdown_rows(text: str) -> dict[str, dict[str, str]]:
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def test_markdown_labels_the_per_sample_statistics(cli, sample_csv, ell):
    result = cli("eval", sample_csv, "-l", "max-error", "-l", "r2", "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    rows = _markdown_rows(result.stdout)
    assert list(rows) == ["max-error", "r2", "absolute error", "squared error"]
    for loss in ("max-error", "r2"):
        assert all(rows[loss][h] == "" for h in ("mean", "sum", "p50", "p90", "p99", "max"))
    for label, quantity in (("absolute error", "absolute_error"), ("squared error", "squared_error")):
        assert rows[label]["value"] == ""
        assert float(rows[label]["mean"]) == pytest.approx(ell[quantity].mean(), rel=5e-6)
        assert float(rows[label]["max"]) == pytest.approx(ell[quantity].max(), rel=5e-6)
        assert rows[label]["count"] == "442"
    assert "max-error: not a mean; computed from each sample's absolute error" in result.stdout


def test_markdown_says_each_thing_once_with_mse(cli, sample_csv, ell):
    result = cli("eval", sample_csv, "-l", "mse", "-l", "r2", "-l", "rmse", "-f", "markdown")
    rows = _markdown_rows(result.stdout)
    assert list(rows) == ["mse", "r2", "rmse"]  # no squared error row: mse's row has its statistics
    assert "mean" not in rows["mse"]  # no column repeating the value
    assert float(rows["mse"]["value"]) == pytest.approx(ell["squared_error"].mean(), rel=5e-6)
    assert rows["r2"]["p50"] == rows["rmse"]["max"] == ""
    assert "r2, rmse: not a mean; computed from each sample's squared error, summarised in the mse row" in (
        result.stdout
    )


def test_plain_text_labels_them_too(run_cli, sample_csv):
    """A pipe gets the same content as a terminal: plain aligned text."""
    done = run_cli("rmse", sample_csv, "--worst", "2")
    text = done.stdout.decode()
    assert done.returncode == 0, done.stderr
    lines = text.splitlines()
    assert any(line.split() == ["row", "pred", "label", "squared_error"] for line in lines), text
    assert any(line.startswith("squared error ") for line in lines), text
    assert "worst 2 rows by squared_error" in text
    assert (
        "rmse: not a mean; computed from each sample's squared error, summarised in the squared error row"
        in text
    )
    assert "squared error per-sample distribution:" in text


def test_worst_rows_rank_by_a_column_the_table_shows(run_cli, sample_csv, ell):
    done = run_cli("eval", sample_csv, "-l", "r2", "-l", "mse", "--worst", "3")
    text = done.stdout.decode()
    assert "worst 3 rows by loss_mse" in text, text
    worst = text.split("worst 3 rows by loss_mse", 1)[1].splitlines()[2:5]
    rows = [int(line.split()[0]) for line in worst]
    assert rows == [int(i) + 1 for i in np.argsort(-ell["squared_error"], kind="stable")[:3]]


def test_worst_rows_of_coverage_are_the_labels_not_covered(cli):
    """coverage's per-sample value is 1 for a covered label: its worst rows are the 0s,
    the first ones by row number (ties keep the earlier row), not the covered ones."""
    frame = pd.read_csv(SAMPLE_DATA / "diabetes_forecast.csv")
    outside = ~((frame["lower"] <= frame["label"]) & (frame["label"] <= frame["upper"]))
    expected = [int(i) + 1 for i in np.flatnonzero(outside.to_numpy())[:4]]
    table = cli(
        "coverage", SAMPLE_DATA / "diabetes_forecast.csv", "--worst", "4", "--rows", "0", "--color", "never"
    )
    assert "worst 4 rows by loss (lowest)" in table.stdout
    shown = table.stdout.split("worst 4 rows by loss (lowest)", 1)[1].splitlines()[2:6]
    assert [int(line.split()[0]) for line in shown] == expected


@pytest.mark.parametrize("loss", ["roc-auc", "pr-auc"])
def test_worst_rows_of_a_ranking_metric_are_refused(cli, expect_error, loss):
    """ROC-AUC's per-sample column is the score it ranks: its highest values are not
    its worst rows, so --worst is exit 2 pointing at a per-sample loss."""
    expect_error(
        cli(loss, SAMPLE_DATA / "breast_cancer_binary.csv", "--worst", "3"),
        f"--worst: {loss}'s per-sample column is the score it ranks, not a loss",
    )
    done = cli("eval", SAMPLE_DATA / "breast_cancer_binary.csv", "-l", "bce", "-l", loss, "--worst", "3")
    assert done.exit_code == 0 and "worst 3 rows by loss_bce" in done.stdout
