"""JSON Lines: read in blocks of whole lines, only the used fields parsed into columns.

- The column names (and their kinds) come from the first lines (:data:`SAMPLE_LINES`),
  read with Python's ``json``; pyarrow never infers a schema (its inference recurses
  and crashes on a value nested 20,000 deep).
- pyarrow then parses each block with an explicit schema of just the used fields and
  ignores the others, so an unused field may change type or be nested at any depth.
- Blocks are cut at line ends by us, so a line may be as long as :func:`max_line_bytes`
  (``LOSSCLI_MAX_LINE_BYTES``); stdin streams through in bounded memory.
- A parse error is located again by Python on that block's lines: its message names
  the 1-based line (= data row) and the field.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from losscli.errors import DataError, InputError
from losscli.io.columnar import ColumnarSource, open_columnar
from losscli.io.paths import OpenedFiles, shrank
from losscli.io.types import InputOptions, Where

SAMPLE_LINES = 1000


_STRUCTURE = re.compile(r'"|[{\[]+|[}\]]+|,')


def max_line_bytes() -> int:
    """The longest line read: the one limit of every text reader (``LOSSCLI_MAX_LINE_BYTES``,
    default 256 MiB; :func:`losscli.io.blocks.line_limit`)."""
    from losscli.io.blocks import line_limit

    return line_limit()


class _Nested:
    """A value too deeply nested for Python's json (only its kind is known)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


def line_blocks(read: Callable[[int], bytes], block_bytes: int, path: str) -> Iterator[tuple[int, bytes]]:
    """(1-based number of the first line, bytes of whole lines), about ``block_bytes`` each."""
    limit = max_line_bytes()
    size = min(block_bytes, limit)  # a line longer than a read spans reads: it is measured
    pending: list[bytes] = []
    pending_len, line = 0, 1
    while data := read(size):
        end = data.rfind(b"\n")
        if end < 0 or pending_len + data.find(b"\n") > limit:
            pending.append(data)
            pending_len += len(data)
            if pending_len > limit:
                from losscli.io.blocks import limit_hint, size_text

                raise InputError(
                    f"{path}: line {line} is longer than {size_text(limit)} (the longest line losscli reads)",
                    limit_hint(limit),
                )
            continue
        block = b"".join([*pending, data[: end + 1]]) if pending else data[: end + 1]
        pending, pending_len = [data[end + 1 :]], len(data) - end - 1
        yield line, block
        line += block.count(b"\n")
    if pending_len:
        yield line, b"".join(pending)


def open_jsonl(options: InputOptions, fmt: str, where: Where, compression: str | None) -> ColumnarSource:
    """JSON Lines at ``where`` (a path, compressed by ``compression``; or a stream)."""

    def build(path: str, opened: OpenedFiles) -> ColumnarSource:
        reader = JsonLines(path, where, options.block_bytes, opened, compression)
        return ColumnarSource(path, fmt, reader.schema, reader.batches, opened)

    return open_columnar(options, fmt, build)


class JsonLines:
    """A JSON Lines file or stream: names now, used columns' batches on demand."""

    def __init__(
        self, path: str, where: Any, block_bytes: int, opened: OpenedFiles, compression: str | None = None
    ) -> None:
        self.path, self.block_bytes = path, block_bytes
        self._where, self._compression = where, compression
        self.opened = opened
        self._blocks = self._open()
        self._first = next(self._blocks, (1, b""))
        self._fresh = True
        self.kinds = _sample(path, *self._first)
        if not self.kinds:
            empty = not any(True for _ in _lines(self._first[1], 1))
            raise DataError(
                f"{path}: {'no rows: there is no JSON object' if empty else 'the JSON objects have no fields'}",
                "a mean of nothing is not a number: give a file with rows",
            )
        self.schema = _schema(self.kinds)

    def _open(self) -> Iterator[tuple[int, bytes]]:
        """Blocks of the input from its start (a stream: from where it is)."""
        if not isinstance(self._where, str):
            return line_blocks(self._where.read, self.block_bytes, self.path)
        return self._file_blocks(self._where)

    def _file_blocks(self, path: str) -> Iterator[tuple[int, bytes]]:
        if self._compression is not None:
            import pyarrow as pa

            raw = self.opened.open(path)
            yield from line_blocks(
                pa.CompressedInputStream(raw, self._compression).read, self.block_bytes, path
            )
            return
        with open(path, "rb", buffering=0) as file:
            self.opened.track(path, file)
            size, done = os.fstat(file.fileno()).st_size, 0
            for first, block in line_blocks(file.read, self.block_bytes, path):
                done += len(block)
                yield first, block
            now = os.fstat(file.fileno()).st_size
            if done < size and now < size:
                raise shrank(path, size, now)

    def batches(self, columns: list[str], numeric: set[str]) -> Iterator[Any]:
        """Record batches of ``columns`` (numeric ones as float64), block by block, parsed
        in a background thread."""
        from losscli.io.prefetch import prefetch

        if self._fresh:
            blocks, self._fresh = _chain(self._first, self._blocks), False
        elif isinstance(self._where, str):  # a file can be read again
            blocks = self._open()
        else:
            raise InputError(f"{self.path}: a stream can be read only once")
        return prefetch(self._parsed(blocks, columns, numeric), depth=1)

    def _parsed(
        self, blocks: Iterator[tuple[int, bytes]], columns: list[str], numeric: set[str]
    ) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.json as pj

        fields = [pa.field(c, _parse_type(self.schema.field(c).type, c in numeric)) for c in columns]
        schema = pa.schema(fields)
        options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
        rows = 0
        for first, block in blocks:
            if not block:
                continue
            read = pj.ReadOptions(use_threads=False, block_size=len(block) + 1)
            try:
                table = pj.read_json(pa.BufferReader(block), read_options=read, parse_options=options)
            except pa.ArrowInvalid as exc:
                raise self.opened.shrunk() or locate(self.path, first, rows, block, schema, exc) from None
            rows += table.num_rows
            yield from table.to_batches()


def _chain(head: tuple[int, bytes], rest: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    yield head
    yield from rest


def _parse_type(dtype: Any, numeric: bool) -> Any:
    """The type pyarrow converts a used field to: numbers → float64 (for a numeric role),
    whole numbers, text and booleans as such; objects and arrays as text (an error then)."""
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_boolean(dtype) or t.is_string(dtype):
        return dtype
    if numeric or t.is_floating(dtype) or t.is_null(dtype):
        return pa.float64() if numeric or not t.is_null(dtype) else pa.string()
    return pa.int64() if t.is_integer(dtype) else pa.string()


def _sample(path: str, first: int, block: bytes) -> dict[str, set[str]]:
    """Field name → the kinds of value it holds in the first lines (in order of appearance)."""
    kinds: dict[str, set[str]] = {}
    for seen, (where, line) in enumerate(_lines(block, first)):
        if seen >= SAMPLE_LINES:
            break
        for key, value in _object(path, where, line).items():
            kinds.setdefault(key, set()).add(_kind(value))
    return kinds


def _schema(kinds: dict[str, set[str]]) -> Any:
    import pyarrow as pa

    types = {
        "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "text": pa.string(),
        "null": pa.null(), "object": pa.struct([]), "array": pa.list_(pa.null()),
    }  # fmt: skip
    fields = []
    for name, found in kinds.items():
        # numbers win (a row holding something else is then an error naming that row)
        kind = next((k for k in ("float", "int", "text", "bool", "object", "array") if k in found), "null")
        if kind == "int" and "float" in found:
            kind = "float"
        fields.append(pa.field(name, types[kind]))
    return pa.schema(fields)


def _kind(value: Any) -> str:
    if isinstance(value, _Nested):
        return value.kind
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "text"
    return "object" if isinstance(value, dict) else "array"


def _object(path: str, where: str, line: bytes) -> dict[str, Any]:
    """The line's top-level object (deeply nested values only by kind), or the error."""
    try:
        try:
            value = json.loads(line)
        except RecursionError:
            value = _shallow(line)
    except ValueError as exc:  # includes undecodable bytes
        problem = str(exc).split(": line")[0]
        raise InputError(f"{path}: {where} is not valid JSON: {problem}", "fix that line") from None
    if not isinstance(value, dict):
        raise InputError(f"{path}: {where} is not a JSON object: found {_kind(value)}", "fix that line")
    return value


def _shallow(line: bytes) -> dict[str, Any] | list[Any]:
    """A line too deep for ``json``: its top-level keys, each value parsed when it can be
    (a too-deep one is a :class:`_Nested`). Structure is scanned (runs of brackets at a
    time), strings skipped."""
    text = line.decode("utf-8", "replace").strip()
    if not text.startswith("{"):
        return []
    out: dict[str, Any] = {}
    pos, depth, start, key = 1, 0, 0, None
    while (m := _STRUCTURE.search(text, pos)) is not None:
        run, pos = m.group(), m.end()
        if run == '"':
            found, pos = json.decoder.scanstring(text, pos)  # type: ignore[attr-defined]
            if depth == 0 and key is None:
                key, colon = found, text.find(":", pos)
                start = pos = colon + 1 if colon >= 0 else len(text)
        elif run[0] in "{[":
            depth += len(run)
        elif run[0] in "}]" and len(run) <= depth:
            depth -= len(run)
        elif run[0] in "}]":  # the top-level object closes inside this run
            if key is not None:
                out[key] = _value(text[start : m.start() + depth])
            break
        elif depth == 0 and key is not None:  # a ',' at top level ends a value
            out[key] = _value(text[start : m.start()])
            key = None
    return out


def _value(span: str) -> Any:
    try:
        return json.loads(span)
    except RecursionError:
        return _Nested("object" if span.strip().startswith("{") else "array")
    except ValueError:
        return None


def _lines(block: bytes, first: int, rows_before: int = 0) -> Iterator[tuple[str, bytes]]:
    """The non-blank lines of ``block`` (whose first line is line ``first``, after
    ``rows_before`` data rows), each with where it is: ``row R`` (1-based data rows, blank
    lines not counted), ``row R (line L)`` when blank lines came before."""
    pos, number, row = 0, first, rows_before
    while pos < len(block):
        end = block.find(b"\n", pos)
        end = len(block) if end < 0 else end
        line = block[pos:end]
        if line.strip():
            row += 1
            yield (f"row {row}" if row == number else f"row {row} (line {number})"), line
        pos, number = end + 1, number + 1


def locate(
    path: str, first: int, rows_before: int, block: bytes, schema: Any, exc: Exception
) -> InputError | DataError:
    """The error pyarrow found in ``block``, said with its 1-based line and field."""
    import pyarrow.types as t

    for where, line in _lines(block, first, rows_before):
        record = _object(path, where, line)
        for field in schema:
            if field.name not in record or record[field.name] is None:
                continue
            value, kind = record[field.name], _kind(record[field.name])
            if t.is_floating(field.type):
                ok, want = kind in ("int", "float") and math.isfinite(float(value)), "a number"
            elif t.is_integer(field.type):
                ok, want = (
                    kind == "int" and -(2**63) <= value < 2**63,
                    "a whole number (as in the first lines)",
                )
            elif t.is_boolean(field.type):
                ok, want = kind == "bool", "true/false (as in the first lines)"
            else:
                ok, want = kind == "text", "text (as in the first lines)"
            if not ok:
                held = "a number too large for a double" if kind in ("int", "float") else f"{_a(kind)}"
                return DataError(
                    f"{path}: {where}: field '{field.name}' holds {held}, not {want}", "fix that line"
                )
    for where, line in _lines(block, first, rows_before):  # pyarrow parses unused fields' numbers too
        try:
            json.loads(line, parse_float=_finite)
        except OverflowError as big:
            return DataError(
                f"{path}: {where}: the number {str(big)[:40]} is too large for a double",
                "the JSON reader cannot skip it even in an unused field: write it as a string, or null",
            )
        except (ValueError, RecursionError):
            continue
    message = re.sub(r" in row \d+$", "", str(exc).strip().splitlines()[0])
    last = first + block.rstrip(b"\n").count(b"\n")
    return InputError(f"{path}: unreadable jsonl data in rows {first}–{last}: {message}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise OverflowError(text)
    return value


def _a(kind: str) -> str:
    return {"int": "a whole number", "float": "a number", "bool": "true/false", "text": "text"}.get(
        kind, f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
    )
