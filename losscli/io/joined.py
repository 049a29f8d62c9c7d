"""``--labels FILE``: predictions from one source, labels from another — aligned by
row (streamed side by side) or joined on a key column (``--on KEY``; the label
side is held in memory as a hash index).

The joined source presents the prediction file's columns followed by the
label file's, so positions ≥ ``offset`` belong to the label file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.errors import ColumnError, DataError
from losscli.neutralise import listing, quote, quote_cell
from losscli.options import spelled


class JoinedSource:
    """Predictions (``main``) and labels (``labels``) as one source."""

    def __init__(self, main: Any, labels: Any, on: str | None = None) -> None:
        self.main, self.labels, self.on = main, labels, on
        self.path = main.path
        self.format = main.format
        self.offset = len(main.names)
        self.names = list(main.names) + list(labels.names)
        self.named: bool = main.named  # the predictions' names (class columns) are main's
        self.unmatched = 0
        self._text: frozenset[int] = frozenset()
        # aligned by position: a column both files have that identifies rows must agree
        self.row_key = None if on is not None else _shared_row_key(main.names, labels.names)
        if on is not None:
            for side in (main, labels):
                if on not in side.names:
                    raise ColumnError(
                        f"{side.path}: no key column {quote(on)} for {spelled('on')}",
                        f"columns are: {listing(side.names)}",
                    )

    def chunks(
        self, positions: list[int], numeric: set[int], text: frozenset[int] = frozenset()
    ) -> Iterator[list[Any]]:
        self._text = frozenset(p for p in text if p < self.offset)  # group keys: prediction file
        main_pos = [p for p in positions if p < self.offset]
        label_pos = [p - self.offset for p in positions if p >= self.offset]
        label_numeric = {p - self.offset for p in numeric if p >= self.offset}
        if self.on is None:
            yield from self._aligned(positions, main_pos, label_pos, numeric, label_numeric)
        else:
            yield from self._joined(positions, main_pos, label_pos, numeric, label_numeric)

    def _aligned(
        self,
        positions: list[int],
        main_pos: list[int],
        label_pos: list[int],
        numeric: set[int],
        label_numeric: set[int],
    ) -> Iterator[list[Any]]:
        key_main = key_label = -1
        main_wanted, label_wanted = main_pos, label_pos
        if self.row_key is not None:
            key_main, key_label = self.main.names.index(self.row_key), self.labels.names.index(self.row_key)
            main_wanted, label_wanted = sorted({*main_pos, key_main}), sorted({*label_pos, key_label})
        label_text = frozenset({key_label} - {-1})
        labels = _Rechunker(self.labels.chunks(label_wanted, label_numeric - label_text, label_text))
        rows = 0
        for chunk in self.main.chunks(main_wanted, numeric - {key_main}, self._text | {key_main} - {-1}):
            n = len(chunk[0]) if chunk else 0
            taken = labels.take(n)
            if taken is None or len(taken[0]) < n:
                got = rows + (0 if taken is None else len(taken[0]))
                raise DataError(
                    f"{self.labels.path} has {got} rows but {self.main.path} has more",
                    _same_order(),
                )
            mine, theirs = (
                dict(zip(main_wanted, chunk, strict=True)),
                dict(zip(label_wanted, taken, strict=True)),
            )
            if self.row_key is not None:
                self._same_rows(mine[key_main], theirs[key_label], rows)
            rows += n
            yield _merge(
                positions,
                self.offset,
                main_pos,
                [mine[p] for p in main_pos],
                label_pos,
                [theirs[p] for p in label_pos],
            )
        if labels.take(1):
            raise DataError(
                f"{self.main.path} has {rows} rows but {self.labels.path} has more",
                _same_order(),
            )

    def _joined(
        self,
        positions: list[int],
        main_pos: list[int],
        label_pos: list[int],
        numeric: set[int],
        label_numeric: set[int],
    ) -> Iterator[list[Any]]:
        import pandas as pd

        key_label = self.labels.names.index(self.on)
        wanted = sorted(set(label_pos) | {key_label})
        parts: list[list[Any]] = list(self.labels.chunks(wanted, label_numeric - {key_label}))
        columns = {
            p: np.concatenate([c[i] for c in parts]) if parts else np.zeros(0) for i, p in enumerate(wanted)
        }
        index = pd.Index(_keys(columns[key_label]))
        if index.has_duplicates:
            dup = index[index.duplicated()][0]
            raise DataError(
                f"{self.labels.path}: key {quote(str(self.on))} is not unique (e.g. {quote_cell(dup)})",
                "each label row needs its own key",
            )
        key_main = self.main.names.index(self.on)
        main_wanted = sorted(set(main_pos) | {key_main})
        for chunk in self.main.chunks(main_wanted, numeric - {key_main}, self._text):
            by_pos = dict(zip(main_wanted, chunk, strict=True))
            where = index.get_indexer(pd.Index(_keys(by_pos[key_main])))
            hit = where >= 0
            self.unmatched += int((~hit).sum())
            rows = where[hit]
            merged = []
            for p in positions:
                merged.append(by_pos[p][hit] if p < self.offset else columns[p - self.offset][rows])
            yield merged

    def _same_rows(self, mine: Any, theirs: Any, before: int) -> None:
        """Exit 2 at the first row whose identifier differs between the two files."""
        differ = np.asarray(mine != theirs) if mine.dtype == theirs.dtype else None
        if differ is None or differ.shape != mine.shape:  # e.g. Parquet integers against CSV text
            differ = np.array(_row_keys(mine)) != np.array(_row_keys(theirs))
        if not differ.any():
            return
        i = int(np.argmax(differ))
        key, row = quote(str(self.row_key)), before + i + 1
        raise DataError(
            f"{self.main.path} row {row} has {key} = {quote_cell(_row_keys(mine[i : i + 1])[0])} but "
            f"{self.labels.path} row {row} has {key} = {quote_cell(_row_keys(theirs[i : i + 1])[0])}: "
            "the files are not in the same order",
            f"use {spelled('on', self.row_key)} to join them on it",
        )


def _same_order() -> str:
    labels, on = spelled("labels"), spelled("on", "KEY", placeholder=True)
    return f"files given with {labels} must have the same rows in the same order, or use {on}"


_ROW_KEY = re.compile(r"(^|[_\-. ])(id|key|uuid|uid|index|idx)$")


def _shared_row_key(main: list[str], labels: list[str]) -> str | None:
    """A column both files have whose name says it identifies rows (``id``,
    ``sample_id``, ``PassengerId``, ``key``, …), or None."""
    for name in main:
        if name in labels and (_ROW_KEY.search(name.lower()) or re.search(r"[a-z](Id|ID)$", name)):
            return name
    return None


def _row_keys(values: Any) -> list[str]:
    """Identifiers as text for comparing two files: a whole float is its integer (7.0 is 7)."""
    out = []
    for v in values:
        item = v.item() if hasattr(v, "item") else v
        out.append(str(int(item)) if isinstance(item, float) and item.is_integer() else str(item))
    return out


def _keys(values: Any) -> list[str]:
    return [str(v.item() if hasattr(v, "item") else v) for v in values]


class _Rechunker:
    """Rows from a chunk iterator, ``take(n)`` at a time."""

    def __init__(self, chunks: Iterator[list[Any]]) -> None:
        self.chunks = chunks
        self.buffer: list[Any] | None = None

    def take(self, n: int) -> list[Any] | None:
        while self.buffer is None or len(self.buffer[0]) < n:
            nxt = next(self.chunks, None)
            if nxt is None:
                break
            self.buffer = (
                nxt
                if self.buffer is None
                else [np.concatenate([a, b]) for a, b in zip(self.buffer, nxt, strict=True)]
            )
        if self.buffer is None or len(self.buffer[0]) == 0:
            return None
        out = [col[:n] for col in self.buffer]
        self.buffer = [col[n:] for col in self.buffer]
        return out


def _merge(
    positions: list[int],
    offset: int,
    main_pos: list[int],
    chunk: list[Any],
    label_pos: list[int],
    taken: list[Any],
) -> list[Any]:
    main = dict(zip(main_pos, chunk, strict=True))
    labels = dict(zip(label_pos, taken, strict=True))
    return [main[p] if p < offset else labels[p - offset] for p in positions]
