"""``--ci`` on the Dask engine (issue 14 §1): the local engine's interval for any
partitioning. With ``--id`` the units are the id values; without it they are the rows'
numbers in the whole input (a first pass counts each partition's rows), for Parquet and
CSV, bucketed or row by row, with ``--ci-block``, ``--by`` and ``--nan drop``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory):
    rng = np.random.default_rng(7)
    n = 30_000
    y = 1e5 + rng.normal(size=n)
    frame = pd.DataFrame(
        {"id": rng.permutation(n), "pred": y + rng.normal(size=n), "label": y, "g": rng.choice(["a", "b"], n)}
    )
    folder = tmp_path_factory.mktemp("ci-dask")
    for i, rows in enumerate(np.array_split(np.arange(n), 3)):
        frame.iloc[rows].to_parquet(folder / f"p-{i}.parquet", row_group_size=[4_000, 7_001, 10_000][i])
    return folder


@pytest.mark.parametrize("loss", ["mse", "r2"])
def test_dask_with_an_id_gives_the_local_interval(cluster, parts, cli, loss):
    args = [loss, str(parts / "p-*.parquet"), "--ci", "--id", "id", "--by", "g", "-f", "json"]
    local = json.loads(cli(*args).stdout)["results"][0]
    done = cli(*args, "--engine", "dask", "--scheduler", cluster.scheduler.address)
    assert done.exit_code == 0, done.stderr
    remote = json.loads(done.stdout)["results"][0]
    assert remote["ci"]["bucketed"] and remote["ci"]["unit"].startswith("id")
    for key in ("low", "high"):
        assert remote["ci"][key] == pytest.approx(local["ci"][key], rel=1e-9)
    for mine, theirs in zip(remote["groups"], local["groups"], strict=True):
        assert mine["ci"]["low"] == pytest.approx(theirs["ci"]["low"], rel=1e-9)


def _intervals(result):
    return [result["ci"]] + [group["ci"] for group in result.get("groups", [])]


def _same_intervals(cli, cluster, args):
    local = cli(*args, "-f", "json")
    assert local.exit_code == 0, local.stderr
    done = cli(*args, "-f", "json", "--engine", "dask", "--scheduler", cluster.scheduler.address)
    assert done.exit_code == 0, done.stderr
    mine, theirs = json.loads(done.stdout)["results"][0], json.loads(local.stdout)["results"][0]
    assert mine["count"] == theirs["count"] and mine["ci"]["unit"] == theirs["ci"]["unit"]
    for got, expected in zip(_intervals(mine), _intervals(theirs), strict=True):
        assert got["bucketed"] == expected["bucketed"]
        for key in ("low", "high"):
            assert got[key] == pytest.approx(expected[key], rel=1e-9)
    return mine


@pytest.mark.parametrize("extra", [[], ["--by", "g"], ["--ci-block", "50"]])
def test_dask_without_an_id_numbers_rows_as_the_whole_input_does(cluster, parts, cli, extra):
    mine = _same_intervals(cli, cluster, ["r2", str(parts / "p-*.parquet"), "--ci", *extra])
    assert mine["ci"]["bucketed"] == (not extra or extra[0] != "--ci-block")  # 600 blocks: each a unit


def test_dask_row_units_row_by_row_on_a_small_input(cluster, tmp_path, cli):
    rng = np.random.default_rng(3)
    for i, n in enumerate([300, 1, 500]):  # 801 rows: every row its own unit, no buckets
        y = rng.normal(size=n)
        pd.DataFrame({"pred": y + rng.exponential(size=n), "label": y}).to_parquet(
            tmp_path / f"s-{i}.parquet"
        )
    mine = _same_intervals(cli, cluster, ["mae", str(tmp_path / "s-*.parquet"), "--ci", "0.9"])
    assert not mine["ci"]["bucketed"] and mine["ci"]["units"] == 801


def test_dask_csv_blocks_number_their_rows_from_the_blocks_before(cluster, tmp_path, cli, monkeypatch):
    from losscli.engine import dask_csv

    rng = np.random.default_rng(5)
    n = 5_000
    y = rng.normal(size=n)
    pred = (y + rng.normal(size=n)).round(6).astype(object)
    pred[1234] = "nan"  # dropped by --nan drop: the rows after it keep their numbers
    notes = np.where(rng.random(n) < 0.05, '"a, quoted\nnote"', "plain")
    lines = [f"{p},{t:.6f},{note}" for p, t, note in zip(pred, y, notes, strict=True)]
    path = tmp_path / "rows.csv"
    path.write_text("pred,label,note\n" + "\n".join(lines) + "\n")
    monkeypatch.setattr(dask_csv, "BLOCK_BYTES", 8_000)  # ~20 blocks of ~250 rows
    mine = _same_intervals(cli, cluster, ["mse", str(path), "--ci", "--nan", "drop"])
    assert mine["count"] == n - 1 and mine["ci"]["bucketed"]
