"""Mergeable accumulators: what a chunk, a file, a group or a partition reduce to.

``update`` folds one chunk in, ``merge`` folds another accumulator in, and
``result`` finalizes. Any split of the data into chunks gives the same result
(sums are exact; the quantile sketch is order-independent).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.dummy import DummyState
from losscli.accumulate.moments import LabelMoments
from losscli.accumulate.sketch import BlockSum, QuantileSketch
from losscli.accumulate.summary import (
    UNITS,
    Jackknifed,
    Summary,
    Summed,
    make_summary,
    summary_bounds,
    summary_no_interval,
    summary_warnings,
)
from losscli.accumulate.units import U64, UnitSums, fingerprint
from losscli.intervals import Bootstrap, CiSettings, Jackknife, NoInterval, paired, statistic
from losscli.results import ConfidenceInterval, DummyScore, LossResult
from losscli.spec import LossSpec, Stats, finalize_state

F64 = NDArray[np.float64]
QUANTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99}
ROUNDING = 1e-12  # a change of a value within ROUNDING · max(|value|, 1) is float rounding
# a summary's per-row statistics (LossSpec.interval "sums": K² cells, 3 per bin) are made a
# slice of rows at a time, at most this many values (16 MB) at once
SUMMED_CELLS = 1 << 21
NO_SKETCH = QuantileSketch()  # the empty sketch of accumulators without quantiles; never added to


def _moved(d: float) -> F64:
    """The linear map of unit sums (wℓ, w, n, w, w(y − K'), w(y − K')²) to the shift
    K = K' − d: w(y − K) = w(y − K') + d·w, w(y − K)² = w(y − K')² + 2d·w(y − K') + d²·w."""
    matrix = np.eye(6)
    matrix[3, 4], matrix[3, 5], matrix[4, 5] = d, d * d, 2.0 * d
    return matrix


NO_LABELS = LabelMoments()  # the empty moments of losses that need none; never added to


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
    sketch: QuantileSketch = NO_SKETCH  # made in __post_init__ when ``quantiles``
    labels: LabelMoments = NO_LABELS  # made in __post_init__ when the spec needs label moments
    unweighted: int = 0  # samples added without weights (each weighs 1)
    per_count: bool = False  # Keras: mean = Σwℓ / N instead of Σwℓ / Σw
    quantiles: bool = True  # keep the quantile sketch (per-group accumulators do not)
    clipped: int = 0
    resampled: bool = False  # keep per-unit sums for --ci (made in __post_init__)
    units: UnitSums | None = None
    fingerprint: int = 0  # which rows and labels the unit sums hold (accumulate.units.fingerprint)
    fingerprinted: bool = False  # keep the fingerprint (a baseline to write or to pair with)
    clip_shift: float = 0.0  # Σw(unclipped ℓ − ℓ) over clipped rows: what clipping took off Σwℓ
    summary: Summary | None = None  # the spec's own summary (LossSpec.state), made in __post_init__
    dummy_strategy: str | None = None  # --vs-dummy: "mean", "median" (the prior for classification)
    dummy: DummyState | None = None  # made in __post_init__ with a dummy_strategy

    def __post_init__(self) -> None:
        if self.dummy_strategy is not None and self.dummy is None:
            self.dummy = DummyState(self.spec, self.dummy_strategy)
        if self.spec.state and self.summary is None:  # the file's, each --by group's: value and details
            self.summary = make_summary(self.spec.state, self.params)
        if self.quantiles and self.sketch is NO_SKETCH:
            self.sketch = QuantileSketch()
        if self.spec.needs_label_variance and self.labels is NO_LABELS:
            self.labels = LabelMoments()
        if self.resampled and self.units is None and not self.spec.jackknifed:
            summed = self.summed()
            width = summed.width if summed is not None else 6 if self.spec.needs_label_variance else 3
            # a summary whose parameters give no interval (ECE's quantile bins) keeps no unit sums
            if summed is None or not summary_no_interval(summed):
                self.units = UnitSums(width)

    def summed(self) -> Summed | None:
        """The summary whose own per-row statistics the unit sums hold (LossSpec.interval
        "sums"), or None."""
        summed = self.spec.interval == "sums" and self.spec.finalize is finalize_state
        return cast(Summed, self.summary) if summed and self.summary is not None else None

    def _left_out(self) -> F64:
        assert self.summary is not None
        return cast(Jackknifed, self.summary).left_out()

    def update(
        self,
        losses: F64,
        weights: F64 | None,
        y_true: F64,
        factor: F64 | None = None,
        clipped: int = 0,
        clip_delta: F64 | None = None,
        units: U64 | None = None,
        distinct: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """Fold in one chunk (``inputs``: the kernel's inputs by role, for a summary). ``factor`` (torch's class weights w_y) scales each row's
        share of the denominator: mean = Σwℓ / Σw·factor; rows whose loss is NaN
        (``--ignore-label``) are left out of both. ``clip_delta``: per row, the unclipped
        loss minus the reported one (:meth:`clipping_changed`). ``units``: each row's
        bootstrap unit key, when the accumulator keeps unit sums for ``--ci``."""
        self.clipped += clipped
        if clip_delta is not None:
            self.clip_shift += float(np.sum(clip_delta if weights is None else weights * clip_delta))
        if losses.size == 0:
            return
        if self.summary is not None:
            assert inputs is not None, f"{self.spec.name} needs the kernel's inputs for its summary"
            keyed = self.resampled and self.spec.jackknifed and units is not None
            self.summary.update({**inputs, UNITS: units} if keyed else inputs, weights, losses)
        if self.dummy is not None:
            assert inputs is not None, "--vs-dummy needs the kernel's inputs"
            self.dummy.update(inputs, weights, losses)
        if factor is not None:
            self._update_factored(losses, weights, factor)
        else:
            self._update_plain(losses, weights, y_true)
        if self.units is not None:
            assert units is not None, "--ci needs each row's unit key"
            # increasing row numbers that span exactly their count are a range: buckets by table slices
            ranged = distinct and units.size > 0 and int(units[-1]) - int(units[0]) == units.size - 1
            start = int(units[0]) if ranged else None
            summed = self.summed()
            if summed is not None and inputs is not None:
                self._add_summed(summed, units, inputs, weights, losses, distinct, start)
            else:
                self.units.add(units, self.unit_columns(losses, weights, y_true, factor), distinct, start)
            if self.fingerprinted:
                self.fingerprint = (self.fingerprint + fingerprint(units, y_true)) % 2**64

    def _add_summed(
        self,
        summed: Summed,
        units: U64,
        inputs: Mapping[str, Any],
        weights: F64 | None,
        losses: F64,
        distinct: bool,
        start: int | None,
    ) -> None:
        """A summary's own per-row statistics into the unit sums, :data:`SUMMED_CELLS`
        values at a time (a wide summary's columns are mostly zeros: one-hot cells)."""
        assert self.units is not None
        n = losses.size
        step = max(1, SUMMED_CELLS // max(summed.width, 1))
        for at in range(0, n, step):
            rows = slice(at, min(at + step, n))
            part = inputs if step >= n else {role: values[rows] for role, values in inputs.items()}
            columns = summed.unit_columns(part, None if weights is None else weights[rows], losses[rows])
            self.units.add(units[rows], columns, distinct, None if start is None else start + at)

    def unit_columns(
        self, losses: F64, weights: F64 | None, y_true: F64, factor: F64 | None
    ) -> list[F64 | None]:
        """Each row's sufficient statistics, the columns of intervals.WL … LD2 (None: 1 a
        row): wℓ, the denominator's w (w·w_y with class weights), 1 (a counted row), and
        for r2 the label moments w, w(y − K), w(y − K)² about this accumulator's shift K."""
        if factor is None:
            columns: list[F64 | None] = [
                losses if weights is None else weights * losses,
                weights,
                None,
            ]
        else:
            active = ~np.isnan(losses)
            w = np.ones_like(losses) if weights is None else weights
            columns = [np.where(active, w * losses, 0.0), w * factor, active.astype(np.float64)]
        if self.spec.needs_label_variance:
            d = y_true - (self.labels.shift or 0.0)
            wd = d if weights is None else weights * d
            columns += [weights, wd, wd * d]
        return columns

    def _update_plain(self, losses: F64, weights: F64 | None, y_true: F64) -> None:
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
        if self.summary is not None and other.summary is not None:
            self.summary.merge(other.summary)
        if self.dummy is not None and other.dummy is not None:
            self.dummy.merge(other.dummy)
        if self.units is not None and other.units is not None:
            if (
                self.spec.needs_label_variance
                and self.labels.shift is not None
                and other.labels.shift is not None
            ):
                other.units.linear(_moved(other.labels.shift - self.labels.shift))
            self.units.merge(other.units)
            self.fingerprint = (self.fingerprint + other.fingerprint) % 2**64
        self.weighted_sum.merge(other.weighted_sum)
        self.weight_sum.merge(other.weight_sum)
        self.unweighted += other.unweighted
        self.clipped += other.clipped
        self.clip_shift += other.clip_shift
        self.count += other.count
        self.max = max(self.max, other.max)
        if self.quantiles:
            self.sketch.merge(other.sketch)
        if self.spec.needs_label_variance:
            self.labels.merge(other.labels)

    @property
    def total_weight(self) -> float:
        return self.weight_sum.value + self.unweighted

    def overflow(self) -> str | None:
        """The first sum behind the result that overflowed float64, or None.

        A mean over an infinite weight sum is a wrong finite number (Σwℓ / ∞ = 0.0),
        so every sum is checked, not only the value."""
        sums = [("the weight sum Σw", self.weight_sum), ("the weighted loss sum Σwℓ", self.weighted_sum)]
        if self.spec.needs_label_variance:
            sums += [
                ("the label weight sum", self.labels.weights),
                ("the label moment Σw(y − K)", self.labels.s1),
                ("the label moment Σw(y − K)²", self.labels.s2),
            ]
        for name, total in sums:
            try:
                finite = math.isfinite(total.value)
            except (OverflowError, ValueError):  # math.fsum of partials that overflowed
                finite = False
            if not finite:
                return name
        return None

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
            state=self.summary,
        )

    def clipping_changed(self, stats: Stats, value: float) -> bool:
        """Whether clipping changed the reported value beyond rounding: the value finalized
        from Σwℓ + :attr:`clip_shift` (the unclipped losses) differs from ``value`` by more
        than ROUNDING · max(|value|, 1). Relative for values above 1, absolute below (losses
        are in their own units, nats for log losses: a probability of 1 clipped to 1 − ε
        adds ε ≈ 2e-16 to its loss, which is rounding; a probability of 0 or 1e-300 clipped
        to ε is not)."""
        if not self.clip_shift or stats.weight_sum <= 0:
            return False
        divisor = float(self.count) if self.per_count else stats.weight_sum
        total = stats.sum + self.clip_shift
        unclipped = self.spec.finalize(replace(stats, sum=total, mean=total / divisor))
        return not abs(unclipped - value) <= ROUNDING * max(abs(value), 1.0)

    def value(self) -> float:
        """The reported value: the spec's finalize over the merged sums (NaN without weight)."""
        stats = self.stats()
        return self.spec.finalize(stats) if stats.weight_sum > 0 else math.nan

    def dummy_score(self) -> DummyScore | None:
        """``--vs-dummy``: the dummy's loss on these rows and the skill against it (None
        without a dummy); a dummy the loss cannot score raises DummyError."""
        if self.dummy is None:
            return None
        return self.dummy.score(self.spec, self.params, self.value(), self.stats(), self.per_count)

    def resampled_value(self) -> Callable[[F64], F64] | None:
        """f: (B × width) unit sums → (B,) values, or None (see intervals.statistic)."""
        summed = self.summed()
        return summed.resampled if summed is not None else statistic(self.spec, self.per_count)

    def uncertainty(self, settings: CiSettings) -> Bootstrap | Jackknife:
        """The bootstrap (or, for a summary of ranks, the jackknife) of :meth:`value`:
        raises NoInterval when the value has none or there are too few units."""
        if self.spec.jackknifed and self.summary is not None:
            return Jackknife(self._left_out(), self.value(), settings.level)
        f = self.resampled_value()
        if f is None or self.units is None:
            raise NoInterval(self.spec.no_interval or f"{self.spec.name} keeps no per-unit sums")
        return Bootstrap(self.units.units(), f, self.value(), settings)

    def paired(self, other: LossAccumulator, estimate: float, settings: CiSettings) -> Bootstrap | Jackknife:
        """The paired bootstrap (or jackknife) of value(self) − value(other) = ``estimate``
        over the same units (the same rows: the caller checks)."""
        if self.spec.jackknifed and self.summary is not None and other.summary is not None:
            mine, theirs = self._left_out(), other._left_out()
            return Jackknife(mine - theirs, estimate, settings.level)
        f_a, f_b = self.resampled_value(), other.resampled_value()
        if f_a is None or f_b is None or self.units is None or other.units is None:
            raise NoInterval(self.spec.no_interval or f"{self.spec.name} keeps no per-unit sums")
        return paired(self.units.units(), f_a, other.units.units(), f_b, estimate, settings)

    def interval(self, settings: CiSettings, unit: str) -> ConfidenceInterval:
        """The ``--ci`` interval of :meth:`value` (losscli.intervals): raises NoInterval
        when the value is not a smooth function of sums or there are too few units."""
        found = self.uncertainty(settings)
        low, high = found.interval()
        if isinstance(found, Jackknife):
            assert self.summary is not None
            least, most = summary_bounds(self.summary)  # a t interval cut to the value's range
            low, high = max(low, least), min(high, most)
            return ConfidenceInterval(
                settings.level, low, high, 0, settings.seed, found.groups, unit, True, method="jackknife"
            )
        assert self.units is not None
        return ConfidenceInterval(
            settings.level,
            low,
            high,
            settings.resamples,
            settings.seed,
            self.units.units().shape[0],
            unit,
            self.units.bucketed,
        )

    def result(self) -> LossResult:
        stats = self.stats()
        warnings: list[str] = []
        if self.spec.needs_label_variance and stats.label_sst == 0.0 and stats.count:
            warnings.append(
                f"{self.spec.name}: the labels are constant (SST = 0), so R² is undefined; "
                "reporting 1.0 for a perfect fit, else 0.0, as scikit-learn does"
            )
        value = self.spec.finalize(stats) if stats.weight_sum > 0 else math.nan
        if self.summary is not None:
            warnings += summary_warnings(self.summary)
        if self.clipped and self.clipping_changed(stats, value):
            eps = self.params.get("eps")
            warnings.append(
                f"{self.spec.named(self.params)}: {self.clipped} probabilities were clipped to [ε, 1 − ε] "
                f"(ε = {eps:g}), which changed the value beyond rounding: their losses are capped"
            )
        qs = self.sketch.quantiles(list(QUANTILES.values()))
        quantiles = dict(zip(QUANTILES, qs, strict=True))
        quantiles["max"] = stats.max
        name = self.spec.named(self.params)
        shown = {
            p.name: self.params[p.name]
            for p in self.spec.params
            if not (p.hidden and self.params[p.name] is None)
        }
        return LossResult(
            loss=name,
            params=shown,
            title=name,
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
            per_sample=self.spec.per_sample,
            details=self.summary.details() if self.summary is not None else None,
            dummy=self.dummy_score(),
        )
