"""The fast paths behind --ci and compare agree with their definitions.

- resampled sums: S*_b = Σ_u c_bu S_u, with c_bu counted directly from the documented
  draws (``default_rng(seed).integers(0, m, (rows, m))``, 1,000 resamples at a time),
  whether the counts are kept between calls or drawn block by block;
- bucket sums of a range of row numbers (whole 2¹⁶-row tables use their known label
  counts) equal the sums by ``bucket_of`` of each row;
- the finite-column memo shared by a comparison's models never answers for another
  array, and a NaN label still stops every model;
- the command line's allocator settings take on glibc.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from losscli import intervals
from losscli.accumulate.units import UnitSums, bucket_of
from losscli.engine.validate import Finite, all_finite
from losscli.intervals import CiSettings, resampled


def _counts_by_definition(m: int, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = []
    for start in range(0, resamples, 1000):
        draws = rng.integers(0, m, size=(min(1000, resamples - start), m), dtype=np.int16)
        rows += [np.bincount(row, minlength=m) for row in draws]
    return np.array(rows, dtype=np.float64)


@pytest.mark.parametrize(("m", "resamples"), [(7, 5), (300, 2500), (1024, 2000)])
def test_resampled_sums_are_the_counts_times_the_unit_sums(m, resamples):
    units = np.random.default_rng(1).normal(size=(m, 3))
    expected = _counts_by_definition(m, resamples, 4) @ units
    got = resampled(units, CiSettings(resamples=resamples, seed=4))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    # each resample draws m units: the count column (all ones) sums to m
    assert np.all(resampled(np.ones((m, 1)), CiSettings(resamples=resamples, seed=4)) == m)


def test_counts_drawn_block_by_block_equal_the_kept_ones(monkeypatch):
    units = np.random.default_rng(2).normal(size=(50, 2))
    kept = resampled(units, CiSettings(resamples=3000, seed=9))
    monkeypatch.setattr(intervals, "_KEPT", 0)  # too large to keep: drawn again, block by block
    drawn = resampled(units, CiSettings(resamples=3000, seed=9))
    np.testing.assert_array_equal(kept, drawn)
    assert not np.array_equal(kept, resampled(units, CiSettings(resamples=3000, seed=10)))


@pytest.mark.parametrize("start", [0, 12345, (1 << 16) * 3])
def test_a_range_of_rows_lands_in_the_buckets_of_its_row_numbers(start):
    n = 300_000  # several whole 2^16-row tables and partial ones at both ends
    losses = np.random.default_rng(3).exponential(size=n)
    sums = UnitSums(2)
    sums.add(
        np.arange(start, start + 2000, dtype=np.uint64), [losses[:2000], None], distinct=True, start=start
    )
    rest = np.arange(start + 2000, start + n, dtype=np.uint64)
    sums.add(rest, [losses[2000:], None], distinct=True, start=start + 2000)
    where = bucket_of(np.arange(start, start + n, dtype=np.uint64))
    np.testing.assert_allclose(
        sums.units()[:, 0], np.bincount(where, weights=losses, minlength=1024), rtol=1e-12
    )
    np.testing.assert_array_equal(sums.units()[:, 1], np.bincount(where, minlength=1024))


def test_the_finite_memo_answers_only_for_the_same_array():
    known: Finite = {}
    finite = np.ones(10)
    assert all_finite({"y": finite}, ["y"], known)
    bad = np.ones(10)
    bad[3] = np.nan
    assert not all_finite({"y": bad}, ["y"], known)
    assert all_finite({"y": finite}, ["y"], known) and not all_finite({"y": bad}, ["y"], known)
    # a memo entry keeps its array alive, so no other array can take its id
    assert all(entry[0] is array for entry, array in zip(known.values(), (finite, bad), strict=True))


def test_a_nan_label_stops_a_comparison_of_two_models(cli, write_file):
    path = write_file("m.csv", "label,a,b\n1,1.5,1.2\nnan,2.0,2.5\n3,2.5,3.1\n")
    result = cli("compare", path, "--pred", "a,b", "-l", "mse")
    assert result.exit_code == 2
    assert "row 2" in result.stderr and "label" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_the_allocator_settings_take_on_glibc():
    code = "from losscli.cli.allocator import reuse_chunk_memory; print(reuse_chunk_memory())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
