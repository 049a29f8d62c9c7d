"""Per-sample scores of forecasts with uncertainty: pure NumPy, vectorised, float64.

A Gaussian forecast is a mean column and a standard deviation (or variance) column; an
ensemble or a set of quantiles is ``y_pred`` of shape (n, K); a prediction interval is
two columns, ``lower`` and ``upper``. Inputs are assumed validated (finite, std >= 0,
lower <= upper).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# W. J. Cody (1969), "Rational Chebyshev approximations for the error function",
# Math. Comp. 23: the coefficients of Netlib SPECFUN's CALERF (double precision).
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03)
_A4 = 1.85777706184603153e-1
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
)
_C8 = 2.15311535474403846e-8
_D = (
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
_P = (
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
)
_P5 = 1.63153871373020978e-2
_Q = (
    2.56852019228982242e00,
    1.87295284992346725e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
)


def erf(x: F64) -> F64:
    """erf(x), Cody's rational approximations (relative error below 1e-15; NumPy has
    no erf and SciPy is not a dependency): x·P(x²)/Q(x²) for |x| <= 0.46875, else
    sign(x)·(1 − erfc|x|) with erfc(y) = e^(−y²)·P(y)/Q(y) for y <= 4 and
    e^(−y²)/y·(1/√π − P(1/y²)/(y²Q(1/y²))) beyond."""
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    out = np.empty_like(y)
    small = y <= 0.46875
    if small.any():
        t = y[small] * y[small]
        num, den = _A4 * t, t
        for a, b in zip(_A[:3], _B[:3], strict=True):
            num, den = (num + a) * t, (den + b) * t
        out[small] = x[small] * (num + _A[3]) / (den + _B[3])
    big = ~small
    if big.any():
        yb = y[big]
        mid = yb <= 4.0
        ratio = np.empty_like(yb)
        if mid.any():
            ym = yb[mid]
            num, den = _C8 * ym, ym
            for c, d in zip(_C[:7], _D[:7], strict=True):
                num, den = (num + c) * ym, (den + d) * ym
            ratio[mid] = (num + _C[7]) / (den + _D[7])
        far = ~mid
        if far.any():
            yf = yb[far]
            t = 1.0 / (yf * yf)
            num, den = _P5 * t, t
            for p, q in zip(_P[:4], _Q[:4], strict=True):
                num, den = (num + p) * t, (den + q) * t
            ratio[far] = (INV_SQRT_PI - t * (num + _P[4]) / (den + _Q[4])) / yf
        # e^(−y²) as e^(−s²)·e^(−(y − s)(y + s)), s = y rounded down to 1/16: no lost digits
        s = np.trunc(yb * 16.0) / 16.0
        erfc = np.exp(-s * s) * np.exp(-(yb - s) * (yb + s)) * ratio
        out[big] = np.copysign(1.0 - erfc, x[big])
    return out


def crps(
    y_true: F64, y_pred: F64, std: F64 | None = None, var: F64 | None = None, *, estimator: str = "nrg"
) -> F64:
    """A Gaussian forecast (``std`` or ``var`` given, ``y_pred`` its mean as (n, 1)):
    :func:`crps_gaussian`; else ``y_pred`` holds an ensemble's m members: :func:`crps_ensemble`."""
    if std is not None:
        return crps_gaussian(y_true, y_pred[:, 0], std)
    if var is not None:
        return crps_gaussian(y_true, y_pred[:, 0], np.sqrt(var))
    return crps_ensemble(y_true, y_pred, estimator)


def crps_gaussian(y: F64, mu: F64, sigma: F64) -> F64:
    """CRPS(N(μ, σ²), y) = σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ, computed as
    d·erf(z/√2) + σ(2φ(z) − 1/√π) with d = y − μ (σz = d: no overflow for tiny σ);
    σ = 0 is the point mass at μ, |y − μ| (the limit)."""
    d = np.subtract(y, mu)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = d / sigma
        exact = d * erf(z / math.sqrt(2.0)) + sigma * (
            2.0 * INV_SQRT_2PI * np.exp(-0.5 * z * z) - INV_SQRT_PI
        )
    out: F64 = np.where(sigma > 0, exact, np.abs(d))
    return out


def crps_ensemble(y: F64, members: F64, estimator: str = "nrg") -> F64:
    """The energy form E|X − y| − ½E|X − X'| over the m members x₁…xₘ:
    ℓ = (1/m)Σ|xᵢ − y| − S/(2m²) ("nrg", the CRPS of the members' empirical
    distribution) or − S/(2m(m − 1)) ("fair", unbiased for the distribution they are
    drawn from), where S = ΣᵢΣⱼ|xᵢ − xⱼ| = 2Σᵢ(2i − m − 1)x₍ᵢ₎ over the sorted members:
    O(m log m) per row, not O(m²)."""
    m = members.shape[1]
    spread_to_label = np.abs(members - y[:, None]).mean(axis=1)
    ordered = np.sort(members, axis=1)
    ranks = 2.0 * np.arange(1, m + 1) - m - 1.0
    # ΣᵢΣⱼ|xᵢ − xⱼ|, row by row (not a BLAS product, whose sums depend on a chunk's rows)
    pairs = 2.0 * (ordered * ranks).sum(axis=1)
    divisor = 2.0 * m * (m - 1) if estimator == "fair" else 2.0 * m * m
    out: F64 = spread_to_label - pairs / divisor
    return out


def interval_score(y_true: F64, lower: F64, upper: F64, *, alpha: float = 0.1) -> F64:
    """ℓ = (u − l) + (2/α)(l − y)·1[y < l] + (2/α)(y − u)·1[y > u] (Gneiting & Raftery 2007)."""
    below = np.maximum(lower - y_true, 0.0)
    above = np.maximum(y_true - upper, 0.0)
    out: F64 = (upper - lower) + (2.0 / alpha) * (below + above)
    return out


def covered(y_true: F64, lower: F64, upper: F64, *, alpha: float | None = None) -> F64:
    """ℓ = 1[l <= y <= u]: the mean is the share of labels inside their interval."""
    return ((lower <= y_true) & (y_true <= upper)).astype(np.float64)


def pinball_levels(y_true: F64, y_pred: F64, levels: Any) -> F64:
    """Per row and level, ρ_τ(r) = max(τr, (τ − 1)r) with r = y − q_τ: shape (n, K)."""
    tau = np.asarray(levels, dtype=np.float64)
    r = y_true[:, None] - y_pred
    out: F64 = np.maximum(tau * r, (tau - 1.0) * r)
    return out


def quantiles(
    y_true: F64,
    y_pred: F64,
    *,
    alpha: float = 0.5,
    levels: str | None = None,
    quantile_levels: tuple[float, ...] | None = None,
) -> F64:
    """ℓ = (1/K)Σ_k ρ_τk(y − q_k), ρ_τ(r) = max(τr, (τ − 1)r): the pinball loss averaged
    over the K quantile columns, at the levels the columns' names or ``levels`` give
    (``quantile_levels``, drawn by the loss's shape rule); one column: level α."""
    tau = quantile_levels if quantile_levels is not None else (alpha,)
    out: F64 = pinball_levels(y_true, y_pred, tau).mean(axis=1)
    return out
