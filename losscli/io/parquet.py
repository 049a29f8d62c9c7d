"""Parquet: one file, a directory (recursively, Hive ``key=value`` folders), or a glob.

Files are read with pread (never a memory map: a file truncated under a mapping kills
the process with SIGBUS). Row groups are decoded on all cores, one at a time. In a
directory every file is checked for the used columns and their types before it is
read: a file that lacks one, or holds a list where numbers are needed, is an error
naming that file. Hive folder names (``x=1/a.parquet``) become columns (usable with
``--by``); their values are whole numbers when every folder's value is one, else text.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from losscli.errors import ColumnError, InputError, first_line
from losscli.io.arrow_numpy import check_numeric
from losscli.io.columnar import ColumnarSource, open_columnar
from losscli.io.formats import DATASET, INPUT_FORMATS
from losscli.io.paths import OpenedFiles, is_glob
from losscli.io.types import InputOptions, Where

SUFFIXES = INPUT_FORMATS[DATASET].extensions  # Parquet is the format a directory or glob is read as


def _hidden(name: str) -> bool:
    """Names writers use for bookkeeping (``_SUCCESS``, ``.part.crc``, ``_metadata``)."""
    return name.startswith((".", "_"))


def _walk(folder: str) -> list[str]:
    """Every non-hidden file under ``folder`` (symlinked folders are not followed), sorted."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=None):
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        found.extend(os.path.join(root, f) for f in sorted(files) if not _hidden(f))
    return found


def has_parquet_files(folder: str) -> bool:
    """A directory with a ``.parquet``/``.pq`` file somewhere under it."""
    return any(f.endswith(SUFFIXES) for f in _walk(folder))


def dataset_files(path: str) -> list[tuple[str, dict[str, str]]]:
    """The files of a directory or glob, each with its Hive partition values (``x=1``)."""
    if is_glob(path):
        files = sorted(f for f in glob.glob(path, recursive=True) if os.path.isfile(f))
        if not files:
            raise InputError(f"{path}: no files match", "check the pattern (quote it so the shell leaves it)")
        return [(f, {}) for f in files]
    files = _walk(path)
    parquet = [f for f in files if f.endswith(SUFFIXES)]
    if not (parquet or files):
        raise InputError(f"{path}: the directory holds no Parquet files")
    out = []
    for file in parquet or files:
        parts = os.path.relpath(os.path.dirname(file), path).split(os.sep)
        keys = dict(p.split("=", 1) for p in parts if "=" in p and not p.startswith("="))
        out.append((file, {unquote(k): unquote(v) for k, v in keys.items()}))
    return out


def _partition_fields(files: list[tuple[str, dict[str, str]]], names: list[str]) -> dict[str, Any]:
    """Partition key → Arrow type (int64 when every value is a whole number, else string)."""
    import pyarrow as pa

    keys: dict[str, Any] = {}
    for _, values in files:
        for key in values:
            if key not in names:
                keys.setdefault(key, pa.int64())
    for key in keys:
        if not all(_is_int(values.get(key, "")) for _, values in files):
            keys[key] = pa.string()
    return keys


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def open_parquet(options: InputOptions, fmt: str, where: Where, compression: str | None) -> ColumnarSource:
    """A Parquet file, directory or glob at ``where`` (or a pyarrow buffer of a whole file:
    stdin); ``compression`` is not used (Parquet compresses inside the file)."""

    def build(path: str, opened: OpenedFiles) -> ColumnarSource:
        reader = ParquetReader(path, where, options.chunk_rows, opened, options.memory_first)
        source = ColumnarSource(path, fmt, reader.schema, reader.batches, opened)
        source.total_rows = reader.total_rows
        return source

    return open_columnar(options, fmt, build)


class ParquetReader:
    """A Parquet file or dataset: its schema now, its used columns' batches on demand."""

    def __init__(
        self, path: str, where: Any, chunk_rows: int, opened: OpenedFiles, lean: bool = False
    ) -> None:
        import pyarrow.parquet as pq

        self.path, self.chunk_rows, self.lean = path, chunk_rows, lean
        self.opened = opened
        self.total_rows: int | None = None
        self.files: list[tuple[str, dict[str, str]]] = []
        if not isinstance(where, str):  # stdin, buffered
            self._single = pq.ParquetFile(where)
        elif os.path.isdir(where) or is_glob(where):
            self.files = dataset_files(where)
            self._single = None
        else:
            self._single = pq.ParquetFile(self.opened.open(where))
        if self._single is not None:
            schema = self._single.schema_arrow
            self.total_rows = self._single.metadata.num_rows
        else:
            with self._open(self.files[0][0]) as (first, _):
                schema = first.schema_arrow
        self.partitions = _partition_fields(self.files, schema.names)
        for key, dtype in self.partitions.items():
            schema = schema.append(_field(key, dtype))
        self.schema = schema

    @contextmanager
    def _open(self, file: str) -> Iterator[tuple[Any, Any]]:
        """(ParquetFile, the raw file) of one file of a dataset, closed afterwards (a
        directory of thousands of files must not use thousands of descriptors); its
        errors name that file."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        raw = self.opened.open(file)
        try:
            yield pq.ParquetFile(raw), raw
        except (pa.ArrowException, OSError) as exc:
            raise self.opened.shrunk() or InputError(
                f"{file}: unreadable parquet file: {first_line(exc)}"
            ) from None
        finally:
            raw.close()

    def batches(self, columns: list[str], numeric: set[str]) -> Iterator[Any]:
        from losscli.io.prefetch import prefetch

        if self._single is not None:
            return prefetch(_row_groups(self._single, columns, self.chunk_rows, self.lean), depth=1)
        return prefetch(self._dataset(columns, numeric), depth=1)

    def _dataset(self, columns: list[str], numeric: set[str]) -> Iterator[Any]:
        import pyarrow as pa

        stored = [c for c in columns if c not in self.partitions]
        for file, values in self.files:
            with self._open(file) as (pf, _):
                _check_file(file, pf.schema_arrow, stored, numeric, self.files[0][0])
                for batch in _row_groups(pf, stored, self.chunk_rows, self.lean):
                    arrays = [
                        self._constant(name, values, batch.num_rows)
                        if name in self.partitions
                        else batch.column(name)
                        for name in columns
                    ]
                    yield pa.RecordBatch.from_arrays(arrays, names=columns)

    def _constant(self, name: str, values: dict[str, str], rows: int) -> Any:
        """A partition key's value for every row of a file's batch."""
        import numpy as np
        import pyarrow as pa

        from losscli.io.arrow_build import text_scalar, to_arrow

        dtype, text = self.partitions[name], values.get(name)
        if text is None:
            return pa.nulls(rows, dtype)
        if dtype == pa.int64():  # (not pa.scalar/pa.array: they import pandas)
            return to_arrow(np.full(rows, int(text), dtype=np.int64))
        return pa.repeat(text_scalar(text), rows)


def _check_file(file: str, schema: Any, stored: list[str], numeric: set[str], first: str) -> None:
    """Each file of a dataset has the used columns, numbers where numbers are needed."""

    for name in stored:
        if name not in schema.names:
            raise ColumnError(
                f"{file}: no column '{name}' (the first file, {first}, has it)",
                "every file of a Parquet directory needs the used columns",
            )
        if name in numeric:
            check_numeric(file, name, schema.field(name).type)


def _field(name: str, dtype: Any) -> Any:
    import pyarrow as pa

    return pa.field(name, dtype)


def _row_groups(pf: Any, columns: list[str], chunk_rows: int, lean: bool) -> Iterator[Any]:
    """Row groups decoded on all cores, one at a time; a group larger than ``chunk_rows``
    is read in batches of that size so memory stays bounded.

    ``lean`` (memory first): after each group the memory Arrow's pool freed goes back
    to the system; its allocator would keep the decoding buffers of the largest groups
    (~40–65 MB more peak memory). Runs that keep every row (``roc-auc``) and
    ``compare`` (three columns, and no faster for it) read lean
    (``InputOptions.memory_first``);
    other runs keep the buffers for the next group: handing them back and faulting
    fresh pages in again cost a quarter of a 10M-row mse (0.32 → 0.24 s; 168 → 208 MiB)."""
    import pyarrow as pa

    pool = pa.default_memory_pool()
    meta = pf.metadata
    for i in range(meta.num_row_groups):
        if meta.row_group(i).num_rows <= chunk_rows:
            yield from pf.read_row_group(i, columns=columns, use_threads=True).to_batches()
        else:
            yield from pf.iter_batches(batch_size=chunk_rows, row_groups=[i], columns=columns)
        if lean:
            pool.release_unused()
