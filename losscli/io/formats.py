"""The input formats: one table, format name → how it is recognised and which reader opens it.

Detection (:mod:`losscli.io.detect`), opening (:mod:`losscli.io.source`), the CLI's
``--input-format`` choices and the config's ``input_format`` values all come from
:data:`INPUT_FORMATS`. A reader is named as ``"module:function"`` (a
:class:`~losscli.io.types.Reader`) and imported only when a file of its format is opened;
this module imports no reader, so a reader may import it for its format's data.

To add a format: write its reader (a module with one function of the ``Reader``
signature) and add one :class:`InputFormatSpec` to :data:`INPUT_FORMATS`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import cast

from losscli.errors import UsageError
from losscli.io.types import Reader, UnnamedReader


@dataclass(frozen=True)
class Magic:
    """Leading bytes that identify a format where no name does (stdin, a file without a
    known extension). ``streams`` overrides the format's own for this variant of it."""

    prefix: bytes
    streams: bool | None = None


@dataclass(frozen=True)
class InputFormatSpec:
    """One input format: its name (``--input-format``, ``Source.format``), how it is
    recognised, which reader opens it, and what that reader can do."""

    name: str
    title: str  # as the docs name it
    reader: str  # "module:function", a losscli.io.types.Reader
    extensions: tuple[str, ...]  # lower case, with the dot; before any compression suffix
    magic: tuple[Magic, ...] = ()
    streams: bool = True  # read from a pipe as it arrives; False: buffered whole first (random access)
    delimiter: str | None = None  # delimited text: its field delimiter

    @property
    def delimited(self) -> bool:
        """Delimited text (CSV-like): read by :mod:`losscli.io.delimited`, ``--delimiter`` applies."""
        return self.delimiter is not None

    def open(self) -> Reader:
        """The reader, imported now."""
        return cast(Reader, _load(self.reader))


INPUT_FORMATS: dict[str, InputFormatSpec] = {
    spec.name: spec
    for spec in (
        InputFormatSpec("csv", "CSV", "losscli.io.delimited:open_delimited", (".csv",), delimiter=","),
        InputFormatSpec(
            "tsv", "TSV", "losscli.io.delimited:open_delimited", (".tsv", ".tab"), delimiter="\t"
        ),
        InputFormatSpec(
            "parquet",
            "Parquet",
            "losscli.io.parquet:open_parquet",
            (".parquet", ".pq"),
            magic=(Magic(b"PAR1"),),
            streams=False,
        ),
        InputFormatSpec("jsonl", "JSON Lines", "losscli.io.jsonl:open_jsonl", (".jsonl", ".ndjson")),
        InputFormatSpec(
            "arrow",
            "Arrow IPC/Feather",
            "losscli.io.ipc:open_ipc",
            (".arrow", ".feather", ".ipc"),
            magic=(
                Magic(b"ARROW1"),  # an IPC file (Feather v2): random access, so a pipe is buffered
                Magic(b"\xff\xff\xff\xff", streams=True),  # an IPC stream: its first message's marker
            ),
            streams=False,
        ),
    )
}
FALLBACK = "csv"
"""What a file is read as when neither its name nor its leading bytes say."""
DATASET = "parquet"
"""What a directory, or a glob of files, is read as (one dataset of many files)."""
UNNAMED = "losscli.io.delimited:open_unnamed"
"""The reader of a stream that neither a name nor leading bytes identified (a
:class:`~losscli.io.types.UnnamedReader`: delimited text, its delimiter sniffed)."""

COMPRESSION = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2"}
"""Compression by the file name's last suffix: its codec."""
CODEC_MAGIC = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd", b"BZh": "bz2"}
"""Compression by leading bytes (text from stdin): its codec."""


def input_format(name: str) -> InputFormatSpec:
    """The format named ``name``; UsageError listing them all if none is."""
    spec = INPUT_FORMATS.get(name)
    if spec is None:
        raise UsageError(f"unknown input format '{name}'", f"use one of {', '.join(INPUT_FORMATS)}")
    return spec


def by_extension(ext: str) -> InputFormatSpec | None:
    """The format a file name's suffix (``.csv``, lower case) names, if any."""
    for spec in INPUT_FORMATS.values():
        if ext in spec.extensions:
            return spec
    return None


def by_magic(prefix: bytes) -> tuple[InputFormatSpec, Magic] | None:
    """The format (and which of its magic numbers) ``prefix`` starts with, if any."""
    for spec in INPUT_FORMATS.values():
        for magic in spec.magic:
            if prefix.startswith(magic.prefix):
                return spec, magic
    return None


def delimited_by(delimiter: str) -> InputFormatSpec:
    """The delimited format of text with this delimiter (tab: TSV), else the fallback."""
    for spec in INPUT_FORMATS.values():
        if spec.delimiter == delimiter:
            return spec
    return INPUT_FORMATS[FALLBACK]


def unnamed_reader() -> UnnamedReader:
    """The reader of :data:`UNNAMED`, imported now."""
    return cast(UnnamedReader, _load(UNNAMED))


def _load(ref: str) -> object:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)
