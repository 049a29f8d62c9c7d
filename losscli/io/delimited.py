"""CSV/TSV (optionally compressed, or from stdin) through pyarrow's CSV parser.

The header is read by us from the first record (so duplicate or odd names are
kept verbatim and columns get internal positional names); the rest is cut into
blocks at line ends (``losscli.io.blocks``: bounded, UTF-8, never a memory map)
and pyarrow parses only the used columns of each block, numeric ones straight to
float64, on all cores.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from typing import IO, Any

from losscli.errors import DataError, InputError, first_line
from losscli.io import blocks, problems
from losscli.io.arrow_numpy import column_to_numpy
from losscli.io.blocks import python_encoding
from losscli.io.detect import sniff_delimiter
from losscli.io.formats import delimited_by, input_format
from losscli.io.prefetch import parallel_map, prefetch
from losscli.io.types import InputOptions, Where
from losscli.options import spelled

__all__ = ["DelimitedSource", "open_delimited", "open_unnamed", "python_encoding"]

HEAD_BYTES = 64  # read before the header: a byte-order mark, or a pattern of NUL bytes
PARSERS = 2  # blocks parsed at once


def open_delimited(options: InputOptions, fmt: str, where: Where, compression: str | None) -> DelimitedSource:
    """Delimited text of the format ``fmt`` (its delimiter, unless ``--delimiter``) at
    ``where``: a file (compressed by ``compression``), or a stream read once."""
    if isinstance(where, str):
        return DelimitedSource.from_path(options, fmt, compression)
    return DelimitedSource.from_stdin(options, fmt, compression, where)


def open_unnamed(options: InputOptions, stream: IO[bytes], compression: str | None) -> DelimitedSource:
    """A stream nothing named: delimited text, its delimiter sniffed from the header
    among ``, \\t ; |`` and its format named by it (tab: TSV)."""
    return DelimitedSource.from_stdin(options, None, compression, stream)


class DelimitedSource:
    """A delimited text input whose header has been read."""

    def __init__(
        self,
        options: InputOptions,
        fmt: str,
        header: _Header,
        opener: Callable[[], tuple[Any, blocks.Watched | None]],
        encoding: str,
    ) -> None:
        self.path = "<stdin>" if options.path == "-" else options.path
        self.format = fmt
        self.names = header.names
        self.named = options.header  # with --no-header the names are positions 1, 2, …
        self.options = options
        self.delimiter = header.delimiter
        self.encoding = encoding  # the codec the text is decoded with (a byte-order mark may pick it)
        self.skip = header.skip  # bytes of the header record (with any quoted line ends), read past
        self.limit = blocks.line_limit(options.max_line_bytes)
        self._open = opener
        self._watched: blocks.Watched | None = None
        self.bytes_read = 0
        self.rereadable = options.path != "-" and os.path.isfile(options.path)  # not a pipe

    def progress(self) -> tuple[int, int | None]:
        """(bytes read, file size); for pipes (text bytes read, None)."""
        if self._watched is not None:
            return self._watched.position, self._watched.size
        return self.bytes_read, None

    @classmethod
    def from_path(cls, options: InputOptions, fmt: str, compression: str | None) -> DelimitedSource:
        import pyarrow as pa

        path = options.path

        size: int | None = None  # the size when first opened: a reopened file must not have shrunk

        def raw() -> tuple[Any, blocks.Watched]:
            watched = blocks.Watched(path, path, size)
            if compression is None:
                return watched, watched
            return pa.CompressedInputStream(pa.PythonFile(watched, mode="r"), compression), watched

        try:
            stream, watched = raw()
            size = watched.size
            with watched:
                head = blocks.read_some(stream, HEAD_BYTES)
                encoding = blocks.text_encoding(options.encoding, head, path)
                text = _text(blocks.Chained(head, stream), encoding, path)
                header = _Header.read(options, fmt, text, head, encoding, path)[1]
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{path}: cannot read: {first_line(exc)}") from None

        def opener() -> tuple[Any, blocks.Watched]:
            stream, watched = raw()
            return _text(stream, encoding, path), watched

        return cls(options, fmt, header, opener, encoding)

    @classmethod
    def from_stdin(
        cls, options: InputOptions, fmt: str | None, codec: str | None, stream: Any = None
    ) -> DelimitedSource:
        """Standard input, or a named pipe (``stream``): read once, front to back."""
        import pyarrow as pa

        where = "<stdin>" if options.path == "-" else options.path
        raw: Any = blocks.stdin_bytes() if stream is None else stream
        if codec is not None:
            raw = pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), codec)
        head = blocks.read_some(raw, HEAD_BYTES)
        encoding = blocks.text_encoding(options.encoding, head, where)
        text = _text(blocks.Chained(head, raw), encoding, where)
        prefix, header = _Header.read(options, fmt, text, head, encoding, where)
        rest = blocks.Chained(prefix, text)
        fmt = fmt or delimited_by(header.delimiter).name
        return cls(options, fmt, header, lambda: (rest, None), encoding)

    def chunks(
        self, positions: list[int], numeric: set[int], text: frozenset[int] = frozenset()
    ) -> Iterator[list[Any]]:
        """Chunks of the used columns: blocks cut at line ends, each parsed by pyarrow on all
        cores. ``text`` columns stay text: pyarrow would type each block apart (1 in one
        block, '1' in the next)."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        internal = [f"c{i}" for i in range(len(self.names))]
        wanted = [internal[p] for p in positions]
        parse = pacsv.ParseOptions(delimiter=self.delimiter, quote_char=False)  # for blocks without a quote
        types = {internal[p]: pa.float64() for p in positions if p in numeric}
        types.update({internal[p]: pa.string() for p in positions if p in text and p not in numeric})
        convert = pacsv.ConvertOptions(include_columns=wanted, column_types=types)
        rows = 0
        try:
            for table in self._tables(internal, parse, convert):
                rows += table.num_rows
                if table.num_rows:
                    yield [
                        column_to_numpy(table.column(i), positions[i] in numeric) for i in range(len(wanted))
                    ]
        except _Unreadable as exc:
            raise self._explain(exc.error, positions, numeric, rows, exc.block) from None
        except pa.ArrowInvalid as exc:
            raise self._explain(exc, positions, numeric, rows) from None
        except (OSError, pa.ArrowException) as exc:  # a decompressor's or the disk's error
            raise InputError(f"{self.path}: cannot read: {first_line(exc)}") from None
        except blocks.LineTooLong as exc:
            raise InputError(
                f"{self.path}: row {rows + 1} is longer than {blocks.size_text(exc.limit)} "
                "(the longest line losscli reads)",
                blocks.limit_hint(exc.limit),
            ) from None

    def _tables(self, internal: list[str], parse: Any, convert: Any) -> Iterator[Any]:
        """The blocks parsed as tables, two at once on their own threads (one pyarrow
        block each, so every column is one contiguous array), in order."""
        import pyarrow.csv as pacsv

        # a quoted value may hold line ends (RFC 4180): pyarrow then cuts its own blocks at
        # record ends too (a little slower, so only for our blocks that hold a quote)
        quoted = pacsv.ParseOptions(delimiter=parse.delimiter, newlines_in_values=True)
        strict = _strict(convert)

        def read() -> Iterator[Any]:  # on parallel_map's read-ahead thread
            stream, self._watched = self._open()
            read_blocks = self._blocks(stream)
            if stream is not self._watched:  # decompressing, transcoding or a pipe: one more thread
                read_blocks = prefetch(read_blocks, depth=1)  # (a plain file's read is a copy: done inline)
            for data in read_blocks:
                self.bytes_read += data.size
                yield data

        def parsed(data: Any) -> Any:
            options = pacsv.ReadOptions(
                column_names=internal, use_threads=False, block_size=data.size + 1, encoding="utf8"
            )
            return _parse_block(data, options, quoted if blocks.has_quote(data) else parse, strict, convert)

        yield from parallel_map(parsed, read(), workers=PARSERS)

    def _blocks(self, stream: Any) -> Iterator[Any]:
        try:
            blocks.skip_bytes(stream, self.skip)
            yield from blocks.line_blocks(stream, self.options.block_bytes, self.limit, self.delimiter)
        finally:
            if self._watched is not None:
                self._watched.close()

    def _explain(
        self, exc: Exception, positions: list[int], numeric: set[int], rows: int, block: Any = None
    ) -> Exception:
        """The first bad row, found by re-reading the file, else in the refused ``block``."""
        located = None
        if self.rereadable:
            located = problems.locate(self, positions, numeric)
        elif block is not None:
            located = problems.locate_in_block(self, block, positions, numeric, rows + 1)
        if located is not None:
            return located
        return DataError(f"{self.path}: unreadable data after row {rows}: {first_line(exc)}")


def _text(stream: Any, encoding: str, where: str) -> Any:
    """``stream`` as UTF-8: as it is for UTF-8/ASCII, else transcoded as it is read."""
    return stream if encoding in blocks.PASS_THROUGH else blocks.Transcoded(stream, encoding, where)


def _parse_block(data: Any, read: Any, parse: Any, strict: Any, convert: Any) -> Any:
    """One block as a table. Clean blocks parse without the null-marker checks (``strict``);
    a block that fails is parsed again with them (same result, or pyarrow's error)."""
    import pyarrow as pa

    try:
        return _read_block(data, read, parse, strict)
    except pa.ArrowInvalid:
        pass
    try:
        return _read_block(data, read, parse, convert)
    except pa.ArrowInvalid as exc:
        raise _Unreadable(exc, data) from None


class _Unreadable(Exception):
    """pyarrow refused ``block``: ``error`` says why."""

    def __init__(self, error: Exception, block: Any) -> None:
        super().__init__(str(error))
        self.error = error
        self.block = block


def _read_block(data: Any, read: Any, parse: Any, convert: Any) -> Any:
    """pyarrow's ``read_csv`` of one block. pyarrow refuses a row longer than its own block
    size ("straddles two block boundaries"); such a block is parsed again as one pyarrow block."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        return pacsv.read_csv(data, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "straddl" not in str(exc) or read.block_size > data.size:
            raise
    whole = pacsv.ReadOptions(
        column_names=read.column_names, use_threads=False, block_size=data.size + 1, encoding="utf8"
    )
    return pacsv.read_csv(data, read_options=whole, parse_options=parse, convert_options=convert)


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


class _Header:
    """The parsed header record: column names, the delimiter, its length in bytes."""

    def __init__(self, names: list[str], delimiter: str, skip: int) -> None:
        self.names = names
        self.delimiter = delimiter
        self.skip = skip  # 0 with --no-header

    @classmethod
    def read(
        cls, options: InputOptions, fmt: str | None, text: Any, head: bytes, encoding: str, where: str
    ) -> tuple[bytearray, _Header]:
        """The bytes read from ``text`` (to chain in front of the rest) and the header."""
        limit = blocks.line_limit(options.max_line_bytes)
        try:
            prefix, end = blocks.read_header(text, limit)
        except blocks.LineTooLong:
            raise InputError(
                f"{where}: the header is longer than {blocks.size_text(limit)} (the longest line losscli reads)",
                blocks.limit_hint(limit),
            ) from None
        return prefix, parse_header(options, fmt, prefix, end, head, encoding, where)


def parse_header(
    options: InputOptions,
    fmt: str | None,
    prefix: bytearray,
    end: int | None,
    head: bytes,
    encoding: str,
    where: str,
) -> _Header:
    if not prefix.strip():
        raise DataError(f"{where}: no rows: the input is empty")
    if end is None:  # one line, no line end; or an unclosed quote: fall back to the first line
        cut = prefix.find(b"\n")
        end = len(prefix) if cut < 0 else cut + 1
    if b"\0" in prefix[:end]:
        guess = blocks.nul_guess(head)
        raise InputError(
            f"{where}: the header holds NUL bytes: this is not {encoding} text",
            f"use {spelled('encoding', guess)}"
            if guess
            else f"give the file's encoding with {spelled('encoding')}",
        )
    try:
        first = prefix[:end].decode("ascii" if encoding == "ascii" else "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: the header is not valid {options.encoding} ({exc.reason} at byte {exc.start:,})",
            f"give the file's encoding with {spelled('encoding')} (e.g. latin-1)",
        ) from None
    first = first.lstrip("\ufeff").removesuffix("\n").removesuffix("\r")
    if "\r" in first and b"\n" not in prefix:
        raise InputError(
            f"{where}: lines end in a bare CR (classic Mac line ends), which losscli does not read",
            "convert them first, e.g. tr '\\r' '\\n' < in.csv > out.csv",
        )
    delimiter = options.delimiter or (input_format(fmt).delimiter if fmt else None) or sniff_delimiter(first)
    csv.field_size_limit(max(csv.field_size_limit(), len(first) + 1))
    try:
        fields = next(csv.reader(io.StringIO(first, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise InputError(f"{where}: cannot read the header line: {exc}") from None
    if options.header:
        return _Header(fields, delimiter, end)
    return _Header([str(i + 1) for i in range(len(fields))], delimiter, 0)
