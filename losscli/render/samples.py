"""Per-sample rows as CSV, TSV or JSON Lines, written chunk by chunk (constant memory).

Columns: ``row`` (or the ``--id`` column), the used inputs by header name, then
``loss`` (one loss) or ``loss_<name>`` (several). Floats at full precision.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any, BinaryIO

from losscli.rows import RowBlock


class DelimitedWriter:
    """Writes RowBlocks as CSV/TSV to a binary stream via pyarrow (header once)."""

    def __init__(self, out: BinaryIO, columns: list[tuple[str, str]], delimiter: str = ",") -> None:
        self.out, self.columns, self.delimiter = out, columns, delimiter
        text = io.StringIO()
        csv.writer(text, delimiter=delimiter, lineterminator="\n").writerow([h for _, h in columns])
        out.write(text.getvalue().encode())

    def __call__(self, block: RowBlock) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        arrays = [_arrow(block, key) for key, _ in self.columns]
        table = pa.table(arrays, names=[f"c{i}" for i in range(len(arrays))])
        if self.delimiter == "\t":  # TSV has no quoting: tabs and line ends inside values become spaces
            arrays = [_tsv_safe(a) for a in arrays]
        needs_quotes = self.delimiter != "\t" and any(pa.types.is_string(a.type) for a in arrays)
        options = pacsv.WriteOptions(
            include_header=False,
            delimiter=self.delimiter,
            quoting_style="needed" if needs_quotes else "none",
        )
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, options)
        self.out.write(sink.getvalue())


def _tsv_safe(array: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(array.type):
        return array
    return pc.replace_substring_regex(array, pattern="[\t\r\n]", replacement=" ")


def _arrow(block: RowBlock, key: str) -> Any:
    import pyarrow as pa

    if key == "row":
        return pa.array(block.numbers())
    values = block.columns[key]
    if values.dtype == object:
        return pa.array([str(v) for v in values], type=pa.string())
    return pa.array(values)


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


def _json_value(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
