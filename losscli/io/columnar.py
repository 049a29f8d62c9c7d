"""Parquet (file, directory, glob), Arrow IPC/Feather and JSON Lines through pyarrow.

Parquet and IPC read only the used columns (column projection); numeric
columns are cast to float64, and a column of the wrong type is an error.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from typing import Any

from losscli.errors import DataError, InputError, first_line
from losscli.io.arrow_numpy import column_to_numpy
from losscli.io.prefetch import prefetch
from losscli.io.source import BLOCK_BYTES, InputOptions

NUMERIC_KINDS = ("integer", "floating", "boolean", "decimal", "null")


class ColumnarSource:
    """An input read as Arrow record batches."""

    def __init__(
        self, path: str, fmt: str, schema: Any, batches: Callable[[list[str]], Iterator[Any]]
    ) -> None:
        self.path, self.format = path, fmt
        self.schema = schema
        self.names: list[str] = list(schema.names)
        self._batches = batches
        self.rows_read = 0
        self.total_rows: int | None = None

    def progress(self) -> tuple[int, int | None]:
        """(rows read, rows in all or None when unknown)."""
        return self.rows_read, self.total_rows

    def chunks(self, positions: list[int], numeric: set[int]) -> Iterator[list[Any]]:
        import pyarrow as pa

        for p in positions:
            if p in numeric:
                _check_numeric(self.path, self.names[p], self.schema.field(p).type)
        wanted = [self.names[p] for p in positions]
        try:
            for batch in self._batches(sorted(set(wanted), key=wanted.index)):
                self.rows_read += batch.num_rows
                yield [
                    column_to_numpy(batch.column(name), p in numeric)
                    for name, p in zip(wanted, positions, strict=True)
                ]
        except (pa.ArrowInvalid, OSError) as exc:
            raise _unreadable(self.path, self.format, exc, "data") from None


def _unreadable(path: str, fmt: str, exc: Exception, what: str) -> InputError:
    """The reader's complaint; for a JSON Lines file, the first line that is not JSON
    (pyarrow's own row numbers count from 0 within a block)."""
    if fmt == "jsonl" and os.path.isfile(path):
        found = _first_bad_json_line(path)
        if found is not None:
            line, problem = found
            return InputError(f"{path}: row {line} is not a JSON object: {problem}", "fix that line")
    return InputError(
        f"{path}: {'not a readable' if what == 'file' else 'unreadable'} {fmt} {what}: {first_line(exc)}"
    )


def _first_bad_json_line(path: str) -> tuple[int, str] | None:
    """(1-based line number, json's message) of the first non-blank line that is not a JSON object."""
    import json

    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                return number, str(exc).split(": line")[0]
            if not isinstance(value, dict):
                return number, f"found {type(value).__name__}"
    return None


def _check_numeric(path: str, name: str, dtype: Any) -> None:
    import pyarrow.types as t

    if not any(getattr(t, f"is_{kind}")(dtype) for kind in NUMERIC_KINDS):
        raise DataError(f"{path}: column '{name}' holds {dtype}, not numbers", "pick a numeric column")


def open_columnar(options: InputOptions, fmt: str, where: Any) -> ColumnarSource:
    """Open Parquet/IPC/JSONL at ``where`` (a path, a glob, or a pyarrow buffer)."""
    import pyarrow as pa

    path = options.path if isinstance(where, str) else "<stdin>"
    try:
        if fmt == "parquet":
            return _parquet(path, where, options.chunk_rows)
        if fmt == "arrow":
            return _ipc(path, where)
        if fmt == "jsonl":
            return _jsonl(path, where)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise _unreadable(path, fmt, exc, "file") from None
    raise InputError(f"{path}: unsupported format '{fmt}'")


def _parquet(path: str, where: Any, chunk_rows: int) -> ColumnarSource:
    import pyarrow.parquet as pq

    if isinstance(where, str) and (os.path.isdir(where) or any(c in where for c in "*?[")):
        return _parquet_dataset(path, where, chunk_rows)
    mapped = _mapped(where) if isinstance(where, str) else None
    pf = pq.ParquetFile(where if mapped is None else _reader(mapped))
    source = ColumnarSource(
        path,
        "parquet",
        pf.schema_arrow,
        lambda cols: prefetch(_row_groups(pf, cols, chunk_rows, mapped), depth=1),
    )
    source.total_rows = pf.metadata.num_rows
    return source


def _mapped(path: str) -> Any:
    """The file at ``path`` memory-mapped (read-only), or None when it cannot be (empty,
    not a regular file): decoding then reads pages in place instead of copying them."""
    import mmap

    try:
        with open(path, "rb") as file:
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def _reader(mapped: Any) -> Any:
    import pyarrow as pa

    return pa.BufferReader(pa.py_buffer(mapped))


def _row_groups(pf: Any, columns: list[str], chunk_rows: int, mapped: Any = None) -> Iterator[Any]:
    """Row groups decoded on all cores, one at a time; a group larger than
    ``chunk_rows`` is read in batches of that size so memory stays bounded. After each
    group the mapped file's pages are dropped from this process (they stay in the page
    cache and fault back in if touched again), so RSS does not grow with the file."""
    import mmap

    meta = pf.metadata
    for i in range(meta.num_row_groups):
        if meta.row_group(i).num_rows <= chunk_rows:
            yield from pf.read_row_group(i, columns=columns, use_threads=True).to_batches()
        else:
            yield from pf.iter_batches(batch_size=chunk_rows, row_groups=[i], columns=columns)
        if mapped is not None:
            mapped.madvise(mmap.MADV_DONTNEED)


def _parquet_dataset(path: str, where: str, chunk_rows: int) -> ColumnarSource:
    import pyarrow.dataset as ds

    files = sorted(glob.glob(where)) if not os.path.isdir(where) else where
    if isinstance(files, list) and not files:
        raise InputError(f"{path}: no files match")
    dataset = ds.dataset(files, format="parquet")
    return ColumnarSource(
        path, "parquet", dataset.schema, lambda cols: dataset.to_batches(columns=cols, batch_size=chunk_rows)
    )


def _ipc(path: str, where: Any) -> ColumnarSource:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    source = pa.memory_map(where) if isinstance(where, str) else where
    try:
        reader: Any = ipc.open_file(source)
        batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
        schema = reader.schema
    except pa.ArrowInvalid:
        source.seek(0)
        reader = ipc.open_stream(source)
        batches, schema = iter(reader), reader.schema

    def select(cols: list[str]) -> Iterator[Any]:
        for batch in batches:
            yield batch.select(cols)

    return ColumnarSource(path, "arrow", schema, select)


def _jsonl(path: str, where: Any) -> ColumnarSource:
    import pyarrow as pa
    import pyarrow.json as pj

    data = where.read() if not isinstance(where, str) else None

    def open_reader(schema: Any = None) -> Any:
        parse = (
            pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore") if schema else None
        )
        src = pa.BufferReader(data) if data is not None else where
        return pj.open_json(src, read_options=pj.ReadOptions(block_size=BLOCK_BYTES), parse_options=parse)

    schema = open_reader().schema

    def batches(cols: list[str]) -> Iterator[Any]:
        fields = [
            pa.field(c, pa.float64()) if _is_number(schema.field(c).type) else schema.field(c) for c in cols
        ]
        yield from open_reader(pa.schema(fields))

    return ColumnarSource(path, "jsonl", schema, batches)


def _is_number(dtype: Any) -> bool:
    import pyarrow.types as t

    return bool(t.is_integer(dtype) or t.is_floating(dtype) or t.is_null(dtype))
