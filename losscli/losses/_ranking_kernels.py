"""Ranking metrics, exactly: ROC-AUC (Mann–Whitney, ties counted ½), the McClish-standardised
partial AUC, and average precision (the step-wise Σ (Rₙ − Rₙ₋₁)·Pₙ), from the kept scores of
the positives and of the negatives; and the per-sample quantity their tables show.

A class's scores are a float64 array (each row weighs 1: counts are exact integers) or a
complex128 array, score + i·weight (``--weight``; rows of weight 0 are never kept, as
scikit-learn drops them). Each is sorted in place (complex numbers sort by real part, then
imaginary: the weights ride along), and the other class's scores are looked up in it with
``searchsorted``, a million at a time: O(n log n) time, and beyond the kept scores no
memory but a block's (plus 8 bytes a row for a weighted class's running sums).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
BLOCK = 1 << 16  # scores looked up at a time (512 KiB of float64)


def score(y_true: F64, y_pred: F64, **_params: Any) -> F64:
    """ℓ = s, the score that is ranked (per-sample statistics of a ranking metric are the scores')."""
    out: F64 = np.asarray(y_pred, dtype=np.float64)
    return out


def true_class_score(
    y_true: NDArray[np.int64], y_pred: F64, *, from_logits: bool = False, **_params: Any
) -> F64:
    """ℓ = s_y, the score of the row's own class (its softmax probability with ``from_logits``)."""
    scores = softmax(y_pred) if from_logits else y_pred
    out: F64 = scores[np.arange(scores.shape[0]), y_true]
    return out


def softmax(x: F64) -> F64:
    shifted = x - x.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    out: F64 = e / e.sum(axis=1, keepdims=True)
    return out


class Ranked:
    """One class's kept scores, sorted in place, with the weight below any score. Weights
    are used times ``scale``, a power of two (exact), so that sums of huge weights do not
    overflow: the metrics do not change when every weight is scaled alike."""

    def __init__(
        self, values: NDArray[Any], scale: float = 1.0, presorted: bool = False, cum: F64 | None = None
    ) -> None:
        """``presorted``: ``values`` are sorted already; ``cum``: their weights' prefix sums
        (times ``scale``), when known (values taken out of a larger class's)."""
        if not presorted:
            values.sort()
        self.values = values
        self.scale = scale
        self.weighted = values.dtype.kind == "c"
        self._cum: F64 | None = cum
        self.total: float | int = int(values.size)
        if self.weighted:
            self.total = float(cum[-1]) if cum is not None else _running(values.imag, scale)[1]

    @property
    def cum(self) -> F64 | None:
        """Prefix sums of the weights, 0 first: the weight of the first k values is cum[k]
        (None unweighted: it is k). Made on first use (8 bytes a row): a full ROC-AUC needs
        the positives' only."""
        if self.weighted and self._cum is None:
            self._cum = _running(self.values.imag, self.scale, keep=True)[0]
        return self._cum

    @property
    def size(self) -> int:
        return int(self.values.size)

    def index(self, scores: F64, side: str) -> NDArray[np.intp]:
        """How many kept values lie below each score: strictly (``left``) or at or below (``right``)."""
        if not self.weighted:
            found: NDArray[np.intp] = np.searchsorted(self.values, scores, side)  # type: ignore[call-overload]
            return found
        keys = np.empty(scores.shape[0], np.complex128)
        keys.real = scores
        keys.imag = -np.inf if side == "left" else np.inf  # below every weight, or above
        located: NDArray[np.intp] = np.searchsorted(self.values, keys, side)  # type: ignore[call-overload]
        return located

    def below(self, scores: F64, side: str) -> NDArray[Any]:
        """The weight (count, unweighted: exact int64) of kept values below each score."""
        found = self.index(scores, side)
        return found if self.cum is None else self.cum[found]

    def below_twice(self, scores: F64, prefix: StreamedPrefix | None = None) -> NDArray[Any]:
        """below(scores, "left") + below(scores, "right"): the weight below each score
        counted twice, the weight at it once. The ``right`` search is made only for scores
        that some kept value equals (found next to their ``left`` index): ties are rare
        in continuous scores, so this costs about one binary search a score, not two."""
        left = self.index(scores, "left")
        right = left
        if self.size:
            at = np.minimum(left, self.size - 1)
            kept = self.values[at].real if self.weighted else self.values[at]
            tied = kept == scores
            if tied.any():
                right = left.copy()
                right[tied] = self.index(scores[tied], "right")
        if not self.weighted:
            return left + right
        if prefix is not None and self._cum is None:
            return prefix.at(left) + prefix.at(right)
        assert self.cum is not None
        return self.cum[left] + self.cum[right]

    def run_starts(self, start: int, stop: int) -> NDArray[np.intp]:
        """For each of the values ``start:stop``, the index of the first value with its score
        (what ``index(score, "left")`` finds, read off the sorted values: no search)."""
        scores = self.values[start:stop].real if self.weighted else self.values[start:stop]
        new = np.empty(scores.shape[0], dtype=bool)
        new[1:] = scores[1:] != scores[:-1]
        new[0] = True
        found = np.where(new, np.arange(start, stop), 0)
        if start > 0:  # the block may begin inside a run of equal scores
            found[0] = self.index(scores[:1], "left")[0]
        np.maximum.accumulate(found, out=found)
        return found

    def block(self, start: int, stop: int) -> tuple[F64, F64 | None]:
        """Scores and weights (None: each 1) of values ``start:stop`` in sorted order."""
        part = self.values[start:stop]
        if not self.weighted:
            return part, None
        return np.ascontiguousarray(part.real), part.imag * self.scale

    @property
    def weight(self) -> float:
        """The class's total weight (its row count unweighted), from the sorted values: the
        same bits however the rows were chunked."""
        return self.total / self.scale


def ranked(positives: NDArray[Any], negatives: NDArray[Any]) -> tuple[Ranked, Ranked]:
    """Both classes sorted in place, their weights scaled alike (:func:`scale_of`)."""
    scale = scale_of(positives, negatives)
    return Ranked(positives, scale), Ranked(negatives, scale)


def scale_of(*classes: NDArray[Any]) -> float:
    """The power of two that brings the largest weight of ``classes`` into [0.5, 1) (so no
    sum of huge weights overflows); 1 unweighted."""
    largest = max((float(c.imag.max()) for c in classes if c.dtype.kind == "c" and c.size), default=0.0)
    return math.ldexp(1.0, -math.frexp(largest)[1]) if largest > 0 else 1.0


def _running(weights: F64, scale: float, keep: bool = False) -> tuple[F64 | None, float]:
    """0, w₀, w₀ + w₁, … (times ``scale``; the array only with ``keep``) and the total:
    running sums in extended precision (long double) a block at a time, each rounded once
    to float64, so they do not drift over millions of rows; the total is the array's last."""
    out = np.empty(weights.shape[0] + 1) if keep else None
    if out is not None:
        out[0] = 0.0
    carry = np.longdouble(0.0)
    for start in range(0, weights.shape[0], BLOCK):
        running = np.cumsum(weights[start : start + BLOCK] * scale, dtype=np.longdouble) + carry
        if out is not None:
            out[start + 1 : start + 1 + running.shape[0]] = running
        carry = running[-1]
    return out, float(carry)


class StreamedPrefix:
    """``cum[k]`` of a weighted class (:attr:`Ranked.cum`: the same long-double blocks, so
    the same bits) for batches of indices that never go below an earlier batch's
    smallest: only the blocks from the current batch's smallest index on are held, not
    8 bytes a row (10M weighted rows: 24 MB less at the peak of a full ROC-AUC)."""

    def __init__(self, ranked: Ranked) -> None:
        self.weights, self.scale = ranked.values.imag, ranked.scale
        self.first = 0  # held[i] is cum[first + i]
        self.held: F64 = np.zeros(1)
        self.carry = np.longdouble(0.0)  # the running sum through weight index ``summed``
        self.summed = 0  # weights summed so far (a multiple of BLOCK, or all)

    def at(self, index: NDArray[np.intp]) -> F64:
        if not index.size:
            return np.zeros(0)
        lo, hi = int(index.min()), int(index.max())
        assert lo >= self.first, "StreamedPrefix: indices went back"
        cut = min(lo, self.summed)  # held is cum[first : summed + 1]: keep its last at least
        if cut > self.first:
            self.held = self.held[cut - self.first :].copy()
            self.first = cut
        grown = [self.held]
        end = self.first + self.held.shape[0]  # cum[end] is the first not held
        while end <= hi:
            start = self.summed
            running = (
                np.cumsum(self.weights[start : start + BLOCK] * self.scale, dtype=np.longdouble) + self.carry
            )
            grown.append(running.astype(np.float64))
            self.carry = running[-1]
            self.summed += running.shape[0]
            end += running.shape[0]
        if len(grown) > 1:
            self.held = np.concatenate(grown)
        found: F64 = self.held[index - self.first]
        return found


def outranked(pos: Ranked, neg: Ranked, start: int = 0) -> float:
    """2·Σ over negatives j ≥ ``start`` (sorted ascending) of w_j·(weight of positives above
    s_j + ½ weight of positives at s_j) = Σ w_j·(2W₁ − B₍<₎(s_j) − B₍≤₎(s_j)). Exact (a
    Python int) when unweighted."""
    doubled: list[float] = []
    whole = 0
    prefix = StreamedPrefix(pos) if pos.weighted and pos._cum is None else None
    for first in range(start, neg.size, BLOCK):
        scores, weights = neg.block(first, min(first + BLOCK, neg.size))
        twice = 2 * pos.total - pos.below_twice(scores, prefix)
        if weights is None:
            whole += int(twice.sum(dtype=np.int64))
        else:
            doubled.append(float(np.dot(weights, twice)))
    return whole if not doubled else math.fsum(doubled)


def roc_auc(pos: Ranked, neg: Ranked, max_fpr: float | None = None) -> float:
    """AUC = Σᵢⱼ wᵢwⱼ(1[sᵢ > sⱼ] + ½·1[sᵢ = sⱼ]) / (W₁W₀) over positives i and negatives j —
    the area under the ROC curve through every distinct threshold (scikit-learn's
    ``roc_auc_score``). With ``max_fpr`` m < 1: the area A under that curve for FPR ≤ m
    (the last step cut by linear interpolation), standardised as McClish does and
    scikit-learn reports: ½(1 + (A − m²/2) / (m − m²/2)). Both classes must weigh > 0."""
    w1, w0 = pos.total, neg.total
    if max_fpr is None or max_fpr >= 1.0:
        return _divide(outranked(pos, neg), 2 * w0 * w1)
    cut = max_fpr * w0  # the FP weight where the curve is cut
    # the negative j whose step crosses the cut: the weight at or above it exceeds the cut
    if neg.cum is None:
        j = math.ceil(w0 - cut) - 1
    else:
        j = int(np.searchsorted(neg.cum[:-1], w0 - cut, "left")) - 1
    tau = neg.block(j, j + 1)[0]
    lo, hi = int(neg.index(tau, "left")[0]), int(neg.index(tau, "right")[0])
    neg_lo, neg_hi = (float(neg.cum[lo]), float(neg.cum[hi])) if neg.cum is not None else (lo, hi)
    group = neg_hi - neg_lo  # the negatives' weight at τ: the step the cut falls in
    x = min(max(cut - (w0 - neg_hi), 0.0), group)  # how far into that step (past the weight above τ)
    pos_lo, pos_hi = (float(v) for v in (pos.below(tau, "left")[0], pos.below(tau, "right")[0]))
    tied = pos_hi - pos_lo  # the positives' weight at τ: the step rises by it, linearly
    crossing = x * (w1 - pos_hi) + tied * x * x / (2.0 * group)
    area = (outranked(pos, neg, hi) / 2 + crossing) / (w0 * w1)
    least, most = 0.5 * max_fpr * max_fpr, max_fpr
    return 0.5 * (1.0 + (area - least) / (most - least))


def average_precision(pos: Ranked, neg: Ranked) -> float:
    """AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds, highest first: each positive i adds
    wᵢ/W₁ times the precision at its own score, TP(s ≥ sᵢ) / (TP(s ≥ sᵢ) + FP(s ≥ sᵢ))
    (scikit-learn's ``average_precision_score``: steps, not the trapezoid). W₁ must be > 0."""
    w1, w0 = pos.total, neg.total
    parts: list[float] = []
    for first in range(0, pos.size, BLOCK):
        scores, weights = pos.block(first, min(first + BLOCK, pos.size))
        at = pos.run_starts(first, first + scores.shape[0])
        tp = w1 - (at if pos.cum is None else pos.cum[at])
        fp = w0 - neg.below(scores, "left")
        precision = tp / (tp + fp)
        parts.append(float(precision.sum() if weights is None else np.dot(weights, precision)))
    return math.fsum(parts) / w1


def _divide(numerator: float, denominator: float) -> float:
    """numerator / denominator, correctly rounded when both are integers (exact counts)."""
    if isinstance(numerator, int) and isinstance(denominator, int):
        return numerator / denominator  # Python's int / int rounds once
    return float(numerator) / float(denominator)
