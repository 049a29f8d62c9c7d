"""CSV/TSV for the Dask engine, read by the local engine's rules: pyarrow parses every block
(float64 for the numbers, text for ids, groups and class labels), and a block pyarrow refuses
is scanned with the ``csv`` module for the first malformed row (too few or too many fields,
an unclosed quote, a word in a number column), reported with the local engine's words.

The client reads every file's header (a file of the glob without a used column is exit 2
naming the file and the column) and cuts each plain file into ~64 MiB byte ranges; a task
reads the lines that *start* in its range. Compressed files and encodings in which a byte
0x0A is not always a line end are one task each, streamed.
"""

from __future__ import annotations

import csv
import glob
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from losscli.engine.merge import PartProblem
from losscli.engine.validate import literal
from losscli.errors import ColumnError, InputError, first_line
from losscli.io.source import InputOptions
from losscli.options import spelled

BLOCK_BYTES = 64 << 20
BATCH_BYTES = 1 << 22


def fields_hint() -> str:
    return f"check {spelled('delimiter')} and quoting"


RANGES_HINT = (
    "check --delimiter and quoting; a quoted value holding line ends that crosses one of the "
    "Dask engine's 64 MiB byte ranges reads like this too: --engine local reads it"
)


class Unparsable(Exception):
    """pyarrow refused a block: the partition task scans it for the row to blame."""


@dataclass(frozen=True)
class CsvFile:
    """One file of the dataset: its header's names and length in bytes, its size
    (None: not splittable, read whole)."""

    path: str
    names: tuple[str, ...]
    skip: int
    size: int | None
    encoding: str = "utf-8"  # the codec the file is read with (a byte-order mark picks it)


@dataclass(frozen=True)
class CsvBlock:
    """The lines of ``file`` that start in ``[start, stop)`` (``stop`` None: the whole file);
    ``columns`` are the positions, in that file, of the used columns."""

    file: CsvFile
    start: int
    stop: int | None
    columns: tuple[int, ...]


@dataclass(frozen=True)
class CsvDataset:
    """A CSV/TSV file or glob: the first file's names name the columns."""

    path: str
    format: str
    delimiter: str
    encoding: str
    header: bool
    files: tuple[CsvFile, ...]

    @property
    def names(self) -> list[str]:
        return list(self.files[0].names)

    def blocks(self, used: Sequence[str]) -> list[CsvBlock]:
        """The byte ranges to read, in dataset order; every file must have every used column."""
        blocks = []
        for file in self.files:
            missing = [name for name in used if name not in file.names]
            if missing:
                raise ColumnError(
                    f"{file.path}: no column '{missing[0][:60]}' (the first file of {self.path} has it)",
                    "every file of the glob needs the same columns: fix or leave out that file",
                )
            columns = tuple(file.names.index(name) for name in used)
            if file.size is None:
                blocks.append(CsvBlock(file, 0, None, columns))
                continue
            for start in range(file.skip, file.size, BLOCK_BYTES):
                blocks.append(CsvBlock(file, start, min(start + BLOCK_BYTES, file.size), columns))
        return blocks


def open_csv(options: InputOptions, fmt: str) -> CsvDataset:
    """Every file of ``options.path`` (a file, a glob or an fsspec URL) with its header."""
    from losscli.io import blocks

    files = _expand(options.path)
    found: list[CsvFile] = []
    delimiter = ""
    for path in files:
        try:
            with _open(path, decompress=True) as stream:
                head = blocks.read_some(stream, 64)
                encoding = blocks.text_encoding(options.encoding, head, path)  # as the local engine
                text: Any = blocks.Chained(head, stream)
                if encoding not in blocks.PASS_THROUGH:
                    text = blocks.Transcoded(text, encoding, path)
                prefix, end = _read_prefix(text, options)
            splittable = _line_safe(encoding.replace("_", "-").lower())
            size = None if _is_compressed(path) or not splittable else _size(path)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or first_line(exc)}") from None
        if not prefix.strip() and (found or path != files[-1]):
            continue  # an empty file in a glob adds no rows
        names, delimiter, skip = _header(options, fmt, prefix, end, path, head, encoding)
        if encoding not in blocks.PASS_THROUGH and skip:  # the header's length in the file's bytes
            skip = len(prefix[:skip].decode("utf-8").encode(encoding))
        found.append(CsvFile(path, tuple(names), skip, size, encoding))
    return CsvDataset(options.path, fmt, delimiter, options.encoding, options.header, tuple(found))


def _is_compressed(path: str) -> bool:
    return path.lower().endswith((".gz", ".gzip", ".zst", ".zstd", ".bz2"))


def _line_safe(encoding: str) -> bool:
    """Encodings in which byte 0x0A is always a line end (so byte ranges can be cut there)."""
    return encoding in ("utf-8", "utf8", "utf-8-sig", "ascii", "latin-1", "latin1", "iso-8859-1", "cp1252")


def _read_prefix(stream: Any, options: InputOptions) -> tuple[bytes, int | None]:
    """The bytes through the header record (the local engine's rule and line limit)."""
    from losscli.io import blocks

    limit = blocks.line_limit(options.max_line_bytes)
    try:
        data, end = blocks.read_header(stream, limit)
    except blocks.LineTooLong:
        raise InputError(
            f"{options.path}: the header is longer than {blocks.size_text(limit)}", blocks.limit_hint(limit)
        ) from None
    return bytes(data), end


def _header(
    options: InputOptions, fmt: str, prefix: bytes, end: int | None, path: str, head: bytes, encoding: str
) -> tuple[list[str], str, int]:
    """Names, delimiter and header length (of ``prefix``, UTF-8), parsed as the local
    engine parses them."""
    from losscli.io.delimited import parse_header

    header = parse_header(options, fmt, bytearray(prefix), end, head, encoding, path)
    return header.names, header.delimiter, header.skip


def _expand(path: str) -> list[str]:
    """The files of a path or glob, sorted (local paths keep the user's spelling)."""
    if "://" in path:
        try:
            return _urls(path)
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot read: {first_line(exc)}") from None
    if glob.has_magic(path):
        matches = sorted(p for p in glob.glob(path) if os.path.isfile(p))
        if not matches:
            raise InputError(f"{path}: no files match", "check the pattern (quote it so the shell leaves it)")
        return matches
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    return [path]


def _urls(path: str) -> list[str]:
    import fsspec  # type: ignore[import-untyped]

    fs, _, paths = fsspec.core.get_fs_token_paths(path, mode="rb", expand=True)
    if not paths:
        raise InputError(f"{path}: no files match")
    return [fs.unstrip_protocol(p) for p in sorted(paths)]


def _size(path: str) -> int:
    if "://" in path:
        import fsspec

        fs, _, (real,) = fsspec.core.get_fs_token_paths(path, mode="rb")
        return int(fs.size(real))
    return os.path.getsize(path)


def _open(path: str, decompress: bool) -> Any:
    """A binary stream of ``path`` (decompressed by its extension when asked)."""
    if "://" in path:
        import fsspec

        return fsspec.open(path, "rb", compression="infer" if decompress else None).open()
    if decompress:
        import pyarrow as pa

        return pa.input_stream(path, compression="detect")
    return open(path, "rb")


def _block_bytes(block: CsvBlock) -> bytes:
    """The bytes of the lines that start in the block's range."""
    assert block.stop is not None
    with _open(block.file.path, decompress=False) as stream:
        if block.start > block.file.skip:  # the line running into the range belongs to the block before
            stream.seek(block.start - 1)
            begin = block.start - 1 + len(stream.readline())
        else:
            stream.seek(block.start)
            begin = block.start
        if begin >= block.stop:
            return b""
        data: bytes = stream.read(block.stop - begin)
        if data and not data.endswith(b"\n"):
            data += stream.readline()
        return data


def batches(
    block: CsvBlock, data: CsvDataset, names: Sequence[str], numeric: frozenset[str]
) -> Iterator[Any]:
    """Record batches of the used columns (named ``names``); :class:`Unparsable` when
    pyarrow refuses the block."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    internal = [f"c{i}" for i in range(len(block.file.names))]
    wanted = [internal[p] for p in block.columns]
    types = {
        internal[p]: pa.float64() if n in numeric else pa.string()
        for p, n in zip(block.columns, names, strict=True)
    }
    # a quoted value may hold line ends (RFC 4180): pyarrow must then cut its own blocks at
    # record ends (a little slower: only for a range that holds a quote, and for streams)
    parse = pacsv.ParseOptions(delimiter=data.delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(include_columns=wanted, column_types=types)
    try:
        if block.stop is None:
            read = pacsv.ReadOptions(
                column_names=internal,
                skip_rows=1 if data.header else 0,
                encoding=block.file.encoding,
                block_size=BATCH_BYTES,
            )
            with _open(block.file.path, decompress=True) as stream:
                for batch in pacsv.open_csv(
                    stream, read_options=read, parse_options=parse, convert_options=convert
                ):
                    yield pa.RecordBatch.from_arrays(batch.columns, names=list(names))
            return
        raw = _block_bytes(block)
        if not raw.strip():
            return
        if b'"' not in raw:
            parse = pacsv.ParseOptions(delimiter=data.delimiter)
        elif _cut_in_a_value(block, raw, data.delimiter):
            raise Unparsable("a quoted value runs past the byte range")  # see locate
        read = pacsv.ReadOptions(column_names=internal, encoding=block.file.encoding, block_size=BATCH_BYTES)
        table = pacsv.read_csv(
            pa.py_buffer(raw), read_options=read, parse_options=parse, convert_options=convert
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise Unparsable(first_line(exc)) from None
    yield from table.rename_columns(list(names)).to_batches(1 << 20)


def schema(names: Sequence[str], numeric: frozenset[str]) -> Any:
    """The Arrow schema of the batches: float64 numbers, text for the rest."""
    import pyarrow as pa

    return pa.schema([(n, pa.float64() if n in numeric else pa.string()) for n in names])


def locate(block: CsvBlock, data: CsvDataset, names: Sequence[str], numeric: frozenset[str]) -> PartProblem:
    """The first malformed row of a block pyarrow refused, in the local engine's words
    (``losscli.io.problems``); rows count from the block's first."""
    from losscli.io.delimited import python_encoding

    quoted = False
    if block.stop is None:
        stream = _open(block.file.path, decompress=True)
    else:
        raw = _block_bytes(block)
        if _cut_in_a_value(block, raw, data.delimiter):
            message = (
                f"{data.path}: a quoted value holding line ends runs past byte {block.stop:,}, "
                "where the Dask engine cuts the file into byte ranges"
            )
            return PartProblem(
                literal(message), "use --engine local: it reads such files whole", 1, 1, "ranges"
            )
        split = block.start > block.file.skip or block.stop < (block.file.size or 0)
        quoted = split and b'"' in raw  # a range, not the whole file: it may start inside a quote
        stream = io.BytesIO(raw)
    with io.TextIOWrapper(
        stream, encoding=python_encoding(block.file.encoding), newline="", errors="surrogateescape"
    ) as text:
        rows = csv.reader(text, delimiter=data.delimiter)
        if block.stop is None and data.header:
            next(rows, None)
        try:
            found = _scan(rows, block, data, names, numeric)
        except csv.Error as exc:
            found = None
            reason = first_line(exc)
        else:
            reason = "malformed CSV"
    if found is None:
        found = PartProblem(
            literal(f"{data.path}: unreadable data ({reason})"), fields_hint(), 1, 1, "unreadable"
        )
    if quoted and found.kind in ("fields", "unreadable"):
        found.hint = RANGES_HINT  # a range that starts or ends inside a quoted value reads like this
    return found


def _cut_in_a_value(block: CsvBlock, raw: bytes, delimiter: str) -> bool:
    """Whether a byte range that ends before its file does ends inside a quoted value:
    the next range would start inside it, and could read the rest of the value as rows.
    (Ranges are checked in order from the first, which starts at a record: the first
    wrong cut is the one found.)"""
    from losscli.io.blocks import ends_in_quoted_value

    ends_early = block.stop is not None and block.file.size is not None and block.stop < block.file.size
    return ends_early and b'"' in raw and ends_in_quoted_value(raw, delimiter)


def _scan(
    rows: Iterator[list[str]],
    block: CsvBlock,
    data: CsvDataset,
    names: Sequence[str],
    numeric: frozenset[str],
) -> PartProblem | None:
    from losscli.io.problems import NULLS, NUMBER, undecodable

    width = len(block.file.names)
    where = literal(data.path)
    first: PartProblem | None = None
    for number, row in enumerate(rows, start=1):
        if len(row) != width and len(row) != 0:
            message = f"{where}: row {{row}} has {len(row)} fields but the header has {width}"
            return PartProblem(message, fields_hint(), number, 1, "fields")
        for p, name in zip(block.columns, names, strict=True):
            cell = row[p] if p < len(row) else ""
            column = literal(f"{data.path}: column '{name[:60]}' row ")
            if not cell.isprintable() and undecodable(cell):
                message = f"{column}{{row}}: bytes that are not valid {literal(block.file.encoding)} ({undecodable(cell)[:40]})"
                return PartProblem(
                    message,
                    f"use {spelled('encoding', 'latin-1')} (or the file's encoding)",
                    number,
                    1,
                    "bytes",
                )
            if name in numeric and not _number(cell.strip(), NULLS, NUMBER):
                kind = f"{name}: a number"
                if first is None:
                    value = cell.strip()
                    shown = literal(repr(value[:40] + ("…" if len(value) > 40 else "")))
                    message = f"{column}{{row}}: {shown} is not a number ({{total}} in all)"
                    first = PartProblem(message, "fix the data, or choose another column", number, 0, kind)
                if first.kind == kind:
                    first.total += 1
    return first


def _number(cell: str, nulls: set[str], pattern: Any) -> bool:
    """What pyarrow's float64 conversion takes: a number or a null spelling."""
    return cell in nulls or bool(pattern.match(cell))
