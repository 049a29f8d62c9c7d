"""``--ci`` on the Dask engine (issue 14 §1): with ``--id`` the units are the id values,
so partitions of any size give the local engine's interval (the same buckets, merged in
any order); without ``--id`` the partitions' own row numbers cannot be the units, and
that is exit 2 with the fix."""

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


def test_dask_without_an_id_is_exit_2_with_the_fix(cluster, parts, cli):
    done = cli(
        "mse",
        str(parts / "p-*.parquet"),
        "--ci",
        "--engine",
        "dask",
        "--scheduler",
        cluster.scheduler.address,
    )
    assert done.exit_code == 2 and "--id" in done.stderr and "Traceback" not in done.stderr
