"""``--by`` groups are the whole-file accumulator, one per key (issue 12).

For every loss in the registry, each group's value, count and weight sum equal
``losscli.evaluate`` over that group's rows alone, for several chunk sizes, with and
without weights, and with labels around 1e12 where the loss's domain allows them. The
reference is the library's own whole-file path, which the other suites check against
scikit-learn and PyTorch; what is tested here is that grouping adds no error of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import losscli
from losscli.io.source import InputOptions
from losscli.losses import all_losses

REL = 1e-12
K = 3  # classes / distribution components / labels
CHUNKS = (7, 250, 1 << 20)  # many chunks, a few, one
# Regression losses whose domain holds labels around 1e12 (poisson-nll's default
# log-rate input would be e^(1e12)).
OFFSET = {"mse", "rmse", "mae", "huber", "smooth-l1", "log-cosh", "mape", "smape", "msle"}
OFFSET |= {"rmsle", "quantile", "poisson", "gamma", "tweedie", "gaussian-nll", "max-error", "r2"}
NAMES = sorted(spec.name for spec in all_losses())


def _frame(name: str, n: int, seed: int, offset: bool) -> tuple[pd.DataFrame, dict[str, str]]:
    """Valid inputs for ``name``'s task, a group column ``g`` of unequal groups (one
    of them holding a single row) and a weight column ``w`` with zeros."""
    spec = losscli.losses.get_loss(name)
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    columns: dict[str, str] = {}
    if spec.task == "regression":
        if offset:
            label = 1e12 + rng.normal(size=n)
            pred = label + 0.5 * rng.normal(size=n)
        else:
            label = rng.uniform(0.5, 3.0, n)
            pred = rng.uniform(0.5, 3.0, n)
            if name in ("poisson", "poisson-nll"):
                label = np.floor(label)
        data = {"pred": pred, "label": label}
        if "var" in spec.extra_inputs:
            data["var"] = rng.uniform(0.1, 2.0, n)
        if spec.optional_inputs:  # crps: a Gaussian forecast, its mean ± std
            data[spec.optional_inputs[0]] = rng.uniform(0.1, 2.0, n)
            columns = {spec.optional_inputs[0]: spec.optional_inputs[0]}
        if "lower" in spec.extra_inputs:  # an interval around the prediction
            data["lower"] = pred - rng.uniform(0.0, 2.0, n)
            data["upper"] = pred + rng.uniform(0.0, 2.0, n)
    elif spec.task == "binary":
        data = {"pred": rng.uniform(0.01, 0.99, n), "label": rng.integers(0, 2, n)}
    elif spec.task == "multiclass":
        logits = rng.normal(size=(n, K))
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        scores = np.log(p) if name == "nll" else p
        data = {f"c_{c}": scores[:, c] for c in range(K)} | {"label": rng.integers(0, K, n)}
        columns = {"pred": "c_*"}
    elif spec.task == "multilabel":
        data = {f"s_{c}": rng.uniform(0.01, 0.99, n) for c in range(K)}
        data |= {f"y_{c}": rng.integers(0, 2, n) for c in range(K)}
        columns = {"pred": "s_*", "label": "y_*"}
    else:  # distribution: label p, prediction q, both on the simplex
        p, q = rng.dirichlet(np.ones(K), n), rng.dirichlet(np.ones(K), n)
        data = {f"p_{c}": p[:, c] for c in range(K)} | {f"q_{c}": q[:, c] for c in range(K)}
        columns = {"pred": "q_*", "label": "p_*"}
    frame = pd.DataFrame(data)
    frame["g"] = rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1])
    if not spec.state:  # a summary's value may be undefined for one row (ROC-AUC of one class)
        frame.loc[n // 2, "g"] = "solo"
    w = rng.uniform(0.0, 3.0, n)
    w[::7] = 0.0
    frame["w"] = w
    return frame, columns


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def _check_groups(result: Any, frame: pd.DataFrame, tmp: Path, columns: dict[str, str], **kw: Any) -> None:
    """Each group of ``result`` against ``losscli.evaluate`` on that group's rows alone."""
    for r in result.results:
        assert [g.group for g in r.groups] == sorted(frame["g"].unique())
        for g in r.groups:
            part = frame[frame["g"] == g.group]
            path = tmp / f"part-{g.group}.parquet"
            part.to_parquet(path, index=False)
            alone = losscli.evaluate(str(path), r.loss, params=r.params, **columns, **kw).results[0]
            assert g.count == alone.count == len(part)
            assert _rel(g.weight_sum, alone.weight_sum) <= REL
            assert _rel(g.value, alone.value) <= REL, (r.loss, g.group, g.value, alone.value)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_every_loss_per_group_equals_the_group_evaluated_alone(name, weighted, tmp_path):
    offset = name in OFFSET
    frame, columns = _frame(name, 600, seed=len(name), offset=offset)
    path = tmp_path / "all.parquet"
    frame.to_parquet(path, index=False)
    kw: dict[str, Any] = {"weight": "w"} if weighted else {}
    if name == "gaussian-nll":
        kw["var"] = "var"
    if losscli.losses.get_loss(name).task == "binary" and name in ("hinge", "squared-hinge"):
        kw["positive"] = "1"
    seen = []
    for chunk_rows in CHUNKS:
        result = losscli.evaluate(
            InputOptions(str(path), chunk_rows=chunk_rows), name, by="g", **columns, **kw
        )
        _check_groups(result, frame, tmp_path, columns, **kw)
        seen.append([(g.value, g.count, g.weight_sum) for g in result.results[0].groups])
    assert seen[0] == seen[1] == seen[2], "a group's bits depend on the chunk size"


@pytest.mark.smoke
def test_offset_labels_r2_is_the_same_with_and_without_by_for_any_chunk_size(tmp_path):
    """Issue 12's example: r2 over 200,000 rows with labels around 1e12, every row in
    group 'a' — the group's value is the whole file's, to the last bit."""
    rng = np.random.default_rng(12)
    n = 200_000
    label = 1e12 + rng.normal(size=n)
    pred = label + 0.5 * rng.normal(size=n)
    path = tmp_path / "r2.parquet"
    pd.DataFrame({"pred": pred, "label": label, "g": "a"}).to_parquet(path, index=False)
    values = set()
    for chunk_rows in (1000, 4096 + 13, 65_536, 1 << 20):
        result = losscli.evaluate(InputOptions(str(path), chunk_rows=chunk_rows), "r2", by="g").results[0]
        (group,) = result.groups
        assert group.value == result.value and group.count == n
        values.add(result.value)
    assert len(values) == 1
    # and it is right: scikit-learn's r2 on the same floats (two-pass, no offset error)
    from sklearn.metrics import r2_score

    assert _rel(values.pop(), r2_score(label, pred)) <= 1e-9


def test_a_group_whose_sum_overflows_is_an_error_naming_it_even_when_the_file_is_finite(tmp_path):
    """poisson-nll on rates (ℓ = ŷ − y log(ŷ + ε)) can be negative: group a's losses are
    +1e308 each, group b's about −8.3e307, so the whole file's sum is finite while group
    a's overflows. That group is an error, not a value of inf."""
    path = tmp_path / "signed.csv"
    path.write_text("pred,label,g\n1e308,0,a\n1e300,1.2e305,b\n1e308,0,a\n1e300,1.2e305,b\n")
    whole = losscli.evaluate(str(path), "poisson-nll", params={"log_input": False})
    assert np.isfinite(whole.results[0].value)
    with pytest.raises(losscli.LossCliError, match=r"group 'a'.*overflows float64"):
        losscli.evaluate(str(path), "poisson-nll", params={"log_input": False}, by="g")


@pytest.mark.parametrize("name", ["mse", "r2", "cross-entropy", "bce"])
def test_dask_groups_equal_each_group_alone(cluster, name, tmp_path):
    frame, columns = _frame(name, 3000, seed=3, offset=name in OFFSET)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, start in enumerate(range(0, len(frame), 700)):  # five files of unequal size
        frame.iloc[start : start + 700].to_parquet(folder / f"part-{i}.parquet", index=False)
    result = losscli.evaluate(
        str(folder / "part-*.parquet"), name, by="g", weight="w", engine="dask", **columns
    )
    _check_groups(result, frame, tmp_path, columns, weight="w")


def test_keys_of_mixed_types_group_by_their_text_and_whole_floats_read_as_integers():
    """An object column holding 7 and '7' (JSON Lines can) is one group '7' (a key is
    shown as text); a float column's 2.0 is the group 2."""
    from losscli.accumulate.groups import GroupAccumulator
    from losscli.accumulate.loss import LossAccumulator

    spec = losscli.losses.get_loss("mse")
    losses = np.array([1.0, 4.0, 16.0, 64.0])
    groups = GroupAccumulator(lambda: LossAccumulator(spec, spec.bind({}), quantiles=False))
    groups.update([np.array([7, "7", "a", 7], dtype=object)], losses, None, np.zeros(4), None)
    assert [(g.group, g.count, g.value) for g in groups.results()] == [("7", 3, 23.0), ("a", 1, 16.0)]
    groups = GroupAccumulator(lambda: LossAccumulator(spec, spec.bind({}), quantiles=False))
    groups.update([np.array([2.0, 2.0, 3.5, 3.5])], losses, None, np.zeros(4), None)
    assert [(g.group, g.count) for g in groups.results()] == [(2, 2), (3.5, 2)]


def test_a_dataframe_column_of_mixed_types_is_a_clear_error():
    frame = pd.DataFrame({"pred": [1.0, 2.0], "label": [0.0, 0.0], "g": pd.Series([7, "7"], dtype=object)})
    with pytest.raises(losscli.LossCliError, match="column 'g'"):
        losscli.evaluate(frame, "mse", by="g")


def test_several_group_columns_group_by_their_combination(tmp_path, cli):
    """SPEC §3: several --by columns (or --by a,b) group by their combination; JSON's
    ``group`` is then an object of column → value."""
    rng = np.random.default_rng(5)
    n = 900
    frame = pd.DataFrame({"pred": rng.normal(size=n), "label": rng.normal(size=n)})
    frame["fold"] = rng.integers(0, 3, n)
    frame["sex"] = rng.choice(["F", "M"], n)
    path = tmp_path / "two.csv"
    frame.to_csv(path, index=False)
    for by in (["fold", "sex"], "fold,sex"):
        result = losscli.evaluate(InputOptions(str(path), chunk_rows=100), "mae", by=by)
        (r,) = result.results
        assert result.columns["by"] == ["fold", "sex"]
        assert [g.group for g in r.groups] == [(f, s) for f in range(3) for s in ("F", "M")]
        for g in r.groups:
            rows = frame[(frame["fold"] == g.group[0]) & (frame["sex"] == g.group[1])]
            assert g.count == len(rows)
            want = float(np.mean(np.abs(rows["pred"].to_numpy() - rows["label"].to_numpy())))
            assert _rel(g.value, want) <= 1e-12
    for by in (["--by", "fold,sex"], ["--by", "fold", "--by", "sex"]):
        done = cli("mae", str(path), *by, "-f", "json")
        assert done.exit_code == 0, done.stderr
        groups = json.loads(done.stdout)["results"][0]["groups"]
        assert groups[0]["group"] == {"fold": 0, "sex": "F"} and len(groups) == 6


def test_a_missing_value_in_any_group_column_is_refused_or_dropped(tmp_path, cli):
    path = tmp_path / "gap.csv"
    path.write_text("pred,label,fold,sex\n1,0,1,F\n2,0,1,\n3,0,2,M\n")
    done = cli("mse", str(path), "--by", "fold,sex")
    assert done.exit_code == 2 and "row 2" in done.stderr, done.stderr
    done = cli("mse", str(path), "--by", "fold,sex", "--nan", "drop", "-f", "json")
    groups = json.loads(done.stdout)["results"][0]["groups"]
    assert [g["group"] for g in groups] == [{"fold": 1, "sex": "F"}, {"fold": 2, "sex": "M"}]


@pytest.mark.parametrize("block_bytes", [1 << 12, 1 << 14, 1 << 23])
def test_a_text_group_column_is_one_key_per_text_in_every_block(tmp_path, block_bytes):
    """pyarrow types each CSV block apart: 0, 1, 2 read as numbers in early blocks and as
    text in the block that also holds 'x'. A group is the text written, in every block:
    never two groups '1' and 1."""
    rows = [f"{i % 5},0,{i % 3}" for i in range(3000)] + ["1,0,x"]
    path = tmp_path / "mixed.csv"
    path.write_text("pred,label,g\n" + "\n".join(rows) + "\n")
    result = losscli.evaluate(InputOptions(str(path), block_bytes=block_bytes), "mse", by="g").results[0]
    frame = pd.read_csv(path, dtype={"g": str})
    want = frame.groupby("g").size().to_dict()
    assert {str(g.group): g.count for g in result.groups} == want
    assert [g.group for g in result.groups] == ["0", "1", "2", "x"]  # text: the column is not all numbers


def test_group_keys_keep_what_was_written_and_read_as_numbers_only_when_all_are(tmp_path, cli):
    """'01234' and '1234' are two postcodes, not the number 1234 twice; a column of plain
    numbers reads as numbers (sorted as numbers: 2 before 10)."""
    path = tmp_path / "codes.csv"
    path.write_text("pred,label,zip,fold\n1,0,01234,10\n2,0,1234,2\n3,0,01234,2\n")
    result = losscli.evaluate(str(path), "mse", by="zip").results[0]
    assert [(g.group, g.count) for g in result.groups] == [("01234", 2), ("1234", 1)]
    result = losscli.evaluate(str(path), "mse", by="fold").results[0]
    assert [(g.group, g.count) for g in result.groups] == [(2, 2), (10, 1)]


def test_dask_csv_groups_have_the_local_keys(cluster, tmp_path):
    """The Dask engine reads CSV group columns as text, as the local engine now does: the
    same keys (numbers where the column is all numbers), the same values."""
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"pred": rng.normal(size=2000), "label": rng.normal(size=2000)})
    frame["fold"] = rng.integers(1, 12, 2000)
    frame["site"] = rng.choice(["007", "7", "a"], 2000)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    local = losscli.evaluate(str(path), "mse", by=["fold", "site"]).results[0]
    dask = losscli.evaluate(str(path), "mse", by=["fold", "site"], engine="dask").results[0]
    assert [g.group for g in dask.groups] == [g.group for g in local.groups]
    assert {g.group[1] for g in local.groups} == {"007", "7", "a"}
    assert isinstance(local.groups[0].group[0], int)
    for a, b in zip(dask.groups, local.groups, strict=True):
        assert a.count == b.count and _rel(a.value, b.value) <= 1e-12


@pytest.mark.parametrize("block_bytes", [1 << 10, 1 << 23])
def test_row_ids_are_the_text_written_in_every_block(tmp_path, block_bytes):
    """--id: '007' stays '007' (it read as 7 when its block held only digits), in the
    per-sample rows and in the worst rows, whatever the block size."""
    ids = [f"{i:03d}" for i in range(300)] + ["x9"]
    path = tmp_path / "ids.csv"
    path.write_text("id,pred,label\n" + "\n".join(f"{k},{i},0" for i, k in enumerate(ids)) + "\n")
    result = losscli.evaluate(
        InputOptions(str(path), block_bytes=block_bytes), "mse", id="id", rows=None, worst=3
    )
    assert result.head is not None and list(result.head.columns["#0"]) == ids
    assert result.worst is not None and list(result.worst.columns["#0"]) == ["x9", "299", "298"]


def test_several_group_columns_read_as_column_value_pairs_in_tables(tmp_path, cli):
    path = tmp_path / "two.csv"
    path.write_text("pred,label,fold,sex\n1,0,1,F\n2,0,1,M\n3,0,2,F\n")
    done = cli("mse", str(path), "--by", "fold", "--by", "sex", "-f", "markdown")
    assert "| mse | fold=1, sex=F | 1 | 1 |" in done.stdout, done.stdout
    assert "| mse | fold=2, sex=F | 9 | 1 |" in done.stdout
