"""Issue 16: ``losscli report`` — a self-contained HTML page built from the run's result,
with plots drawn from bounded summaries gathered in the same streaming pass.

Expected numbers come from NumPy / scikit-learn formulas on the sample files, never
from losscli's own output; the page is checked as text (escaping, nothing loaded from
anywhere) and its summaries as statistics (the same sample for any chunking)."""

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

from losscli.engine.local import run
from losscli.engine.plan import prepare
from losscli.engine.runner import RunOptions
from losscli.io.source import InputOptions
from losscli.render.model import number
from losscli.report.summary import SAMPLE_ROWS, RowSample, distribution, splitmix64

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
REGRESSION = SAMPLES / "diabetes_regression.csv"
BINARY = SAMPLES / "breast_cancer_binary.csv"
MULTICLASS = SAMPLES / "iris_multiclass.csv"


def self_contained(page: str) -> None:
    """Nothing in the page can load anything: no URL, no src=, no url() but a local
    #fragment, no href but #fragments, no data: URI, no script, no @import."""
    lowered = page.lower()
    for marker in (
        "http://",
        "https://",
        "src=",
        "<script",
        "@import",
        "<link",
        "<img",
        "<iframe",
        "<object",
    ):
        assert marker not in lowered, marker
    assert not re.search(r"data:[a-z]+/", lowered)
    assert not re.search(r"(?<![:\w])//\w", page.replace("<!--", "")), "a protocol-relative reference"
    assert all(ref.startswith("#") for ref in re.findall(r'href="([^"]*)"', page))
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", page))
    assert "default-src 'none'" in page  # and the browser is told so


def report(run_cli, tmp_path, *args):
    out = tmp_path / "report.html"
    done = run_cli("report", *args, "-o", out)
    return done, out


# ---------------------------------------------------------------- the page ----


def test_regression_report_shows_the_numbers_of_the_result(run_cli, tmp_path):
    df = pd.read_csv(REGRESSION)
    mse = float(np.mean((df["pred"] - df["label"]) ** 2))
    mae = float(np.mean(np.abs(df["pred"] - df["label"])))
    done, out = report(run_cli, tmp_path, REGRESSION, "-l", "mse", "-l", "mae", "--worst", "3")
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    headline = page[page.index('id="headline"') : page.index("</section>")]
    assert number(mse) in headline and number(mae) in headline
    assert "442 rows" in page and html.escape(str(REGRESSION)) in page and "losscli 0.1.0" in page
    for plot in ("predicted-vs-actual", "residuals", "distribution-mse", "distribution-mae"):
        assert f'id="plot-{plot}"' in page
    assert "all 442 rows; each point a row" in page
    worst = np.sort((df["pred"] - df["label"]).to_numpy() ** 2)[::-1][:3]
    section = page[page.index("Worst rows") :]
    assert all(number(v) in section for v in worst)
    self_contained(page)


def test_the_headline_interval_and_groups_are_the_json_result(run_cli, tmp_path):
    args = (REGRESSION, "-l", "mse", "--by", "sex", "--ci", "--seed", "3")
    done, out = report(run_cli, tmp_path, *args)
    assert done.returncode == 0, done.stderr
    js = json.loads(run_cli("eval", *args, "-f", "json").stdout)
    df = pd.read_csv(REGRESSION)
    page = out.read_text(encoding="utf-8")
    r = js["results"][0]
    assert r["value"] == pytest.approx(np.mean((df["pred"] - df["label"]) ** 2), rel=1e-12)
    assert f"95% CI {number(r['ci']['low'])} … {number(r['ci']['high'])}" in page
    for g in r["groups"]:
        rows = df[df["sex"] == g["group"]]
        assert g["value"] == pytest.approx(np.mean((rows["pred"] - rows["label"]) ** 2), rel=1e-12)
    assert 'id="plot-groups-mse"' in page and "with its 95% interval (bca)" in page


def test_checks_come_failures_first_and_a_failed_gate_still_writes_the_report(run_cli, tmp_path):
    done, out = report(
        run_cli, tmp_path, REGRESSION, "-l", "mse", "-l", "mae", "--max", "mse=1", "--max", "mae=1e9"
    )
    assert done.returncode == 1, done.stderr
    assert b"FAIL mse" in done.stderr
    page = out.read_text(encoding="utf-8")
    assert "FAIL: 1 of 2 checks failed" in page
    checks = page[page.index("<h2>Checks</h2>") : page.index("<h2>Summary</h2>")]
    assert checks.index(">FAIL<") < checks.index(">PASS<")


def test_user_text_is_escaped_and_never_markup_or_mathtext(run_cli, tmp_path):
    hostile = "<script>alert(1)</script>$x^2$"
    df = pd.DataFrame(
        {
            "pred": [1.0, 2.0, 3.0, 4.0],
            "label": [1.5, 2.0, 2.0, 5.0],
            hostile: ["a", hostile, "a", "b\x1b[31m"],
        }
    )
    path = tmp_path / "in.csv"
    df.to_csv(path, index=False)
    done, out = report(run_cli, tmp_path, path, "-l", "mse", "--by", hostile)
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "\x1b" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;$x^2$" in page  # in the tables and the figure, as text
    self_contained(page)


def test_distribution_axis_is_logarithmic_when_skewed():
    """Squared Gaussian residuals: p99/p50 = 14.6 ≥ 10 → log; absolute ones (3.8) → linear."""
    z = np.sort(np.random.default_rng(0).normal(size=20_000))
    squared, absolute = np.sort(z**2), np.sort(np.abs(z))
    weights = np.ones(z.size)
    log = distribution("mse", squared, weights, True)
    linear = distribution("mae", absolute, weights, True)
    assert log.log and not linear.log
    assert log.counts.sum() + log.nonpositive == pytest.approx(z.size)
    assert linear.counts.sum() == pytest.approx(z.size)
    assert linear.edges[0] == absolute[0] and linear.edges[-1] == absolute[-1]


# ------------------------------------------------------ the bounded sample ----


def test_splitmix64_is_a_bijection_on_row_numbers():
    rows = np.arange(1, 1_000_001, dtype=np.int64)
    assert np.unique(splitmix64(rows)).size == rows.size
    # the reference value of SplitMix64's first output for seed 0 (Vigna's splitmix64.c)
    assert int(splitmix64(np.array([0], dtype=np.int64))[0]) == 0xE220A8397B1DCDAF


@pytest.mark.parametrize("chunk", [1, 7, 1000, 50_000])
def test_the_sample_is_the_same_rows_for_any_chunking_and_merge(chunk):
    n, k = 50_000, 500
    rows = np.arange(1, n + 1, dtype=np.int64)
    values = np.random.default_rng(1).normal(size=n)
    expected = np.sort(np.argsort(splitmix64(rows))[:k])  # the k rows of smallest key
    whole = RowSample(k)
    whole.update(rows, {"v": values})
    parts = [RowSample(k) for _ in range(3)]
    for i, start in enumerate(range(0, n, chunk)):
        parts[i % 3 if chunk > 1 else 0].update(
            rows[start : start + chunk], {"v": values[start : start + chunk]}
        )
    merged = parts[2]
    merged.merge(parts[0])
    merged.merge(parts[1])
    for sample in (whole, merged):
        _keys, columns = sample.rows()
        assert sample.seen == n
        assert np.array_equal(np.sort(columns["v"]), np.sort(values[expected]))


def test_the_sample_is_uniform():
    """Each row is kept with probability k/n: the sample's mean row number and the share
    kept from each decile agree with a uniform draw (binomial tolerance)."""
    n, k = 1_000_000, 20_000
    sample = RowSample(k)
    rows = np.arange(1, n + 1, dtype=np.int64)
    sample.update(rows, {"row": rows.astype(np.float64)})
    kept = sample.rows()[1]["row"]
    counts = np.histogram(kept, bins=10, range=(1, n + 1))[0]
    expected = k / 10
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


@pytest.mark.parametrize("chunk_rows", [37, 100_000])
def test_the_engine_gathers_the_same_plot_summaries_for_any_chunk_size(chunk_rows):
    plan = prepare(InputOptions(path=str(REGRESSION), chunk_rows=chunk_rows), ["mse"])
    result = run(plan, RunOptions(plots=True))
    df = pd.read_csv(REGRESSION)
    sample = result.plots.sample
    assert sample.total == len(df) <= SAMPLE_ROWS
    order = np.argsort(splitmix64(np.arange(1, len(df) + 1, dtype=np.int64)))
    assert np.array_equal(sample.pred, df["pred"].to_numpy()[order])
    assert np.array_equal(sample.label, df["label"].to_numpy()[order])


def test_no_plot_summary_is_made_without_a_report():
    plan = prepare(InputOptions(path=str(REGRESSION)), ["mse"])
    assert run(plan, RunOptions()).plots is None


# ---------------------------------------------------- imports and the extra ----


@pytest.mark.parametrize(
    "args", [["--help"], ["mse", "--help"], ["report", "--help"], ["mse", str(REGRESSION), "-f", "value"]]
)
def test_help_and_loss_commands_import_neither_matplotlib_nor_the_report(args):
    code = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join("
        "m for m in ('matplotlib', 'losscli.report', 'losscli.report.summary') if m in sys.modules)))\n"
        f"sys.argv = ['losscli', *{args!r}]\n"
        "from losscli.cli import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("MODULES"), done.stderr


def test_without_the_extra_report_is_exit_2_naming_the_install_command(tmp_path):
    out = tmp_path / "r.html"
    code = (
        "import sys\nsys.modules['matplotlib'] = None  # as if the extra were not installed\n"
        f"sys.argv = ['losscli', 'report', {str(REGRESSION)!r}, '-l', 'mse', '-o', {str(out)!r}]\n"
        "from losscli.cli import main\nmain()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("losscli: error: losscli report draws its plots with matplotlib")
    assert "pip install 'losscli[report]'" in lines[-1] and len(lines) <= 2
    assert not out.exists() and os.listdir(tmp_path) == []


# ------------------------------------------------------------ user errors ----


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no-folder", "no such folder"),
        ("is-input", "is the input"),
        ("bad-column", "column"),
        ("unknown-loss", "unknown loss"),
        ("bad-data", "not a number"),
        ("ci-on-mce", "no confidence interval"),
    ],
)
def test_user_errors_are_one_line_exit_2_and_leave_no_file(run_cli, tmp_path, case, message):
    bad = tmp_path / "bad.csv"
    bad.write_text("pred,label\n1,2\nx,3\n")
    out = tmp_path / "r.html"
    args = {
        "no-folder": [REGRESSION, "-l", "mse", "-o", tmp_path / "nope" / "r.html"],
        "is-input": [bad, "-l", "mse", "-o", bad],
        "bad-column": [REGRESSION, "-l", "mse", "--pred", "nope", "-o", out],
        "unknown-loss": [REGRESSION, "-l", "msee", "-o", out],
        "bad-data": [bad, "-l", "mse", "-o", out],
        # roc-auc has --ci since issue 15's jackknife; the largest bin's gap (MCE) has none
        "ci-on-mce": [BINARY, "--pred", "prob", "-l", "ece:norm=max", "--ci", "-o", out],
    }[case]
    before = sorted(os.listdir(tmp_path))
    done = run_cli("report", *args)
    assert done.returncode == 2, done.stderr
    err = done.stderr.decode()
    assert err.startswith("losscli: error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2 and message in err.lower()
    assert sorted(os.listdir(tmp_path)) == before  # no report, no temp file


def test_report_needs_an_output(run_cli, tmp_path):
    """(-l may be left out: the file's task chooses the losses, test_report_defaults.py.)"""
    done = run_cli("report", REGRESSION, "-l", "mse")  # neither -o nor --plots: nowhere to write
    assert done.returncode == 2 and done.stdout == b""
    lines = done.stderr.decode().strip().splitlines()
    assert lines[0] == (
        "losscli: error: losscli report needs somewhere to write: -o FILE (the HTML page),"
        " --plots DIR (each plot as SVG and PNG), or both"
    )
    assert len(lines) == 2 and lines[1].strip().startswith("hint:")
    assert os.listdir(tmp_path) == []


def test_plots_alone_need_no_page(run_cli, tmp_path):
    """``--plots DIR`` without ``-o``: the plots and summary.md, no page anywhere; the new
    folder gets the bits mkdir gives (not a temp folder's 0700)."""
    folder = tmp_path / "plots"
    old = os.umask(0o022)
    try:
        done = run_cli("report", REGRESSION, "-l", "mse", "--plots", folder)
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["plots"]
    assert {p.name for p in folder.iterdir()} == {
        f"{name}.{ext}"
        for name in ("predicted-vs-actual", "residuals", "distribution-mse")
        for ext in ("svg", "png")
    } | {"summary.md"}
    assert folder.stat().st_mode & 0o777 == 0o755
    df = pd.read_csv(REGRESSION)
    assert number(float(np.mean((df["pred"] - df["label"]) ** 2))) in (folder / "summary.md").read_text()


def test_plots_alone_with_a_failed_gate_are_written_and_exit_1(run_cli, tmp_path):
    folder = tmp_path / "plots"
    done = run_cli("report", REGRESSION, "-l", "mse", "--max", "1", "--plots", folder)
    assert done.returncode == 1 and b"FAIL mse" in done.stderr
    assert (folder / "summary.md").exists() and (folder / "residuals.png").exists()


# ------------------------------------------------------------------ binary ----


def _binned(p):
    """The score bin a row falls in, as a score (what the binned curves rank by)."""
    return np.minimum(np.floor(p * 1000), 999)


def _plots(path, losses, **columns):
    return run(
        prepare(InputOptions(path=str(path), chunk_rows=100), losses, **columns), RunOptions(plots=True)
    ).plots


@pytest.mark.parametrize("weighted", [False, True])
def test_binned_roc_and_pr_curves_are_sklearns_on_the_binned_scores(weighted, tmp_path):
    from sklearn.metrics import average_precision_score, roc_auc_score

    from losscli.report.summary import pr_points, roc_points

    df = pd.read_csv(BINARY)
    w = np.random.default_rng(2).uniform(0.1, 3.0, len(df)) if weighted else np.ones(len(df))
    path = tmp_path / "b.csv"
    df.assign(weight=w).to_csv(path, index=False)
    scores = _plots(path, ["bce"], pred="prob", weight="weight" if weighted else None).scores
    fpr, tpr = roc_points(scores)
    y, binned = df["label"].to_numpy(), _binned(df["prob"].to_numpy())
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(y, binned, sample_weight=w), abs=1e-12)
    recall, precision = pr_points(scores)
    ap = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
    assert ap == pytest.approx(average_precision_score(y, binned, sample_weight=w), abs=1e-12)


def test_reliability_points_are_sklearns_calibration_curve():
    from sklearn.calibration import calibration_curve

    from losscli.report.summary import reliability_points

    df = pd.read_csv(BINARY)
    s = _plots(BINARY, ["bce"], pred="prob").scores
    mean_p, observed, _ = reliability_points(s.positive + s.negative, s.positive, s.score_sum)
    # sklearn's bins are (a, b], ours [a, b): no probability of the file lies on an edge
    assert not np.any(np.isin(np.round(df["prob"] * 10, 12), np.arange(1, 10)))
    true, pred = calibration_curve(df["label"], df["prob"], n_bins=10, strategy="uniform")
    assert np.allclose(observed, true, atol=1e-12) and np.allclose(mean_p, pred, atol=1e-12)


def test_logits_are_binned_through_the_sigmoid():
    from sklearn.metrics import roc_auc_score

    from losscli.report.summary import roc_points

    df = pd.read_csv(BINARY)
    s = _plots(BINARY, ["bce:from_logits=true"], pred="logit").scores
    assert s.logits
    fpr, tpr = roc_points(s)
    binned = _binned(1.0 / (1.0 + np.exp(-df["logit"].to_numpy())))
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(df["label"], binned), abs=1e-12)


def test_binary_report_has_its_plots_and_quotes_roc_auc_only_when_asked(run_cli, tmp_path):
    from sklearn.metrics import roc_auc_score

    df = pd.read_csv(BINARY)
    done, out = report(run_cli, tmp_path, BINARY, "--pred", "prob", "-l", "bce", "-l", "roc-auc")
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    for plot in ("roc", "precision-recall", "reliability", "score-histograms"):
        assert f'id="plot-{plot}"' in page
    assert "ROC curve (binned)" in page and "binned: the score on 1,000 equal bins" in page
    assert f"roc-auc = {number(roc_auc_score(df['label'], df['prob']))} (the loss, exact)" in page
    done, out = report(run_cli, tmp_path, BINARY, "--pred", "prob", "-l", "bce")
    page = out.read_text(encoding="utf-8")
    assert 'id="plot-roc"' in page and "roc-auc =" not in page
    self_contained(page)


# -------------------------------------------------------------- multiclass ----


@pytest.mark.parametrize("path", [MULTICLASS, SAMPLES / "iris_multiclass_logits.csv"])
def test_confusion_matrix_and_per_class_losses_are_sklearns(path):
    from sklearn.metrics import confusion_matrix, log_loss

    df = pd.read_csv(path)
    logits = "logits" in path.name
    columns = [c for c in df.columns if c.startswith(("prob_", "logit_"))]
    scores = df[columns].to_numpy()
    probs = np.exp(scores - scores.max(axis=1, keepdims=True)) if logits else scores
    probs = probs / probs.sum(axis=1, keepdims=True)
    loss = "cross-entropy:from_logits=true" if logits else "cross-entropy"
    classes = _plots(path, [loss]).classes
    names = [c.split("_", 1)[1] for c in columns]
    assert list(classes.names) == names
    y = df["label"].map({n: i for i, n in enumerate(names)}) if not logits else df["label"]
    y = y.to_numpy().astype(int)
    assert np.array_equal(
        classes.confusion, confusion_matrix(y, probs.argmax(axis=1), labels=range(len(names)))
    )
    for k in range(len(names)):
        rows = y == k
        expected = log_loss(y[rows], probs[rows], labels=range(len(names)))
        assert classes.loss_sum[0][k] / classes.loss_weight[0][k] == pytest.approx(expected, rel=1e-9)
    top = probs.max(axis=1)
    assert classes.top_weight.sum() == len(df)
    assert classes.top_confidence.sum() == pytest.approx(top.sum(), rel=1e-12)
    assert classes.top_correct.sum() == np.sum(probs.argmax(axis=1) == y)


def test_multiclass_report_has_its_plots(run_cli, tmp_path):
    done, out = report(run_cli, tmp_path, MULTICLASS, "-l", "cross-entropy", "-l", "accuracy", "--worst", "3")
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    for plot in (
        "confusion-matrix",
        "per-class-losses",
        "top-label-reliability",
        "distribution-cross-entropy",
    ):
        assert f'id="plot-{plot}"' in page
    self_contained(page)


# ----------------------------------------------------------- --plots DIR ----


def test_plots_dir_has_each_plot_as_svg_and_png_and_a_summary_referencing_them(run_cli, tmp_path):
    from PIL import Image

    folder = tmp_path / "plots"
    done = run_cli(
        "report", BINARY, "--pred", "prob", "-l", "bce", "-o", tmp_path / "r.html", "--plots", folder
    )
    assert done.returncode == 0, done.stderr
    names = {p.stem for p in folder.glob("*.png")}
    assert names == {"roc", "precision-recall", "reliability", "score-histograms", "distribution-bce"}
    assert names == {p.stem for p in folder.glob("*.svg")}
    for name in names:
        with Image.open(folder / f"{name}.png") as image:
            assert image.size[0] > 200 and np.asarray(image.convert("L")).std() > 5
        assert (folder / f"{name}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert set(re.findall(r"!\[[^\]]*\]\(([^)]+)\.png\)", summary)) == names
    df = pd.read_csv(BINARY)
    p = df["prob"].clip(1e-7, 1 - 1e-7)
    bce = float(-np.mean(df["label"] * np.log(p) + (1 - df["label"]) * np.log(1 - p)))
    assert number(bce) in summary


def test_plots_into_an_existing_folder_replace_only_their_own_files(run_cli, tmp_path):
    folder = tmp_path / "plots"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    (folder / "roc.png").write_text("old")
    done = run_cli(
        "report", BINARY, "--pred", "prob", "-l", "bce", "-o", tmp_path / "r.html", "--plots", folder
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "keep.txt").read_text() == "mine"
    assert (folder / "roc.png").read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".losscli-")] == []


@pytest.mark.parametrize("case", ["bad-data", "plots-is-a-file", "plots-no-parent"])
def test_plots_errors_are_exit_2_and_leave_nothing(run_cli, tmp_path, case):
    bad = tmp_path / "bad.csv"
    bad.write_text("pred,label\n1,2\nx,3\n")
    afile = tmp_path / "afile"
    afile.write_text("")
    source, folder = {
        "bad-data": (bad, tmp_path / "plots"),
        "plots-is-a-file": (REGRESSION, afile),
        "plots-no-parent": (REGRESSION, tmp_path / "no" / "plots"),
    }[case]
    before = sorted(os.listdir(tmp_path))
    done = run_cli("report", source, "-l", "mse", "-o", tmp_path / "r.html", "--plots", folder)
    assert done.returncode == 2, done.stderr
    err = done.stderr.decode()
    assert err.startswith("losscli: error:") and len(err.strip().splitlines()) <= 2
    assert sorted(os.listdir(tmp_path)) == before


def test_a_histogram_counts_rows_or_weights_as_the_run_did(tmp_path):
    """The per-sample histogram's axis says "rows" for an unweighted run and "rows
    (weighted)" with --weight (it said "weighted" for every run), and its counts are the
    rows or the weights accordingly (checked against NumPy)."""
    df = pd.read_csv(REGRESSION)
    path = tmp_path / "w.csv"
    df.assign(weight=np.linspace(0.5, 2.0, len(df))).to_csv(path, index=False)
    plain = run(prepare(InputOptions(path=str(REGRESSION)), ["mse"]), RunOptions(plots=True))
    weighted = run(prepare(InputOptions(path=str(path)), ["mse"], weight="weight"), RunOptions(plots=True))
    (d_plain,), (d_weighted,) = plain.plots.distributions, weighted.plots.distributions
    assert not d_plain.weighted and d_weighted.weighted
    # (the first bar holds the values below its edge: ``below`` is already in the counts)
    assert d_plain.counts.sum() + d_plain.nonpositive == pytest.approx(len(df))
    total = np.linspace(0.5, 2.0, len(df)).sum()
    assert d_weighted.counts.sum() + d_weighted.nonpositive == pytest.approx(total)
