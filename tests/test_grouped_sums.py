"""``--by`` computed for all groups at once (losscli.accumulate.grouped_sums) gives the
same bits as one BlockSum / LossAccumulator per group fed its rows one chunk at a time —
the per-group path it replaces for plain per-row losses."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import losscli.losses as L
from losscli.accumulate.grouped_sums import GroupedBlockSums
from losscli.accumulate.groups import GroupAccumulator
from losscli.accumulate.loss import LossAccumulator
from losscli.accumulate.sketch import BlockSum


def _chunks(n: int, rng: np.random.Generator) -> list[slice]:
    cuts = np.sort(rng.choice(np.arange(1, n), size=12, replace=False))
    edges = [0, *cuts.tolist(), n]
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


@pytest.mark.parametrize("seed", range(4))
def test_grouped_block_sums_equal_one_block_sum_per_group(seed):
    rng = np.random.default_rng(seed)
    n = 60_000
    # skewed groups: one holds most rows (many second-level runs), some appear in one chunk only
    group = np.where(rng.random(n) < 0.6, 0, rng.integers(1, 40, n))
    group[rng.integers(0, n, 5)] = rng.integers(40, 45, 5)
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, n)  # sums that round differently per order
    grouped, single = GroupedBlockSums(), {g: BlockSum() for g in range(45)}
    grouped.grow(45)
    for part in _chunks(n, rng):
        g, v = group[part], values[part]
        order = np.argsort(g, kind="stable")
        present, counts = np.unique(g, return_counts=True)
        grouped.add(present.astype(np.int64), counts.astype(np.int64), v[order])
        for key in present.tolist():
            single[key].add(v[g == key])
    for key, expected in single.items():
        got = grouped.block_sum(key)
        assert got.value == expected.value  # the same bits
        assert np.array_equal(got._carry, expected._carry)
        assert np.array_equal(got._level1, expected._level1)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_group_accumulator_all_at_once_equals_group_by_group(monkeypatch, loss, weighted):
    rng = np.random.default_rng(7)
    n = 40_000
    y = rng.standard_normal(n)
    p = y + rng.standard_normal(n)
    w = rng.random(n) * (rng.random(n) > 0.1) if weighted else None  # some rows weigh 0
    keys = rng.integers(-3, 200, n)
    spec = L.get_loss(loss)
    params = spec.bind({})
    d = np.abs(p - y)
    losses = {"mse": d * d, "mae": d, "huber": np.where(d <= 1.0, 0.5 * d * d, d - 0.5)}[loss]

    def run(all_at_once: bool) -> dict:
        groups = GroupAccumulator(lambda: LossAccumulator(spec, params, quantiles=False))
        if not all_at_once:
            monkeypatch.setattr(groups, "_plain_groups", lambda *a: None)
        for part in _chunks(n, np.random.default_rng(1)):
            groups.update([keys[part]], losses[part], None if w is None else w[part], y[part], None)
        assert (groups._plain is not None) == all_at_once  # the path under test was taken
        return {k: (s.value(), s.count, s.total_weight, s.max) for k, s in groups.items()}

    fast, slow = run(True), run(False)
    assert list(fast) == list(slow)
    for key in slow:
        assert fast[key] == slow[key] or all(
            a == b or (np.isnan(a) and np.isnan(b)) for a, b in zip(fast[key], slow[key], strict=True)
        )
