"""Issue 16 (continued): ``losscli report --engine dask`` gives the local report. The
row sample keeps the rows whose number in the whole input has the smallest SplitMix64
hash; a Dask partition numbers its rows from 1, so the engine hands each partition the
rows before it (the first pass --ci already makes) and the sample is the local one.

Expected: the local engine's summaries and page (itself checked against NumPy and
scikit-learn in tests/test_report.py), and the sample NumPy's k smallest hashes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from losscli.engine.dask import run_dask
from losscli.engine.local import run
from losscli.engine.plan import prepare
from losscli.engine.runner import RunOptions
from losscli.io.source import InputOptions
from losscli.render.model import number
from losscli.report.summary import SAMPLE_ROWS, splitmix64

pytest.importorskip("matplotlib")
pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

ROWS = 30_000  # more than the 20,000-row sample: which rows are kept matters


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """Three Parquet files (and the same rows as three CSV files and one whole CSV)."""
    rng = np.random.default_rng(11)
    y = rng.normal(size=ROWS) * 10
    p = 1 / (1 + np.exp(-(y / 10 + rng.normal(size=ROWS))))
    frame = pd.DataFrame(
        {
            "pred": y + rng.normal(size=ROWS),
            "label": y,
            "g": rng.choice(["a", "b"], ROWS),
            "prob": p,
            "yes": (rng.uniform(size=ROWS) < p).astype(int),
        }
    )
    folder = tmp_path_factory.mktemp("report-dask")
    for i, rows in enumerate(np.array_split(np.arange(ROWS), 3)):
        frame.iloc[rows].to_parquet(folder / f"p-{i}.parquet", row_group_size=[4_000, 7_001, 10_000][i])
        frame.iloc[rows].to_csv(folder / f"c-{i}.csv", index=False)
    frame.to_csv(folder / "all.csv", index=False)
    return folder, frame


@pytest.mark.parametrize("files", ["p-*.parquet", "c-*.csv"])
def test_dask_gathers_the_local_plot_summaries(cluster, parts, files):
    folder, frame = parts
    local = run(prepare(InputOptions(str(folder / "all.csv")), ["mse"]), RunOptions(plots=True)).plots
    (remote,) = run_dask(InputOptions(str(folder / files)), [(["mse"], {})], [RunOptions(plots=True)])
    sample = remote.plots.sample
    kept = np.sort(
        np.argsort(splitmix64(np.arange(1, ROWS + 1, dtype=np.int64)), kind="stable")[:SAMPLE_ROWS]
    )
    assert sample.total == ROWS and sample.pred.size == SAMPLE_ROWS
    assert np.array_equal(np.sort(sample.pred), np.sort(frame["pred"].to_numpy()[kept]))
    assert np.array_equal(sample.pred, local.sample.pred) and np.array_equal(sample.label, local.sample.label)
    (mine,), (theirs,) = remote.plots.distributions, local.distributions
    assert np.array_equal(mine.edges, theirs.edges) and np.array_equal(mine.counts, theirs.counts)


def test_dask_gathers_the_local_score_bins(cluster, parts):
    folder, _ = parts
    columns = {"pred": "prob", "label": "yes"}
    local = run(prepare(InputOptions(str(folder / "all.csv")), ["bce"], **columns), RunOptions(plots=True))
    (remote,) = run_dask(
        InputOptions(str(folder / "p-*.parquet")), [(["bce"], columns)], [RunOptions(plots=True)]
    )
    a, b = remote.plots.scores, local.plots.scores
    assert np.array_equal(a.positive, b.positive) and np.array_equal(a.negative, b.negative)
    assert np.allclose(a.score_sum, b.score_sum, rtol=1e-12, atol=0)


def _figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'<figure id="plot-([^"]+)"[^>]*>(<svg.*?</svg>)', page, re.S))


def test_the_report_from_dask_is_the_local_report(cluster, parts, run_cli, tmp_path):
    folder, frame = parts
    args = ["-l", "mse", "--by", "g", "--worst", "3"]
    local, remote = tmp_path / "local.html", tmp_path / "dask.html"
    done = run_cli("report", folder / "all.csv", *args, "-o", local)
    assert done.returncode == 0, done.stderr
    done = run_cli(
        "report", folder / "p-*.parquet", *args, "-o", remote, "--engine", "dask",
        "--scheduler", cluster.scheduler.address,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    a, b = (p.read_text(encoding="utf-8") for p in (local, remote))
    mse = float(np.mean((frame["pred"] - frame["label"]) ** 2))
    for page in (a, b):
        assert number(mse) in page[page.index('id="headline"') :]
        assert f"a uniform sample of {SAMPLE_ROWS:,} of {ROWS:,} rows" in page
    fa, fb = _figures(a), _figures(b)
    assert list(fa) == list(fb)
    for name in ("predicted-vs-actual", "residuals", "distribution-mse"):
        assert fa[name] == fb[name], name  # the same drawing: the same rows, the same bars
    worst = a[a.index("<h2>Worst rows</h2>") :]
    assert worst == b[b.index("<h2>Worst rows</h2>") :].replace(
        str(folder / "p-*.parquet"), str(folder / "all.csv")
    )


def test_check_report_on_dask_draws_the_local_sample(cluster, parts, run_cli, tmp_path):
    folder, _ = parts
    config = folder / "losscli.toml"
    config.write_text('[[check]]\nname = "mse"\nfile = "p-*.parquet"\nloss = "mse"\nmax = 1e9\n')
    local, remote = tmp_path / "local.html", tmp_path / "dask.html"
    assert run_cli("check", config, "--report", local).returncode == 0
    done = run_cli(
        "check", config, "--report", remote, "--engine", "dask", "--scheduler", cluster.scheduler.address
    )
    assert done.returncode == 0, done.stderr
    fa, fb = (_figures(p.read_text(encoding="utf-8")) for p in (local, remote))
    assert fa["p-predicted-vs-actual"] == fb["p-predicted-vs-actual"]
