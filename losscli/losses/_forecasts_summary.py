"""The details of the forecast losses, beside their value (a mean of per-sample scores,
so ``--ci``, ``compare`` and gates work as for any mean): mergeable summaries of
:mod:`losscli.accumulate.summary` whose ``value()`` is the loss's weighted mean again
and whose ``details()`` go into the JSON result and the table.

- :class:`QuantileLevels` (quantile with several columns): the pinball loss at each
  level, and the weighted interval score when the levels are a median and symmetric
  pairs α/2, 1 − α/2 (Bracher et al. 2021).
- :class:`IntervalStats` (interval-score, coverage): the nominal level 1 − α, the share
  of labels inside, below and above [lower, upper], and its mean width.

Every sum is an exact :class:`~losscli.accumulate.sketch.BlockSum`, so the details have
the same bits for any chunking and any split into groups or partitions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.sketch import BlockSum
from losscli.losses._forecasts_kernels import pinball_levels

F64 = NDArray[np.float64]
SYMMETRY = 1e-9  # levels τ and 1 − τ' pair when |τ − τ'| is below this


class _Weighted:
    """Σw and Σw·x for several per-row statistics, exact and mergeable."""

    def __init__(self, k: int) -> None:
        self.weight = BlockSum()
        self.sums = [BlockSum() for _ in range(k)]

    def add(self, columns: list[F64], weights: F64 | None) -> None:
        n = columns[0].size if columns else 0
        self.weight.add(np.ones(n) if weights is None else weights)
        for total, column in zip(self.sums, columns, strict=True):
            total.add(column if weights is None else weights * column)

    def merge(self, other: _Weighted) -> None:
        self.weight.merge(other.weight)
        for mine, theirs in zip(self.sums, other.sums, strict=True):
            mine.merge(theirs)

    def means(self) -> list[float]:
        w = self.weight.value
        return [s.value / w if w > 0 else math.nan for s in self.sums]


def interval_pairs(levels: tuple[float, ...]) -> list[float] | None:
    """The α of each central interval when ``levels`` are the median and pairs
    (α/2, 1 − α/2), widest first; None otherwise."""
    ordered = sorted(levels)
    if len(ordered) % 2 == 0 or abs(ordered[len(ordered) // 2] - 0.5) > SYMMETRY:
        return None
    half = len(ordered) // 2
    alphas = []
    for low, high in zip(ordered[:half], reversed(ordered[half + 1 :]), strict=True):
        if abs(low - (1.0 - high)) > SYMMETRY:
            return None
        alphas.append(2.0 * low)
    return alphas


class QuantileLevels:
    """Per-level pinball loss Σwρ_τ/Σw; the value is their mean (the loss's value).

    ``details()``: ``levels`` — one ``{"level": τ, "value": pinball}`` per column, in
    column order — and, with a median and symmetric pairs, ``wis``: the weighted
    interval score (1/(K + ½))(½|y − m| + Σ_k (α_k/2)·IS_αk), which equals twice the
    mean pinball loss over those 2K + 1 levels, and ``interval_alphas`` (the α_k)."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        levels = params.get("quantile_levels")
        self.levels: tuple[float, ...] = tuple(levels) if levels is not None else (params["alpha"],)
        self.sums = _Weighted(len(self.levels))

    def update(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> None:
        per_level = pinball_levels(inputs["y_true"], _matrix(inputs["y_pred"]), self.levels)
        self.sums.add([per_level[:, j] for j in range(per_level.shape[1])], weights)

    def merge(self, other: QuantileLevels) -> None:
        self.sums.merge(other.sums)

    def value(self) -> float:
        means = self.sums.means()
        return sum(means) / len(means)

    def details(self) -> dict[str, Any]:
        if len(self.levels) < 2:
            return {}
        means = self.sums.means()
        out: dict[str, Any] = {
            "levels": [{"level": t, "value": v} for t, v in zip(self.levels, means, strict=True)]
        }
        alphas = interval_pairs(self.levels)
        if alphas is not None:
            out["wis"] = 2.0 * sum(means) / len(means)
            out["interval_alphas"] = alphas
        return out


class IntervalStats:
    """The share of labels inside, below and above [lower, upper], and the mean width
    u − l (weighted means); the value is the share inside.

    ``details()``: ``nominal`` (1 − α; None for coverage without ``--alpha``),
    ``coverage``, ``below``, ``above``, ``mean_width``."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        alpha = params.get("alpha")
        self.nominal = None if alpha is None else 1.0 - alpha
        self.sums = _Weighted(4)

    def update(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> None:
        y, lower, upper = inputs["y_true"], inputs["lower"], inputs["upper"]
        below = (y < lower).astype(np.float64)
        above = (y > upper).astype(np.float64)
        self.sums.add([1.0 - below - above, below, above, upper - lower], weights)

    def merge(self, other: IntervalStats) -> None:
        self.sums.merge(other.sums)

    def value(self) -> float:
        return self.sums.means()[0]

    def details(self) -> dict[str, Any]:
        inside, below, above, width = self.sums.means()
        return {
            "nominal": self.nominal,
            "coverage": inside,
            "below": below,
            "above": above,
            "mean_width": width,
        }


def _matrix(values: F64) -> F64:
    return values[:, None] if values.ndim == 1 else values
