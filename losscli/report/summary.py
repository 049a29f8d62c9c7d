"""The bounded summaries a report's plots are drawn from, gathered in the run's one pass.

A :class:`PlotState` is made only when a report is asked for (``RunOptions.plots``);
otherwise the runner holds None and the streaming loop does nothing more. Every part is
mergeable (chunks, Dask partitions) and bounded whatever the input's size:

- :class:`RowSample` — a uniform sample of at most ``SAMPLE_ROWS`` rows (regression's
  predicted vs actual and residual plots): bottom-k by ``h(row)``, where ``h`` is the
  SplitMix64 finalizer of the row's number in the whole input (a bijection of 64-bit
  integers, so distinct rows have distinct keys). The rows kept are the k smallest keys
  of the rows seen: the same rows for any chunking or merge order.
- :class:`ScoreBins` — binary: per-class weights of the score on ``BINS`` fixed bins of
  [0, 1] (and Σw·score per bin): binned ROC and PR curves, the reliability diagram and
  the score histograms by class. Logits (``from_logits``) are binned as σ(score).
- :class:`ClassBins` — multiclass: the (weighted) confusion matrix of the arg-max
  prediction, each loss's Σwℓ and Σw per true class, and the top-label confidence on
  ``BINS`` fixed bins with the weight of rows whose top label is right.

The per-sample loss distribution comes from each loss's own quantile sketch (exact up
to 100,000 values, then log buckets with ≤ 0.5% relative error): :func:`distribution`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
U64 = NDArray[np.uint64]

SAMPLE_ROWS = 20_000  # rows the regression plots are drawn from, at most
BINS = 1000  # fixed score bins on [0, 1]
HISTOGRAM_BINS = 60  # bars of a per-sample loss distribution
SKEWED = 10.0  # p99 / p50 of the positive losses at or beyond which the axis is logarithmic


def splitmix64(rows: NDArray[np.int64]) -> U64:
    """SplitMix64's finalizer of each row number: a bijection of uint64 (Steele et al. 2014)."""
    z = rows.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: U64 = z ^ (z >> np.uint64(31))
    return out


class RowSample:
    """Bottom-k sample of rows by :func:`splitmix64` of their number (see the module)."""

    def __init__(self, k: int = SAMPLE_ROWS) -> None:
        self.k = k
        self.keys: U64 = np.zeros(0, np.uint64)
        self.columns: dict[str, F64] = {}
        self.seen = 0

    def update(self, rows: NDArray[np.int64], columns: Mapping[str, F64]) -> None:
        """Offer rows (their numbers in the whole input) with their values."""
        self.seen += rows.size
        keys = splitmix64(rows)
        if self.keys.size >= self.k:  # only keys below the k-th smallest can enter
            keep = keys < self.keys.max()
            keys, columns = keys[keep], {name: v[keep] for name, v in columns.items()}
        if keys.size == 0:
            return
        self.keys = np.concatenate([self.keys, keys])
        for name, values in columns.items():
            held = self.columns.get(name, np.zeros(0))
            self.columns[name] = np.concatenate([held, np.asarray(values, dtype=np.float64)])
        if self.keys.size > 2 * self.k:
            self._trim()

    def merge(self, other: RowSample) -> None:
        self.seen += other.seen
        self.keys = np.concatenate([self.keys, other.keys])
        for name, values in other.columns.items():
            self.columns[name] = np.concatenate([self.columns.get(name, np.zeros(0)), values])
        self._trim()

    def _trim(self) -> None:
        """Keep the k smallest keys (sorted by key: the same order however gathered)."""
        order = np.argsort(self.keys, kind="stable")[: self.k]
        self.keys = self.keys[order]
        self.columns = {name: v[order] for name, v in self.columns.items()}

    def rows(self) -> tuple[U64, dict[str, F64]]:
        self._trim()
        return self.keys, self.columns


class ScoreBins:
    """Binary: per-class weights of the score on ``BINS`` fixed bins of [0, 1]."""

    def __init__(self, logits: bool) -> None:
        self.logits = logits
        self.positive = np.zeros(BINS)
        self.negative = np.zeros(BINS)
        self.score_sum = np.zeros(BINS)  # Σw·score per bin (the reliability diagram's x)
        self.outside = 0  # rows whose score is no probability (and not given as logits)

    def update(self, y: F64, score: F64, weights: F64 | None) -> None:
        p = 1.0 / (1.0 + np.exp(-score)) if self.logits else score
        if not self.logits:
            inside = (p >= 0.0) & (p <= 1.0)
            self.outside += int(p.size - np.count_nonzero(inside))
            p = np.clip(p, 0.0, 1.0)
        index = np.minimum((p * BINS).astype(np.int64), BINS - 1)
        w = np.ones(p.size) if weights is None else weights
        positive = y > 0.5
        self.positive += np.bincount(index[positive], w[positive], minlength=BINS)
        self.negative += np.bincount(index[~positive], w[~positive], minlength=BINS)
        self.score_sum += np.bincount(index, w * p, minlength=BINS)

    def merge(self, other: ScoreBins) -> None:
        self.positive += other.positive
        self.negative += other.negative
        self.score_sum += other.score_sum
        self.outside += other.outside


class ClassBins:
    """Multiclass: confusion matrix, per-class loss sums, top-label confidence bins."""

    def __init__(self, classes: Sequence[str], losses: Sequence[str], probabilities: str) -> None:
        k = len(classes)
        self.classes, self.losses, self.probabilities = tuple(classes), tuple(losses), probabilities
        self.confusion = np.zeros((k, k))
        self.loss_sum = np.zeros((len(losses), k))
        self.loss_weight = np.zeros((len(losses), k))
        self.top_weight = np.zeros(BINS)
        self.top_correct = np.zeros(BINS)
        self.top_confidence = np.zeros(BINS)

    def update(self, y: NDArray[np.int64], scores: F64, weights: F64 | None, losses: Sequence[F64]) -> None:
        k = len(self.classes)
        w = np.ones(y.size) if weights is None else weights
        used = (y >= 0) & (y < k) & np.isfinite(losses[0])  # rows an --ignore-label leaves out
        if not used.all():
            y, scores, w = y[used], scores[used], w[used]
            losses = [loss[used] for loss in losses]
        predicted = np.argmax(scores, axis=1)
        self.confusion += np.bincount(y * k + predicted, w, minlength=k * k).reshape(k, k)
        for i, loss in enumerate(losses):
            finite = np.isfinite(loss)
            self.loss_sum[i] += np.bincount(y[finite], w[finite] * loss[finite], minlength=k)
            self.loss_weight[i] += np.bincount(y[finite], w[finite], minlength=k)
        if self.probabilities == "none":
            return
        if self.probabilities == "logits":
            shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
            top = 1.0 / shifted.sum(axis=1)  # the arg-max's softmax: e^0 / Σ
        else:
            top = np.clip(scores[np.arange(y.size), predicted], 0.0, 1.0)
        index = np.minimum((top * BINS).astype(np.int64), BINS - 1)
        self.top_weight += np.bincount(index, w, minlength=BINS)
        self.top_correct += np.bincount(index, w * (predicted == y), minlength=BINS)
        self.top_confidence += np.bincount(index, w * top, minlength=BINS)

    def merge(self, other: ClassBins) -> None:
        for name in ("confusion", "loss_sum", "loss_weight", "top_weight", "top_correct", "top_confidence"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True, eq=False)
class Distribution:
    """A loss's per-sample values as a histogram: ``counts[i]`` (weighted) in
    [``edges[i]``, ``edges[i+1]``); ``log``: geometric bins (the values are skewed), the
    weight of values ≤ 0 then in ``nonpositive``."""

    loss: str
    edges: F64
    counts: F64
    log: bool
    nonpositive: float
    exact: bool  # from every value (else from the sketch's log buckets, ≤ 0.5% apart)
    per_sample: str = ""  # what the values are when the loss's value is not their mean
    below: float = (
        0.0  # log bins: the weight of positive values below the first edge, counted in the first bar
    )
    weighted: bool = True  # the rows carry weights (--weight): the counts are weights, not rows


@dataclass(frozen=True, eq=False)
class Sample:
    """A uniform sample of rows (see :class:`RowSample`): predictions and labels."""

    label: F64
    pred: F64
    total: int  # the rows it was drawn from


@dataclass(frozen=True, eq=False)
class Scores:
    """Binary: the score bins (see :class:`ScoreBins`)."""

    positive: F64
    negative: F64
    score_sum: F64
    logits: bool
    outside: int


@dataclass(frozen=True, eq=False)
class Classes:
    """Multiclass: see :class:`ClassBins`."""

    names: tuple[str, ...]
    confusion: F64
    losses: tuple[str, ...]
    loss_sum: F64
    loss_weight: F64
    probabilities: str  # "probabilities", "logits" or "none" (scores only: no reliability)
    top_weight: F64
    top_correct: F64
    top_confidence: F64


@dataclass(frozen=True, eq=False)
class PlotData:
    """What a report's plots are drawn from (``EvalResult.plots``)."""

    task: str
    distributions: tuple[Distribution, ...] = ()
    sample: Sample | None = None
    scores: Scores | None = None
    classes: Classes | None = None
    notes: tuple[str, ...] = field(default=())


class PlotState:
    """One runner's plot summaries (see the module docstring)."""

    def __init__(
        self, task: str, params: Mapping[str, Any], losses: Sequence[str], classes: Sequence[str] | None
    ) -> None:
        self.task = task
        self.sample = RowSample() if task in ("regression", "distribution") else None
        self.scores = ScoreBins(bool(params.get("from_logits"))) if task == "binary" else None
        kind = (
            "logits" if params.get("from_logits") else "probabilities" if "from_logits" in params else "none"
        )
        self.classes = ClassBins(classes, losses, kind) if task == "multiclass" and classes else None

    def update(
        self,
        inputs: Mapping[str, Any],
        weights: F64 | None,
        losses: Sequence[F64],
        rows: NDArray[np.int64],
    ) -> None:
        """One chunk: the first loss's kernel inputs, every loss's per-sample values and
        the rows' numbers in the whole input (1-based)."""
        y, pred = inputs["y_true"], inputs.get("y_pred")
        if self.sample is not None and pred is not None and pred.ndim == 1:
            self.sample.update(rows, {"label": y, "pred": pred})
        if self.scores is not None and pred is not None and pred.ndim == 1:
            self.scores.update(y, pred, weights)
        if self.classes is not None and pred is not None and pred.ndim == 2:
            self.classes.update(y, pred, weights, losses)

    def merge(self, other: PlotState) -> None:
        if self.sample is not None and other.sample is not None:
            self.sample.merge(other.sample)
        if self.scores is not None and other.scores is not None:
            self.scores.merge(other.scores)
        if self.classes is not None and other.classes is not None:
            self.classes.merge(other.classes)

    def data(self, distributions: Sequence[Distribution]) -> PlotData:
        sample = None
        if self.sample is not None and self.sample.keys.size:
            _, columns = self.sample.rows()
            sample = Sample(columns["label"], columns["pred"], self.sample.seen)
        scores = None
        if self.scores is not None:
            s = self.scores
            scores = Scores(s.positive, s.negative, s.score_sum, s.logits, s.outside)
        classes = None
        if self.classes is not None:
            c = self.classes
            classes = Classes(
                c.classes, c.confusion, c.losses, c.loss_sum, c.loss_weight, c.probabilities,
                c.top_weight, c.top_correct, c.top_confidence,
            )  # fmt: skip
        return PlotData(self.task, tuple(distributions), sample, scores, classes)


def roc_points(scores: Scores) -> tuple[F64, F64]:
    """The binned ROC curve: (FPR, TPR) at each bin edge as threshold, from the highest
    bin down (a row is called positive when its score's bin is at or above it)."""
    tp = np.concatenate([[0.0], np.cumsum(scores.positive[::-1])])
    fp = np.concatenate([[0.0], np.cumsum(scores.negative[::-1])])
    return fp / fp[-1], tp / tp[-1]


def pr_points(scores: Scores) -> tuple[F64, F64]:
    """The binned precision-recall curve: (recall, precision) at each bin edge where some
    row is called positive; Σ (Rₙ − Rₙ₋₁)·Pₙ over it is the average precision of the
    binned scores."""
    tp = np.cumsum(scores.positive[::-1])
    called = tp + np.cumsum(scores.negative[::-1])
    keep = called > 0
    recall: F64 = tp[keep] / tp[-1]
    precision: F64 = tp[keep] / called[keep]
    return recall, precision


def reliability_points(weight: F64, hits: F64, confidence: F64, bins: int = 10) -> tuple[F64, F64, F64]:
    """``bins`` equal display bins of [0, 1] (each ``BINS / bins`` fine bins): the mean
    confidence, the observed frequency (Σw·hit / Σw) and the weight of each non-empty bin."""
    group = weight.size // bins
    w = weight.reshape(bins, group).sum(axis=1)
    h = hits.reshape(bins, group).sum(axis=1)
    c = confidence.reshape(bins, group).sum(axis=1)
    filled = w > 0
    return c[filled] / w[filled], h[filled] / w[filled], w[filled]


def distribution(
    loss: str, values: F64, weights: F64, exact: bool, per_sample: str = "", weighted: bool = True
) -> Distribution:
    """A histogram of per-sample values (sorted ``values`` with ``weights``: a quantile
    sketch's points). Logarithmic bins when every value is ≥ 0 and the positive ones are
    skewed: p99 / p50 ≥ ``SKEWED`` (squared errors of Gaussian residuals: 14.6; absolute
    errors: 3.8)."""
    if values.size == 0:
        return Distribution(loss, np.zeros(2), np.zeros(1), False, 0.0, exact, per_sample, weighted=weighted)
    lo, hi = float(values[0]), float(values[-1])
    positive = values > 0
    log = False
    if lo >= 0 and positive.any():
        pos, w = values[positive], weights[positive]
        cum = np.cumsum(w) / w.sum()
        p50 = float(pos[min(int(np.searchsorted(cum, 0.5)), pos.size - 1)])
        p99 = float(pos[min(int(np.searchsorted(cum, 0.99)), pos.size - 1)])
        log = p50 > 0 and p99 / p50 >= SKEWED
    if log:
        # from the 0.1% quantile of the positive values: a few 1e-14 errors would spread the
        # axis over decades where nothing is; the rows below go into the first bar
        pos, w = values[positive], weights[positive]
        cum = np.cumsum(w) / w.sum()
        smallest = float(pos[min(int(np.searchsorted(cum, 0.001)), pos.size - 1)])
        edges = np.geomspace(smallest, max(hi, smallest * 1.0001), HISTOGRAM_BINS + 1)
        counts, _ = np.histogram(np.maximum(pos, smallest), edges, weights=w)
        below = float(w[pos < smallest].sum())
        nonpositive = float(weights[~positive].sum())
        return Distribution(
            loss, edges, counts.astype(np.float64), True, nonpositive, exact, per_sample, below, weighted
        )
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0) * 1e-6
    edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    counts, _ = np.histogram(values, edges, weights=weights)
    return Distribution(
        loss, edges, counts.astype(np.float64), False, 0.0, exact, per_sample, weighted=weighted
    )


TAIL = 0.005  # a differences histogram spans the 0.5% … 99.5% quantiles (and 0); the tails go in its end bars


@dataclass(frozen=True, eq=False)
class Differences:
    """``compare``: one model's per-row differences to the reference on one loss (the
    model's per-sample value − the reference's, weighted as the rows are) as a histogram:
    ``counts[i]`` in [``edges[i]``, ``edges[i+1]``); 0 is an edge; the weight of the
    differences below the first edge is counted in the first bar (``below``), above the
    last in the last (``above``)."""

    loss: str
    model: str
    reference: str
    edges: F64
    counts: F64
    below: float
    above: float
    exact: bool  # from every difference (else from the sketch's log buckets, ≤ 0.5% apart)
    per_sample: str = ""  # what the per-sample values are when the loss's value is not their mean
    higher_is_better: bool = False  # a higher per-sample value wins the row (coverage)
    weighted: bool = False  # the rows carry --weight (the bars are weights, not counts)
    linear: float = 0.0  # > 0: a symmetric-log axis, linear within ±linear (the differences are skewed)


def differences(
    loss: str,
    model: str,
    reference: str,
    values: F64,
    weights: F64,
    exact: bool,
    per_sample: str = "",
    higher_is_better: bool = False,
    weighted: bool = False,
) -> Differences:
    """The histogram of sorted differences ``values`` (a quantile sketch's points) with
    ``weights`` over [lo, hi] = [min(q₀.₀₀₅, 0), max(q₀.₉₉₅, 0)] (weighted quantiles,
    inverted CDF; a few extreme rows would otherwise squeeze every other row into one
    bar), 0 a bin edge. ``HISTOGRAM_BINS`` equal bins; or, when the differences are
    skewed — max(−lo, hi) ≥ ``SKEWED`` × the median |difference| m (bce's differences where
    one model is sure and wrong) — bins for a symmetric-log axis, linear within ±m,
    as many a decade beyond as in each half of the linear part."""
    n = HISTOGRAM_BINS
    if values.size == 0:
        return Differences(loss, model, reference, np.array([0.0, 1.0]), np.zeros(1), 0.0, 0.0, exact,
                           per_sample, higher_is_better, weighted)  # fmt: skip
    cum = np.cumsum(weights) / weights.sum()
    q_lo = float(values[min(int(np.searchsorted(cum, TAIL)), values.size - 1)])
    q_hi = float(values[min(int(np.searchsorted(cum, 1.0 - TAIL)), values.size - 1)])
    lo, hi = min(q_lo, 0.0), max(q_hi, 0.0)
    order = np.argsort(np.abs(values), kind="stable")
    size, share = np.abs(values)[order], np.cumsum(weights[order]) / weights.sum()
    median = float(size[min(int(np.searchsorted(share, 0.5)), size.size - 1)])
    linear = median if median > 0 and max(-lo, hi) >= SKEWED * median else 0.0
    if hi <= lo:  # every difference 0
        lo, hi = -1.0, 1.0
    if linear:
        edges = symlog_edges(lo, hi, linear, n)
    elif lo < 0.0 < hi:  # 0 on an edge: as many bars each side as its share of the range
        left = min(max(round(n * -lo / (hi - lo)), 1), n - 1)
        width = max(-lo / left, hi / (n - left))
        edges = width * np.arange(-left, n - left + 1, dtype=np.float64)
    else:
        edges = np.linspace(lo, hi, n + 1)
    below = float(weights[values < edges[0]].sum())
    above = float(weights[values > edges[-1]].sum())
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), edges, weights=weights)
    return Differences(loss, model, reference, edges, counts.astype(np.float64), below, above, exact,
                       per_sample, higher_is_better, weighted, linear)  # fmt: skip


def symlog_edges(lo: float, hi: float, t: float, n: int) -> F64:
    """About ``n`` bin edges over [lo, hi] (lo ≤ 0 ≤ hi) for matplotlib's symmetric-log axis
    linear within ±t (``linscale`` 1: [0, t] is as wide as a decade): geometric beyond ±t,
    equal within, the bins spread evenly over the axis' width, 0 and ±t edges."""
    neg = float(np.log10(-lo / t)) if -lo > t else 0.0  # decades beyond -t
    pos = float(np.log10(hi / t)) if hi > t else 0.0
    left, right = min(-lo, t) / t, min(hi, t) / t  # the linear part each side of 0, in decades
    width = neg + pos + left + right
    count = [max(round(n * part / width), 1) if part > 0 else 0 for part in (neg, left, right, pos)]
    parts: list[F64] = []
    if count[0]:
        parts.append(-np.geomspace(-lo, t, count[0] + 1)[:-1])
    if count[1]:
        parts.append(np.linspace(-left * t, 0.0, count[1] + 1)[:-1])
    parts.append(np.zeros(1))
    if count[2]:
        parts.append(np.linspace(0.0, right * t, count[2] + 1)[1:])
    if count[3]:
        parts.append(np.geomspace(t, hi, count[3] + 1)[1:])
    edges: F64 = np.concatenate(parts)
    return edges


__all__ = [
    "BINS", "SAMPLE_ROWS", "Differences", "PlotData", "PlotState", "differences", "distribution", "symlog_edges",
]  # fmt: skip
