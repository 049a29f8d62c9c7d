"""``--by``: per-group sufficient statistics, vectorised over any number of groups.

Per chunk, rows are factorised to group ids (np.unique) and every statistic is a
``np.bincount``: Σwℓ, Σw·factor, count, max ℓ, and for r2 the weighted label
moments merged with Chan's formula. Python work is per distinct key, not per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.losses._spec import LossSpec, Stats

F64 = NDArray[np.float64]


class GroupAccumulator:
    """Σwℓ, Σw, count, max and label moments per group key, grown as keys appear."""

    def __init__(self, spec: LossSpec, params: Mapping[str, Any], per_count: bool = False) -> None:
        self.spec, self.params, self.per_count = spec, dict(params), per_count
        self.ids: dict[Any, int] = {}
        self.stats = np.zeros((6, 0))  # Σwℓ, Σw·factor, count, max, label Σw, label mean; M2 below
        self.m2 = np.zeros(0)

    def update(self, keys: Any, losses: F64, weights: F64 | None, y_true: F64, factor: F64 | None) -> None:
        uniques, inverse = np.unique(keys, return_inverse=True)
        gid = self._ids(uniques.tolist())[inverse]
        size = self.stats.shape[1]
        active = ~np.isnan(losses)
        w = np.ones(losses.size) if weights is None else weights
        denominator = w if factor is None else w * factor
        s = self.stats
        s[0] += np.bincount(gid, np.where(active, w * losses, 0.0), size)
        s[1] += np.bincount(gid, denominator, size)
        s[2] += np.bincount(gid, active, size)
        kept = active & (w > 0)
        np.maximum.at(s[3], gid[kept], losses[kept])
        if self.spec.needs_label_variance:
            self._moments(gid, y_true, w, size)

    def merge(self, other: GroupAccumulator) -> None:
        """Fold in another accumulator's groups (Dask partitions): sums add, maxima
        take the larger, label moments combine with Chan's formula."""
        n = len(other.ids)
        if n == 0:
            return
        gid = self._ids(list(other.ids))  # distinct keys, so fancy-index updates are safe
        o, s = other.stats[:, :n], self.stats
        for i in range(3):
            s[i, gid] += o[i]
        s[3, gid] = np.maximum(s[3, gid], o[3])
        wa, ma, wb, mb = s[4, gid], s[5, gid], o[4], o[5]
        total = wa + wb
        safe = np.where(total > 0, total, 1.0)
        delta = mb - ma
        s[5, gid] = np.where(total > 0, ma + delta * wb / safe, ma)
        self.m2[gid] = self.m2[gid] + other.m2[:n] + np.where(total > 0, delta * delta * wa * wb / safe, 0.0)
        s[4, gid] = total

    def _ids(self, keys: list[Any]) -> NDArray[np.int64]:
        """Group ids of ``keys``, adding new ones; storage grows geometrically."""
        ids = self.ids
        out = np.empty(len(keys), dtype=np.int64)
        for i, key in enumerate(keys):
            key = _plain(key)
            found = ids.get(key)
            if found is None:
                found = ids[key] = len(ids)
            out[i] = found
        if len(ids) > self.stats.shape[1]:
            capacity = max(len(ids), 2 * self.stats.shape[1], 16)
            grown = np.zeros((6, capacity))
            grown[3] = -np.inf
            grown[:, : self.stats.shape[1]] = self.stats
            self.stats = grown
            self.m2 = np.concatenate([self.m2, np.zeros(capacity - self.m2.size)])
        return out

    def _moments(self, gid: Any, y: F64, w: F64, size: int) -> None:
        """Chan's parallel merge of (Σw, mean, M2) per group, in two vectorised passes."""
        wb = np.bincount(gid, w, size)
        with np.errstate(invalid="ignore", divide="ignore"):
            mb = np.where(wb > 0, np.bincount(gid, w * y, size) / wb, 0.0)
        dev = y - mb[gid]
        m2b = np.bincount(gid, w * dev * dev, size)
        wa, ma = self.stats[4], self.stats[5]
        total = wa + wb
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = mb - ma
            self.stats[5] = np.where(total > 0, ma + delta * wb / np.where(total > 0, total, 1), ma)
            self.m2 = (
                self.m2
                + m2b
                + np.where(total > 0, delta * delta * wa * wb / np.where(total > 0, total, 1), 0)
            )
        self.stats[4] = total

    def results(self) -> tuple[dict[str, Any], ...]:
        """``[{"group", "value", "count"}]`` in sorted group order (vectorised finalize)."""
        n = len(self.ids)
        total, wsum, count, peak = (self.stats[i, :n] for i in range(4))
        divisor = count if self.per_count else wsum
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(divisor > 0, total / np.where(divisor > 0, divisor, 1), np.nan)
            value = self._finalize(mean, total, peak, self.m2[:n])
        value = np.where(wsum > 0, value, np.nan)
        keys = list(self.ids)
        order = sorted(range(n), key=lambda i: (str(type(keys[i])), keys[i]))
        values, counts = value.tolist(), count.astype(np.int64).tolist()
        return tuple({"group": keys[i], "value": values[i], "count": counts[i]} for i in order)

    def _finalize(self, mean: F64, total: F64, peak: F64, sst: F64) -> F64:
        """The spec's finalizer over arrays of groups (scalar fallback for others)."""
        from losscli.losses import _spec as f

        fin = self.spec.finalize
        if fin is f.finalize_mean:
            return mean
        if fin is f.finalize_sqrt:
            out: F64 = np.sqrt(mean)
            return out
        if fin is f.finalize_max:
            return peak
        if fin is f.finalize_r2:
            perfect = np.where(total == 0, 1.0, 0.0)
            return np.where(sst == 0, perfect, 1.0 - total / np.where(sst == 0, 1.0, sst))
        stats = zip(mean.tolist(), total.tolist(), peak.tolist(), sst.tolist(), strict=True)
        return np.array([fin(Stats(m, t, 0, 0.0, p, s)) for m, t, p, s in stats])


def _plain(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value
