"""``losscli report FILE`` without ``-l`` (issue 16: ``[-l LOSS …]``): the losses of the
file's task, read off its columns and first rows (losscli.report.defaults). Each
sample file's losses are the ones named below, and the values printed equal those of
``losscli eval`` given the same losses by name (so the choice changes nothing but
which losses run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def expect_process_error(done, needle: str) -> None:
    """Exit 2, nothing on stdout, one error line (and a hint) naming ``needle``."""
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert done.stdout == b""
    lines = err.splitlines()
    assert 1 <= len(lines) <= 2 and lines[0].startswith("losscli: error: ") and needle in lines[0], err


@pytest.mark.parametrize(
    ("file", "losses"),
    [
        ("diabetes_regression.csv", ["mse", "mae", "r2"]),
        ("diabetes_regression.parquet", ["mse", "mae", "r2"]),
        ("breast_cancer_binary.csv", ["bce", "brier", "roc-auc", "accuracy", "ece"]),
        ("iris_multiclass.csv", ["cross-entropy", "accuracy", "ece:multi_class=top-label"]),
        ("iris_multiclass_logits.csv", ["cross-entropy:from_logits=true", "accuracy:from_logits=true"]),
        ("diabetes_forecast.csv", ["crps", "quantile", "interval-score", "coverage"]),
    ],
)
def test_the_losses_follow_the_files_task(run_cli, tmp_path, file, losses):
    page = tmp_path / "r.html"
    done = run_cli("report", SAMPLES / file, "-o", page, "--write-baseline", tmp_path / "values.json")
    assert done.returncode == 0, done.stderr.decode()
    assert page.stat().st_size > 0
    baseline = json.loads((tmp_path / "values.json").read_text(encoding="utf-8"))
    written = {r["loss"]: r["value"] for r in baseline["results"]}
    named = run_cli("eval", SAMPLES / file, *[a for loss in losses for a in ("-l", loss)], "-f", "json")
    assert named.returncode == 0, named.stderr.decode()
    expected = {r["loss"]: r["value"] for r in json.loads(named.stdout)["results"]}
    assert written == expected


def test_several_models_ask_for_one(run_cli, tmp_path):
    page = tmp_path / "r.html"
    done = run_cli("report", SAMPLES / "breast_cancer_models.csv", "-o", page)
    expect_process_error(done, "several prediction columns (prob_logreg, prob_nb, prob_tree)")
    assert not page.exists()
    one = run_cli("report", SAMPLES / "breast_cancer_models.csv", "--pred", "prob_nb", "-o", page)
    assert one.returncode == 0 and b"roc-auc" in one.stdout


def test_standard_input_needs_the_losses_named(run_cli, tmp_path):
    data = (SAMPLES / "diabetes_regression.csv").read_bytes()
    done = run_cli("report", "-", "-o", tmp_path / "r.html", input=data)
    expect_process_error(done, "reads standard input once")
    named = run_cli("report", "-", "-l", "mse", "-o", tmp_path / "r.html", input=data)
    assert named.returncode == 0
