"""Mergeable accumulators: what a chunk, a file, a group or a partition reduce to.

``update`` folds one chunk in, ``merge`` folds another accumulator in, and
``result`` finalizes. Any split of the data into chunks gives the same result
(sums are exact; the quantile sketch is order-independent).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.losses._spec import LossSpec, Stats
from losscli.results import LossResult
from losscli.sketch import BlockSum, QuantileSketch

F64 = NDArray[np.float64]
QUANTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99}


class LabelMoments:
    """Weighted mean and Σw(y − ȳ)² of the labels, merged with Chan's formula."""

    def __init__(self) -> None:
        self.weight = 0.0
        self.mean = 0.0
        self.m2 = 0.0

    def update(self, y: F64, w: F64 | None) -> None:
        wsum = float(y.size) if w is None else float(w.sum())
        if wsum == 0:
            return
        if y.size and y.min() == y.max():
            self._combine(wsum, float(y[0]), 0.0)  # constant labels: exactly zero spread
            return
        mean = float(np.sum(y if w is None else w * y) / wsum)
        dev = y - mean
        mean += float(np.sum(dev if w is None else w * dev) / wsum)  # second pass: refine
        dev = y - mean
        m2 = float(np.sum(dev * dev if w is None else w * dev * dev))
        self._combine(wsum, mean, m2)

    def merge(self, other: LabelMoments) -> None:
        if other.weight:
            self._combine(other.weight, other.mean, other.m2)

    def _combine(self, wb: float, mb: float, m2b: float) -> None:
        wa = self.weight
        total = wa + wb
        delta = mb - self.mean
        self.mean += delta * wb / total
        self.m2 += m2b + delta * delta * wa * wb / total
        self.weight = total


@dataclass
class LossAccumulator:
    """Sufficient statistics of one loss: Σwℓ, Σw, count, max, a quantile sketch.

    Sums are :class:`BlockSum`s, so the result has the same bits for any chunking."""

    spec: LossSpec
    params: Mapping[str, Any]
    weighted_sum: BlockSum = field(default_factory=BlockSum)
    weight_sum: BlockSum = field(default_factory=BlockSum)
    count: int = 0
    max: float = -math.inf
    sketch: QuantileSketch = field(default_factory=QuantileSketch)
    labels: LabelMoments = field(default_factory=LabelMoments)
    unweighted: int = 0  # samples added without weights (each weighs 1)
    per_count: bool = False  # Keras: mean = Σwℓ / N instead of Σwℓ / Σw
    quantiles: bool = True  # keep the quantile sketch (per-group accumulators do not)
    clipped: int = 0

    def update(
        self,
        losses: F64,
        weights: F64 | None,
        y_true: F64,
        factor: F64 | None = None,
        clipped: int = 0,
    ) -> None:
        """Fold in one chunk. ``factor`` (torch's class weights w_y) scales each row's
        share of the denominator: mean = Σwℓ / Σw·factor; rows whose loss is NaN
        (``--ignore-label``) are left out of both."""
        self.clipped += clipped
        if losses.size == 0:
            return
        if factor is not None:
            self._update_factored(losses, weights, factor)
            return
        self.count += int(losses.size)
        if weights is None:
            self.weighted_sum.add(losses)
            self.unweighted += losses.size
            self.max = max(self.max, float(losses.max()))
        else:
            self.weighted_sum.add(weights * losses)
            self.weight_sum.add(weights)
            positive = losses[weights > 0]
            if positive.size:
                self.max = max(self.max, float(positive.max()))
        if self.quantiles:
            self.sketch.add(losses, weights)
        if self.spec.needs_label_variance:
            self.labels.update(y_true, weights)

    def _update_factored(self, losses: F64, weights: F64 | None, factor: F64) -> None:
        active = ~np.isnan(losses)
        w = np.ones_like(losses) if weights is None else weights
        self.count += int(active.sum())
        self.weighted_sum.add(np.where(active, w * losses, 0.0))
        self.weight_sum.add(w * factor)
        kept = active & (w > 0)
        if kept.any():
            self.max = max(self.max, float(losses[kept].max()))
        if self.quantiles:
            self.sketch.add(losses[active], w[active])

    def merge(self, other: LossAccumulator) -> None:
        self.weighted_sum.merge(other.weighted_sum)
        self.weight_sum.merge(other.weight_sum)
        self.unweighted += other.unweighted
        self.clipped += other.clipped
        self.count += other.count
        self.max = max(self.max, other.max)
        self.sketch.merge(other.sketch)
        self.labels.merge(other.labels)

    @property
    def total_weight(self) -> float:
        return self.weight_sum.value + self.unweighted

    def stats(self) -> Stats:
        total, wsum = self.weighted_sum.value, self.total_weight
        divisor = float(self.count) if self.per_count else wsum
        return Stats(
            mean=total / divisor if divisor > 0 else math.nan,
            sum=total,
            count=self.count,
            weight_sum=wsum,
            max=self.max,
            label_sst=self.labels.m2,
        )

    def result(self) -> LossResult:
        stats = self.stats()
        warnings: list[str] = []
        if self.spec.needs_label_variance and stats.label_sst == 0.0 and stats.count:
            warnings.append(
                f"{self.spec.name}: the labels are constant (SST = 0), so R² is undefined; "
                "reporting 1.0 for a perfect fit, else 0.0, as scikit-learn does"
            )
        if self.clipped:
            eps = self.params.get("eps")
            warnings.append(
                f"{self.spec.name}: {self.clipped} probabilities were clipped to [ε, 1 − ε] (ε = {eps:g}); "
                "their losses are capped"
            )
        value = self.spec.finalize(stats) if stats.weight_sum > 0 else math.nan
        qs = self.sketch.quantiles(list(QUANTILES.values()))
        quantiles = dict(zip(QUANTILES, qs, strict=True))
        quantiles["max"] = stats.max
        defaults = self.spec.defaults()
        changed = [f"{k}={v}" for k, v in self.params.items() if v != defaults.get(k)]
        shown = {
            p.name: self.params[p.name]
            for p in self.spec.params
            if not (p.hidden and self.params[p.name] is None)
        }
        return LossResult(
            loss=self.spec.name,
            params=shown,
            title=self.spec.name + (f"({', '.join(changed)})" if changed else ""),
            value=value,
            mean=stats.mean,
            sum=stats.sum,
            count=stats.count,
            weight_sum=stats.weight_sum,
            higher_is_better=self.spec.higher_is_better,
            quantiles=quantiles,
            histogram=tuple(self.sketch.histogram(20)),
            histogram_range=(self.sketch.min, self.sketch.max),
            quantiles_exact=self.sketch.exact,
            warnings=tuple(warnings),
            clipped=self.clipped if self.spec.clips else None,
        )
