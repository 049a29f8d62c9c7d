"""Parquet (file, directory, glob), Arrow IPC/Feather and JSON Lines through pyarrow.

Parquet and IPC read only the used columns (column projection); numeric
columns are cast to float64, and a column of the wrong type is an error. Files are
read with pread, never through a memory map (see :mod:`losscli.io.paths`): a file
truncated while it is read is an error naming it, not a SIGBUS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from losscli.errors import InputError, first_line
from losscli.io.arrow_numpy import check_numeric, column_to_numpy
from losscli.io.paths import OpenedFiles, shrank
from losscli.io.source import InputOptions

Batches = Callable[[list[str], set[str]], Iterator[Any]]
"""(used column names, the numeric ones among them) → Arrow record batches of them."""


class ColumnarSource:
    """An input read as Arrow record batches."""

    def __init__(
        self, path: str, fmt: str, schema: Any, batches: Batches, opened: OpenedFiles | None = None
    ) -> None:
        self.path, self.format = path, fmt
        self.schema = schema
        self.names: list[str] = list(schema.names)
        self._batches = batches
        self._opened = opened
        self.rows_read = 0
        self.total_rows: int | None = None

    def progress(self) -> tuple[int, int | None]:
        """(rows read, rows in all or None when unknown)."""
        return self.rows_read, self.total_rows

    def chunks(self, positions: list[int], numeric: set[int]) -> Iterator[list[Any]]:
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


def open_columnar(
    options: InputOptions, fmt: str, where: Any, compression: str | None = None
) -> ColumnarSource:
    """Open Parquet/IPC/JSONL at ``where`` (a path, a glob, a pyarrow buffer or a stream)."""
    import pyarrow as pa

    path = "<stdin>" if options.path == "-" else options.path
    opened = OpenedFiles()
    try:
        if fmt == "parquet":
            return _parquet(path, where, options.chunk_rows, opened)
        if fmt == "arrow":
            return _ipc(path, where, opened)
        if fmt == "jsonl":
            from losscli.io.jsonl import JsonLines

            reader = JsonLines(path, where, options.block_bytes, opened, compression)
            return ColumnarSource(path, "jsonl", reader.schema, reader.batches, opened)
    except (pa.ArrowException, OSError) as exc:
        raise opened.shrunk() or _unreadable(path, fmt, exc, "file") from None
    raise InputError(f"{path}: unsupported format '{fmt}'")


def _parquet(path: str, where: Any, chunk_rows: int, opened: OpenedFiles) -> ColumnarSource:
    from losscli.io.parquet import ParquetReader

    reader = ParquetReader(path, where, chunk_rows, opened)
    source = ColumnarSource(path, "parquet", reader.schema, reader.batches, opened)
    source.total_rows = reader.total_rows
    return source


def _ipc(path: str, where: Any, opened: OpenedFiles) -> ColumnarSource:
    """An IPC file (random access; Feather v2) or stream (read front to back)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    if not isinstance(where, str | pa.NativeFile):  # a Python stream (stdin): an IPC stream, as it arrives
        reader: Any = ipc.open_stream(pa.PythonFile(where, mode="r"))
        batches, schema = iter(reader), reader.schema
    else:
        source = opened.open(where) if isinstance(where, str) else where
        try:
            reader = ipc.open_file(source)
            batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
            schema = reader.schema
        except pa.ArrowInvalid:
            source.seek(0)
            reader = ipc.open_stream(source)
            batches, schema = _to_the_end(path, source, iter(reader)), reader.schema

    def select(cols: list[str], numeric: set[str]) -> Iterator[Any]:
        for batch in batches:
            yield batch.select(cols)

    return ColumnarSource(path, "arrow", schema, select, opened)


def _to_the_end(path: str, source: Any, batches: Iterator[Any]) -> Iterator[Any]:
    """An IPC stream in a file: a truncation at a message boundary looks like its end, so
    a stream that ends before the file's size at opening, in a file now shorter, shrank."""
    import os

    import pyarrow as pa

    size = source.size()
    yield from batches
    if isinstance(source, pa.OSFile) and not source.closed:
        now = os.fstat(source.fileno()).st_size
        if source.tell() < size and now < size:
            raise shrank(path, size, now)
