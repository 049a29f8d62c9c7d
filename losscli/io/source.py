"""A source of columns: open any supported input and yield chunks of the used columns.

Every reader yields, per chunk, one NumPy array per requested column position:
float64 for numeric roles (NaN where the value is missing), object arrays for
the rest (ids, groups). Only the requested columns are decoded.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from losscli.errors import InputError
from losscli.io import paths
from losscli.io.detect import detect, sniff_magic

CHUNK_ROWS = 1 << 20
BLOCK_BYTES = 1 << 23


@dataclass(frozen=True)
class InputOptions:
    """How to read one input (SPEC §3)."""

    path: str
    format: str | None = None
    delimiter: str | None = None
    header: bool = True
    encoding: str = "utf-8"
    chunk_rows: int = CHUNK_ROWS
    block_bytes: int = BLOCK_BYTES
    max_line_bytes: int | None = (
        None  # the longest line of delimited text; None: $LOSSCLI_MAX_LINE_BYTES or 256 MiB
    )


class Source(Protocol):
    """An opened input: its column names, and chunks of the columns asked for."""

    path: str
    format: str
    names: list[str]

    def chunks(self, positions: list[int], numeric: set[int]) -> Iterator[list[Any]]: ...


def open_source(options: InputOptions) -> Source:
    """Open ``options.path`` (``-``: stdin) with the reader its format needs."""
    from losscli.io import columnar, delimited

    detected = detect(options.path, options.format)
    fmt = detected.format
    if options.path == "-":
        return _open_stdin(options, fmt)
    _check_readable(options.path, fmt)
    if _is_stream(options.path):  # a named pipe, <(process substitution), /dev/stdin: like '-'
        return _open_stdin(options, fmt, open(options.path, "rb"))
    if fmt is None:
        fmt = _sniff_file(options.path)
    if fmt in ("csv", "tsv"):
        return delimited.DelimitedSource.from_path(options, fmt, detected.compression)
    return columnar.open_columnar(options, fmt, options.path, detected.compression)


def _is_stream(path: str) -> bool:
    """A path that can only be read once, front to back (FIFO, character device)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _open_stdin(options: InputOptions, fmt: str | None, stream: Any = None) -> Source:
    from losscli.io import columnar, delimited

    stream = sys.stdin.buffer if stream is None else stream
    head = stream.peek(8)[:8] if hasattr(stream, "peek") else b""
    kind = sniff_magic(head) if fmt is None or fmt in ("parquet", "arrow") else None
    if kind == "arrow" and not head.startswith(b"ARROW1"):
        return columnar.open_columnar(options, "arrow", stream)  # an IPC stream: read as it comes
    if kind in ("parquet", "arrow") or fmt in ("parquet", "arrow"):
        import pyarrow as pa

        data = stream.read()  # binary formats need random access: buffered (SPEC §8)
        return columnar.open_columnar(options, fmt or str(kind), pa.BufferReader(data))
    if fmt == "jsonl":
        return columnar.open_columnar(options, fmt, stream)
    return delimited.DelimitedSource.from_stdin(options, fmt, kind, stream)


def _check_readable(path: str, fmt: str | None) -> None:
    """An existing path is used as it is spelled (``q[1].parquet``); a Parquet path that
    names nothing and holds glob characters is a pattern. Else the OS's reason, in words."""
    if fmt == "parquet" and paths.is_glob(path):
        return
    from losscli.io.parquet import has_parquet_files

    st = paths.check_exists(path)
    if stat.S_ISDIR(st.st_mode):
        if fmt == "parquet" or has_parquet_files(path):
            return
        raise InputError(f"{path}: is a directory", "give a file, or a directory of Parquet files")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied", "check the permissions of the file and its folders")


def _sniff_file(path: str) -> str:
    """Format of a file whose extension says nothing: magic bytes, else delimited text."""
    if paths.is_glob(path) or os.path.isdir(path):
        return "parquet"
    try:
        with open(path, "rb") as fh:
            kind = sniff_magic(fh.read(8))
    except OSError as exc:
        raise paths.os_error(path, exc) from None
    return kind if kind in ("parquet", "arrow") else "csv"
