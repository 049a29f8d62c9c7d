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

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from losscli.spec import LossSpec, finalize_complement, finalize_mean, finalize_r2, finalize_sqrt

F64 = NDArray[np.float64]
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
    intervals: bool = True  # False: keep the unit sums only (--write-baseline, --significance)
    fingerprint: bool = False  # also which rows and labels (a baseline to write or pair with)


class NoInterval(ValueError):
    """The data cannot give an interval (fewer than two units)."""


#: index of each sufficient statistic in a unit's sums (see LossAccumulator.unit_columns)
WL, W, N, LW, LD, LD2 = range(6)


def statistic(spec: LossSpec, per_count: bool) -> Callable[[F64], F64] | None:
    """f: (B × k) sums → (B,) values, the loss's finalize on resampled sums; None when the
    value is not a smooth function of sums (max-error)."""
    if not spec.smooth:
        return None
    finalize = spec.finalize

    def mean(s: F64) -> F64:
        with np.errstate(divide="ignore", invalid="ignore"):
            return s[:, WL] / s[:, N if per_count else W]

    if finalize is finalize_mean:
        return mean
    if finalize is finalize_sqrt:
        return lambda s: np.sqrt(np.maximum(mean(s), 0.0))
    if finalize is finalize_complement:
        return lambda s: 1.0 - mean(s)
    if finalize is finalize_r2:

        def r2(s: F64) -> F64:
            with np.errstate(divide="ignore", invalid="ignore"):
                sst = np.maximum(s[:, LD2] - s[:, LD] * (s[:, LD] / s[:, LW]), 0.0)
                fitted = np.where(s[:, WL] == 0.0, 1.0, 0.0)
                return np.where(sst > 0.0, 1.0 - s[:, WL] / np.where(sst > 0, sst, 1.0), fitted)

        return r2
    raise AssertionError(f"{spec.name}: a smooth finalizer without a resampled form")


_BLOCK = 1000  # resamples drawn (and counted) at a time: 8 MB of counts for 1,024 units
_KEPT = 1 << 23  # counts kept for the next call when B·m is at most this (64 MB)


def _count_blocks(units: int, resamples: int, seed: int) -> Iterator[F64]:
    """(≤ 1,000 × m) blocks of the resampling counts c_bu, how often resample b drew unit
    u: rows of ``default_rng(seed).integers(0, m, (rows, m))`` drawn block after block
    and counted, as floats for a matrix product."""
    rng = np.random.default_rng(seed)
    kind = np.int16 if units < 1 << 15 else np.int64
    for start in range(0, resamples, _BLOCK):
        rows = min(_BLOCK, resamples - start)
        flat = rng.integers(0, units, size=(rows, units), dtype=kind).astype(np.int64).ravel()
        flat += np.repeat(np.arange(rows, dtype=np.int64) * units, units)
        yield np.bincount(flat, minlength=rows * units).reshape(rows, units).astype(np.float64)


@lru_cache(maxsize=2)
def _kept_counts(units: int, resamples: int, seed: int) -> tuple[F64, ...]:
    return tuple(_count_blocks(units, resamples, seed))


def resampled(units: F64, settings: CiSettings) -> F64:
    """S*_b = Σ_u c_bu S_u for every resample b (B × k): the counts times the unit sums,
    a matrix product per block of resamples. The counts depend only on m, B and the
    seed; they are kept for the next call (the other models of a comparison) when small."""
    m, _ = units.shape
    b, seed = settings.resamples, settings.seed
    blocks = _kept_counts(m, b, seed) if b * m <= _KEPT else _count_blocks(m, b, seed)
    found: F64 = np.concatenate([counts @ units for counts in blocks])
    return found


def bca(units: F64, f: Callable[[F64], F64], estimate: float, settings: CiSettings) -> tuple[float, float]:
    """The BCa interval of θ̂ = ``estimate`` from per-unit sums ``units`` (m × k)."""
    return Bootstrap(units, f, estimate, settings).interval()


class Bootstrap:
    """The resampled values θ*_b of θ̂ = f(Σ units), with BCa's z₀ and a: its interval,
    and the p-value of θ = θ₀ found by inverting it (the smallest α whose BCa interval
    leaves θ₀ out; p < 1 − level exactly when the interval excludes θ₀)."""

    def __init__(self, units: F64, f: Callable[[F64], F64], estimate: float, settings: CiSettings) -> None:
        m = units.shape[0]
        if m < 2:
            raise NoInterval(f"an interval needs at least 2 resampling units, and there is {m}")
        theta = f(resampled(units, settings))
        self.theta = np.sort(theta[np.isfinite(theta)])
        if self.theta.size == 0:
            raise NoInterval("no resample gave a finite value")
        self.level = settings.level
        self.constant = float(self.theta[0]) == float(self.theta[-1])
        self.z0 = _NORMAL.inv_cdf(self._share(estimate))
        jack = f(units.sum(axis=0) - units)
        jack = jack[np.isfinite(jack)]
        d = jack.mean() - jack if jack.size else np.zeros(1)
        spread = float(np.sum(d * d))
        self.a = float(np.sum(d**3)) / (6.0 * spread**1.5) if spread > 0 else 0.0

    def _share(self, x: float) -> float:
        """The share of θ* below ``x`` (ties count half), kept within the resamples'
        resolution [½/B, 1 − ½/B] so that Φ⁻¹ of it is finite."""
        n = self.theta.size
        below = float(np.count_nonzero(self.theta < x) + 0.5 * np.count_nonzero(self.theta == x)) / n
        return min(max(below, 0.5 / n), 1.0 - 0.5 / n)

    def _adjusted(self, tail: float) -> float:
        """BCa's α(tail) = Φ(z₀ + (z₀ + z_tail) / (1 − a(z₀ + z_tail)))."""
        z = self.z0 + _NORMAL.inv_cdf(tail)
        if self.a * z >= 1:
            return 1.0 if tail > 0.5 else 0.0
        return _NORMAL.cdf(self.z0 + z / (1.0 - self.a * z))

    def interval(self) -> tuple[float, float]:
        if self.constant:
            return float(self.theta[0]), float(self.theta[0])
        alpha = 1.0 - self.level
        return self._quantile(self._adjusted(alpha / 2)), self._quantile(self._adjusted(1 - alpha / 2))

    def _quantile(self, p: float) -> float:
        """The ``p`` quantile of the sorted θ*, linear between order statistics (NumPy's
        default method, without importing numpy.ma for it)."""
        at = min(max(p, 0.0), 1.0) * (self.theta.size - 1)
        low = int(at)
        high = min(low + 1, self.theta.size - 1)
        return float(self.theta[low] + (self.theta[high] - self.theta[low]) * (at - low))

    def p_value(self, null: float = 0.0) -> float:
        """Two-sided: 2·min(α₀, 1 − α₀), α₀ the BCa tail at which the bound reaches ``null``."""
        if self.constant:
            return 1.0 if float(self.theta[0]) == null else 0.0
        w = _NORMAL.inv_cdf(self._share(null)) - self.z0
        if 1.0 + self.a * w <= 0:
            return 0.0
        tail = _NORMAL.cdf(w / (1.0 + self.a * w) - self.z0)
        return float(min(1.0, 2.0 * min(tail, 1.0 - tail)))


def paired(
    a: F64,
    f_a: Callable[[F64], F64],
    b: F64,
    f_b: Callable[[F64], F64],
    estimate: float,
    settings: CiSettings,
) -> Bootstrap:
    """The bootstrap of θ_a − θ_b over the same units (the same resamples for both)."""
    k = a.shape[1]
    return Bootstrap(np.hstack([a, b]), lambda s: f_a(s[:, :k]) - f_b(s[:, k:]), estimate, settings)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment: p₍ᵢ₎ ↦ max_{j≤i} min(1, (m − j + 1)·p₍ⱼ₎), in the input order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


#: groups of units for a jackknife (values that are not a function of sums: ROC-AUC): a
#: power of two, so a unit's group is the top bits of its mixed key (accumulate.units.bucket_of)
JACKKNIFE_GROUPS = 64


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile: Φ⁻¹(p) corrected by the Cornish–Fisher series in 1/ν
    (Abramowitz & Stegun 26.7.5): within 1e-8 of the exact quantile for ν ≥ 60, 1e-4
    for ν ≥ 10 and 0.05 for ν = 3 at levels up to 99 %."""
    z = _NORMAL.inv_cdf(p)
    v = float(df)
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / v ** (i + 1) for i, term in enumerate(terms))


def _t_tail(t: float, df: int) -> float:
    """P(T ≤ t) for T ~ t_ν: :func:`t_quantile` inverted by bisection."""
    low, high = 1e-12, 1.0 - 1e-12
    if t <= t_quantile(low, df):
        return 0.0
    if t >= t_quantile(high, df):
        return 1.0
    for _ in range(60):
        mid = 0.5 * (low + high)
        if t_quantile(mid, df) < t:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


class Jackknife:
    """The grouped (delete-a-group) jackknife of θ̂ from θ₍g₎, its value with group g of
    the units left out (groups with no rows are NaN and skipped; G of them remain):

        se² = (G − 1)/G · Σ_g (θ₍g₎ − θ̄₍.₎)²,   [low, high] = θ̂ ∓ t_{G−1, 1−α/2} · se

    (Quenouille 1956, Tukey 1958; for ROC-AUC the delete-one jackknife's variance is
    DeLong's (DeLong et al. 1988) up to a factor n/(n − 1)). The p-value of θ = θ₀ is the
    two-sided t test of (θ̂ − θ₀)/se on G − 1 degrees of freedom, so p < 1 − level exactly
    when the interval leaves θ₀ out. Same interface as :class:`Bootstrap`."""

    def __init__(self, left_out: F64, estimate: float, level: float) -> None:
        kept = left_out[np.isfinite(left_out)]
        if kept.size < 2:
            raise NoInterval(f"an interval needs at least 2 groups of units, and there is {kept.size}")
        g = kept.size
        self.estimate, self.level, self.df = estimate, level, g - 1
        self.se = math.sqrt((g - 1) / g * float(np.sum((kept - kept.mean()) ** 2)))
        self.groups = g

    def interval(self) -> tuple[float, float]:
        half = t_quantile(0.5 + self.level / 2, self.df) * self.se
        return self.estimate - half, self.estimate + half

    def p_value(self, null: float = 0.0) -> float:
        if self.se == 0:
            return 1.0 if self.estimate == null else 0.0
        t = abs(self.estimate - null) / self.se
        return float(min(1.0, 2.0 * (1.0 - _t_tail(t, self.df))))
