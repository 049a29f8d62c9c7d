"""Issue 16 (continued): ``losscli compare … --report FILE`` / ``--plots DIR`` — the
comparison as one self-contained HTML page, built from the CompareResult (the numbers
of ``compare -f json``), with the distribution of per-row differences gathered in the
same pass.

Expected values come from NumPy on the sample file (each model's loss, the per-row
differences and their histogram), or from ``compare -f json`` where the page must show
the very same numbers (intervals, p-values); the page is checked as text."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report import self_contained

from losscli.comparison import compare_models
from losscli.io.source import InputOptions
from losscli.render.comparison import p_text, signed
from losscli.render.model import number, numbers
from losscli.report.summary import HISTOGRAM_BINS, TAIL, differences

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "sample_data" / "diabetes_models.csv"


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """diabetes_models.csv with a clearly worse and a clearly better model, and weights."""
    df = pd.read_csv(MODELS)
    rng = np.random.default_rng(0)
    df["pred_bad"] = df["pred_ridge"] + rng.normal(0, 40, len(df))
    df["pred_good"] = 0.6 * df["pred_ridge"] + 0.4 * df["label"]
    df["w"] = rng.uniform(0.2, 3.0, len(df))
    path = tmp_path_factory.mktemp("three") / "three.csv"
    df.to_csv(path, index=False)
    return path


def section(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


# ---------------------------------------------------------------- the page ----


def test_the_headline_is_the_json_comparison_and_numpy(run_cli, tmp_path, three):
    args = [three, "--pred", "pred_ridge,pred_gbm,pred_bad,pred_good", "-l", "mse", "-l", "mae"]
    out = tmp_path / "c.html"
    done = run_cli("compare", *args, "--report", out)
    assert done.returncode == 0, done.stderr
    js = json.loads(run_cli("compare", *args, "-f", "json").stdout)
    df = pd.read_csv(three)
    page = out.read_text(encoding="utf-8")
    headline = section(page, 'id="headline"', "</section>")
    for r in js["results"]:
        error = df[r["model"]] - df["label"]
        expected = np.mean(error**2) if r["loss"] == "mse" else np.mean(np.abs(error))
        assert r["value"] == pytest.approx(expected, rel=1e-12)
        assert number(r["value"]) in headline
        low, high = (b.strip() for b in numbers([r["ci"]["low"], r["ci"]["high"]]))  # one rule, as the table
        assert f"95% CI {low} … {high}" in headline
    for c in js["comparisons"]:
        mine = [r["value"] for r in js["results"] if r["model"] == c["model"] and r["loss"] == c["loss"]]
        ref = [r["value"] for r in js["results"] if r["model"] == "pred_ridge" and r["loss"] == c["loss"]]
        assert c["difference"] == pytest.approx(mine[0] - ref[0], rel=1e-12)
        shown = f"Δ {signed(c['difference'])} (paired 95% CI {signed(c['ci']['low'])} … {signed(c['ci']['high'])})"
        assert shown in headline
        p = p_text(c["p_value"])
        assert f"p {html.escape(p if p.startswith('<') else '= ' + p)}" in headline
        assert f"rows won {c['win_rate']:.1%}" in headline
    verdicts = re.findall(r'<div class="badge (\w+)">([^<]+)</div>', headline)
    expected_verdicts = [(c["verdict"] if c["verdict"] != "no significant difference" else "same", c["verdict"])
                         for c in js["comparisons"]]  # fmt: skip
    assert [(kind if kind != "same" else "same", v) for kind, v in verdicts] == expected_verdicts
    assert {v for _, v in verdicts} == {"better", "worse", "no significant difference"}
    assert "pred_ridge · reference" in headline and "Holm-adjusted" in page
    assert "442 rows used of 442" in page and "losscli 0.1.0" in page
    for plot in ("models-mse", "models-mae", "differences-mse-pred_gbm", "differences-mae-pred_good"):
        assert f'id="plot-{plot}"' in page
    self_contained(page)


def test_a_failed_gate_still_writes_the_report_with_failures_first(run_cli, tmp_path, three):
    out = tmp_path / "c.html"
    done = run_cli(
        "compare", three, "--pred", "pred_ridge,pred_gbm,pred_bad,pred_good", "-l", "mse", "--fail-if-worse",
        "--report", out,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert b"FAIL mse pred_bad" in done.stderr
    page = out.read_text(encoding="utf-8")
    assert "FAIL: 1 of 3 checks failed" in page
    checks = section(page, "<h2>Checks</h2>", "<h2>Comparison</h2>")
    assert checks.index(">FAIL<") < checks.index(">PASS<")
    assert checks.index("mse pred_bad") < checks.index("mse pred_gbm")


def test_the_report_changes_no_number(run_cli, tmp_path, three):
    args = [three, "--pred", "pred_ridge,pred_gbm", "-l", "mse", "--weight", "w", "-f", "json"]
    plain = json.loads(run_cli("compare", *args).stdout)
    reported = run_cli("compare", *args, "--report", tmp_path / "c.html", "--plots", tmp_path / "p")
    assert reported.returncode == 0, reported.stderr
    assert json.loads(reported.stdout) == plain


def test_user_text_is_escaped(run_cli, tmp_path):
    hostile = "<script>alert(1)</script>$x^2$"
    df = pd.read_csv(MODELS).rename(columns={"pred_gbm": hostile})
    path = tmp_path / "in.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "c.html"
    done = run_cli("compare", path, "--pred", f"pred_ridge,{hostile}", "-l", "mse", "--report", out)
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;$x^2$" in page  # the tables, the cards and the figures
    self_contained(page)


# ------------------------------------------------- the per-row differences ----


def _numpy_histogram(d: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The histogram's range from NumPy's weighted inverted-CDF quantiles (see
    losscli.report.summary.differences): [min(q, 0), max(q', 0)]."""
    order = np.argsort(d, kind="stable")
    sd, sw = d[order], w[order]
    cum = np.cumsum(sw) / sw.sum()
    lo = min(sd[np.searchsorted(cum, TAIL)], 0.0)
    hi = max(sd[np.searchsorted(cum, 1 - TAIL)], 0.0)
    return sd, lo, hi


@pytest.mark.parametrize("weighted", [False, True])
def test_differences_are_each_rows_model_minus_reference(three, weighted):
    """Absolute errors (not skewed: equal bins): the histogram of each row's |error| under
    pred_bad minus under pred_ridge, weighted or not."""
    df = pd.read_csv(three)
    result = compare_models(
        InputOptions(str(three), chunk_rows=37), ["pred_ridge", "pred_bad"], ["mae"],
        weight="w" if weighted else None, differences=True,
    )  # fmt: skip
    (d,) = result.plots
    assert (d.loss, d.model, d.reference, d.exact, d.weighted) == (
        "mae",
        "pred_bad",
        "pred_ridge",
        True,
        weighted,
    )
    diff = (df["pred_bad"] - df["label"]).abs().to_numpy() - (df["pred_ridge"] - df["label"]).abs().to_numpy()
    w = df["w"].to_numpy() if weighted else np.ones(len(df))
    _, lo, hi = _numpy_histogram(diff, w)
    order = np.argsort(np.abs(diff), kind="stable")
    median = np.abs(diff)[order][np.searchsorted(np.cumsum(w[order]) / w.sum(), 0.5)]  # weighted |d|
    assert max(-lo, hi) < 10 * median and d.linear == 0  # not skewed
    edges = d.edges
    assert edges.size == HISTOGRAM_BINS + 1 and np.any(edges == 0.0)
    assert edges[0] <= lo and edges[-1] >= hi and np.allclose(np.diff(edges), np.diff(edges)[0])
    assert edges[1] - edges[0] == pytest.approx(max(-lo / np.sum(edges < 0), hi / np.sum(edges > 0)))
    expected, _ = np.histogram(np.clip(diff, edges[0], edges[-1]), edges, weights=w)
    assert np.allclose(d.counts, expected, rtol=1e-12)
    assert d.counts.sum() == pytest.approx(w.sum(), rel=1e-12)
    assert d.below == pytest.approx(w[diff < edges[0]].sum())
    assert d.above == pytest.approx(w[diff > edges[-1]].sum())
    # the mean of the weighted differences is the Δ of mae (a mean of per-sample losses)
    assert np.average(diff, weights=w) == pytest.approx(result.comparisons[0].difference, rel=1e-9)


def test_differences_are_the_same_for_any_chunking(three):
    def hist(chunk: int):
        r = compare_models(InputOptions(str(three), chunk_rows=chunk), ["pred_ridge", "pred_gbm"], ["mae"],
                           differences=True)  # fmt: skip
        return r.plots[0]

    a, b = hist(1), hist(100_000)
    assert np.array_equal(a.edges, b.edges) and np.array_equal(a.counts, b.counts)


def test_differences_of_a_model_that_wins_every_row_end_at_zero():
    values = -np.sort(np.random.default_rng(4).exponential(size=1000))[::-1]
    d = differences("mae", "b", "a", np.sort(values), np.ones(values.size), True)
    assert d.edges[-1] == 0.0 and d.counts.sum() == 1000 and d.above == 0


def test_no_sketch_is_made_without_a_report():
    result = compare_models(str(MODELS), ["pred_ridge", "pred_gbm"], ["mse"])
    assert result.plots is None


def test_summary_based_losses_get_no_differences():
    """roc-auc's per-sample column is the score, not a loss: no sketch of differences for
    it (compare refuses it on main today; with an interval seam it will not be). accuracy
    is a summary too, but 1 − the mean of its per-sample 'misclassified': it has one."""
    from losscli.comparison import _difference_sketches
    from losscli.engine.jobs import make_jobs

    jobs = make_jobs(["bce", "roc-auc", "accuracy"])
    assert [bool(job.spec.state) for job in jobs] == [False, True, True]
    assert set(_difference_sketches(jobs, 3, 1)) == {(0, 0), (0, 2), (2, 0), (2, 2)}


# ------------------------------------------------------------ --plots DIR ----


def test_plots_dir_has_each_plot_and_a_summary(run_cli, tmp_path):
    from PIL import Image

    folder = tmp_path / "plots"
    done = run_cli("compare", MODELS, "--pred", "pred_ridge,pred_gbm", "-l", "mse", "--plots", folder)
    assert done.returncode == 0, done.stderr
    names = {p.stem for p in folder.glob("*.png")}
    assert names == {"models-mse", "differences-mse-pred_gbm"} == {p.stem for p in folder.glob("*.svg")}
    for name in names:
        with Image.open(folder / f"{name}.png") as image:
            assert image.size[0] > 400 and np.asarray(image.convert("L")).std() > 5
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert set(re.findall(r"!\[[^\]]*\]\(([^)]+)\.png\)", summary)) == names
    df = pd.read_csv(MODELS)
    assert number(float(np.mean((df["pred_gbm"] - df["label"]) ** 2))) in summary
    assert not list(tmp_path.glob(".losscli-*"))


# ------------------------------------------------------------ user errors ----


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no-folder", "no such folder"),
        ("is-input", "is the input"),
        ("bad-column", "column"),
        ("bad-data", "not a number"),
        ("plots-is-a-file", "not a folder"),
        ("same-file", "writes the same file"),
        ("max-error", "not a smooth function"),
    ],
)
def test_user_errors_are_one_line_exit_2_and_leave_no_file(run_cli, tmp_path, case, message):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,a,b\n1,2,3\n2,x,3\n")
    afile = tmp_path / "afile"
    afile.write_text("")
    out = tmp_path / "c.html"
    models = ["--pred", "pred_ridge,pred_gbm"]
    args = {
        "no-folder": [MODELS, *models, "-l", "mse", "--report", tmp_path / "nope" / "c.html"],
        "is-input": [bad, "--pred", "a,b", "-l", "mse", "--report", bad],
        "bad-column": [MODELS, "--pred", "pred_ridge,nope", "-l", "mse", "--report", out],
        "bad-data": [bad, "--pred", "a,b", "-l", "mse", "--report", out, "--plots", tmp_path / "p"],
        "plots-is-a-file": [MODELS, *models, "-l", "mse", "--report", out, "--plots", afile],
        "same-file": [MODELS, *models, "-l", "mse", "--report", out, "--junit", out],
        "max-error": [MODELS, *models, "-l", "max-error", "--report", out],
    }[case]
    before = sorted(os.listdir(tmp_path))
    done = run_cli("compare", *args)
    assert done.returncode == 2, done.stderr
    err = done.stderr.decode()
    assert err.startswith("losscli: error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2 and message in err.lower(), err
    assert sorted(os.listdir(tmp_path)) == before  # no report, no folder, no temp file


def test_without_the_extra_compare_report_is_exit_2_naming_the_install_command(tmp_path):
    out = tmp_path / "c.html"
    code = (
        "import sys\nsys.modules['matplotlib'] = None  # as if the extra were not installed\n"
        f"sys.argv = ['losscli', 'compare', {str(MODELS)!r}, '--pred', 'pred_ridge,pred_gbm', '-l', 'mse',"
        f" '--report', {str(out)!r}]\n"
        "from losscli.cli import main\nmain()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(
        "losscli: error: losscli compare --report/--plots draws its plots with matplotlib"
    )
    assert "pip install 'losscli[report]'" in lines[-1] and len(lines) <= 2
    assert os.listdir(tmp_path) == []


def test_the_reference_card_comes_first_whatever_its_place(run_cli, tmp_path):
    out = tmp_path / "c.html"
    done = run_cli(
        "compare",
        MODELS,
        "--pred",
        "pred_ridge,pred_gbm",
        "-l",
        "mse",
        "--reference",
        "pred_gbm",
        "--report",
        out,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    names = re.findall(r'<div class="name">([^<]*)</div>', page[page.index('id="headline"') :])
    assert names == ["pred_gbm · reference", "pred_ridge"]
    df = pd.read_csv(MODELS)
    mse = {m: float(np.mean((df[m] - df["label"]) ** 2)) for m in ("pred_ridge", "pred_gbm")}
    assert f"Δ {signed(mse['pred_ridge'] - mse['pred_gbm'])} (paired" in page


def test_a_level_is_written_as_given(run_cli, tmp_path):
    """--ci 0.975 reads 97.5% on the page (it read 98%), as in the tables."""
    out = tmp_path / "c.html"
    done = run_cli(
        "compare", MODELS, "--pred", "pred_ridge,pred_gbm", "-l", "mse", "--ci", "0.975", "--report", out
    )
    assert done.returncode == 0, done.stderr
    headline = section(out.read_text(encoding="utf-8"), 'id="headline"', "</section>")
    assert headline.count("97.5% CI") == 3 and "98%" not in headline  # two values, one paired Δ


def test_skewed_differences_get_a_symmetric_log_axis():
    """bce of a naive Bayes model against logistic regression: most rows differ by less
    than 0.001, a few by 20 (one model sure and wrong). Linear bins would put nearly every
    row in one bar: the bins are for a symmetric-log axis, linear within ±the median
    |difference| (NumPy's), geometric beyond; squared-error differences of two regression
    models are not skewed (the 99.5% quantile is 9× the median) and keep equal bins."""
    from sklearn.metrics import log_loss

    path = ROOT / "sample_data" / "breast_cancer_models.csv"
    df = pd.read_csv(path)
    result = compare_models(str(path), ["prob_logreg", "prob_nb"], ["bce"], differences=True)
    (d,) = result.plots
    y = df["label"].to_numpy()
    per_row = {
        m: np.array([log_loss([t], [p], labels=[0, 1]) for t, p in zip(y, df[m], strict=True)])
        for m in ("prob_logreg", "prob_nb")
    }
    diff = per_row["prob_nb"] - per_row["prob_logreg"]
    assert np.mean(diff) == pytest.approx(result.comparisons[0].difference, rel=1e-9)
    median = np.sort(np.abs(diff))[int(np.ceil(0.5 * diff.size)) - 1]  # inverted CDF
    assert d.linear == pytest.approx(median, rel=1e-12)
    lo = min(np.quantile(diff, TAIL, method="inverted_cdf"), 0)
    hi = max(np.quantile(diff, 1 - TAIL, method="inverted_cdf"), 0)
    assert max(-lo, hi) >= 10 * median
    edges = d.edges
    assert edges[0] == pytest.approx(lo, rel=1e-12) and edges[-1] == pytest.approx(hi, rel=1e-12)
    assert (
        {0.0} <= set(edges) and np.any(np.isclose(edges, d.linear)) and np.any(np.isclose(edges, -d.linear))
    )
    inner = edges[(edges >= -d.linear * (1 + 1e-12)) & (edges <= d.linear * (1 + 1e-12))]
    assert np.allclose(np.diff(inner), np.diff(inner)[0])  # equal within ±t
    outer = edges[edges >= d.linear * (1 - 1e-12)]
    assert np.allclose(outer[1:] / outer[:-1], outer[1] / outer[0])  # geometric beyond
    expected, _ = np.histogram(np.clip(diff, edges[0], edges[-1]), edges)
    assert np.array_equal(d.counts, expected) and abs(edges.size - 1 - HISTOGRAM_BINS) <= 2

    regression = compare_models(str(MODELS), ["pred_ridge", "pred_gbm"], ["mse"], differences=True)
    assert regression.plots[0].linear == 0


def test_the_page_says_which_axis(run_cli, tmp_path):
    path = ROOT / "sample_data" / "breast_cancer_models.csv"
    out = tmp_path / "c.html"
    assert (
        run_cli("compare", path, "--pred", "prob_logreg,prob_nb", "-l", "bce", "--report", out).returncode
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert "symmetric log axis, linear within ±" in page and "the differences are skewed" in page


def test_a_compare_page_of_summary_based_losses(run_cli, tmp_path):
    """Since issue 15, roc-auc and f1 compare (a jackknife, a bootstrap of the confusion
    matrix): their value charts are drawn, no differences' histogram; bce's is."""
    path = ROOT / "sample_data" / "breast_cancer_models.csv"
    out = tmp_path / "c.html"
    done = run_cli("compare", path, "--pred", "prob_logreg,prob_nb", "-l", "bce", "-l", "roc-auc", "-l", "f1",
                   "--report", out)  # fmt: skip
    assert done.returncode == 0, done.stderr
    ids = re.findall(r'<figure id="plot-([^"]+)"', out.read_text(encoding="utf-8"))
    assert ids == ["models-bce", "differences-bce-prob_nb", "models-roc-auc", "models-f1"]
