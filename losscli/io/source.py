"""A source of columns: open any supported input with the reader its format's entry in
:mod:`losscli.io.formats` names, and yield chunks of the used columns.

The shared types live in :mod:`losscli.io.types` (re-exported here: ``InputOptions``,
``Source``, ``CHUNK_ROWS``, ``BLOCK_BYTES``).
"""

from __future__ import annotations

import os
import stat
from typing import IO

from losscli.errors import InputError
from losscli.io import blocks, formats, paths
from losscli.io.detect import detect, sniff_codec, sniff_magic
from losscli.io.types import BLOCK_BYTES, CHUNK_ROWS, InputOptions, Source

__all__ = ["BLOCK_BYTES", "CHUNK_ROWS", "InputOptions", "Source", "open_source"]


def open_source(options: InputOptions) -> Source:
    """Open ``options.path`` (``-``: stdin) with the reader its format needs."""
    detected = detect(options.path, options.format)
    fmt = detected.format
    if options.path == "-":
        return _open_stream(options, fmt, blocks.stdin_bytes())
    _check_readable(options.path, fmt)
    if _is_stream(options.path):  # a named pipe, <(process substitution), /dev/stdin: like '-'
        return _open_stream(options, fmt, open(options.path, "rb"))
    if fmt is None:
        fmt = _sniff_file(options.path)
    return formats.input_format(fmt).open()(options, fmt, options.path, detected.compression)


def _is_stream(path: str) -> bool:
    """A path that can only be read once, front to back (FIFO, character device)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _open_stream(options: InputOptions, fmt: str | None, stream: IO[bytes]) -> Source:
    """A stream read once: its format named, else sniffed from its leading bytes (magic
    numbers, then a compression codec, then delimited text). A format that needs random
    access (Parquet, an IPC file) is buffered whole first (SPEC §8)."""
    head = stream.peek(8)[:8] if hasattr(stream, "peek") else b""
    spec = formats.input_format(fmt) if fmt is not None else None
    streams = spec.streams if spec is not None else True
    if spec is None or spec.magic:
        found = formats.by_magic(head)
        if found is not None and spec in (None, found[0]):
            spec, magic = found
            streams = spec.streams if magic.streams is None else magic.streams
    if spec is None:
        return formats.unnamed_reader()(options, stream, sniff_codec(head))
    if not streams:
        import pyarrow as pa

        where = "<stdin>" if options.path == "-" else options.path
        stream = pa.BufferReader(_held(stream, where, spec.title))
    return spec.open()(options, spec.name, stream, None)


MAX_HELD_BYTES = 1 << 30  # a random-access format from a pipe is held in memory up to this


def _held(stream: IO[bytes], where: str, title: str) -> bytearray:
    """All of ``stream``, for a format that needs random access (Parquet, an IPC file),
    read in pieces and never past :data:`MAX_HELD_BYTES`: an endless pipe (``/dev/zero``)
    is an InputError, not memory until the OOM killer."""
    held = bytearray()
    while piece := stream.read(min(1 << 24, MAX_HELD_BYTES + 1 - len(held))):
        held += piece
        if len(held) > MAX_HELD_BYTES:
            raise InputError(
                f"{where}: {title} from a pipe is held in memory (it needs random access), "
                f"and this input is over {blocks.size_text(MAX_HELD_BYTES)}",
                "save it to a file and give its path: a file is read in pieces",
            )
    return held  # pyarrow reads it in place (a copy would double the memory)


def _check_readable(path: str, fmt: str | None) -> None:
    """An existing path is used as it is spelled (``q[1].parquet``); a dataset path that
    names nothing and holds glob characters is a pattern. Else the OS's reason, in words."""
    if fmt == formats.DATASET and paths.is_glob(path):
        return
    from losscli.io.parquet import has_parquet_files

    st = paths.check_exists(path)
    if stat.S_ISDIR(st.st_mode):
        if fmt == formats.DATASET or has_parquet_files(path):
            return
        dataset = formats.INPUT_FORMATS[formats.DATASET].title
        raise InputError(f"{path}: is a directory", f"give a file, or a directory of {dataset} files")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied", "check the permissions of the file and its folders")


def _sniff_file(path: str) -> str:
    """Format of a file whose extension says nothing: magic bytes, else the fallback."""
    if paths.is_glob(path) or os.path.isdir(path):
        return formats.DATASET
    try:
        with open(path, "rb") as fh:
            kind = sniff_magic(fh.read(8))
    except OSError as exc:
        raise paths.os_error(path, exc) from None
    return kind if kind in formats.INPUT_FORMATS else formats.FALLBACK
