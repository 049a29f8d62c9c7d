"""CSV/TSV (optionally compressed, or from stdin) through pyarrow's streaming CSV reader.

The header is read by us from the first line (so duplicate or odd names are
kept verbatim and columns get internal positional names); pyarrow then parses
only the used columns, numeric ones straight to float64.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from typing import Any

from losscli.errors import DataError, InputError
from losscli.io import problems
from losscli.io.arrow_numpy import column_to_numpy
from losscli.io.detect import sniff_delimiter
from losscli.io.source import InputOptions

PREFIX_BYTES = 1 << 16


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
        self, options: InputOptions, fmt: str, names: list[str], delimiter: str, stream: Any
    ) -> None:
        self.path = "<stdin>" if options.path == "-" else options.path
        self.format = fmt
        self.names = names
        self.options = options
        self.delimiter = delimiter
        self._stream = stream

    @classmethod
    def from_path(cls, options: InputOptions, fmt: str, compression: str | None) -> DelimitedSource:
        import pyarrow as pa

        def reopen() -> Any:
            return pa.input_stream(options.path, compression=compression)

        try:
            prefix = _read_prefix(reopen())
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{options.path}: cannot read: {_short(exc)}") from None
        names, delimiter = _header(options, fmt, prefix, options.path)
        return cls(options, fmt, names, delimiter, reopen)

    @classmethod
    def from_stdin(cls, options: InputOptions, fmt: str | None, codec: str | None) -> DelimitedSource:
        import pyarrow as pa

        raw: Any = sys.stdin.buffer
        if codec in ("gzip", "zstd", "bz2"):
            raw = pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), codec)
        prefix = _read_prefix(raw)
        names, delimiter = _header(options, fmt, prefix, "<stdin>")
        chained = _Chained(prefix, raw)
        return cls(options, fmt or ("tsv" if delimiter == "\t" else "csv"), names, delimiter, lambda: chained)

    def chunks(self, positions: list[int], numeric: set[int]) -> Iterator[list[Any]]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        internal = [f"c{i}" for i in range(len(self.names))]
        wanted = [internal[p] for p in positions]
        read = pacsv.ReadOptions(
            column_names=internal,
            skip_rows=1 if self.options.header else 0,
            block_size=self.options.block_bytes,
            encoding=self.options.encoding,
        )
        parse = pacsv.ParseOptions(delimiter=self.delimiter)
        types = {internal[p]: pa.float64() for p in positions if p in numeric}
        convert = pacsv.ConvertOptions(include_columns=wanted, column_types=types)
        rows = 0
        try:
            reader = pacsv.open_csv(
                self._stream(), read_options=read, parse_options=parse, convert_options=convert
            )
            for batch in reader:
                rows += batch.num_rows
                yield [column_to_numpy(batch.column(i), positions[i] in numeric) for i in range(len(wanted))]
        except pa.ArrowInvalid as exc:
            raise self._explain(exc, positions, numeric, rows) from None

    def _explain(self, exc: Exception, positions: list[int], numeric: set[int], rows: int) -> Exception:
        located = None
        if self.options.path != "-":
            located = problems.locate(self, positions, numeric)
        if located is not None:
            return located
        return DataError(f"{self.path}: unreadable data after row {rows}: {_short(exc)}")


def _read_prefix(stream: Any) -> bytes:
    """Bytes up to and including the first line end (or everything, if shorter)."""
    buf = b""
    while b"\n" not in buf:
        block = stream.read(PREFIX_BYTES)
        if not block:
            break
        buf += block
    return buf


def _header(options: InputOptions, fmt: str | None, prefix: bytes, where: str) -> tuple[list[str], str]:
    if not prefix.strip():
        raise DataError(f"{where}: no rows: the input is empty")
    try:
        first = prefix.split(b"\n", 1)[0].decode(_python_encoding(options.encoding))
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(
            f"{where}: the header is not valid {options.encoding}: {exc}", "use --encoding"
        ) from None
    first = first.lstrip("\ufeff").rstrip("\r")
    delimiter = (
        options.delimiter or {"tsv": "\t"}.get(fmt or "") or (sniff_delimiter(first) if fmt is None else ",")
    )
    fields = next(csv.reader([first], delimiter=delimiter), [])
    if options.header:
        return fields, delimiter
    return [str(i + 1) for i in range(len(fields))], delimiter


def _python_encoding(name: str) -> str:
    return "utf-8-sig" if name.replace("_", "-").lower() in ("utf-8", "utf8") else name


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
