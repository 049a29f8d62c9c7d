"""Streaming invariants: exact sums, the quantile sketch, bounded row keepers, and
chunk-size invariance of whole evaluations (ARCHITECTURE.md: any chunking gives
the one-shot result)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_squared_error, r2_score

import losscli
from losscli.accumulate.rows import RowBlock, WorstRows
from losscli.accumulate.sketch import ExactSum, QuantileSketch
from losscli.io.source import InputOptions


def test_exact_sum_matches_fsum_where_naive_sum_fails():
    values = [1e16, 1.0, -1e16, 3.0, 1e-3] * 1000
    acc = ExactSum()
    for v in values:
        acc.add(v)
    assert acc.value == math.fsum(values)
    assert sum(values) != math.fsum(values)  # the case is a real one


def test_exact_sum_merge_is_exact():
    rng = np.random.default_rng(1)
    values = (rng.normal(size=5000) * 10.0 ** rng.integers(-8, 8, size=5000)).tolist()
    a, b = ExactSum(), ExactSum()
    for v in values[:2500]:
        a.add(v)
    for v in values[2500:]:
        b.add(v)
    a.merge(b)
    assert a.value == math.fsum(values)


@pytest.mark.parametrize("q", [0.0, 0.1, 0.5, 0.9, 0.99, 1.0])
def test_exact_mode_matches_numpy_inverted_cdf(q):
    rng = np.random.default_rng(2)
    x = rng.exponential(size=1001)
    sketch = QuantileSketch()
    sketch.add(x)
    assert sketch.exact
    assert sketch.quantiles([q])[0] == np.quantile(x, q, method="inverted_cdf")


def test_weighted_exact_quantiles_match_numpy():
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=500), rng.uniform(0.1, 3, size=500)
    sketch = QuantileSketch()
    sketch.add(x, w)
    for q in (0.25, 0.5, 0.9):
        assert sketch.quantiles([q])[0] == np.quantile(x, q, weights=w, method="inverted_cdf")


@pytest.mark.parametrize("dist", ["exponential", "normal", "lognormal"])
def test_sketch_relative_error_within_one_percent(dist):
    rng = np.random.default_rng(4)
    x = getattr(rng, dist)(size=400_000)
    sketch = QuantileSketch(exact_limit=1000)
    for chunk in np.array_split(x, 37):
        sketch.add(chunk)
    assert not sketch.exact
    for q in (0.5, 0.9, 0.99):
        exact = np.quantile(x, q, method="inverted_cdf")
        assert abs(sketch.quantiles([q])[0] - exact) <= 0.01 * abs(exact) + 1e-12


def test_sketch_merge_equals_single_stream():
    rng = np.random.default_rng(5)
    x = rng.exponential(size=50_000)
    whole = QuantileSketch(exact_limit=100)
    whole.add(x)
    parts = [QuantileSketch(exact_limit=100) for _ in range(4)]
    for part, chunk in zip(parts, np.array_split(x, 4), strict=True):
        part.add(chunk)
    for part in parts[1:]:
        parts[0].merge(part)
    qs = [0.5, 0.9, 0.99]
    assert parts[0].quantiles(qs) == whole.quantiles(qs)


def test_worst_rows_is_bounded_and_ordered():
    rng = np.random.default_rng(6)
    losses = rng.normal(size=10_000)
    keeper = WorstRows(5, "loss")
    for start in range(0, 10_000, 777):
        stop = min(start + 777, 10_000)
        keeper.update(RowBlock(np.arange(start + 1, stop + 1), {"loss": losses[start:stop]}))
        assert len(keeper.rows() or []) <= 5
    top = keeper.rows()
    assert top is not None
    expected = np.sort(losses)[::-1][:5]
    assert np.array_equal(top.columns["loss"], expected)
    assert np.array_equal(top.row_ids, np.argsort(-losses)[:5] + 1)


@pytest.fixture(scope="module")
def noisy_csv(tmp_path_factory):
    rng = np.random.default_rng(7)
    n = 30_000
    y = rng.normal(size=n) * 100
    frame = pd.DataFrame({"label": y, "pred": y + rng.normal(size=n) * 5, "w": rng.uniform(0, 2, size=n)})
    path = tmp_path_factory.mktemp("stream") / "noisy.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.mark.parametrize("block_bytes", [1 << 22, 1 << 15, 4096, 300])
@pytest.mark.parametrize("loss", ["mse", "r2", "huber", "max-error"])
def test_any_chunk_size_gives_the_one_chunk_result(noisy_csv, block_bytes, loss):
    path, frame = noisy_csv
    one = losscli.evaluate(InputOptions(str(path), block_bytes=1 << 26), loss, weight="w").results[0]
    many = losscli.evaluate(InputOptions(str(path), block_bytes=block_bytes), loss, weight="w").results[0]
    assert many.count == one.count == len(frame)
    assert many.value == pytest.approx(one.value, rel=1e-12)
    assert many.sum == pytest.approx(one.sum, rel=1e-12)
    assert many.quantiles == pytest.approx(one.quantiles, rel=1e-12)


def test_streamed_file_agrees_with_sklearn(noisy_csv):
    path, frame = noisy_csv
    opts = InputOptions(str(path), block_bytes=4096)
    mse = losscli.evaluate(opts, "mse", weight="w").results[0].value
    r2 = losscli.evaluate(opts, "r2", weight="w").results[0].value
    assert mse == pytest.approx(mean_squared_error(frame.label, frame.pred, sample_weight=frame.w), rel=1e-9)
    assert r2 == pytest.approx(r2_score(frame.label, frame.pred, sample_weight=frame.w), rel=1e-9)


def test_parquet_batches_give_the_same_result(noisy_csv, tmp_path):
    path, frame = noisy_csv
    pq_path = tmp_path / "noisy.parquet"
    frame.to_parquet(pq_path, row_group_size=1000)
    csv_value = losscli.evaluate(str(path), "mae").results[0].value
    for rows in (97, 1000, 1 << 16):
        got = losscli.evaluate(InputOptions(str(pq_path), chunk_rows=rows), "mae").results[0].value
        assert got == pytest.approx(csv_value, rel=1e-12)


def test_dataframe_source(noisy_csv):
    _, frame = noisy_csv
    result = losscli.evaluate(frame, "mse")
    assert result.source.format == "dataframe"
    assert result.results[0].value == pytest.approx(mean_squared_error(frame.label, frame.pred), rel=1e-9)


def test_head_keeps_first_rows_in_input_order(noisy_csv):
    path, frame = noisy_csv
    result = losscli.evaluate(InputOptions(str(path), block_bytes=2048), "mae", rows=25)
    assert result.head is not None
    assert list(result.head.row_ids) == list(range(1, 26))
    assert np.allclose(result.head.columns["loss"], np.abs(frame.pred - frame.label)[:25], rtol=0, atol=0)


def test_block_sum_is_bit_identical_for_any_chunking():
    from losscli.accumulate.sketch import BlockSum

    rng = np.random.default_rng(8)
    x = rng.normal(size=100_003) * 10.0 ** rng.integers(-6, 6, size=100_003)
    results = set()
    for sizes in ([100_003], [1, 4095, 4096, 91_811], [333] * 300 + [103], [65_536, 34_467]):
        acc = BlockSum()
        start = 0
        for size in sizes:
            acc.add(x[start : start + size])
            start += size
        assert start == x.size
        results.add(acc.value)
    assert len(results) == 1


def test_file_and_stdin_chunking_give_identical_bits(noisy_csv):
    path, _ = noisy_csv
    values = {
        losscli.evaluate(InputOptions(str(path), block_bytes=b), "mse", weight="w").results[0].value
        for b in (1 << 26, 1 << 16, 5000, 777)
    }
    assert len(values) == 1


def test_row_range_behaves_like_the_array_it_stands_for():
    from losscli.accumulate.rows import RowRange

    rows, array = RowRange(11, 7), np.arange(11, 18)
    assert len(rows) == rows.size == 7
    assert [rows[i] for i in range(-7, 7)] == [int(array[i]) for i in range(-7, 7)]
    with pytest.raises(IndexError):
        rows[7]
    sliced = rows[2:5]
    assert isinstance(sliced, RowRange) and list(np.asarray(sliced)) == [13, 14, 15]
    mask = np.array([True, False, True, False, False, True, True])
    assert list(rows[mask]) == list(array[mask])
    assert list(rows[np.array([6, 0])]) == [17, 11]
    assert list(rows[::2]) == list(array[::2])
    assert np.asarray(rows).dtype == np.int64


def test_dropped_rows_keep_their_numbers_in_the_head(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("pred,label\n1,1\n,2\n3,5\nNA,1\n4,4\n")
    result = losscli.evaluate(InputOptions(str(path), block_bytes=8), "mae", nan="drop")
    assert result.head is not None
    assert list(result.head.row_ids) == [1, 3, 5]
    assert list(result.head.columns["loss"]) == [0.0, 2.0, 0.0]


def test_lines_longer_than_the_block_and_null_markers_in_some_blocks(tmp_path):
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame({"pred": rng.normal(size=n), "label": rng.normal(size=n)})
    frame["note"] = ["x" * int(k) for k in rng.integers(0, 900, size=n)]  # lines of 0.9 kB
    frame.loc[[5, 777, 1500], "pred"] = np.nan  # written as empty cells
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    kept = frame.dropna()
    expected = float(np.mean((kept.pred - kept.label) ** 2))
    for block in (64, 500, 4096, 1 << 26):
        got = losscli.evaluate(InputOptions(str(path), block_bytes=block), "mse", nan="drop").results[0]
        assert got.count == n - 3
        assert got.value == pytest.approx(expected, rel=1e-12)
    with pytest.raises(losscli.LossCliError, match="row 6 is nan"):
        losscli.evaluate(InputOptions(str(path), block_bytes=500), "mse")
