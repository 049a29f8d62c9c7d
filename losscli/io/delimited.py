"""CSV/TSV (optionally compressed, or from stdin) through pyarrow's streaming CSV reader.

The header is read by us from the first line (so duplicate or odd names are
kept verbatim and columns get internal positional names); pyarrow then parses
only the used columns, numeric ones straight to float64.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Iterator
from typing import Any

from losscli.errors import DataError, InputError, first_line
from losscli.io import problems
from losscli.io.arrow_numpy import column_to_numpy
from losscli.io.detect import sniff_delimiter
from losscli.io.prefetch import prefetch
from losscli.io.source import InputOptions

PREFIX_BYTES = 1 << 16
HEADER_LIMIT = 1 << 20


class _Chained(io.RawIOBase):
    """Bytes already read (``prefix``), then the rest of ``stream``."""

    def __init__(self, prefix: bytes, stream: Any) -> None:
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
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class DelimitedSource:
    """A delimited text input whose header has been read."""

    def __init__(
        self, options: InputOptions, fmt: str, names: list[str], delimiter: str, stream: Any, skip: int = 0
    ) -> None:
        self.path = "<stdin>" if options.path == "-" else options.path
        self.format = fmt
        self.names = names
        self.options = options
        self.delimiter = delimiter
        self._stream = stream
        self.skip = skip  # bytes of the header record (with any quoted line ends), read past
        self.bytes_read = 0
        self.rereadable = options.path != "-" and os.path.isfile(options.path)  # not a pipe
        compressed = not self.rereadable or _is_compressed(options.path)
        self.total_bytes = None if compressed else os.path.getsize(options.path)

    def progress(self) -> tuple[int, int | None]:
        """(bytes read, file size or None when unknown)."""
        return self.bytes_read, self.total_bytes

    @classmethod
    def from_path(cls, options: InputOptions, fmt: str, compression: str | None) -> DelimitedSource:
        import pyarrow as pa

        def reopen() -> Any:
            return pa.input_stream(options.path, compression=compression)

        try:
            prefix = _read_prefix(reopen())
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{options.path}: cannot read: {first_line(exc)}") from None
        names, delimiter, skip = _header(options, fmt, prefix, options.path)
        return cls(options, fmt, names, delimiter, reopen, skip)

    @classmethod
    def from_stdin(
        cls, options: InputOptions, fmt: str | None, codec: str | None, stream: Any = None
    ) -> DelimitedSource:
        """Standard input, or a named pipe (``stream``): read once, front to back."""
        import pyarrow as pa

        raw: Any = sys.stdin.buffer if stream is None else stream
        if codec in ("gzip", "zstd", "bz2"):
            raw = pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), codec)
        prefix = _read_prefix(raw)
        names, delimiter, skip = _header(
            options, fmt, prefix, "<stdin>" if options.path == "-" else options.path
        )
        chained = _Chained(prefix, raw)
        fmt = fmt or ("tsv" if delimiter == "\t" else "csv")
        return cls(options, fmt, names, delimiter, lambda: chained, skip)

    def chunks(self, positions: list[int], numeric: set[int]) -> Iterator[list[Any]]:
        """Chunks of the used columns. Byte-compatible encodings (UTF-8, Latin-1, …) are
        cut into blocks at line ends and each block parsed by pyarrow on all cores;
        others stream through pyarrow's one-core reader."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        internal = [f"c{i}" for i in range(len(self.names))]
        wanted = [internal[p] for p in positions]
        parse = pacsv.ParseOptions(delimiter=self.delimiter)
        types = {internal[p]: pa.float64() for p in positions if p in numeric}
        convert = pacsv.ConvertOptions(include_columns=wanted, column_types=types)
        rows = 0
        try:
            for table in self._tables(internal, parse, convert):
                rows += table.num_rows
                if table.num_rows:
                    yield [
                        column_to_numpy(table.column(i), positions[i] in numeric) for i in range(len(wanted))
                    ]
        except pa.ArrowInvalid as exc:
            raise self._explain(exc, positions, numeric, rows) from None

    def _tables(self, internal: list[str], parse: Any, convert: Any) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        encoding = self.options.encoding.replace("_", "-").lower()
        if not _line_safe(encoding):
            read = pacsv.ReadOptions(
                column_names=internal,
                skip_rows=1 if self.options.header else 0,
                block_size=min(self.options.block_bytes, 1 << 22),
                encoding=self.options.encoding,
            )
            yield from pacsv.open_csv(
                self._stream(), read_options=read, parse_options=parse, convert_options=convert
            )
            return
        block = max(self.options.block_bytes // 8, 1 << 16)
        read = pacsv.ReadOptions(
            column_names=internal, use_threads=True, block_size=block, encoding=self.options.encoding
        )
        if self.total_bytes:  # a plain file: blocks are slices of a memory map, no copies
            blocks = _mapped_blocks(self.options.path, self.options.block_bytes, self.skip)
        else:
            blocks = prefetch(_line_blocks(self._stream(), self.options.block_bytes, self.skip))
        strict = _strict(convert)

        def parsed() -> Iterator[Any]:
            for data in blocks:
                self.bytes_read += data.size
                try:  # clean blocks skip the null-marker checks; others are parsed again with them
                    yield pacsv.read_csv(data, read_options=read, parse_options=parse, convert_options=strict)
                except pa.ArrowInvalid:
                    yield pacsv.read_csv(
                        data, read_options=read, parse_options=parse, convert_options=convert
                    )

        yield from prefetch(parsed(), depth=1)  # the next block parses while this one is computed

    def _explain(self, exc: Exception, positions: list[int], numeric: set[int], rows: int) -> Exception:
        located = None
        if self.rereadable:
            located = problems.locate(self, positions, numeric)
        if located is not None:
            return located
        return DataError(f"{self.path}: unreadable data after row {rows}: {first_line(exc)}")


def _is_compressed(path: str) -> bool:
    return path.lower().endswith((".gz", ".gzip", ".zst", ".zstd", ".bz2"))


def _line_safe(encoding: str) -> bool:
    """Encodings in which byte 0x0A is always a line end (so blocks can be cut there)."""
    return encoding in ("utf-8", "utf8", "utf-8-sig", "ascii", "latin-1", "latin1", "iso-8859-1", "cp1252")


def _strict(convert: Any) -> Any:
    """``convert`` without null markers when every column is read as float64: numbers
    parse faster, and a block with an empty cell or ``NA`` fails and is parsed again
    with the markers (same result). Columns whose type pyarrow infers keep ``convert``."""
    import pyarrow.csv as pacsv

    if set(convert.include_columns) != set(convert.column_types):
        return convert
    return pacsv.ConvertOptions(
        include_columns=convert.include_columns,
        column_types=convert.column_types,
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )


def _mapped_blocks(path: str, size: int, skip: int) -> Iterator[Any]:
    """Zero-copy slices of about ``size`` bytes of the memory-mapped file at ``path``,
    each ending at a line end (the last may not), from byte ``skip`` (past the header)."""
    import mmap

    import pyarrow as pa

    with open(path, "rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    whole = pa.py_buffer(mapped)
    end = len(mapped)
    start = skip
    released = 0
    while start < end:
        stop = end if start + size >= end else mapped.rfind(b"\n", start, start + size) + 1
        if stop <= start:  # a line longer than the block: extend to its end
            found = mapped.find(b"\n", start + size)
            stop = end if found < 0 else found + 1
        yield whole.slice(start, stop - start)
        done = stop - stop % mmap.PAGESIZE
        if done > released:  # parsed: drop the pages from this process (RSS stays bounded)
            mapped.madvise(mmap.MADV_DONTNEED, released, done - released)
            released = done
        start = stop


def _line_blocks(stream: Any, size: int, skip: int) -> Iterator[Any]:
    """Buffers of about ``size`` bytes that end at a line end (the last may not), after
    the first ``skip`` bytes (the header)."""
    import pyarrow as pa

    while skip > 0:
        data = stream.read(min(skip, size))
        if not data:
            return
        skip -= len(data)
    carry = b""
    while True:
        data = stream.read(size)
        if not data:
            break
        if carry:
            data = carry + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:  # no line end yet: keep reading
            carry = data
            continue
        block, carry = data[:cut], data[cut:]
        if block:
            yield pa.py_buffer(block)
    if carry:
        yield pa.py_buffer(carry)


def _read_prefix(stream: Any) -> bytes:
    """Bytes up to and including the header record's line end (a quoted name may hold
    line ends), or everything if shorter; at most ~1 MiB is searched for it."""
    buf = b""
    while _header_end(buf) is None and len(buf) < HEADER_LIMIT:
        block = stream.read(PREFIX_BYTES)
        if not block:
            break
        buf += block
    return buf


def _header_end(data: bytes) -> int | None:
    """Index just past the first line end outside double quotes, or None."""
    start = quotes = 0
    while (i := data.find(b"\n", start)) >= 0:
        quotes += data.count(b'"', start, i)
        if quotes % 2 == 0:
            return i + 1
        start = i + 1
    return None


def _header(options: InputOptions, fmt: str | None, prefix: bytes, where: str) -> tuple[list[str], str, int]:
    """Column names, the delimiter, and the header's length in bytes (0 with --no-header)."""
    if not prefix.strip():
        raise DataError(f"{where}: no rows: the input is empty")
    end = _header_end(prefix)
    if end is None:  # one line, no line end; or an unclosed quote: fall back to the first line
        cut = prefix.find(b"\n")
        end = len(prefix) if cut < 0 else cut + 1
    try:
        first = prefix[:end].decode(_python_encoding(options.encoding))
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(
            f"{where}: the header is not valid {options.encoding}: {exc}", "use --encoding"
        ) from None
    first = first.lstrip("\ufeff").removesuffix("\n").removesuffix("\r")
    if "\r" in first and b"\n" not in prefix:
        raise InputError(
            f"{where}: lines end in a bare CR (classic Mac line ends), which losscli does not read",
            "convert them first, e.g. tr '\\r' '\\n' < in.csv > out.csv",
        )
    delimiter = (
        options.delimiter or {"tsv": "\t"}.get(fmt or "") or (sniff_delimiter(first) if fmt is None else ",")
    )
    try:
        fields = next(csv.reader(io.StringIO(first, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise InputError(f"{where}: cannot read the header line: {exc}") from None
    if options.header:
        return fields, delimiter, end
    return [str(i + 1) for i in range(len(fields))], delimiter, 0


def _python_encoding(name: str) -> str:
    return "utf-8-sig" if name.replace("_", "-").lower() in ("utf-8", "utf8") else name
