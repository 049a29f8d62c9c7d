"""Label moments about a shift, exact and mergeable: what r2's SST and the
``--vs-dummy`` mean come from."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.sketch import BlockSum

F64 = NDArray[np.float64]


class LabelMoments:
    """Σw, Σw(y − K) and Σw(y − K)² about a shift K (the first label seen), each an exact
    block sum: SST = Σw(y − K)² − (Σw(y − K))² / Σw.

    Labels far from zero (1e12 ± 1) lose no digits (y − K is exact for labels within a
    factor of two of K), and any chunking gives the same bits. Constant labels give
    exactly 0."""

    def __init__(self) -> None:
        self.shift: float | None = None
        self.count = 0  # rows added without weights (each weighs 1)
        self.weights = BlockSum()
        self.s1 = BlockSum()
        self.s2 = BlockSum()

    def update(self, y: F64, w: F64 | None) -> None:
        if y.size == 0:
            return
        if self.shift is None:
            self.shift = float(y[0])
        d = y - self.shift
        if w is None:
            self.count += int(y.size)
            self.s1.add(d)
            self.s2.add(d * d)
        else:
            wd = w * d
            self.weights.add(w)
            self.s1.add(wd)
            self.s2.add(wd * d)

    @property
    def weight(self) -> float:
        return self.weights.value + self.count

    @property
    def mean(self) -> float:
        """ȳ_w = K + Σw(y − K) / Σw (NaN without weight)."""
        total = self.weight
        return (self.shift or 0.0) + self.s1.value / total if total else float("nan")

    @property
    def m2(self) -> float:
        """Σw(y − ȳ_w)²."""
        total = self.weight
        if not total:
            return 0.0
        s1 = self.s1.value
        return max(self.s2.value - s1 * (s1 / total), 0.0)  # s1·s1 alone may overflow

    def merge(self, other: LabelMoments) -> None:
        """Fold in another partition's moments, moved to this shift (exact sums, then
        the correction terms of the move)."""
        if other.shift is None:
            return
        if self.shift is None:
            self.shift = other.shift
        d = other.shift - self.shift
        s0, s1 = other.weight, other.s1.value
        self.count += other.count
        self.weights.merge(other.weights)
        self.s1.merge(other.s1)
        self.s2.merge(other.s2)
        if d:
            self.s1.add(np.array([s0 * d]))
            self.s2.add(np.array([2.0 * d * s1, s0 * d * d]))
