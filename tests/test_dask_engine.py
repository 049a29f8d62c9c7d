"""The Dask engine (issue 6) on a real ``distributed.LocalCluster`` (2 worker processes):
partition states merge into exactly the local engine's results, errors name the same
rows, per-sample output goes to one file per partition, and a missing extra is exit 2.

References are the local engine on the same files (checked against NumPy here too) and
NumPy/scikit-learn; nothing is copied from the Dask engine's own output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import losscli
from losscli.engine.runner import RunOptions
from losscli.io.source import InputOptions

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

ROWS = 1_000_000
FILES = 4


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """1M rows in 4 Parquet files (row groups of different sizes) and the same rows as CSV files."""
    rng = np.random.default_rng(42)
    label = rng.normal(size=ROWS) * 10
    frame = pd.DataFrame(
        {
            "pred": label + rng.normal(size=ROWS),
            "label": label,
            "w": rng.uniform(0.1, 2.0, size=ROWS),
            "g": rng.choice(["north", "south", "east"], size=ROWS),
        }
    )
    folder = tmp_path_factory.mktemp("dask")
    for i, part in enumerate(np.array_split(np.arange(ROWS), FILES)):
        chunk = frame.iloc[part]
        chunk.to_parquet(folder / f"part-{i}.parquet", row_group_size=[50_000, 97_000, 250_000, 33_333][i])
        chunk.iloc[:2_000].to_csv(folder / f"small-{i}.csv", index=False)
    return folder, frame


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber", "r2", "max-error", "rmse"])
def test_million_rows_in_four_files_agree_with_the_local_engine(cluster, dataset, loss):
    folder, frame = dataset
    pattern = str(folder / "part-*.parquet")
    local = losscli.evaluate(pattern, loss, weight="w").results[0]
    dask = losscli.evaluate(pattern, loss, weight="w", engine="dask", scheduler=cluster.scheduler.address)
    got = dask.results[0]
    assert got.count == local.count == ROWS
    for field in ("value", "mean", "sum", "weight_sum"):
        assert _rel(getattr(got, field), getattr(local, field)) <= 1e-12, field
    if loss == "mse":  # the local engine itself against NumPy
        d = frame.pred.to_numpy() - frame.label.to_numpy()
        w = frame.w.to_numpy()
        assert _rel(local.value, float(np.sum(w * d * d) / np.sum(w))) <= 1e-12


@pytest.mark.parametrize("partitions", [1, 3, 7, 16])
def test_any_partitioning_gives_the_local_values(cluster, dataset, partitions):
    folder, _ = dataset
    pattern = str(folder / "part-*.parquet")
    local = losscli.evaluate(pattern, ["mse", "r2"], by="g", worst=5).results
    ddf = dd.read_parquet(pattern).repartition(npartitions=partitions)
    result = losscli.evaluate(ddf, ["mse", "r2"], by="g", worst=5)
    for mine, theirs in zip(result.results, local, strict=True):
        assert _rel(mine.value, theirs.value) <= 1e-12
        assert mine.count == theirs.count
        for a, b in zip(mine.groups or (), theirs.groups or (), strict=True):
            assert a.group == b.group and a.count == b.count
            assert _rel(a.value, b.value) <= 1e-12
        for q in ("p50", "p90", "p99"):  # sketches merge: both within the sketch's error
            assert _rel(mine.quantiles[q], theirs.quantiles[q]) <= 0.01


def test_worst_and_head_rows_are_numbered_over_the_whole_dataset(cluster, dataset):
    folder, frame = dataset
    ddf = dd.read_parquet(str(folder / "part-*.parquet")).repartition(npartitions=5)
    result = losscli.evaluate(ddf, "mae", worst=4, rows=3)
    losses = np.abs(frame.pred.to_numpy() - frame.label.to_numpy())
    expected = np.argsort(-losses, kind="stable")[:4] + 1
    assert result.worst is not None and list(result.worst.row_ids) == expected.tolist()
    assert result.head is not None and list(result.head.row_ids) == [1, 2, 3]
    assert np.allclose(result.worst.columns["loss"], losses[expected - 1], rtol=0, atol=0)


def test_cli_json_has_the_local_shape_and_values(cluster, dataset, cli):
    folder, _ = dataset
    pattern = str(folder / "part-*.parquet")
    local = cli("eval", pattern, "-l", "mse", "-l", "mae", "--by", "g", "-f", "json")
    dask = cli(
        "eval", pattern, "-l", "mse", "-l", "mae", "--by", "g", "-f", "json",
        "--engine", "dask", "--scheduler", cluster.scheduler.address,
    )  # fmt: skip
    assert local.exit_code == dask.exit_code == 0, dask.stderr
    a, b = json.loads(local.stdout), json.loads(dask.stdout)

    def shape(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: shape(v) for k, v in x.items()}
        if isinstance(x, list):
            return [shape(v) for v in x]
        return type(x).__name__

    assert shape(a) == shape(b)
    assert a["source"] == b["source"]
    for ra, rb in zip(a["results"], b["results"], strict=True):
        assert _rel(rb["value"], ra["value"]) <= 1e-12


def test_csv_glob_and_a_classification_loss(cluster, tmp_path, cli):
    rng = np.random.default_rng(5)
    frames = []
    for i in range(3):
        n = 3000
        p = rng.uniform(0.01, 0.99, size=n)
        y = np.where(rng.uniform(size=n) < p, "spam", "ham")
        frame = pd.DataFrame({"prob": p, "label": y})
        frame.to_csv(tmp_path / f"scores-{i}.csv", index=False)
        frames.append(frame)
    options = ["--pred", "prob", "--positive", "spam", "-f", "value"]
    whole = pd.concat(frames)
    whole.to_csv(tmp_path / "all.csv", index=False)
    local = cli("bce", tmp_path / "all.csv", *options)  # the local engine reads one CSV file
    dask = cli(
        "bce",
        tmp_path / "scores-*.csv",
        *options,
        "--engine",
        "dask",
        "--scheduler",
        cluster.scheduler.address,
    )
    assert local.exit_code == dask.exit_code == 0, dask.stderr
    from sklearn.metrics import log_loss

    expected = log_loss((whole.label == "spam").astype(int), whole.prob)
    assert float(dask.stdout) == pytest.approx(expected, rel=1e-9)
    assert float(dask.stdout) == pytest.approx(float(local.stdout), rel=1e-12)


def test_bad_rows_are_reported_with_dataset_row_numbers_and_totals(cluster, tmp_path, cli, expect_error):
    frame = pd.DataFrame({"pred": np.arange(30.0), "label": np.arange(30.0)})
    frame.loc[[17, 18, 25], "pred"] = np.nan
    for i, part in enumerate(np.array_split(np.arange(30), 3)):
        frame.iloc[part].to_parquet(tmp_path / f"p-{i}.parquet")
    pattern = str(tmp_path / "p-*.parquet")
    local = expect_error(cli("mse", pattern))
    dask = expect_error(cli("mse", pattern, "--engine", "dask", "--scheduler", cluster.scheduler.address))
    assert "row 18" in local and "3 such rows" in local
    assert dask == local


def test_text_in_a_numeric_csv_column_is_a_clear_error(cluster, tmp_path, cli, expect_error):
    (tmp_path / "a.csv").write_text("pred,label\n1,1\n2,2\n")
    (tmp_path / "b.csv").write_text("pred,label\n3,3\noops,4\n5,5\n")
    err = expect_error(
        cli("mse", str(tmp_path / "*.csv"), "--engine", "dask", "--scheduler", cluster.scheduler.address)
    )
    assert "column 'pred' row 4: 'oops' is not a number" in err


def test_per_sample_files_one_per_partition(cluster, dataset, tmp_path, cli):
    folder, _ = dataset
    out = tmp_path / "losses"
    small = str(folder / "small-*.csv")
    result = cli(
        "mse", small, "-o", str(out), "--engine", "dask", "--scheduler", cluster.scheduler.address,
        "-f", "value",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    parts = sorted(out.glob("part-*.parquet"))
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(FILES)]
    assert not [p for p in out.iterdir() if p not in parts]  # no temp files left
    got = pd.concat([pd.read_parquet(p) for p in parts])
    expected = pd.concat([pd.read_csv(folder / f"small-{i}.csv") for i in range(FILES)])
    assert np.array_equal(got["loss"].to_numpy(), ((expected.pred - expected.label) ** 2).to_numpy())
    csv_out = tmp_path / "csv"
    result = cli(
        "mae", small, "-o", str(csv_out / "mae-*.csv"), "--engine", "dask",
        "--scheduler", cluster.scheduler.address, "-f", "value",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in csv_out.iterdir()) == [f"mae-part-{i:05d}.csv" for i in range(FILES)]


def test_check_command_runs_on_dask(cluster, cli):
    local = cli("check", "-f", "json")
    dask = cli("check", "-f", "json", "--engine", "dask", "--scheduler", cluster.scheduler.address)
    assert local.exit_code == dask.exit_code == 0, dask.stderr
    a, b = json.loads(local.stdout), json.loads(dask.stdout)
    assert [c["value"] for c in a["checks"]] == pytest.approx([c["value"] for c in b["checks"]], rel=1e-12)


def test_options_the_dask_engine_does_not_take(cluster, dataset, cli, expect_error):
    folder, _ = dataset
    small = str(folder / "small-*.csv")
    where = ["--engine", "dask", "--scheduler", cluster.scheduler.address]
    expect_error(cli("mse", small, "-f", "csv", *where), "-o DIR")
    expect_error(cli("mse", small, "--labels", small, *where), "--labels")
    expect_error(cli("mse", "-", *where), "stdin")


def test_unreachable_scheduler_is_exit_2(cli, expect_error, sample_parquet):
    expect_error(
        cli("mse", sample_parquet, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"),
        "cannot reach the Dask scheduler",
    )


def test_default_local_cluster_and_the_environment_variable(cluster, sample_parquet, run_cli):
    local = run_cli("mse", sample_parquet, "-f", "value")
    started = run_cli("mse", sample_parquet, "-f", "value", "--engine", "dask", timeout=120)
    assert local.returncode == started.returncode == 0, started.stderr
    assert float(started.stdout) == pytest.approx(float(local.stdout), rel=1e-12)
    assert started.stderr == b"", started.stderr.decode()


def test_run_dask_reads_once_for_several_requests(cluster, dataset):
    from losscli.engine.dask import run_dask

    folder, _ = dataset
    results = run_dask(
        InputOptions(str(folder / "part-*.parquet")),
        [("mse", {}), ("mae", {"weight": "w"})],
        [RunOptions(), RunOptions()],
    )
    local = [
        losscli.evaluate(str(folder / "part-*.parquet"), "mse"),
        losscli.evaluate(str(folder / "part-*.parquet"), "mae", weight="w"),
    ]
    for got, ref in zip(results, local, strict=True):
        assert _rel(got.results[0].value, ref.results[0].value) <= 1e-12


def test_missing_extra_is_exit_2_with_the_install_command(sample_parquet, process_env):
    code = (
        "import sys\n"
        "sys.modules['distributed'] = None\n"  # as if the extra were not installed
        "from losscli.cli import main\n"
        f"sys.argv = ['losscli', 'mse', {sample_parquet!r}, '--engine', 'dask']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=process_env, timeout=60)
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode()
    assert err.startswith("losscli: error: --engine dask needs Dask")
    assert "pip install 'losscli[dask]'" in err
    assert "Traceback" not in err


def test_ctrl_c_stops_the_cluster_and_leaves_no_temp_files(huge_csv, tmp_path, losscli_exe, process_env):
    import signal
    import time

    out = tmp_path / "parts"
    proc = subprocess.Popen(
        [losscli_exe, "mse", huge_csv, "--engine", "dask", "-o", str(out / "m-*.csv"), "-f", "value"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env,
    )
    deadline = time.monotonic() + 60
    writing = ".parts.*.tmp/.*.tmp"  # a worker's temp file in the staging directory beside 'parts'
    while time.monotonic() < deadline and not any(tmp_path.glob(writing)):
        time.sleep(0.05)
    assert any(tmp_path.glob(writing)), "no partition file was being written"
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert time.monotonic() - started < 2.0
    assert stdout == b""
    assert stderr.decode().strip() == "losscli: interrupted"
    assert not out.exists()  # produced whole or not at all
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no staging directory left


def test_label_encodings_that_only_clash_across_partitions(cluster, tmp_path, cli, expect_error):
    pd.DataFrame({"pred": [0.2, 0.7], "label": [0, 1]}).to_parquet(tmp_path / "a-0.parquet")
    pd.DataFrame({"pred": [0.4, 0.9], "label": [-1, 1]}).to_parquet(tmp_path / "a-1.parquet")
    where = ["--engine", "dask", "--scheduler", cluster.scheduler.address]
    expect_error(cli("bce", str(tmp_path / "a-*.parquet"), *where), "mixes 0/1 and -1/+1")
    pd.DataFrame({"pred": [0.2, 0.7], "label": ["cat", "dog"]}).to_parquet(tmp_path / "b-0.parquet")
    pd.DataFrame({"pred": [0.4, 0.9], "label": ["dog", "fox"]}).to_parquet(tmp_path / "b-1.parquet")
    err = expect_error(cli("bce", str(tmp_path / "b-*.parquet"), "--positive", "dog", *where))
    assert "more than two values" in err and "'fox'" in err
    pd.DataFrame({"pred": [0.2, 0.7], "label": ["cat", "cat"]}).to_parquet(tmp_path / "c-0.parquet")
    pd.DataFrame({"pred": [0.4, 0.9], "label": ["dog", "dog"]}).to_parquet(tmp_path / "c-1.parquet")
    ok = cli("bce", str(tmp_path / "c-*.parquet"), "--positive", "dog", "-f", "value", *where)
    assert ok.exit_code == 0, ok.stderr
    p, y = np.array([0.2, 0.7, 0.4, 0.9]), np.array([0, 0, 1, 1])
    assert float(ok.stdout) == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-12)


def test_an_fsspec_url(cluster, dataset):
    folder, _ = dataset
    local = losscli.evaluate(str(folder / "part-*.parquet"), "mse").results[0].value
    url = (folder / "part-*.parquet").as_uri().replace("%2A", "*")
    got = losscli.evaluate(url, "mse", engine="dask", scheduler=cluster.scheduler.address).results[0].value
    assert _rel(got, local) <= 1e-12
