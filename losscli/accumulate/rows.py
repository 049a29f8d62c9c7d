"""Per-sample rows kept for display: the first N rows and the K worst, bounded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


class RowRange:
    """The row numbers ``start, start + 1, …, start + size - 1`` of a chunk, made into an
    array only when something looks at more than a few of them: most runs never do, and
    a 10M-row run skips writing 80 MB of row numbers."""

    __slots__ = ("size", "start")

    def __init__(self, start: int, size: int) -> None:
        self.start, self.size = start, size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)):
            i = int(index) + (self.size if index < 0 else 0)
            if not 0 <= i < self.size:
                raise IndexError(f"row {index} out of range")
            return self.start + i
        if isinstance(index, slice):
            lo, hi, step = index.indices(self.size)
            if step == 1:
                return RowRange(self.start + lo, max(hi - lo, 0))
        return np.asarray(self)[index]

    def __array__(self, dtype: Any = None, copy: Any = None) -> NDArray[Any]:
        return np.arange(self.start, self.start + self.size, dtype=dtype or np.int64)


RowIds = NDArray[np.int64] | RowRange


@dataclass(frozen=True)
class RowBlock:
    """Rows of one chunk: 1-based row numbers and named columns (inputs, then losses)."""

    row_ids: RowIds
    columns: dict[str, NDArray[np.float64]]

    def __len__(self) -> int:
        return int(self.row_ids.size)

    def take(self, index: NDArray[np.intp] | slice) -> RowBlock:
        return RowBlock(self.row_ids[index], {k: v[index] for k, v in self.columns.items()})

    def shifted(self, offset: int) -> RowBlock:
        """The same rows numbered ``offset`` later (a later Dask partition's rows)."""
        if not offset:
            return self
        return RowBlock(self.numbers() + offset, self.columns)

    def numbers(self) -> NDArray[np.int64]:
        """The row numbers as an array."""
        return np.asarray(self.row_ids, dtype=np.int64)

    @staticmethod
    def concat(blocks: list[RowBlock]) -> RowBlock:
        keys = list(blocks[0].columns)
        return RowBlock(
            np.concatenate([b.numbers() for b in blocks]),
            {k: np.concatenate([b.columns[k] for b in blocks]) for k in keys},
        )


class HeadRows:
    """The first ``limit`` rows in input order (``None``: all rows)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._blocks: list[RowBlock] = []
        self._held = 0

    @property
    def full(self) -> bool:
        return self.limit is not None and self._held >= self.limit

    def update(self, block: RowBlock) -> None:
        if self.full or len(block) == 0:
            return
        if self.limit is not None:
            block = block.take(slice(0, self.limit - self._held))
        self._blocks.append(block)
        self._held += len(block)

    def merge(self, other: HeadRows, offset: int = 0) -> None:
        """Append ``other``'s rows (which come after these), numbered ``offset`` later."""
        for block in other._blocks:
            self.update(block.shifted(offset))

    def rows(self) -> RowBlock | None:
        return RowBlock.concat(self._blocks) if self._blocks else None


class WorstRows:
    """The ``k`` rows with the highest ``key`` column (the lowest with ``lowest``); ties
    keep the earlier row."""

    def __init__(self, k: int, key: str, lowest: bool = False) -> None:
        self.k, self.key, self.lowest = k, key, lowest
        self._best: RowBlock | None = None

    def update(self, block: RowBlock) -> None:
        if self.k <= 0 or len(block) == 0:
            return
        merged = block if self._best is None else RowBlock.concat([self._best, block])
        self._best = _top(merged, self.key, self.k, self.lowest)

    def merge(self, other: WorstRows, offset: int = 0) -> None:
        """Fold in ``other``'s rows (which come after these), numbered ``offset`` later."""
        if other._best is not None:
            self.update(other._best.shifted(offset))

    def rows(self) -> RowBlock | None:
        return self._best


def _top(block: RowBlock, key: str, k: int, lowest: bool = False) -> RowBlock:
    """The ``k`` rows of highest ``key`` (NaN lowest), highest first; among equal values
    the earlier rows, by row number (0/1 losses tie by the hundred: the first
    misclassified rows, not any of them)."""
    column = -block.columns[key] if lowest else block.columns[key]
    values = np.where(np.isnan(column), -np.inf, column)
    if len(block) > k:
        kth = np.partition(values, len(values) - k)[len(values) - k]  # the k-th highest
        above = np.flatnonzero(values > kth)
        tied = np.flatnonzero(values == kth)
        tied = tied[np.argsort(block.numbers()[tied], kind="stable")][: k - above.size]
        keep = np.sort(np.concatenate([above, tied]))
        block, values = block.take(keep), values[keep]
    order = np.lexsort((block.numbers(), -values))
    return block.take(order)
