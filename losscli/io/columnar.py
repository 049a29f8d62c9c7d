"""An input read as Arrow record batches: what the Parquet, Arrow IPC/Feather and JSON
Lines readers (:mod:`losscli.io.parquet`, :mod:`losscli.io.ipc`, :mod:`losscli.io.jsonl`)
and in-memory tables (:mod:`losscli.io.frames`) open.

Only the used columns are read (column projection); numeric columns are cast to
float64, and a column of the wrong type is an error. Files are read with pread, never
through a memory map (see :mod:`losscli.io.paths`): a file truncated while it is read
is an error naming it, not a SIGBUS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from losscli.errors import InputError, first_line
from losscli.io.arrow_numpy import check_numeric, column_to_numpy
from losscli.io.paths import OpenedFiles
from losscli.io.types import InputOptions

Batches = Callable[[list[str], set[str]], Iterator[Any]]
"""(used column names, the numeric ones among them) → Arrow record batches of them."""
Build = Callable[[str, OpenedFiles], "ColumnarSource"]
"""(the path as messages show it, the files it opens) → the opened source."""


class ColumnarSource:
    """An input read as Arrow record batches."""

    def __init__(
        self,
        path: str,
        fmt: str,
        schema: Any,
        batches: Batches,
        opened: OpenedFiles | None = None,
        named: bool = True,
    ) -> None:
        self.path, self.format = path, fmt
        self.schema = schema
        self.names: list[str] = list(schema.names)
        self.named = named  # False: names 1, 2, … given for --no-header
        self._batches = batches
        self._opened = opened
        self.rows_read = 0
        self.total_rows: int | None = None

    def progress(self) -> tuple[int, int | None]:
        """(rows read, rows in all or None when unknown)."""
        return self.rows_read, self.total_rows

    def chunks(
        self, positions: list[int], numeric: set[int], text: frozenset[int] = frozenset()
    ) -> Iterator[list[Any]]:
        """Typed columns come as typed (``text`` changes nothing here)."""
        import pyarrow as pa

        for p in positions:
            if p in numeric:
                check_numeric(self.path, self.names[p], self.schema.field(p).type)
        wanted = [self.names[p] for p in positions]
        unique = sorted(set(wanted), key=wanted.index)
        numbers = {self.names[p] for p in positions if p in numeric}
        try:
            for batch in self._batches(unique, numbers):
                self.rows_read += batch.num_rows
                yield [
                    column_to_numpy(batch.column(name), p in numeric)
                    for name, p in zip(wanted, positions, strict=True)
                ]
        except (pa.ArrowException, OSError) as exc:
            shrunk = self._opened.shrunk() if self._opened is not None else None
            raise shrunk or _unreadable(self.path, self.format, exc, "data") from None


def _unreadable(path: str, fmt: str, exc: Exception, what: str) -> InputError:
    """The reader's complaint, first line only."""
    return InputError(
        f"{path}: {'not a readable' if what == 'file' else 'unreadable'} {fmt} {what}: {first_line(exc)}"
    )


def open_columnar(options: InputOptions, fmt: str, build: Build) -> ColumnarSource:
    """``build(path, opened)``: a reader's opening of its input, shown as ``path`` (``<stdin>``
    for stdin), with its files in ``opened``; a pyarrow or OS error while opening becomes an
    InputError naming the file (or saying it shrank)."""
    import pyarrow as pa

    path = "<stdin>" if options.path == "-" else options.path
    opened = OpenedFiles()
    try:
        return build(path, opened)
    except (pa.ArrowException, OSError) as exc:
        raise opened.shrunk() or _unreadable(path, fmt, exc, "file") from None
