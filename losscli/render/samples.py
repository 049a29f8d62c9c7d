"""Per-sample rows as CSV, TSV, JSON Lines or Parquet, written chunk by chunk (constant memory).

Columns: :mod:`losscli.engine.layout` (``row`` or the ``--id`` column, the used inputs
and ``--by`` columns by header name, ``predicted`` and ``p(true)`` for multiclass, then
``loss`` or ``loss_<name>``). Floats are written as the shortest text that reads back
as the same float (pyarrow's formatting: ``1.710306402914791e-7``), so a per-sample file
read back gives the very numbers losscli computed.

Text from the input (header names, ``--id`` and group values, class names) never breaks
a row: CSV quotes a value per RFC 4180 only when it needs it (it holds a comma, a double
quote, CR or LF; a quote is doubled); TSV has no quoting, so a backslash, tab, newline or
CR in a value is written as backslash-backslash, backslash-t, backslash-n, backslash-r
(:func:`losscli.neutralise.tsv`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from typing import Any, BinaryIO

from losscli.accumulate.rows import RowBlock
from losscli.neutralise import csv_array, tsv, tsv_array

TEXT_SLICE = 1 << 16  # rows turned into text at a time when a row holds text


class DelimitedWriter:
    """Writes RowBlocks as CSV/TSV to a binary stream via pyarrow (header once)."""

    def __init__(self, out: BinaryIO, columns: list[tuple[str, str]], delimiter: str = ",") -> None:
        self.out, self.columns, self.delimiter = out, columns, delimiter
        headers = [h for _, h in columns]
        if delimiter == "\t":
            out.write(("\t".join(tsv(h) for h in headers) + "\n").encode())
            return
        text = io.StringIO()
        csv.writer(text, delimiter=delimiter, lineterminator="\n").writerow(headers)
        out.write(text.getvalue().encode())

    def __call__(self, block: RowBlock) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        arrays = [_arrow(block, key) for key, _ in self.columns]
        if any(pa.types.is_string(a.type) for a in arrays):  # text: quoted (CSV) or escaped (TSV)
            escape = tsv_array if self.delimiter == "\t" else csv_array
            for start in range(0, len(arrays[0]), TEXT_SLICE):  # bounded memory for the text copies
                part = [a.slice(start, TEXT_SLICE) for a in arrays]
                self.out.write(_text_rows(part, escape, self.delimiter))
            return
        table = pa.table(arrays, names=[f"c{i}" for i in range(len(arrays))])
        options = pacsv.WriteOptions(include_header=False, delimiter=self.delimiter, quoting_style="none")
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, options)
        self.out.write(sink.getvalue())

    def close(self) -> None:
        """Nothing to finish: every row is written when its block arrives."""


def csv_writer(out: BinaryIO, columns: list[tuple[str, str]]) -> DelimitedWriter:
    """Per-sample rows as CSV (RFC 4180 quoting)."""
    return DelimitedWriter(out, columns, ",")


def tsv_writer(out: BinaryIO, columns: list[tuple[str, str]]) -> DelimitedWriter:
    """Per-sample rows as TSV (no quoting: backslash escapes)."""
    return DelimitedWriter(out, columns, "\t")


def _text_rows(arrays: list[Any], escape: Callable[[Any], Any], delimiter: str) -> bytes:
    """Delimited lines: each number column cast to text as pyarrow's CSV writer does (the
    same bytes as its output), text columns through ``escape``; nulls empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from losscli.io.arrow_build import text_scalar

    cells = [escape(a) if pa.types.is_string(a.type) else pc.cast(a, pa.string()) for a in arrays]
    joined = pc.binary_join_element_wise(
        *cells, text_scalar(delimiter), null_handling="replace", null_replacement=""
    )
    lines = pc.binary_join_element_wise(joined, text_scalar("\n"), text_scalar(""))
    return _text_bytes(lines)


def _text_bytes(lines: Any) -> bytes:
    """The bytes of a string array's values, back to back (no nulls)."""
    import numpy as np

    if len(lines) == 0:
        return b""
    _, offsets, data = lines.buffers()
    width = np.int64 if str(lines.type) == "large_string" else np.int32
    bounds = np.frombuffer(offsets, dtype=width)[lines.offset : lines.offset + len(lines) + 1]
    chunk: bytes = data[int(bounds[0]) : int(bounds[-1])].to_pybytes()
    return chunk


def _arrow(block: RowBlock, key: str) -> Any:
    """One column as Arrow, without pyarrow's pandas import (losscli.io.arrow_build)."""
    import numpy as np

    from losscli.io.arrow_build import text_array, to_arrow

    if key == "row":
        return to_arrow(np.asarray(block.numbers()))
    values = block.columns[key]
    if values.dtype == object:
        return text_array([str(v) for v in values])
    return to_arrow(values)


class JsonLinesWriter:
    """One JSON object per sample: {"row": n, "<input>": x, …, "loss": ℓ}."""

    def __init__(self, out: BinaryIO, columns: list[tuple[str, str]]) -> None:
        self.out, self.columns = out, columns

    def __call__(self, block: RowBlock) -> None:
        cols = [(h, block.numbers() if key == "row" else block.columns[key]) for key, h in self.columns]
        lines = []
        for i in range(len(block)):
            obj = {h: _json_value(v[i]) for h, v in cols}
            lines.append(json.dumps(obj, ensure_ascii=False, allow_nan=False))
        self.out.write(("\n".join(lines) + "\n").encode())

    def close(self) -> None:
        """Nothing to finish: every row is written when its block arrives."""


class ParquetRowWriter:
    """Per-sample rows as one Parquet file, a row group per block; ``close`` writes the footer."""

    def __init__(self, out: BinaryIO, columns: list[tuple[str, str]]) -> None:
        self.out, self.columns = out, columns
        self._writer: Any = None

    def __call__(self, block: RowBlock) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table([_arrow(block, k) for k, _ in self.columns], names=[h for _, h in self.columns])
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.out, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()


def _json_value(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
