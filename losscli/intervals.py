"""Confidence intervals for ``--ci``: the BCa bootstrap over units (or buckets of units).

θ̂ = f(S), where S = Σ_u S_u sums each unit's sufficient statistics and f is the loss's
finalize (mean, √mean, 1 − SSE/SST). A resample b draws m units with replacement:
S*_b = Σ_u c_bu S_u with (c_b1 … c_bm) ~ Multinomial(m, 1/m), θ*_b = f(S*_b). The
interval is the bias-corrected and accelerated (BCa) percentile interval of the θ*_b
(Efron 1987; Efron & Tibshirani 1993, §14.3):

    z₀ = Φ⁻¹( #{θ*_b < θ̂} + ½·#{θ*_b = θ̂} ) / B )
    a  = Σ (θ̄₍.₎ − θ₍ᵤ₎)³ / (6 · (Σ (θ̄₍.₎ − θ₍ᵤ₎)²)^{3/2})     (jackknife: leave unit u out)
    α₁,₂ = Φ( z₀ + (z₀ + z_{α/2, 1−α/2}) / (1 − a·(z₀ + z_{α/2, 1−α/2})) )
    [low, high] = the α₁ and α₂ quantiles of θ*.

The resampling counts depend only on (m, B, seed), so the same seed gives the same
interval for any chunking, and groups of the same size share one draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from losscli.spec import LossSpec, finalize_mean, finalize_r2, finalize_sqrt

F64 = NDArray[np.float64]
METHOD = "BCa bootstrap"
#: the default number of resamples: BCa's quantiles at 2.5 % and 97.5 % rest on ~50
#: resamples each side, and 2,000 keeps their Monte-Carlo error under ~3 % of the width
RESAMPLES = 2000
_NORMAL = NormalDist()


@dataclass(frozen=True)
class CiSettings:
    """What ``--ci`` asks: the level, resamples, seed, and the block length for rows."""

    level: float = 0.95
    resamples: int = RESAMPLES
    seed: int = 0
    block: int = 1


class NoInterval(ValueError):
    """The data cannot give an interval (fewer than two units)."""


#: index of each sufficient statistic in a unit's sums (see LossAccumulator.unit_stats)
WL, W, N, LW, LD, LD2 = range(6)


def statistic(spec: LossSpec, per_count: bool) -> Callable[[F64], F64] | None:
    """f: (B × k) sums → (B,) values, the loss's finalize on resampled sums; None when the
    value is not a smooth function of sums (max-error)."""
    finalize = spec.finalize

    def mean(s: F64) -> F64:
        with np.errstate(divide="ignore", invalid="ignore"):
            return s[:, WL] / s[:, N if per_count else W]

    if finalize is finalize_mean:
        return mean
    if finalize is finalize_sqrt:
        return lambda s: np.sqrt(np.maximum(mean(s), 0.0))
    if finalize is finalize_r2:

        def r2(s: F64) -> F64:
            with np.errstate(divide="ignore", invalid="ignore"):
                sst = np.maximum(s[:, LD2] - s[:, LD] * (s[:, LD] / s[:, LW]), 0.0)
                fitted = np.where(s[:, WL] == 0.0, 1.0, 0.0)
                return np.where(sst > 0.0, 1.0 - s[:, WL] / np.where(sst > 0, sst, 1.0), fitted)

        return r2
    return None


@lru_cache(maxsize=4)
def _counts(units: int, resamples: int, seed: int) -> F64:
    """(B × m) multinomial resampling counts: row b counts how often each unit was drawn."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, units, size=(resamples, units))
    flat = (draws + np.arange(resamples)[:, None] * units).ravel()
    counts = np.bincount(flat, minlength=resamples * units).reshape(resamples, units)
    out = counts.astype(np.float64)
    out.flags.writeable = False
    return out


def bca(units: F64, f: Callable[[F64], F64], estimate: float, settings: CiSettings) -> tuple[float, float]:
    """The BCa interval of θ̂ = ``estimate`` from per-unit sums ``units`` (m × k)."""
    m = units.shape[0]
    if m < 2:
        raise NoInterval(f"an interval needs at least 2 resampling units, and there is {m}")
    theta = f(_counts(m, settings.resamples, settings.seed) @ units)
    theta = theta[np.isfinite(theta)]
    if theta.size == 0:
        raise NoInterval("no resample gave a finite value")
    if float(theta.min()) == float(theta.max()):
        return float(theta[0]), float(theta[0])
    below = (np.count_nonzero(theta < estimate) + 0.5 * np.count_nonzero(theta == estimate)) / theta.size
    z0 = _NORMAL.inv_cdf(min(max(below, 0.5 / theta.size), 1.0 - 0.5 / theta.size))
    jack = f(units.sum(axis=0) - units)
    jack = jack[np.isfinite(jack)]
    d = jack.mean() - jack if jack.size else np.zeros(1)
    spread = float(np.sum(d * d))
    a = float(np.sum(d**3)) / (6.0 * spread**1.5) if spread > 0 else 0.0
    alpha = 1.0 - settings.level
    quantiles = []
    for tail in (alpha / 2, 1.0 - alpha / 2):
        z = z0 + _NORMAL.inv_cdf(tail)
        quantiles.append(_NORMAL.cdf(z0 + z / (1.0 - a * z)) if a * z < 1 else (1.0 if tail > 0.5 else 0.0))
    low, high = np.quantile(theta, quantiles)
    return float(low), float(high)
