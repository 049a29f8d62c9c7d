"""Per-sample binary kernels: labels y ∈ {0, 1} (mapped from 0/1, true/false, ±1),
one score per row (a probability p, or a logit x with ``from_logits``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.spec import KernelOutput

F64 = NDArray[np.float64]
EPS = float(np.finfo(np.float64).eps)


def clip_probabilities(p: F64, eps: float) -> tuple[F64, int]:
    """p clipped to [ε, 1 − ε], and how many values moved."""
    clipped = np.clip(p, eps, 1.0 - eps)
    return clipped, int(np.count_nonzero(clipped != p))


def log_sigmoid(x: F64) -> F64:
    """log σ(x) = −(max(−x, 0) + log1p(e^−|x|)), stable for any x."""
    out: F64 = -(np.maximum(-x, 0.0) + np.log1p(np.exp(-np.abs(x))))
    return out


def bce(
    y_true: F64,
    y_pred: F64,
    *,
    from_logits: bool = False,
    eps: float = EPS,
    pos_weight: float = 1.0,
    label_smoothing: float = 0.0,
    log_clamp: float | None = None,
) -> KernelOutput:
    """ℓ = −[w₊·y log p + (1 − y) log(1 − p)], p clipped to [ε, 1 − ε]; smoothing y ← y(1 − s) + s/2;
    logits x: ℓ = (1 − y)x + (1 + (w₊ − 1)y)(log1p(e^−|x|) + max(−x, 0)) (torch's stable form).
    ``log_clamp`` (torch): logs floored at −100 instead of clipping p.
    """
    y = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing if label_smoothing else y_true
    if from_logits:
        x = y_pred
        weight = 1.0 + (pos_weight - 1.0) * y
        losses = (1.0 - y) * x + weight * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0.0))
        return KernelOutput(losses)
    if log_clamp is not None:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(y_pred), log_clamp)
            log_q = np.maximum(np.log1p(-y_pred), log_clamp)
        return KernelOutput(-(pos_weight * y * log_p + (1.0 - y) * log_q))
    p, n_p = clip_probabilities(y_pred, eps)
    q, _ = clip_probabilities(1.0 - y_pred, eps)  # scikit-learn clips both columns [1 − p, p]
    losses = -(pos_weight * _xlog(y, p) + _xlog(1.0 - y, q))
    return KernelOutput(losses, clipped=n_p)


def _xlog(a: F64, b: F64) -> F64:
    out: F64 = np.where(a == 0, 0.0, a * np.log(b))
    return out


def hinge(y_true: F64, y_pred: F64) -> F64:
    """ℓ = max(0, 1 − y·f), y ∈ {−1, +1}."""
    out: F64 = np.maximum(0.0, 1.0 - (2.0 * y_true - 1.0) * y_pred)
    return out


def squared_hinge(y_true: F64, y_pred: F64) -> F64:
    """ℓ = max(0, 1 − y·f)², y ∈ {−1, +1}."""
    h = hinge(y_true, y_pred)
    return h * h


def focal(
    y_true: F64,
    y_pred: F64,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    from_logits: bool = False,
    eps: float = EPS,
) -> KernelOutput:
    """ℓ = (1 − p_t)^γ · BCE, p_t = yp + (1 − y)(1 − p); × (αy + (1 − α)(1 − y)) when α is given."""
    base = bce(y_true, y_pred, from_logits=from_logits, eps=eps)
    with np.errstate(over="ignore"):
        p = 1.0 / (1.0 + np.exp(-y_pred)) if from_logits else y_pred
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    losses = np.power(1.0 - p_t, gamma) * base.losses
    if alpha is not None:
        losses = (alpha * y_true + (1.0 - alpha) * (1.0 - y_true)) * losses
    return KernelOutput(losses, clipped=base.clipped)


def brier(y_true: F64, y_pred: F64, **_bins: Any) -> F64:
    """ℓ = (y − p)² (``bins``, ``strategy``: the decomposition's, in its summary)."""
    d = y_true - y_pred
    return d * d


def predicted_positive(
    y_pred: F64, threshold: float | None = None, from_logits: bool = False
) -> NDArray[np.bool_]:
    """The thresholding rule of every thresholded binary loss: a score p ≥ t predicts the
    positive class; t defaults to 0.5 on probabilities, 0 on logits."""
    t = threshold if threshold is not None else (0.0 if from_logits else 0.5)
    out: NDArray[np.bool_] = y_pred >= t
    return out


def zero_one(y_true: F64, y_pred: F64, *, threshold: float | None = None, from_logits: bool = False) -> F64:
    """ℓ = 1[(p ≥ t) ≠ y]; t defaults to 0.5 on probabilities, 0 on logits."""
    out: F64 = (predicted_positive(y_pred, threshold, from_logits) != (y_true == 1.0)).astype(np.float64)
    return out
