"""Mergeable streaming statistics: an exact float sum and a quantile sketch.

* :class:`ExactSum` — Shewchuk's partials (what ``math.fsum`` does), so
  partial sums combine without rounding error.
* :class:`BlockSum` — sums of a stream in aligned blocks, combined exactly:
  the same bits whatever the chunking.
* :class:`QuantileSketch` — exact while it holds at most ``exact_limit``
  values; beyond that a DDSketch-style log-bucketed histogram whose
  quantiles have ≤ 0.5% relative error, with bounded memory.
  Quantiles are weighted, "inverted CDF": the smallest x with
  cumulative weight ≥ q·W.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


class ExactSum:
    """Σ of floats with one rounding at the end (Shewchuk / ``math.fsum``)."""

    __slots__ = ("_partials",)

    def __init__(self) -> None:
        self._partials: list[float] = []

    def add(self, x: float) -> None:
        partials = self._partials
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]

    def merge(self, other: ExactSum) -> None:
        for p in other._partials:
            self.add(p)

    @property
    def value(self) -> float:
        return math.fsum(self._partials)


_EMPTY: F64 = np.zeros(0)
_EMPTY.flags.writeable = False  # shared by every empty carry: never written


class BlockSum:
    """Σ of a stream, bit-identical however the stream is chunked.

    Two aligned levels: each run of ``STEP`` consecutive values (aligned to the start
    of the stream) is summed by NumPy, each run of ``STEP`` of those sums likewise, and
    these block sums (``STEP²`` = 4,096 values each) are combined exactly. What is
    carried between chunks is fewer than ``STEP`` values and ``STEP`` first-level sums,
    so one sum costs under 1 KiB however long the stream — a ``--by`` group holds one
    per sum, whatever its size.
    """

    STEP = 64

    __slots__ = ("_carry", "_exact", "_level1", "_value")

    def __init__(self) -> None:
        self._exact = ExactSum()
        self._carry: F64 = _EMPTY  # fewer than STEP values not yet summed
        self._level1: F64 = _EMPTY  # fewer than STEP first-level sums not yet summed
        self._value: float | None = 0.0  # the sum, until the next add or merge

    def add(self, values: F64) -> None:
        self._value = None
        step, start = self.STEP, 0
        if self._carry.size:
            start = min(step - self._carry.size, values.size)
            carry = np.concatenate([self._carry, values[:start]])
            if carry.size < step:
                self._carry = carry
                return
            self._carry = _EMPTY
            self._push(np.sum(carry, keepdims=True))
        whole = (values.size - start) // step
        if whole:
            stop = start + whole * step
            self._push(values[start:stop].reshape(whole, step).sum(axis=1))
            start = stop
        if start < values.size:
            self._carry = values[start:].copy()

    def _push(self, sums: F64) -> None:
        """First-level sums, in stream order: every STEP of them make one exact term."""
        step = self.STEP
        if self._level1.size:
            sums = np.concatenate([self._level1, sums])
        whole = sums.size // step
        if whole:
            for block_sum in sums[: whole * step].reshape(whole, step).sum(axis=1).tolist():
                self._exact.add(block_sum)
        self._level1 = sums[whole * step :].copy() if sums.size > whole * step else _EMPTY

    def merge(self, other: BlockSum) -> None:
        self._value = None
        self._exact.merge(other._exact)
        for rest in (other._level1, other._carry):
            if rest.size:
                self._exact.add(float(rest.sum()))

    @property
    def value(self) -> float:
        if self._value is not None:
            return self._value
        if not (self._carry.size or self._level1.size):
            self._value = self._exact.value
            return self._value
        total = ExactSum()
        total.merge(self._exact)
        for rest in (self._level1, self._carry):
            if rest.size:
                total.add(float(rest.sum()))
        self._value = total.value
        return self._value


class _LogStore:
    """Weights in buckets k = ⌈log_γ x⌉ for x > 0, a dense array grown on demand."""

    def __init__(self) -> None:
        self.offset = 0
        self.counts: F64 = np.zeros(0)

    def add(self, keys: NDArray[np.int64], weights: F64 | None) -> None:
        if keys.size == 0:
            return
        lo, hi = int(keys.min()), int(keys.max())
        self._cover(lo, hi)
        self.counts += np.bincount(keys - self.offset, weights, minlength=self.counts.size)

    def _cover(self, lo: int, hi: int) -> None:
        if self.counts.size == 0:
            self.offset, self.counts = lo, np.zeros(hi - lo + 1)
            return
        new_lo = min(lo, self.offset)
        new_hi = max(hi, self.offset + self.counts.size - 1)
        if new_lo == self.offset and new_hi == self.offset + self.counts.size - 1:
            return
        grown = np.zeros(new_hi - new_lo + 1)
        start = self.offset - new_lo
        grown[start : start + self.counts.size] = self.counts
        self.offset, self.counts = new_lo, grown

    def merge(self, other: _LogStore) -> None:
        if other.counts.size == 0:
            return
        self._cover(other.offset, other.offset + other.counts.size - 1)
        start = other.offset - self.offset
        self.counts[start : start + other.counts.size] += other.counts

    def keys(self) -> NDArray[np.int64]:
        return np.arange(self.offset, self.offset + self.counts.size, dtype=np.int64)


class QuantileSketch:
    """Weighted quantiles of a stream: exact for small streams, ≤ ``rel_err`` beyond."""

    def __init__(self, rel_err: float = 0.005, exact_limit: int = 100_000) -> None:
        self.gamma = (1 + rel_err) / (1 - rel_err)
        self._log_gamma = math.log(self.gamma)
        self.exact_limit = exact_limit
        self._values: list[F64] = []
        self._weights: list[F64] = []
        self._held = 0
        self._pos: _LogStore | None = None
        self._neg = _LogStore()
        self._zero = 0.0
        self.min = math.inf
        self.max = -math.inf

    @property
    def exact(self) -> bool:
        return self._pos is None

    def add(self, values: F64, weights: F64 | None = None) -> None:
        w = weights
        if w is not None:
            keep = w > 0
            if not keep.all():
                values, w = values[keep], w[keep]
        if values.size == 0:
            return
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))
        if self._pos is None:
            self._values.append(values.copy())
            self._weights.append(np.ones(values.size) if w is None else np.array(w, dtype=np.float64))
            self._held += values.size
            if self._held > self.exact_limit:
                self._to_buckets()
        else:
            self._bucket(values, w)

    def _to_buckets(self) -> None:
        self._pos = _LogStore()
        for v, w in zip(self._values, self._weights, strict=True):
            self._bucket(v, w)
        self._values, self._weights, self._held = [], [], 0

    def _bucket(self, values: F64, weights: F64 | None) -> None:
        assert self._pos is not None
        tiny = 1e-300
        if values.min() > tiny:  # the common case (most losses are > 0): no masks
            self._pos.add(self._keys(values), weights)
            return
        pos, neg = values > tiny, values < -tiny
        zero = ~(pos | neg)
        self._zero += float(zero.sum() if weights is None else weights[zero].sum())
        for store, mask, sign in ((self._pos, pos, 1.0), (self._neg, neg, -1.0)):
            if mask.any():
                store.add(self._keys(sign * values[mask]), None if weights is None else weights[mask])

    def _keys(self, positive: F64) -> NDArray[np.int64]:
        """⌈log_γ x⌉ for x > 0."""
        logs = np.log(positive)
        logs *= 1.0 / self._log_gamma
        return np.ceil(logs, out=logs).astype(np.int64)

    def merge(self, other: QuantileSketch) -> None:
        self.min, self.max = min(self.min, other.min), max(self.max, other.max)
        if other._pos is None:
            for v, w in zip(other._values, other._weights, strict=True):
                if self._pos is None:
                    self._values.append(v)
                    self._weights.append(w)
                    self._held += v.size
                else:
                    self._bucket(v, w)
            if self._pos is None and self._held > self.exact_limit:
                self._to_buckets()
            return
        if self._pos is None:
            self._to_buckets()
        assert self._pos is not None
        self._pos.merge(other._pos)
        self._neg.merge(other._neg)
        self._zero += other._zero

    def points(self) -> tuple[F64, F64]:
        """Sorted representative values and their weights: the values themselves while
        :attr:`exact`, else each log bucket's representative (≤ ``rel_err`` away)."""
        return self._points()

    def _points(self) -> tuple[F64, F64]:
        """Sorted representative values and their weights."""
        if self._pos is None:
            if not self._values:
                return np.zeros(0), np.zeros(0)
            v, w = np.concatenate(self._values), np.concatenate(self._weights)
            order = np.argsort(v, kind="stable")
            return v[order], w[order]
        g = self.gamma
        rep_pos = 2.0 * np.power(g, self._pos.keys().astype(np.float64)) / (g + 1.0)
        rep_neg = -2.0 * np.power(g, self._neg.keys().astype(np.float64)) / (g + 1.0)
        values = np.concatenate([rep_neg[::-1], [0.0], rep_pos])
        weights = np.concatenate([self._neg.counts[::-1], [self._zero], self._pos.counts])
        keep = weights > 0
        return np.clip(values[keep], self.min, self.max), weights[keep]

    def quantiles(self, qs: list[float]) -> list[float]:
        values, weights = self._points()
        if values.size == 0:
            return [math.nan for _ in qs]
        cum = np.cumsum(weights)
        total = cum[-1]
        out = []
        for q in qs:
            i = int(np.searchsorted(cum, q * total * (1 - 1e-12), side="left"))
            out.append(float(values[min(i, values.size - 1)]))
        return out

    def histogram(self, bins: int) -> list[float]:
        """Weights in ``bins`` equal-width bins over [min, max]."""
        values, weights = self._points()
        if values.size == 0:
            return [0.0] * bins
        lo, hi = self.min, self.max
        if hi <= lo:
            return [float(weights.sum())] + [0.0] * (bins - 1)
        idx = np.clip(((values - lo) / (hi - lo) * bins).astype(np.int64), 0, bins - 1)
        return [float(x) for x in np.bincount(idx, weights, minlength=bins)]
