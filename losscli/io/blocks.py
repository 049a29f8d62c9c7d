"""Delimited text as bounded blocks of UTF-8 that end at line ends.

Every byte of delimited input (plain or compressed files, named pipes, stdin)
passes through here, so three guarantees hold for all of it:

- A file is read with ``readinto``, never through a memory map, so a file that
  shrinks while it is read cannot fault the process; ``Watched`` compares its
  size after every read with the size it had when opened, and a shorter file is
  an InputError ("shrank while it was read").
- Text in an encoding other than UTF-8/ASCII is decoded incrementally and
  re-encoded as UTF-8 (``Transcoded``); a UTF-16/32 byte-order mark picks its
  codec (``text_encoding``). The header reader, the block cutter and pyarrow
  see UTF-8 only.
- Blocks end at a record's line end: a quoted value may hold line ends (RFC 4180),
  so a line end counts only with an even number of double quotes before it
  (``_record_end``); a block holding a quote is parsed with pyarrow's
  ``newlines_in_values``.
- No line is held past a limit (``line_limit``, 256 MiB unless
  ``LOSSCLI_MAX_LINE_BYTES`` says otherwise): ``line_blocks`` and
  ``read_header`` grow a buffer to hold a long line up to the limit and raise
  ``LineTooLong`` past it, so memory stays bounded whatever the input.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sys
from collections.abc import Iterator
from typing import IO, Any

from losscli.errors import InputError, UsageError
from losscli.options import spelled

MAX_LINE_BYTES = 256 << 20
LIMIT_CEILING = 1 << 30  # pyarrow's block size is an int32; leave room for the rest of the block
LIMIT_ENV = "LOSSCLI_MAX_LINE_BYTES"
PREFIX_BYTES = 1 << 16
TRANSCODE_BYTES = 1 << 20
PASS_THROUGH = ("utf-8", "utf-8-sig", "ascii")  # read by pyarrow as they are (ASCII is UTF-8)
BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "le"),
    (b"\x00\x00\xfe\xff", "utf-32", "be"),
    (b"\xff\xfe", "utf-16", "le"),
    (b"\xfe\xff", "utf-16", "be"),
)
_SIZE = re.compile(r"^(\d+)\s*([kmg]?)(i?b)?$", re.I)


class LineTooLong(Exception):
    """A line longer than ``limit`` bytes; the reader that knows the row number words it."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a line is longer than {limit} bytes")
        self.limit = limit


def line_limit(configured: int | None = None) -> int:
    """The longest line (in bytes) a delimited reader holds: ``configured``, else
    ``$LOSSCLI_MAX_LINE_BYTES`` (bytes, or a number with K, M or G), else 256 MiB."""
    if configured is not None:
        return configured
    text = os.environ.get(LIMIT_ENV, "").strip()
    if not text:
        return MAX_LINE_BYTES
    match = _SIZE.match(text)
    value = int(match[1]) << {"": 0, "k": 10, "m": 20, "g": 30}[match[2].lower()] if match else 0
    if not 1 <= value <= LIMIT_CEILING:
        raise UsageError(
            f"{LIMIT_ENV}={text[:40]!r} is not a size from 1 byte to 1G",
            "give bytes, or a number with K, M or G, e.g. 512M",
        )
    return value


def size_text(n: int) -> str:
    """``268435456`` → ``256 MiB``; sizes that are not whole KiB/MiB/GiB in bytes."""
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n:,} bytes"


def limit_hint(limit: int) -> str:
    bigger = size_text(min(LIMIT_CEILING, max(limit * 4, 1 << 20)))
    return (
        f"check that the input has line ends; a longer line needs {LIMIT_ENV} "
        f"(e.g. {LIMIT_ENV}={bigger.replace(' ', '').removesuffix('iB')}, at most 1G)"
    )


# ------------------------------------------------------------------ streams ----


def stdin_bytes() -> IO[bytes]:
    """Standard input as a buffered reader of losscli's own, over the same descriptor.

    Never ``sys.stdin.buffer``: a reader thread (``io.prefetch``) may be blocked in a
    read of it, holding its lock, when a signal or a closed stdout ends the run; the
    interpreter then closes ``sys.stdin`` as it exits, cannot take that lock, and aborts
    ("Fatal Python error: _enter_buffered_busy", exit 134). Nothing else holds this
    reader, so the exit never touches it (``closefd=False``: descriptor 0 stays open).
    A stdin with no descriptor (replaced in a notebook or a test runner) is used as it is."""
    try:
        descriptor = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
        return sys.stdin.buffer
    return open(descriptor, "rb", closefd=False)


class Watched(io.RawIOBase):
    """A regular file read front to back with ``readinto`` (no memory map). After every
    read its size is compared with the size at opening: smaller is an InputError."""

    def __init__(self, path: str, where: str, size: int | None = None) -> None:
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._where = where
        now = os.fstat(self._file.fileno()).st_size
        self.size = now if size is None else size  # reopened: the size when first opened
        self.position = 0
        self._check(now)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._file.readinto(buffer) or 0
        self.position += n
        self._check(os.fstat(self._file.fileno()).st_size, ended=n == 0)
        return n

    def _check(self, now: int, ended: bool = False) -> None:
        if now < self.size or (ended and self.position < self.size):
            raise InputError(
                f"{self._where}: the file shrank while it was read ({self.size:,} → {now:,} bytes)",
                "do not change the input while losscli reads it (write a new file, then rename it)",
            )

    def skip(self, count: int) -> None:
        """Move past the first ``count`` bytes (the header) without reading them."""
        self.position = self._file.seek(count)

    def close(self) -> None:
        self._file.close()
        super().close()


class Chained(io.RawIOBase):
    """Bytes already read (``prefix``), then the rest of ``stream``."""

    def __init__(self, prefix: bytes | bytearray | memoryview, stream: Any) -> None:
        self._prefix = memoryview(prefix)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix.nbytes:
            n = min(len(buffer), self._prefix.nbytes)
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        return int(self._stream.readinto(buffer) or 0)


class Transcoded(io.RawIOBase):
    """``stream``'s text in ``encoding``, decoded incrementally and given out as UTF-8."""

    def __init__(self, stream: Any, encoding: str, where: str) -> None:
        self._stream = stream
        self._encoding = encoding
        self._where = where
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._pending = memoryview(b"")
        self._offset = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending.nbytes and not self._ended:
            data = self._stream.read(TRANSCODE_BYTES)
            self._ended = not data
            try:
                text = self._decoder.decode(data, final=self._ended)
            except UnicodeError as exc:  # UnicodeDecodeError, or a codec's own complaint
                at = self._offset + max(exc.start, 0) if isinstance(exc, UnicodeDecodeError) else self._offset
                reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
                raise InputError(
                    f"{self._where}: bytes that are not valid {self._encoding} (at byte {at:,}: {reason})",
                    f"give the file's encoding with {spelled('encoding')} (e.g. utf-8, latin-1, utf-16-le)",
                ) from None
            self._offset += len(data)
            self._pending = memoryview(text.encode("utf-8"))
        n = min(len(buffer), self._pending.nbytes)
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def read_some(stream: Any, count: int) -> bytes:
    """Up to ``count`` bytes (fewer only at the end of the input)."""
    buffer = bytearray(count)
    return bytes(buffer[: _fill(stream, memoryview(buffer))])


def skip_bytes(stream: Any, count: int) -> None:
    """Read past ``count`` bytes of ``stream`` in bounded pieces."""
    if isinstance(stream, Watched):
        stream.skip(count)
        return
    while count > 0:
        data = stream.read(min(count, 1 << 20))
        if not data:
            return
        count -= len(data)


# ----------------------------------------------------------------- encoding ----


def text_encoding(given: str, head: bytes, where: str) -> str:
    """The codec to read text with: ``given`` (as Python names it), unless the input
    starts with a UTF-16/32 byte-order mark and ``given`` is UTF-8 (the default): then
    the mark's codec. A mark that contradicts ``given``'s byte order is an InputError."""
    try:
        name = codecs.lookup(given).name
    except LookupError:
        raise InputError(
            f"unknown encoding '{given[:40]}'", "use a Python codec name, e.g. utf-8, latin-1, utf-16"
        ) from None
    mark = next(((codec, order) for bom, codec, order in BOMS if head.startswith(bom)), None)
    if mark is None:
        return _byte_order(name, given, head, where) if name in ("utf-16", "utf-32") else name
    codec, order = mark
    if name in ("utf-8", "utf-8-sig"):
        return codec
    other = "be" if order == "le" else "le"
    if name == f"{codec}-{other}":
        raise InputError(
            f"{where}: the input starts with a {codec.upper()} {order.upper()} byte-order mark, "
            f"but {spelled('encoding')} says {given}",
            f"use {spelled('encoding', codec)} (the mark gives the byte order)",
        )
    return name


def _byte_order(name: str, given: str, head: bytes, where: str) -> str:
    """``utf-16``/``utf-32`` without a byte-order mark (Python's codec needs one): the
    byte order the NUL bytes of ASCII text show, else an InputError asking for it."""
    guess = nul_guess(head)
    if guess is not None and guess.startswith(name + "-"):
        return guess
    raise InputError(
        f"{where}: the input has no byte-order mark, so --encoding {given[:40]} cannot tell the byte order",
        f"give it: --encoding {name}-le (Windows, most files) or --encoding {name}-be",
    )


def python_encoding(name: str) -> str:
    """The codec to decode ``name`` text with in Python (UTF-8 drops a byte-order mark)."""
    return "utf-8-sig" if name in ("utf-8", "utf8") else name


def nul_guess(head: bytes) -> str | None:
    """The UTF-16/32 codec whose pattern of NUL bytes ``head`` shows (ASCII text), or None."""
    if len(head) >= 4 and head[0] and head[1:4] == b"\0\0\0":
        return "utf-32-le"
    if len(head) >= 4 and head[:3] == b"\0\0\0" and head[3]:
        return "utf-32-be"
    if len(head) >= 2 and head[0] and not head[1]:
        return "utf-16-le"
    if len(head) >= 2 and not head[0] and head[1]:
        return "utf-16-be"
    return None


# ------------------------------------------------------------------- blocks ----


def read_header(stream: Any, limit: int) -> tuple[bytearray, int | None]:
    """The first bytes of ``stream``: at least through the header record's line end (the
    first line end outside double quotes), whose index (just past it) is returned too;
    None when the input ends first, or when quotes stay open past ``limit`` bytes (the
    caller falls back to the first line). A first line longer than ``limit`` is LineTooLong."""
    data = bytearray()
    scan = quotes = 0
    want = PREFIX_BYTES
    while True:
        block = stream.read(want)
        if block:
            data += block
        while (i := data.find(b"\n", scan)) >= 0:
            quotes += data.count(b'"', scan, i)
            scan = i + 1
            if quotes % 2 == 0:
                if i > limit:
                    raise LineTooLong(limit)
                return data, scan
        if not block:
            return data, None
        if len(data) > limit:
            if scan == 0:
                raise LineTooLong(limit)
            return data, None
        want = min(max(PREFIX_BYTES, len(data)), limit + 1 - len(data))


def line_blocks(stream: Any, size: int, limit: int, delimiter: str = ",") -> Iterator[Any]:
    """pyarrow buffers of about ``size`` bytes of ``stream``, each ending at a record's
    line end (the last may not): a line end inside a quoted value does not end a record
    (:func:`_record_end`). A record longer than ``size`` gets a block of its own, grown to
    hold it; one longer than ``limit`` is LineTooLong. Each buffer is fresh memory from
    pyarrow's pool (the previous one may still be parsed on another thread)."""
    import pyarrow as pa

    size = max(1, min(size, limit))
    carry = memoryview(b"")
    want = size
    while True:
        kept = carry.nbytes
        buffer = pa.allocate_buffer(kept + want)
        view = memoryview(buffer).cast("B")
        view[:kept] = carry
        end = kept + _fill(stream, view[kept:])
        if end == kept:  # the input ended
            if kept:
                yield buffer.slice(0, end)
            return
        if kept and _find_newline(view, kept, end) > limit:  # the carried line ended here, too long
            raise LineTooLong(limit)
        cut = _record_end(view, kept, end, delimiter.encode())
        if cut == 0:  # no line end yet: read on, at most to just past the limit
            if end > limit:
                raise LineTooLong(limit)
            carry, want = view[:end], min(max(size, end), limit + 1 - end)
            continue
        yield buffer.slice(0, cut)
        carry, want = view[cut:end], size


def _record_end(view: memoryview, kept: int, end: int, delimiter: bytes = b",") -> int:
    """Index just past the last line end in ``view[kept:end]`` that ends a record, 0 if
    there is none yet. ``view`` starts at a record's start, so a line end ends a record
    when the double quotes before it are even in number (RFC 4180: a quoted value may
    hold line ends; ``""`` inside it counts two). When no line end is outside quotes:

    - the quotes are even in number (the record's line end has not come yet), or a
      value is open (the last quote with an even count before it that is not the second
      of a ``""`` starts a field): 0, read on, as for a long line, up to the limit;
    - else (a stray ``"`` inside an unquoted cell, ``12" pizza``, which pyarrow reads as
      text): the last line end, as for text without quotes."""
    if not _has_quote(view, end):
        return _rfind_newline(view, kept, end) + 1
    data = view[:end].tobytes()
    total = data.count(b'"')
    hi, even = end, total % 2 == 0
    while hi > kept:  # from quote to quote backwards: the line ends between two have one parity
        quote = data.rfind(b'"', 0, hi)
        if even and (found := data.rfind(b"\n", max(quote + 1, kept), hi)) >= 0:
            return found + 1
        if quote < 0:
            break
        hi, even = quote, not even
    if total % 2 == 0 or _value_open(data, total, delimiter):
        return 0  # the record (or the quoted value) goes on past the block
    return data.rfind(b"\n", kept, end) + 1


def ends_in_quoted_value(data: bytes, delimiter: str = ",") -> bool:
    """Whether ``data``, which starts at a record's start, ends inside a quoted value
    (an odd number of quotes, the last value's opening quote starting a field)."""
    total = data.count(b'"')
    return total % 2 == 1 and _value_open(data, total, delimiter.encode())


def _value_open(data: bytes, total: int, delimiter: bytes) -> bool:
    """Whether ``data`` (``total`` quotes, an odd number) ends inside a quoted value."""
    at, count = len(data), total
    while (at := data.rfind(b'"', 0, at)) >= 0:
        count -= 1  # the quotes before this one
        if count % 2 == 0:
            before = data[at - 1 : at]
            if before != b'"':  # not the second of a ""
                return at == 0 or before in (delimiter, b"\n", b"\r")
    return False


def has_quote(buffer: Any) -> bool:
    """Whether a block (a pyarrow buffer) holds a double quote: then a value may hold a
    line end, and pyarrow must parse it with ``newlines_in_values``."""
    view = memoryview(buffer).cast("B")
    return _has_quote(view, view.nbytes)


def _has_quote(view: memoryview, end: int) -> bool:
    window = 1 << 20
    return any(b'"' in view[start : min(end, start + window)].tobytes() for start in range(0, end, window))


def _find_newline(view: memoryview, start: int, end: int) -> int:
    """Index of the first b"\n" in ``view[start:end]`` (searched in growing windows), or -1."""
    window = 1 << 12
    while start < end:
        stop = min(end, start + window)
        found = bytes(view[start:stop]).find(b"\n")
        if found >= 0:
            return start + found
        start, window = stop, window * 2
    return -1


def _rfind_newline(view: memoryview, start: int, end: int) -> int:
    """Index of the last b"\n" in ``view[start:end]`` (searched back in growing windows), or -1."""
    window = 1 << 12
    while end > start:
        lo = max(start, end - window)
        found = bytes(view[lo:end]).rfind(b"\n")
        if found >= 0:
            return lo + found
        end, window = lo, window * 2
    return -1


def _fill(stream: Any, view: memoryview) -> int:
    """Read into ``view`` until it is full or the input ends; the bytes read."""
    got = 0
    while got < view.nbytes:
        n = stream.readinto(view[got:])
        if not n:
            break
        got += n
    return got
