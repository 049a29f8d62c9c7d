"""The thresholded classification metrics as functions of a confusion matrix, computed as
scikit-learn computes them.

C[i, j] is the (weighted) count of rows whose true class is i and predicted class j;
TP_c = C[c, c], predicted_c = Σ_i C[i, c], true_c = Σ_j C[c, j]: every metric here is a
function of these margins (:class:`Margins`) alone. Each ``*_values`` function takes
margins with any leading axes (none for the value of one matrix; one for the bootstrap's
resampled matrices, ``--ci``) and returns one value per leading index: the point value
and the interval use the same formula. The classes a score is
averaged over are those that occur as some row's label or prediction (scikit-learn's
``unique_labels``; a row of weight 0 counts), or the positive class alone for
``average='binary'``. An undefined ratio (0/0) is the ``zero_division`` value: 0 with a
warning (``"warn"``, scikit-learn's default), 0, 1, or NaN, which leaves the class out
of the average.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
ZERO_DIVISION = {"warn": 0.0, "0": 0.0, "1": 1.0, "nan": math.nan}
# what each ratio divides by, in scikit-learn's words ("no predicted samples")
MODIFIER = {"precision": "predicted", "recall": "true", "f-score": "true nor predicted"}


@dataclass(frozen=True)
class Margins:
    """Per class c (the last axis; any leading axes are independent matrices, e.g. the
    bootstrap's resamples): TP_c = C[c, c], predicted_c = Σ_i C[i, c], true_c = Σ_j C[c, j]."""

    tp: F64
    predicted: F64
    true: F64

    @classmethod
    def of(cls, c: F64) -> Margins:
        """The margins of C (…, K, K: rows true class, columns predicted)."""
        return cls(np.diagonal(c, axis1=-2, axis2=-1).copy(), c.sum(axis=-2), c.sum(axis=-1))

    def scaled(self) -> Margins:
        """Divided by each matrix's total n = Σ_c true_c (every metric is scale-free; near
        float64's limits n² would overflow in MCC); NaN where n is 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            n = self.true.sum(axis=-1, keepdims=True)
            return Margins(self.tp / n, self.predicted / n, self.true / n)


@dataclass(frozen=True)
class Scored:
    """A metric's value, its per-class scores (``classes``: indices into the matrix's
    labels; NaN where undefined under zero_division nan) and the classes whose ratio
    was 0/0 (``undefined``)."""

    value: float
    classes: I64
    scores: F64
    undefined: I64


def ratios(
    tp: F64, predicted: F64, true: F64, metric: str, beta: float, zero_division: str
) -> tuple[F64, NDArray[np.bool_]]:
    """Per class: precision TP/predicted, recall TP/true, or F_β = (1 + β²)·TP /
    (β²·true + predicted); and where it was 0/0 (then the ``zero_division`` value)."""
    if metric == "precision":
        numerator, denominator = tp, predicted
    elif metric == "recall":
        numerator, denominator = tp, true
    else:
        b2 = beta * beta
        numerator, denominator = (1 + b2) * tp, b2 * true + predicted
    undefined = denominator == 0
    scores: F64 = numerator / np.where(undefined, 1.0, denominator)
    scores[undefined] = ZERO_DIVISION[zero_division]
    return scores, undefined


def averaged_classes(present: NDArray[np.bool_], average: str, positive: int) -> I64:
    """The classes a ratio is averaged over: the positive class alone (``binary``), else
    those that occur as some row's label or prediction."""
    found: I64 = np.array([positive]) if average == "binary" else np.flatnonzero(present)
    return found


def averaged_values(
    m: Margins, classes: I64, metric: str, average: str, beta: float, zero_division: str
) -> tuple[F64, F64, NDArray[np.bool_]]:
    """precision / recall / F_β averaged over ``classes``: ``binary`` (the positive class
    alone), ``micro`` (one ratio of the counts summed over classes), ``macro`` (the mean
    over classes) or ``weighted`` (weighted by each class's true count); NaN scores are
    left out of a mean. Returns the values (…), the per-class scores and where they were
    0/0 (…, k) (micro: whether its one ratio was, for every class)."""
    tp, predicted, true = m.tp[..., classes], m.predicted[..., classes], m.true[..., classes]
    scores, undefined = ratios(tp, predicted, true, metric, beta, zero_division)
    if average == "micro":
        one = [x.sum(axis=-1, keepdims=True) for x in (tp, predicted, true)]
        micro, micro_undefined = ratios(one[0], one[1], one[2], metric, beta, zero_division)
        return micro[..., 0], scores, np.broadcast_to(micro_undefined, scores.shape)
    weights = true if average == "weighted" else None
    return _nanaverage(scores, weights), scores, undefined


def averaged(
    m: Margins,
    present: NDArray[np.bool_],
    metric: str,
    average: str,
    beta: float,
    zero_division: str,
    positive: int,
) -> Scored:
    """:func:`averaged_values` of one matrix's margins, with its per-class scores."""
    classes = averaged_classes(present, average, positive)
    value, scores, undefined = averaged_values(m, classes, metric, average, beta, zero_division)
    return Scored(float(value), classes, scores, classes[undefined])


def _nanaverage(scores: F64, weights: F64 | None) -> F64:
    """The (weighted) mean along the last axis of the scores that are not NaN (NaN if
    none is); weights that sum to 0 count equally (scikit-learn's ``_nanaverage``)."""
    kept = ~np.isnan(scores)
    counted = kept.sum(axis=-1)
    kept_scores = np.where(kept, scores, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plain = kept_scores.sum(axis=-1) / counted
        if weights is None:
            return np.where(counted > 0, plain, math.nan)
        w = np.where(kept, weights, 0.0)
        total = w.sum(axis=-1)
        weighted = (kept_scores * w).sum(axis=-1) / total
    found: F64 = np.where(counted > 0, np.where(total != 0, weighted, plain), math.nan)
    return found


def balanced_values(m: Margins, classes: I64, adjusted: bool) -> tuple[F64, F64, NDArray[np.bool_]]:
    """The mean over ``classes`` of recall TP_c / true_c, classes with no true weight left
    out (predicted but never a label: scikit-learn warns); ``adjusted``: (score − 1/K) /
    (1 − 1/K) over the K classes kept, so chance scores 0. Returns the values (…), the
    recalls and which classes had no true weight (…, k)."""
    tp, true = m.tp[..., classes], m.true[..., classes]
    missing = true == 0
    recall = tp / np.where(missing, 1.0, true)
    kept = (~missing).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(missing, 0.0, recall).sum(axis=-1) / kept
        if adjusted:
            chance = 1.0 / kept
            score = np.where(chance != 1.0, (score - chance) / (1.0 - chance), math.nan)
    found: F64 = np.where(kept > 0, score, math.nan)
    return found, recall, missing


def balanced_accuracy(m: Margins, present: NDArray[np.bool_], adjusted: bool) -> Scored:
    """:func:`balanced_values` of one matrix's margins over the classes ``present``."""
    classes = np.flatnonzero(present)
    value, recall, missing = balanced_values(m, classes, adjusted)
    return Scored(float(value), classes[~missing], recall[~missing], classes[missing])


def mcc_values(m: Margins) -> tuple[F64, NDArray[np.bool_]]:
    """Matthews' correlation (Gorodkin's K-class form):
    (n·Σ_c TP_c − Σ_c true_c·predicted_c) / √((n² − Σ predicted_c²)(n² − Σ true_c²)),
    and whether it was 0/0 (every row one true class, or one predicted class): then 0."""
    true, predicted = m.true, m.predicted
    n_correct, n = m.tp.sum(axis=-1), predicted.sum(axis=-1)
    cov_tp = n_correct * n - (true * predicted).sum(axis=-1)
    cov_pp = n * n - (predicted * predicted).sum(axis=-1)
    cov_tt = n * n - (true * true).sum(axis=-1)
    product = cov_pp * cov_tt
    undefined = product == 0
    value: F64 = np.where(undefined, 0.0, cov_tp / np.sqrt(np.where(undefined, 1.0, product)))
    return value, undefined


def mcc(m: Margins) -> tuple[float, bool]:
    """:func:`mcc_values` of one matrix's margins."""
    value, undefined = mcc_values(m)
    return float(value), bool(undefined)


def accuracy(m: Margins) -> F64:
    """Σ_c TP_c / n."""
    found: F64 = m.tp.sum(axis=-1) / m.true.sum(axis=-1)
    return found
