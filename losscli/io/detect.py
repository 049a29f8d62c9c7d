"""Which format a source is in: by extension, by ``--input-format``, or sniffed from bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass

from losscli.errors import UsageError

FORMATS = ("csv", "tsv", "parquet", "jsonl", "arrow")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
}
COMPRESSION = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2"}
MAGIC = {
    b"PAR1": "parquet",
    b"ARROW1": "arrow",  # an IPC file (Feather v2)
    b"\xff\xff\xff\xff": "arrow",  # an IPC stream: its first message's continuation marker
    b"\x1f\x8b": "gzip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"BZh": "bz2",
}
DELIMITERS = (",", "\t", ";", "|")


@dataclass(frozen=True)
class Detected:
    """A source's format (``None``: sniff from content) and compression codec."""

    format: str | None
    compression: str | None


def detect(path: str, override: str | None = None) -> Detected:
    """Format from ``override`` or the file name (``preds.csv.gz`` → csv, gzip)."""
    if override is not None and override not in FORMATS:
        raise UsageError(f"unknown input format '{override}'", f"use one of {', '.join(FORMATS)}")
    if path == "-":
        return Detected(override, None)
    base, ext = os.path.splitext(path.lower())
    compression = COMPRESSION.get(ext)
    if compression:
        ext = os.path.splitext(base)[1]
    fmt = override or EXTENSIONS.get(ext)
    return Detected(fmt, compression)


def sniff_magic(prefix: bytes) -> str | None:
    """'parquet', 'arrow', or a compression codec named by the leading bytes; else None."""
    for magic, kind in MAGIC.items():
        if prefix.startswith(magic):
            return kind
    return None


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that occurs most in the header line (',' on a tie or none)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","
