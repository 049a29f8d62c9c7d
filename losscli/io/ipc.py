"""Arrow IPC (Feather v2) through pyarrow: an IPC file (random access) or an IPC stream
(read front to back, also from a pipe as it arrives). Only the used columns are kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from losscli.io.columnar import ColumnarSource, open_columnar
from losscli.io.paths import OpenedFiles, shrank
from losscli.io.types import InputOptions, Where


def open_ipc(options: InputOptions, fmt: str, where: Where, compression: str | None) -> ColumnarSource:
    """An IPC file or stream at ``where`` (a path, a pyarrow buffer, or a Python stream:
    read as an IPC stream). ``compression`` is not used (IPC compresses inside the file)."""
    return open_columnar(options, fmt, lambda path, opened: _ipc(path, fmt, where, opened))


def _ipc(path: str, fmt: str, where: Any, opened: OpenedFiles) -> ColumnarSource:
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

    return ColumnarSource(path, fmt, schema, select, opened)


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
