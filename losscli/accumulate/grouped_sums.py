"""``--by`` without a Python loop over groups: the block sums, counts and maxima of
every group of a chunk at once.

Σ per group is :class:`~losscli.accumulate.sketch.BlockSum`'s, to the bit: each
group's stream is summed in runs of ``STEP`` values aligned to the group's first row,
those sums in runs of ``STEP`` likewise, and those (``STEP²`` values each) exactly.
Here every group of a chunk is laid out in one buffer — its carried values (fewer
than ``STEP``) then its new ones, each group starting at a multiple of ``STEP`` — so
one ``reshape(-1, STEP).sum(axis=1)`` gives every group's complete runs: the same
values in the same order as one group's own ``BlockSum`` would sum (NumPy sums a
contiguous run of ``STEP`` the same way wherever it lies). The rest of each group's
values is its new carry. At the end each group becomes a plain
:class:`~losscli.accumulate.sketch.BlockSum` again (:meth:`GroupedBlockSums.block_sum`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.sketch import BlockSum, ExactSum

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
STEP = BlockSum.STEP


class GroupedBlockSums:
    """One :class:`BlockSum` per group index 0, 1, …, fed all groups' values at once."""

    def __init__(self) -> None:
        self.carry = np.zeros((0, STEP))  # per group: fewer than STEP values not yet summed
        self.carried = np.zeros(0, dtype=np.int64)
        self.level1 = np.zeros((0, STEP))  # per group: fewer than STEP first-level sums
        self.level1_count = np.zeros(0, dtype=np.int64)
        self.exact: list[ExactSum] = []

    def grow(self, groups: int) -> None:
        """Room for group indices below ``groups``."""
        more = groups - len(self.exact)
        if more <= 0:
            return
        self.carry = np.vstack([self.carry, np.zeros((more, STEP))])
        self.level1 = np.vstack([self.level1, np.zeros((more, STEP))])
        self.carried = np.concatenate([self.carried, np.zeros(more, dtype=np.int64)])
        self.level1_count = np.concatenate([self.level1_count, np.zeros(more, dtype=np.int64)])
        self.exact.extend(ExactSum() for _ in range(more))

    def add(self, index: I64, counts: I64, values: F64) -> None:
        """``values``: group ``index[0]``'s ``counts[0]`` values, then ``index[1]``'s, …
        (each group's in stream order; the indices distinct)."""
        first, made = _runs(self.carry, self.carried, index, counts, values)
        second, done = _runs(self.level1, self.level1_count, index, made, first)
        if second.size:
            sums = second.tolist()
            at = 0
            for group, many in zip(index[done > 0].tolist(), done[done > 0].tolist(), strict=True):
                exact = self.exact[group]
                for value in sums[at : at + many]:
                    exact.add(value)
                at += many

    def block_sum(self, group: int) -> BlockSum:
        """Group ``group``'s sum as the BlockSum its values would have built one by one."""
        out = BlockSum()
        out._exact = self.exact[group]
        n = int(self.carried[group])
        out._carry = self.carry[group, :n].copy() if n else out._carry
        n = int(self.level1_count[group])
        out._level1 = self.level1[group, :n].copy() if n else out._level1
        out._value = None
        return out


def _runs(carry: F64, carried: I64, index: I64, counts: I64, values: F64) -> tuple[F64, I64]:
    """Each group's complete runs of STEP (its carry, then its ``counts`` new values)
    summed, in group then stream order, with how many each group made; the remainders
    become the groups' carries (``carry``/``carried`` updated in place)."""
    if values.size == 0:
        return values, np.zeros(index.size, dtype=np.int64)
    held = carried[index]
    total = held + counts
    whole = total // STEP
    padded = -(-total // STEP) * STEP
    offset = np.zeros(index.size, dtype=np.int64)
    np.cumsum(padded[:-1], out=offset[1:])
    buffer = np.zeros(int(offset[-1] + padded[-1]))
    lanes = np.arange(STEP)
    if held.any():
        kept = lanes < held[:, None]
        buffer[(offset[:, None] + lanes)[kept]] = carry[index][kept]
    starts = np.zeros(index.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    buffer[np.repeat(offset + held - starts, counts) + np.arange(values.size)] = values
    runs = buffer.reshape(-1, STEP).sum(axis=1)
    made = np.zeros(index.size, dtype=np.int64)
    np.cumsum(whole[:-1], out=made[1:])
    sums = runs[np.repeat(offset // STEP - made, whole) + np.arange(int(whole.sum()))]
    rest = total - whole * STEP
    left = lanes < rest[:, None]
    new = np.zeros((index.size, STEP))
    new[left] = buffer[((offset + whole * STEP)[:, None] + lanes)[left]]
    carry[index] = new
    carried[index] = rest
    return sums, whole


class PlainGroups:
    """Counts, maxima and sums of every group (by index) of a plain per-row loss: what
    :meth:`LossAccumulator._update_plain` keeps, without its quantiles or label moments."""

    def __init__(self) -> None:
        self.count = np.zeros(0, dtype=np.int64)
        self.unweighted = np.zeros(0, dtype=np.int64)
        self.max = np.zeros(0)
        self.weighted_sum = GroupedBlockSums()
        self.weight_sum = GroupedBlockSums()

    def grow(self, groups: int) -> None:
        more = groups - self.count.size
        if more > 0:
            self.count = np.concatenate([self.count, np.zeros(more, dtype=np.int64)])
            self.unweighted = np.concatenate([self.unweighted, np.zeros(more, dtype=np.int64)])
            self.max = np.concatenate([self.max, np.full(more, -np.inf)])
        self.weighted_sum.grow(groups)
        self.weight_sum.grow(groups)

    def add(self, index: I64, counts: I64, losses: F64, weights: F64 | None) -> None:
        """Rows sorted by group: ``counts[i]`` rows of group ``index[i]``, in order."""
        self.count[index] += counts
        starts = np.zeros(index.size, dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        if weights is None:
            self.weighted_sum.add(index, counts, losses)
            self.unweighted[index] += counts
            shown: Any = losses
        else:
            self.weighted_sum.add(index, counts, weights * losses)
            self.weight_sum.add(index, counts, weights)
            shown = np.where(weights > 0, losses, -np.inf)  # the max of rows that weigh something
        chunk_max = np.maximum.reduceat(shown, starts)
        before = self.max[index]
        self.max[index] = np.where(chunk_max > before, chunk_max, before)  # Python's max(before, new)
