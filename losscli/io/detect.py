"""Which format a source is in: by extension, by ``--input-format``, or sniffed from bytes.

The data (names, extensions, magic numbers, codecs) is :mod:`losscli.io.formats`'s table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from losscli.io import formats

DELIMITERS = (",", "\t", ";", "|")


@dataclass(frozen=True)
class Detected:
    """A source's format (``None``: sniff from content) and compression codec."""

    format: str | None
    compression: str | None


def detect(path: str, override: str | None = None) -> Detected:
    """Format from ``override`` or the file name (``preds.csv.gz`` → csv, gzip)."""
    if override is not None:
        formats.input_format(override)  # an unknown name is a usage error
    if path == "-":
        return Detected(override, None)
    base, ext = os.path.splitext(path.lower())
    compression = formats.COMPRESSION.get(ext)
    if compression:
        ext = os.path.splitext(base)[1]
    named = formats.by_extension(ext)
    return Detected(override or (named.name if named else None), compression)


def sniff_magic(prefix: bytes) -> str | None:
    """The input format or the compression codec named by the leading bytes; else None."""
    found = formats.by_magic(prefix)
    return found[0].name if found is not None else sniff_codec(prefix)


def sniff_codec(prefix: bytes) -> str | None:
    """The compression codec named by the leading bytes; else None."""
    for magic, codec in formats.CODEC_MAGIC.items():
        if prefix.startswith(magic):
            return codec
    return None


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that occurs most in the header line (',' on a tie or none)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","
