"""Per-sample kernels over K columns: distributions (targets p, predictions q, rows
summing to 1) and multi-label tasks (K 0/1 labels, K scores)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from losscli.losses._binary_kernels import EPS, bce
from losscli.losses._multiclass_kernels import log_softmax
from losscli.spec import KernelOutput

F64 = NDArray[np.float64]


def rel_entr(p: F64, q: F64) -> F64:
    """p log(p/q) elementwise, 0 where p = 0 (scipy's rel_entr for valid inputs)."""
    out = np.zeros_like(p)
    pos = p > 0
    out[pos] = p[pos] * (np.log(p[pos]) - np.log(q[pos]))
    return out


def kl_div(y_true: F64, y_pred: F64, *, log_input: bool = False) -> F64:
    """ℓ = Σ_c p_c (log p_c − log q_c) (rel_entr); ``log_input``: predictions are log q."""
    if log_input:
        out = np.zeros_like(y_true)
        pos = y_true > 0
        out[pos] = y_true[pos] * (np.log(y_true[pos]) - y_pred[pos])
        summed: F64 = out.sum(axis=1)
        return summed
    kl: F64 = rel_entr(y_true, y_pred).sum(axis=1)
    return kl


def js_div(y_true: F64, y_pred: F64) -> F64:
    """ℓ = ½ KL(p‖m) + ½ KL(q‖m), m = (p + q)/2."""
    m = 0.5 * (y_true + y_pred)
    out: F64 = 0.5 * rel_entr(y_true, m).sum(axis=1) + 0.5 * rel_entr(y_pred, m).sum(axis=1)
    return out


def soft_cross_entropy(
    y_true: F64, y_pred: F64, *, from_logits: bool = False, eps: float = EPS
) -> KernelOutput:
    """ℓ = −Σ_c p_c log q_c (q clipped to [ε, 1]; logits: log q = log softmax x)."""
    if from_logits:
        return KernelOutput(-(y_true * log_softmax(y_pred)).sum(axis=1))
    used = (y_pred < eps) & (y_true > 0)
    log_q = np.log(np.clip(y_pred, eps, 1.0))
    losses = -np.where(y_true > 0, y_true * log_q, 0.0).sum(axis=1)
    return KernelOutput(losses, clipped=int(np.count_nonzero(used)))


def cosine(y_true: F64, y_pred: F64) -> F64:
    """ℓ = 1 − Σpq / √((Σp² + 1e-12)(Σq² + 1e-12)) (torch's cosine_embedding_loss, y = 1)."""
    dot = (y_true * y_pred).sum(axis=1)
    norms = np.sqrt(((y_true * y_true).sum(axis=1) + 1e-12) * ((y_pred * y_pred).sum(axis=1) + 1e-12))
    out: F64 = 1.0 - dot / norms
    return out


def multilabel_bce(
    y_true: F64, y_pred: F64, *, from_logits: bool = False, pos_weight: float = 1.0, eps: float = EPS
) -> KernelOutput:
    """ℓ = mean over the K labels of BCE (logits: torch's multilabel_soft_margin_loss)."""
    n, k = y_true.shape
    out = bce(y_true.ravel(), y_pred.ravel(), from_logits=from_logits, pos_weight=pos_weight, eps=eps)
    return KernelOutput(out.losses.reshape(n, k).mean(axis=1), clipped=out.clipped)


def hamming(y_true: F64, y_pred: F64, *, threshold: float | None = None) -> F64:
    """ℓ = fraction of the K labels wrong; a score ≥ threshold (0.5 by default) counts as 1."""
    t = 0.5 if threshold is None else threshold
    out: F64 = ((y_pred >= t) != (y_true == 1.0)).mean(axis=1)
    return out
