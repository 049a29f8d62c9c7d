"""Bootstrap units for ``--ci``: per-unit sums of a row's sufficient statistics.

A *unit* is what the bootstrap resamples: a row (its 1-based row number), a block of
``--ci-block N`` consecutive rows (``(row − 1) // N``), or an ``--id`` value (its
64-bit hash: rows sharing an id move together). Each row contributes a vector s_i of
sufficient statistics (e.g. wℓ, w, 1); a unit holds S_u = Σ_{i∈u} s_i.

While there are at most ``M`` distinct units they are kept one by one, so a small input
gets the exact unit-level bootstrap. Past ``M`` every unit is summed into one of ``M``
buckets (:func:`bucket_of`): a fixed hash of the unit's key, so a row
lands in the same bucket for any chunk size, partitioning and engine, and a bucket is a
random subset of the units (not every M-th row: a file sorted by label would otherwise
give buckets that look alike and intervals that are too narrow). Resampling M buckets
of n/M random units has the variance of resampling the n units (the bucket sums are
i.i.d.), so memory is O(M·k) whatever the row count.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
U64 = NDArray[np.uint64]

#: buckets once there are more units than this; M − 1 degrees of freedom for the spread
#: (the bootstrap standard error is within ~4.5 % of the row bootstrap's, sd √(2/M)),
#: 8·k·M bytes per loss (24 KB for a mean), a 2,000 × 1,024 resampling matrix at the end;
#: a power of two, so a bucket is the top bits of the mixed key
BUCKETS = 1024
_PENDING = 4 * BUCKETS  # unit rows buffered before they are summed by key


def splitmix64(keys: U64) -> U64:
    """SplitMix64's finaliser: a fixed bijective mix of 64-bit keys (Steele et al. 2014)."""
    z = keys + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


LOW_BITS = 16  # bucket(u) = T[u mod 2¹⁶] xor mix(u ÷ 2¹⁶): a table lookup for row numbers


def bucket_of(keys: U64, buckets: int = BUCKETS) -> NDArray[np.intp]:
    """bucket(u) = T[u mod 2¹⁶] ⊕ mix(⌊u / 2¹⁶⌋), where mix(x) is the top log₂M bits of
    SplitMix64(x) and T[i] = mix(i + 2⁶³): a fixed pseudo-random map, so a bucket is a
    random subset of the units whatever their order (:meth:`UnitSums._bucket` reads a
    range of row numbers off T in slices instead). M not a power of two (tests):
    SplitMix64(u) mod M."""
    bits = buckets.bit_length() - 1
    if buckets != 1 << bits:
        return (splitmix64(keys) % np.uint64(buckets)).astype(np.intp)
    index = (keys & np.uint64((1 << LOW_BITS) - 1)).astype(np.intp)
    found: NDArray[np.intp] = _low_table(bits)[index] ^ _top(keys >> np.uint64(LOW_BITS), bits)
    return found


def buckets_of_units(units: Any, buckets: int) -> NDArray[np.intp]:
    """:func:`bucket_of` of unit keys as :func:`row_units` and :func:`id_units` give them:
    a range of row keys (a RowRange) read off the table T in slices of 2¹⁶ (nothing
    hashed per row), any other keys hashed."""
    from losscli.accumulate.rows import RowRange

    bits = buckets.bit_length() - 1
    if not isinstance(units, RowRange) or buckets != 1 << bits:
        return bucket_of(as_keys(units), buckets)
    out = np.empty(units.size, dtype=np.intp)
    table, at, end = _low_table(bits), units.start, units.start + units.size
    while at < end:
        high, low = divmod(at, 1 << LOW_BITS)
        upto = min(end, (high + 1) << LOW_BITS)
        mixed = int(_top(np.array([high], dtype=np.uint64), bits)[0])
        np.bitwise_xor(table[low : low + upto - at], mixed, out=out[at - units.start : upto - units.start])
        at = upto
    return out


@cache
def _low_table(bits: int) -> NDArray[np.intp]:
    table = _top(np.arange(1 << LOW_BITS, dtype=np.uint64) + np.uint64(1 << 63), bits)
    table.flags.writeable = False
    return table


@cache
def _table_counts(bits: int) -> F64:
    """How many entries of the 2¹⁶-entry table T carry each label."""
    counts = np.bincount(_low_table(bits), minlength=1 << bits).astype(np.float64)
    counts.flags.writeable = False
    return counts


def _top(keys: U64, bits: int) -> NDArray[np.intp]:
    """The top ``bits`` bits of SplitMix64 (≤ 31 of them: its last xor-shift leaves them as
    they are)."""
    return (splitmix64(keys) >> np.uint64(64 - bits)).astype(np.intp)


def fingerprint(keys: Any, y_true: NDArray[np.float64]) -> int:
    """Σ_i h(unit_i, y_i) mod 2⁶⁴: which rows (by unit key) with which labels an
    accumulator saw, independent of their order and chunking; equal fingerprints mean
    the same rows (a baseline's bootstrap sums can then be paired with a run's)."""
    keys = as_keys(keys)
    labels = np.ascontiguousarray(np.asarray(y_true, dtype=np.float64).reshape(keys.size, -1)) + 0.0  # -0 → 0
    mixed = splitmix64(keys)
    for j in range(labels.shape[1]):
        mixed = splitmix64(mixed ^ np.ascontiguousarray(labels[:, j]).view(np.uint64))
    return int(mixed.sum(dtype=np.uint64))


def row_units(rows: object, block: int = 1, offset: int = 0) -> Any:
    """Unit keys of 1-based row numbers (a RowRange or an array) ``offset`` rows into the
    input: the 0-based row, or its ``block`` of consecutive rows. A chunk's range of rows
    stays a range (its keys are made only if they are kept one by one)."""
    from losscli.accumulate.rows import RowRange

    if isinstance(rows, RowRange) and block == 1:
        return RowRange(rows.start - 1 + offset, rows.size)
    index = np.asarray(rows, dtype=np.int64) - 1 + offset
    return (index // block if block > 1 else index).astype(np.uint64)


def as_keys(keys: Any) -> U64:
    """Unit keys as an array of uint64 (a range of row keys made into one)."""
    return np.asarray(keys, dtype=np.uint64)


def id_units(ids: NDArray[np.generic]) -> U64:
    """Unit keys of ``--id`` values: a stable 64-bit hash of each value's text (so 7 read
    from Parquet and '7' read from CSV are one unit)."""
    import pandas as pd

    text = np.asarray(ids).astype(str).astype(object)
    hashed: U64 = pd.util.hash_array(text, categorize=True)
    return hashed


class UnitSums:
    """Σ s_i per unit while there are at most :data:`BUCKETS` units, then per bucket.

    ``width`` statistics per row. Mergeable: ``merge`` of two states equals the state
    of all their rows (to float rounding; unit sums are ordered by key at the end)."""

    def __init__(self, width: int, buckets: int = BUCKETS) -> None:
        self.width, self.buckets = width, buckets
        self.keys: list[U64] = []
        self.sums: list[F64] = []
        self.pending = 0
        self.distinct = True  # every key added so far was a new unit (row numbers)
        self.table: F64 | None = None  # (buckets × width) once bucketed

    def add(
        self, keys: Any, columns: Sequence[F64 | None], distinct: bool = False, start: int | None = None
    ) -> None:
        """Fold in rows: ``keys`` (n,) unit keys and ``width`` columns of n statistics
        each (None: 1 for every row, a count). ``distinct``: the keys are distinct from
        each other and from every key added before (row numbers), so past M of them the
        rows go to buckets at once, without summing by key first; ``start``: the keys are
        ``start, start + 1, …`` (see :func:`bucket_of`)."""
        n = len(keys)
        if n == 0:
            return
        self.distinct = self.distinct and distinct
        if self.table is None and self.distinct and self.pending + n > self.buckets:
            self._to_buckets()
        if self.table is not None:
            self._bucket(keys, columns, start)
            return
        self.keys.append(as_keys(keys))
        self.sums.append(np.column_stack([np.ones(n) if c is None else c for c in columns]))
        self.pending += n
        if self.pending > _PENDING:
            self._compact()

    def merge(self, other: UnitSums) -> None:
        """Fold in another state of the same width (a group's, a partition's)."""
        other._compact()
        if other.table is not None:
            self._compact()
            if self.table is None:
                self._to_buckets()
            assert self.table is not None
            self.table += other.table
            return
        for keys, sums in zip(other.keys, other.sums, strict=True):
            self.add(keys, list(sums.T))

    def linear(self, matrix: F64) -> None:
        """Replace every unit's sums s by s · ``matrix`` (width × width), e.g. label moments
        moved to another shift: a linear map of each unit's own sums."""
        self.sums = [sums @ matrix for sums in self.sums]
        if self.table is not None:
            self.table = self.table @ matrix

    def units(self) -> F64:
        """The unit (or bucket) sums, (m × width): units in key order, or the buckets."""
        self._compact()
        if self.table is not None:
            return self.table
        if not self.keys:
            return np.zeros((0, self.width))
        return self.sums[0]

    def keys_of(self) -> U64 | None:
        """The units' keys in the order of :meth:`units` (None once bucketed)."""
        self._compact()
        if self.table is not None:
            return None
        return self.keys[0] if self.keys else np.zeros(0, dtype=np.uint64)

    @property
    def bucketed(self) -> bool:
        self._compact()
        return self.table is not None

    def _compact(self) -> None:
        """Sum the buffered rows by unit key (sorted); bucket them when too many."""
        if self.table is not None or (
            len(self.keys) <= 1 and self.pending <= self.buckets and self._sorted()
        ):
            return
        keys = np.concatenate(self.keys)
        sums = np.concatenate(self.sums)
        unique, inverse = np.unique(keys, return_inverse=True)
        summed = np.empty((unique.size, self.width))
        for j in range(self.width):
            summed[:, j] = np.bincount(inverse, weights=sums[:, j], minlength=unique.size)
        self.keys, self.sums, self.pending = [unique], [summed], unique.size
        if unique.size > self.buckets:
            self._to_buckets()

    def _sorted(self) -> bool:
        """One buffered array whose keys are already distinct and sorted (compacted)."""
        if not self.keys:
            return True
        keys = self.keys[0]
        return bool(keys.size < 2 or np.all(keys[1:] > keys[:-1]))

    def _to_buckets(self) -> None:
        keys = np.concatenate(self.keys) if self.keys else np.zeros(0, dtype=np.uint64)
        sums = np.concatenate(self.sums) if self.sums else np.zeros((0, self.width))
        self.table = np.zeros((self.buckets, self.width))
        self.keys, self.sums, self.pending = [], [], 0
        self._bucket(keys, list(sums.T))

    def _bucket(self, keys: Any, columns: Sequence[F64 | None], start: int | None = None) -> None:
        assert self.table is not None
        bits = self.buckets.bit_length() - 1
        if start is None or self.buckets != 1 << bits:
            self._add_by(bucket_of(as_keys(keys), self.buckets), columns, slice(None), None)
            return
        # a range of row numbers: per 2¹⁶ block, sum by the table's own labels T[u mod 2¹⁶]
        # (a view, nothing computed per row), then move label t to bucket t ⊕ mix(block)
        table, at, end = _low_table(bits), start, start + len(keys)
        while at < end:
            high, low = divmod(at, 1 << LOW_BITS)
            upto = min(end, (high + 1) << LOW_BITS)
            mixed = int(_top(np.array([high], dtype=np.uint64), bits)[0])
            rows = slice(at - start, upto - start)
            whole = upto - at == 1 << LOW_BITS  # the whole table: its label counts are known
            counts = _table_counts(bits) if whole else None
            self._add_by(table[low : low + upto - at], columns, rows, np.arange(self.buckets) ^ mixed, counts)
            at = upto

    def _add_by(
        self,
        where: NDArray[np.intp],
        columns: Sequence[F64 | None],
        rows: slice,
        moved: NDArray[np.intp] | None,
        counts: F64 | None = None,
    ) -> None:
        """table[moved[b]] += Σ of each column over the rows whose label is b (``counts``:
        how many rows have each label, when known)."""
        assert self.table is not None
        target = slice(None) if moved is None else moved
        for j, column in enumerate(columns):
            if column is None:
                if counts is None:
                    counts = np.bincount(where, minlength=self.buckets).astype(np.float64)
                self.table[target, j] += counts
            else:
                self.table[target, j] += np.bincount(where, weights=column[rows], minlength=self.buckets)
