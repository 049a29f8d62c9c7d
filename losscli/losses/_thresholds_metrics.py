"""The thresholded classification metrics as functions of a confusion matrix, computed as
scikit-learn computes them.

C[i, j] is the (weighted) count of rows whose true class is i and predicted class j;
TP_c = C[c, c], predicted_c = Σ_i C[i, c], true_c = Σ_j C[c, j]. The classes a score is
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


def averaged(
    c: F64,
    present: NDArray[np.bool_],
    metric: str,
    average: str,
    beta: float,
    zero_division: str,
    positive: int,
) -> Scored:
    """precision / recall / F_β averaged: ``binary`` (the positive class alone), ``micro``
    (one ratio of the counts summed over classes), ``macro`` (the mean over classes) or
    ``weighted`` (weighted by each class's true count); NaN scores are left out of a mean."""
    classes: I64 = np.array([positive]) if average == "binary" else np.flatnonzero(present)
    tp, predicted, true = np.diagonal(c)[classes], c.sum(axis=0)[classes], c.sum(axis=1)[classes]
    scores, undefined = ratios(tp, predicted, true, metric, beta, zero_division)
    if average == "micro":
        one = [np.array([x.sum()]) for x in (tp, predicted, true)]
        micro, micro_undefined = ratios(one[0], one[1], one[2], metric, beta, zero_division)
        return Scored(float(micro[0]), classes, scores, classes if micro_undefined[0] else classes[:0])
    weights = true if average == "weighted" else None
    return Scored(_nanaverage(scores, weights), classes, scores, classes[undefined])


def _nanaverage(scores: F64, weights: F64 | None) -> float:
    """The (weighted) mean of the scores that are not NaN (NaN if none is); weights
    that sum to 0 count equally (scikit-learn's ``_nanaverage``)."""
    kept = ~np.isnan(scores)
    if not kept.any():
        return math.nan
    if weights is None or not weights[kept].sum():
        return float(np.mean(scores[kept]))
    return float(np.average(scores[kept], weights=weights[kept]))


def balanced_accuracy(c: F64, present: NDArray[np.bool_], adjusted: bool) -> Scored:
    """The mean over classes of recall TP_c / true_c, classes with no true weight left
    out (predicted but never a label: scikit-learn warns); ``adjusted``: (score − 1/K) /
    (1 − 1/K) over the K classes kept, so chance scores 0."""
    classes = np.flatnonzero(present)
    sub = c[np.ix_(classes, classes)]
    true = sub.sum(axis=1)
    missing = true == 0
    recall = np.diagonal(sub) / np.where(missing, 1.0, true)
    kept = recall[~missing]
    score = float(np.mean(kept)) if kept.size else math.nan
    if adjusted:
        chance = 1.0 / kept.size if kept.size else math.nan
        score = (score - chance) / (1.0 - chance) if chance != 1.0 else math.nan
    return Scored(score, classes[~missing], kept, classes[missing])


def mcc(c: F64) -> tuple[float, bool]:
    """Matthews' correlation (Gorodkin's K-class form):
    (n·Σ_c TP_c − Σ_c true_c·predicted_c) / √((n² − Σ predicted_c²)(n² − Σ true_c²)),
    and whether it was 0/0 (every row one true class, or one predicted class): then 0."""
    true, predicted = c.sum(axis=1), c.sum(axis=0)
    n_correct, n = float(np.trace(c)), float(predicted.sum())
    cov_tp = n_correct * n - float(np.dot(true, predicted))
    cov_pp = n * n - float(np.dot(predicted, predicted))
    cov_tt = n * n - float(np.dot(true, true))
    product = cov_pp * cov_tt
    if product == 0:
        return 0.0, True
    return cov_tp / math.sqrt(product), False


def accuracy(c: F64) -> float:
    """Σ_c TP_c / n."""
    return float(np.trace(c) / c.sum())
