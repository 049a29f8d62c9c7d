"""What every reader shares: how to read one input, what an opened input is, and the
signature of a reader. Imports nothing of :mod:`losscli.io`, so every reader, the format
table (:mod:`losscli.io.formats`) and :mod:`losscli.io.source` can import it.

Every reader yields, per chunk, one NumPy array per requested column position:
float64 for numeric roles (NaN where the value is missing), object arrays for
the rest (ids, groups). Only the requested columns are decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol, TypeAlias

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
    memory_first: bool = False  # hand decoding buffers back after each Parquet row group (compare, roc-auc)


class Source(Protocol):
    """An opened input: its column names, and chunks of the columns asked for."""

    path: str
    format: str
    names: list[str]
    named: bool  # False: ``names`` are --no-header's positions 1, 2, …, not the file's own

    def chunks(
        self, positions: list[int], numeric: set[int], text: frozenset[int] = frozenset()
    ) -> Iterator[list[Any]]:
        """The columns at ``positions``, chunk by chunk: ``numeric`` ones as float64;
        ``text`` ones as the text written, where the format has no types of its own
        (a group key ``01`` stays ``01``, in every block); the others as read."""
        ...


Where: TypeAlias = "str | IO[bytes]"
"""Where a reader reads from: a path (a file, a directory or a glob), or a binary stream
(stdin or a named pipe, as it arrives; or a pyarrow buffer holding all of it)."""


class Reader(Protocol):
    """A format's reader, as :mod:`losscli.io.formats` registers it: opens ``where`` as the
    format named ``fmt`` (``compression``: the codec the file name gave, or None)."""

    def __call__(self, options: InputOptions, fmt: str, where: Where, compression: str | None) -> Source: ...


class UnnamedReader(Protocol):
    """Reads a stream that neither a name nor leading bytes identified (it decides, and
    names, the format itself: delimited text whose delimiter it sniffs)."""

    def __call__(self, options: InputOptions, stream: IO[bytes], compression: str | None) -> Source: ...
