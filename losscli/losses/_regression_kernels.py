"""Per-sample regression kernels: pure NumPy, vectorised, float64.

Each takes ``y_true`` and ``y_pred`` (1-d float64 arrays of equal length) and
the loss's parameters as keywords, and returns the per-sample losses. Inputs
are assumed validated (finite, inside the loss's domain).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
LOG2 = float(np.log(2.0))


def squared_error(y_true: F64, y_pred: F64) -> F64:
    """ℓ = (ŷ − y)²."""
    d = np.subtract(y_pred, y_true)
    return np.multiply(d, d, out=d)


def absolute_error(y_true: F64, y_pred: F64) -> F64:
    """ℓ = |ŷ − y|."""
    d = np.subtract(y_pred, y_true)
    return np.abs(d, out=d)


def huber(y_true: F64, y_pred: F64, *, delta: float = 1.0) -> F64:
    """ℓ = ½d² if |d| ≤ δ else δ(|d| − ½δ)."""
    a = absolute_error(y_true, y_pred)
    return np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))


def smooth_l1(y_true: F64, y_pred: F64, *, beta: float = 1.0) -> F64:
    """ℓ = ½d²/β if |d| < β else |d| − ½β; β = 0 gives |d|."""
    a = absolute_error(y_true, y_pred)
    if beta == 0:
        return a
    return np.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)


def log_cosh(y_true: F64, y_pred: F64) -> F64:
    """ℓ = log cosh d = |d| + log1p(e^(−2|d|)) − log 2 (no overflow for large |d|)."""
    a = absolute_error(y_true, y_pred)
    return a + np.log1p(np.exp(-2.0 * a)) - LOG2


def mape(y_true: F64, y_pred: F64, *, eps: float = np.finfo(np.float64).eps, percent: bool = False) -> F64:
    """ℓ = |d| / max(|y|, ε) (× 100 with ``percent``, as Keras reports it)."""
    out: F64 = absolute_error(y_true, y_pred) / np.maximum(np.abs(y_true), eps)
    if percent:
        out *= 100.0
    return out


def smape(y_true: F64, y_pred: F64, *, eps: float = 1.17e-06) -> F64:
    """ℓ = 2|d| / max(|y| + |ŷ|, ε)."""
    denom = np.maximum(np.abs(y_true) + np.abs(y_pred), eps)
    out: F64 = 2.0 * (absolute_error(y_true, y_pred) / denom)
    return out


def squared_log_error(y_true: F64, y_pred: F64) -> F64:
    """ℓ = (log1p ŷ − log1p y)²; inputs > −1."""
    d: F64 = np.log1p(y_pred) - np.log1p(y_true)
    return np.multiply(d, d, out=d)


def pinball(y_true: F64, y_pred: F64, *, alpha: float = 0.5) -> F64:
    """r = y − ŷ; ℓ = max(αr, (α − 1)r)."""
    r = np.subtract(y_true, y_pred)
    return np.maximum(alpha * r, (alpha - 1.0) * r)


def _xlogy(x: F64, y: F64) -> F64:
    """x·log(y), defined as 0 where x = 0."""
    out = np.zeros_like(x)
    nz = x != 0
    out[nz] = x[nz] * np.log(y[nz])
    return out


def poisson_deviance(y_true: F64, y_pred: F64) -> F64:
    """ℓ = 2(y log(y/ŷ) − y + ŷ); y ≥ 0, ŷ > 0."""
    return 2.0 * (_xlogy(y_true, y_true / y_pred) - y_true + y_pred)


def gamma_deviance(y_true: F64, y_pred: F64) -> F64:
    """ℓ = 2(log(ŷ/y) + y/ŷ − 1); y, ŷ > 0."""
    return 2.0 * (np.log(y_pred / y_true) + y_true / y_pred - 1.0)


def tweedie_deviance(y_true: F64, y_pred: F64, *, power: float = 0.0) -> F64:
    """Tweedie deviance: p=0 d², p=1 Poisson, p=2 Gamma, else
    ℓ = 2(max(y,0)^(2−p)/((1−p)(2−p)) − y ŷ^(1−p)/(1−p) + ŷ^(2−p)/(2−p)).
    """
    p = power
    if p == 0:
        return squared_error(y_true, y_pred)
    if p == 1:
        return poisson_deviance(y_true, y_pred)
    if p == 2:
        return gamma_deviance(y_true, y_pred)
    y = np.maximum(y_true, 0.0) if p < 0 else y_true
    return 2.0 * (
        np.power(y, 2 - p) / ((1 - p) * (2 - p))
        - y_true * np.power(y_pred, 1 - p) / (1 - p)
        + np.power(y_pred, 2 - p) / (2 - p)
    )


def poisson_nll(
    y_true: F64,
    y_pred: F64,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
) -> F64:
    """log-rate z: ℓ = eᶻ − yz; rate ŷ: ℓ = ŷ − y log(ŷ + ε);
    ``full`` adds y log y − y + ½ log(2πy) where y > 1.
    """
    loss = np.exp(y_pred) - y_true * y_pred if log_input else y_pred - y_true * np.log(y_pred + eps)
    if full:
        big = y_true > 1
        y = y_true[big]
        loss[big] += y * np.log(y) - y + 0.5 * np.log(2.0 * np.pi * y)
    return loss


def gaussian_nll(
    y_true: F64,
    y_pred: F64,
    var: F64,
    *,
    full: bool = False,
    eps: float = 1e-6,
) -> F64:
    """v = max(var, ε); ℓ = ½(log v + d²/v) [+ ½ log 2π]."""
    v = np.maximum(var, eps)
    loss = 0.5 * (np.log(v) + squared_error(y_true, y_pred) / v)
    if full:
        loss += 0.5 * np.log(2.0 * np.pi)
    return loss
