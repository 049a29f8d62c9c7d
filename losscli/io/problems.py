"""Find where a delimited file went wrong, after pyarrow refused it.

pyarrow's errors name neither the row nor (for conversions) the column, so on
the error path only we re-read the file with the ``csv`` module and report the
first offending data row (1-based), the column, the value and the count.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from losscli.errors import DataError, InputError

# What pyarrow's float64 conversion accepts, besides its null spellings.
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)$", re.I)
NULLS = {
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null",
}  # fmt: skip


def locate(source: Any, positions: list[int], numeric: set[int]) -> Exception | None:
    """A DataError/InputError naming the first bad row, or None if none is found."""
    import pyarrow as pa

    from losscli.io.delimited import _python_encoding

    try:
        raw = pa.input_stream(source.options.path, compression="detect")
        text = io.TextIOWrapper(
            raw, encoding=_python_encoding(source.options.encoding), newline="", errors="surrogateescape"
        )
        return _scan(source, csv.reader(text, delimiter=source.delimiter), positions, numeric)
    except UnicodeDecodeError as exc:
        return InputError(
            f"{source.path}: bytes that are not valid {source.options.encoding} ({exc.reason})",
            "use --encoding latin-1 (or the file's encoding)",
        )
    except (csv.Error, OSError, pa.ArrowException):
        return None


def _scan(source: Any, rows: Any, positions: list[int], numeric: set[int]) -> Exception | None:
    width = len(source.names)
    if source.options.header:
        next(rows, None)
    first: tuple[int, int, str] | None = None
    bad_values = 0
    for number, row in enumerate(rows, start=1):
        if len(row) != width and len(row) != 0:
            return InputError(
                f"{source.path}: row {number} has {len(row)} fields but the header has {width}",
                "check --delimiter and quoting",
            )
        for p in positions:
            if p < len(row) and not row[p].isprintable() and _undecodable(row[p]):
                return InputError(
                    f"{source.path}: column '{source.names[p]}' row {number}: bytes that are not valid "
                    f"{source.options.encoding} ({_undecodable(row[p])})",
                    "use --encoding latin-1 (or the file's encoding)",
                )
            if p in numeric and p < len(row):
                cell = row[p].strip()
                if cell not in NULLS and not NUMBER.match(cell):
                    bad_values += 1
                    first = first or (number, p, cell)
    if first is None:
        return None
    number, p, cell = first
    more = f" ({bad_values} such values)" if bad_values > 1 else ""
    return DataError(
        f"{source.path}: column '{source.names[p]}' row {number}: {cell!r} is not a number{more}",
        "fix the value, or pick another column with --pred/--label",
    )


def _undecodable(cell: str) -> str:
    """The bytes a decoder could not read (kept as surrogates), as ``\\xe9 …``; '' if none."""
    return " ".join(f"\\x{ord(c) - 0xDC00:02x}" for c in cell if "\udc80" <= c <= "\udcff")
