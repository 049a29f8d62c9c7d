"""roc-auc and pr-auc with one group of units left out: what the grouped jackknife of
``--ci`` and ``compare`` needs (losscli.intervals.Jackknife).

Each kept score carries its unit's group g = bucket_of(unit key, G) (G = 64). For each
class the values are put in *group-major* order, each group's values sorted (its *part*),
beside one sorted copy of all of them (the *whole*): 8 bytes a row more (16 weighted)
while computing, made by a counting sort a block at a time (:func:`split`).

ROC-AUC is a sum over pairs, so every group's left-out value comes from four kinds of
sums (ψ(a, b) = 1[a > b] + ½·1[a = b], i positive, j negative):

    T   = Σ_{i, j} wᵢwⱼ ψ(sᵢ, sⱼ)
    R_g = Σ_{i ∈ g, j} wᵢwⱼ ψ(sᵢ, sⱼ)        group g's positives against every negative
    C_g = Σ_{i, j ∈ g} wᵢwⱼ ψ(sᵢ, sⱼ)        every positive against group g's negatives
    D_g = Σ_{i ∈ g, j ∈ g} wᵢwⱼ ψ(sᵢ, sⱼ)    the pairs inside g (counted in both R_g and C_g)

    AUC₍g₎ = (T − R_g − C_g + D_g) / ((W₁ − W₁g)(W₀ − W₀g))

each a binary search of one sorted part in a sorted whole (or part): O(n log n) for all
G groups together, and exact (integers) unweighted. One-vs-rest and one-vs-one average
binary AUCs, so they use the same sums class by class.

Average precision is a sum over positives of a ratio of counts at each positive's score:
each group's is found from the whole's counts less the group's own (:func:`ap_left_out`),
O(G · n) time. The partial AUC (``--max-fpr``) cuts the curve at a share of the
negatives' weight, which moves with every group: it is recomputed on the values outside
each group (the whole less the part, no sort; :func:`recomputed_left_out`), G
recomputations: O(G · n log n) time and a copy of both classes while computing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.losses._ranking_kernels import BLOCK, Ranked, average_precision, outranked

F64 = NDArray[np.float64]
Metric = Callable[[Ranked, Ranked], float]
STEP = 1 << 20  # rows put in group order at a time (8 MiB of positions)


@dataclass
class Split:
    """One class's kept values: ``whole`` (all sorted, a copy) and ``parts[g]`` (group g's,
    sorted: views of the kept values, rewritten in group-major order)."""

    whole: Ranked
    parts: list[Ranked]

    def left_out(self, g: int) -> Ranked:
        """The values of every group but g, sorted: the whole without part g's values (a
        copy, no sort). Equal values are interchangeable, so the k-th of a run of equal
        values in the part is taken out at the run's first place in the whole plus k.
        Weighted, the prefix sums of the weights are the whole's less those taken out
        before each place (no second pass in extended precision)."""
        whole = self.whole
        part = self.parts[g].values
        taken = np.searchsorted(whole.values, part, "left") + np.arange(part.size) - _run_firsts(part)
        if not whole.weighted:
            return Ranked(np.delete(whole.values, taken), whole.scale, presorted=True)
        kept = np.ones(whole.size, dtype=bool)
        kept[taken] = False
        places = np.flatnonzero(kept)
        assert whole.cum is not None
        removed = np.zeros(part.size + 1)
        np.cumsum(part.imag * whole.scale, out=removed[1:])
        cum = np.empty(places.size + 1)
        cum[:-1] = whole.cum[places] - removed[places - np.arange(places.size)]  # taken before each
        cum[-1] = whole.cum[-1] - removed[-1]
        return Ranked(whole.values[places], whole.scale, presorted=True, cum=cum)

    def kept(self, g: int) -> int:
        """How many values are outside group g."""
        return self.whole.size - self.parts[g].size


def _run_firsts(values: NDArray[Any]) -> NDArray[np.intp]:
    """For each of the sorted ``values``, the index of the first value equal to it."""
    new = np.ones(values.shape[0], dtype=bool)
    new[1:] = values[1:] != values[:-1]
    firsts = np.where(new, np.arange(values.shape[0]), 0)
    np.maximum.accumulate(firsts, out=firsts)
    return firsts


def split(values: NDArray[Any], groups: NDArray[Any], count: int, scale: float) -> Split:
    """Rewrite ``values`` and ``groups`` (aligned, any order) in place in group-major order,
    each group's values sorted, and sort a copy of all of them. Stable counting sort by
    group a block of :data:`STEP` rows at a time (no n-long array of positions)."""
    counts = np.bincount(groups, minlength=count)
    bounds = np.zeros(count + 1, dtype=np.intp)
    np.cumsum(counts, out=bounds[1:])
    ordered = np.empty_like(values)
    cursor = bounds[:-1].copy()
    for first in range(0, values.shape[0], STEP):
        block = groups[first : first + STEP]
        order = np.argsort(block, kind="stable")
        in_block = np.bincount(block, minlength=count)
        starts = np.cumsum(in_block) - in_block
        by_group = block[order]
        ordered[cursor[by_group] + np.arange(order.size) - starts[by_group]] = values[first : first + STEP][
            order
        ]
        cursor += in_block
    for g in range(count):
        ordered[bounds[g] : bounds[g + 1]].sort()
    values[:] = ordered
    groups[:] = np.repeat(np.arange(count, dtype=groups.dtype), counts)
    ordered.sort()  # now the whole, sorted (the group-major copy is ``values``)
    parts = [Ranked(values[bounds[g] : bounds[g + 1]], scale, presorted=True) for g in range(count)]
    return Split(Ranked(ordered, scale, presorted=True), parts)


def placed(pos: Ranked, neg: Ranked) -> float:
    """2·Σᵢ wᵢ Σⱼ wⱼ ψ(sᵢ, sⱼ) over ``pos``'s values i and ``neg``'s j:
    Σᵢ wᵢ (B₍<₎(sᵢ) + B₍≤₎(sᵢ)), B the weight of ``neg`` below. Exact (a Python int)
    unweighted."""
    whole = 0
    doubled: list[float] = []
    for first in range(0, pos.size, BLOCK):
        scores, weights = pos.block(first, min(first + BLOCK, pos.size))
        twice = neg.below_twice(scores)
        if weights is None:
            whole += int(twice.sum(dtype=np.int64))
        else:
            doubled.append(float(np.dot(weights, twice)))
    return whole if not doubled else math.fsum(doubled)


def auc_left_out(pos: Split, neg: Split) -> F64:
    """ROC-AUC with each group left out by the pair sums of the module docstring (NaN
    where no positive or no negative is left); T = Σ_g C_g (every negative is in one group)."""
    count = len(pos.parts)
    rows: list[float] = []  # 2R_g
    columns: list[float] = []  # 2C_g
    within: list[float] = []  # 2D_g
    for p, q in zip(pos.parts, neg.parts, strict=True):
        rows.append(placed(p, neg.whole) if p.size else 0)
        columns.append(outranked(pos.whole, q) if q.size else 0)
        within.append(outranked(p, q) if p.size and q.size else 0)
    total = _sum(columns)  # 2T
    w1, w0 = pos.whole.total, neg.whole.total
    out = np.full(count, np.nan)
    for g in range(count):
        if pos.kept(g) and neg.kept(g):
            numerator = total - rows[g] - columns[g] + within[g]
            out[g] = numerator / (2 * (w1 - pos.parts[g].total) * (w0 - neg.parts[g].total))
    return out


def _sum(values: list[float]) -> float:
    """Σ values: exact for Python ints (unweighted counts), else correctly rounded (fsum)."""
    if all(isinstance(v, int) for v in values):
        return sum(values)
    return math.fsum(values)


def ap_left_out(pos: Split, neg: Split) -> F64:
    """Average precision with each group left out, from the whole's counts less the
    group's: at a positive's score s, the weight at or above s outside group g is
    TP₍g₎(s) = TP(s) − TP_g(s) (FP₍g₎ likewise), and

        AP₍g₎ = (Σ_{i} wᵢ P₍g₎(sᵢ) − Σ_{i ∈ g} wᵢ P₍g₎(sᵢ)) / (W₁ − W₁g),   P₍g₎ = TP₍g₎ / (TP₍g₎ + FP₍g₎)

    (the sum over every positive less group g's own, whose terms are the same numbers).
    TP(s) and FP(s) are found once (16 bytes a positive); each group then costs a pass
    over the positives with binary searches in its own small parts: O(G · n) in all, no
    copy of a class."""
    whole_p, whole_n = pos.whole, neg.whole
    n1 = whole_p.size
    tp, fp = np.empty(n1), np.empty(n1)
    for first in range(0, n1, BLOCK):
        stop = min(first + BLOCK, n1)
        at = whole_p.run_starts(first, stop)
        tp[first:stop] = whole_p.total - (at if whole_p.cum is None else whole_p.cum[at])
        fp[first:stop] = whole_n.total - whole_n.below(whole_p.block(first, stop)[0], "left")
    out = np.full(len(pos.parts), np.nan)
    whole: float | None = None
    for g, (p, q) in enumerate(zip(pos.parts, neg.parts, strict=True)):
        if not pos.kept(g):
            continue
        if not p.size and not q.size:
            whole = average_precision(whole_p, whole_n) if whole is None else whole
            out[g] = whole
            continue
        every: list[float] = []
        for first in range(0, n1, BLOCK):
            stop = min(first + BLOCK, n1)
            scores, weights = whole_p.block(first, stop)
            every.append(_precisions(tp[first:stop], fp[first:stop], p, q, scores, weights))
        own: list[float] = []
        for first in range(0, p.size, BLOCK):
            scores, weights = p.block(first, min(first + BLOCK, p.size))
            above = whole_p.total - whole_p.below(scores, "left")
            false = whole_n.total - whole_n.below(scores, "left")
            own.append(_precisions(above, false, p, q, scores, weights))
        out[g] = (math.fsum(every) - math.fsum(own)) / (whole_p.total - p.total)
    return out


def _precisions(
    tp: NDArray[Any], fp: NDArray[Any], p: Ranked, q: Ranked, scores: F64, weights: F64 | None
) -> float:
    """Σ wᵢ TP₍g₎/(TP₍g₎ + FP₍g₎) at ``scores``, with group g's positives ``p`` and
    negatives ``q`` taken out of the counts ``tp``, ``fp`` (0 where nothing is left)."""
    kept_tp = tp - (p.total - p.below(scores, "left")) if p.size else tp
    kept_fp = fp - (q.total - q.below(scores, "left")) if q.size else fp
    shown = kept_tp + kept_fp
    precision = np.divide(kept_tp, shown, out=np.zeros(shown.shape[0]), where=shown > 0)
    return float(precision.sum() if weights is None else np.dot(weights, precision))


def recomputed_left_out(pos: Split, neg: Split, metric: Metric, needs_negatives: bool) -> F64:
    """``metric`` of the other groups' values for each group (NaN where no positive, or
    no negative when the metric needs one, is left); a group without kept values leaves
    the whole's value."""
    count = len(pos.parts)
    out = np.full(count, np.nan)
    whole: float | None = None
    for g in range(count):
        if not pos.kept(g) or (needs_negatives and not neg.kept(g)):
            continue
        if not pos.parts[g].size and not neg.parts[g].size:
            whole = metric(pos.whole, neg.whole) if whole is None else whole
            out[g] = whole
            continue
        out[g] = metric(pos.left_out(g), neg.left_out(g))
    return out
