"""Per-sample multiclass kernels: labels are class indices y ∈ {0..K−1}, predictions
an (n, K) array of probabilities (rows sum to 1), logits or log-probabilities."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from losscli.spec import KernelOutput

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
EPS = float(np.finfo(np.float64).eps)


def log_softmax(x: F64) -> F64:
    """log softmax per row: x − logsumexp(x), stable."""
    shifted = x - x.max(axis=1, keepdims=True)
    out: F64 = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return out


def softmax(x: F64) -> F64:
    out: F64 = np.exp(log_softmax(x))
    return out


def parse_weights(text: str | None, k: int) -> F64 | None:
    """``--class-weight 1,2,0.5`` → array of K weights (validated by the loss's check)."""
    if text is None or text == "":
        return None
    return np.array([float(v) for v in str(text).split(",")], dtype=np.float64)


def _picked(values: F64, y: I64) -> F64:
    out: F64 = values[np.arange(values.shape[0]), y]
    return out


def _log_probs(
    y: I64, scores: F64, from_logits: bool, eps: float, log_clamp: float | None, every: bool
) -> tuple[F64, int]:
    """log p per class, from logits, from probabilities clipped at ε (counting the clipped
    values that are used: the true class's, or every class's when ``every``), or torch's
    log floored at ``log_clamp``."""
    if from_logits:
        return log_softmax(scores), 0
    if log_clamp is not None:
        with np.errstate(divide="ignore"):
            return np.maximum(np.log(scores), log_clamp), 0
    used = scores if every else _picked(scores, y)
    clipped = int(np.count_nonzero((used < eps) | (used > 1.0 - eps)))
    return np.log(np.clip(scores, eps, 1.0 - eps)), clipped  # scikit-learn clips to [ε, 1 − ε]


def _log_picked(
    y: I64, scores: F64, from_logits: bool, eps: float, log_clamp: float | None
) -> tuple[F64, int]:
    """log p_y alone, with the same arithmetic (and bits) as ``_log_probs`` picked at y."""
    if from_logits:
        shifted = scores - scores.max(axis=1, keepdims=True)
        out: F64 = _picked(shifted, y) - np.log(np.exp(shifted).sum(axis=1))
        return out, 0
    p_y = _picked(scores, y)
    if log_clamp is not None:
        with np.errstate(divide="ignore"):
            return np.maximum(np.log(p_y), log_clamp), 0
    clipped = int(np.count_nonzero((p_y < eps) | (p_y > 1.0 - eps)))
    return np.log(np.clip(p_y, eps, 1.0 - eps)), clipped


def cross_entropy(
    y_true: I64,
    y_pred: F64,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    class_weight: str | None = None,
    eps: float = EPS,
    log_clamp: float | None = None,
) -> KernelOutput:
    """ℓ = −w_y log p_y, p clipped to [ε, 1] (logits: log p = x − logsumexp x);
    smoothing s (torch): ℓ = (1 − s)(−w_y log p_y) + s·(−Σ_c w_c log p_c)/K;
    the mean divides by Σ w_y (torch's weighted mean)."""
    k = y_pred.shape[1]
    weights = parse_weights(class_weight, k)
    w = np.ones(k) if weights is None else weights
    w_y = w[y_true]
    if not label_smoothing:  # only log p_y is needed: one log per row, not K
        log_p_y, clipped = _log_picked(y_true, y_pred, from_logits, eps, log_clamp)
        losses = -w_y * log_p_y
        return KernelOutput(losses, factor=None if weights is None else w_y, clipped=clipped)
    log_p, clipped = _log_probs(y_true, y_pred, from_logits, eps, log_clamp, every=True)
    losses = -w_y * _picked(log_p, y_true)
    if label_smoothing:
        smooth = -(log_p * w).sum(axis=1) / k
        losses = (1.0 - label_smoothing) * losses + label_smoothing * smooth
    return KernelOutput(losses, factor=None if weights is None else w_y, clipped=clipped)


def nll(y_true: I64, y_pred: F64, *, class_weight: str | None = None) -> KernelOutput:
    """ℓ = −w_y x_y on log-probabilities x; the mean divides by Σ w_y."""
    weights = parse_weights(class_weight, y_pred.shape[1])
    w_y = np.ones(y_true.size) if weights is None else weights[y_true]
    return KernelOutput(-w_y * _picked(y_pred, y_true), factor=None if weights is None else w_y)


def multiclass_hinge(
    y_true: I64, y_pred: F64, *, mode: str = "crammer-singer", margin: float = 1.0, p: int = 1
) -> F64:
    """Crammer–Singer: ℓ = max(0, m + max_{c≠y} f_c − f_y);
    Weston–Watkins: ℓ = Σ_{c≠y} max(0, m − f_y + f_c)^p / K."""
    n, k = y_pred.shape
    f_y = _picked(y_pred, y_true)
    others = y_pred.copy()
    others[np.arange(n), y_true] = -np.inf
    if mode == "crammer-singer":
        out: F64 = np.maximum(0.0, margin + others.max(axis=1) - f_y)
        return out
    terms = np.maximum(0.0, margin - f_y[:, None] + y_pred)
    terms[np.arange(n), y_true] = 0.0
    out = np.power(terms, p).sum(axis=1) / k
    return out


def multiclass_brier(y_true: I64, y_pred: F64) -> F64:
    """ℓ = Σ_c (1[c = y] − p_c)²."""
    d = y_pred.copy()
    d[np.arange(d.shape[0]), y_true] -= 1.0
    out: F64 = (d * d).sum(axis=1)
    return out


def multiclass_focal(
    y_true: I64,
    y_pred: F64,
    *,
    gamma: float = 2.0,
    alpha: float = 0.25,
    from_logits: bool = False,
    eps: float = EPS,
) -> KernelOutput:
    """ℓ = α(1 − p_y)^γ · (−log p_y), p clipped to [ε, 1 − ε] (Keras' categorical focal loss)."""
    p = softmax(y_pred) if from_logits else y_pred / y_pred.sum(axis=1, keepdims=True)
    p_y = _picked(p, y_true)
    clipped_p = np.clip(p_y, eps, 1.0 - eps)
    clipped = 0 if from_logits else int(np.count_nonzero(clipped_p != p_y))
    losses = alpha * np.power(1.0 - clipped_p, gamma) * -np.log(clipped_p)
    return KernelOutput(losses, clipped=clipped)


def top_k_error(y_true: I64, y_pred: F64, *, k: int = 1) -> F64:
    """ℓ = 1[y ∉ the k highest scores]; ties rank the later class first (scikit-learn)."""
    order = np.argsort(y_pred, axis=1, kind="mergesort")[:, ::-1][:, :k]
    hit = (order == y_true[:, None]).any(axis=1)
    out: F64 = (~hit).astype(np.float64)
    return out
