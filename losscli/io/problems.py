"""Find where a delimited file went wrong, after pyarrow refused it.

pyarrow's errors name neither the row nor (for conversions) the column, so on
the error path only we re-read the file with the ``csv`` module and report the
first offending data row (1-based), the column, the value and the count. Input
that cannot be read twice (stdin, pipes) is searched in the block pyarrow refused.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from losscli.errors import DataError, InputError
from losscli.neutralise import quote, quote_cell
from losscli.options import spelled

# What pyarrow's float64 conversion accepts, besides its null spellings.
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)$", re.I)
NULLS = {
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null",
}  # fmt: skip


def locate(source: Any, positions: list[int], numeric: set[int]) -> Exception | None:
    """A DataError/InputError naming the first bad row, or None if none is found."""
    import pyarrow as pa

    from losscli.io.blocks import python_encoding

    csv.field_size_limit(max(csv.field_size_limit(), source.limit))  # rows as long as the reader takes
    try:
        raw = pa.input_stream(source.options.path, compression="detect")
        text = io.TextIOWrapper(
            raw, encoding=python_encoding(source.encoding), newline="", errors="surrogateescape"
        )
        rows = csv.reader(text, delimiter=source.delimiter)
        if source.options.header:
            next(rows, None)
        return _scan(source, rows, positions, numeric)
    except UnicodeDecodeError as exc:
        return InputError(
            f"{source.path}: bytes that are not valid {source.encoding} ({exc.reason})",
            f"use {spelled('encoding', 'latin-1')} (or the file's encoding)",
        )
    except (csv.Error, OSError, pa.ArrowException):
        return None


def locate_in_block(
    source: Any, block: Any, positions: list[int], numeric: set[int], first_row: int
) -> Exception | None:
    """Like ``locate``, within one block of UTF-8 text whose first row is ``first_row``."""
    csv.field_size_limit(max(csv.field_size_limit(), source.limit))
    text = io.StringIO(bytes(block).decode("utf-8", errors="surrogateescape"), newline="")
    try:
        return _scan(source, csv.reader(text, delimiter=source.delimiter), positions, numeric, first_row)
    except csv.Error:
        return None


def _scan(
    source: Any, rows: Any, positions: list[int], numeric: set[int], first_row: int = 1
) -> Exception | None:
    """The first bad row of ``rows`` (a csv reader past the header), numbered from ``first_row``;
    a count of bad values only when the rows are the whole input (``first_row`` 1, rereadable)."""
    width = len(source.names)
    whole = first_row == 1 and source.rereadable
    first: tuple[int, int, str] | None = None
    bad_values = 0
    for number, row in enumerate(rows, start=first_row):
        if len(row) != width and len(row) != 0:
            return InputError(
                f"{source.path}: row {number} has {len(row)} fields but the header has {width}",
                f"check {spelled('delimiter')} and quoting",
            )
        for p in positions:
            if p < len(row) and not row[p].isprintable() and undecodable(row[p]):
                return InputError(
                    f"{source.path}: column {quote(source.names[p])} row {number}: bytes that are not valid "
                    f"{source.encoding} ({undecodable(row[p])})",
                    f"use {spelled('encoding', 'latin-1')} (or the file's encoding)",
                )
            # pyarrow matches null markers exactly, and trims blanks around numbers only
            if p in numeric and p < len(row) and row[p] not in NULLS and not NUMBER.match(row[p].strip()):
                bad_values += 1
                first = first or (number, p, row[p])
    if first is None:
        return None
    number, p, cell = first
    more = f" ({'' if whole else 'at least '}{bad_values} such values)" if bad_values > 1 else ""
    where = f"{source.path}: column {quote(source.names[p])} row {number}"
    drop = spelled("nan", "drop")
    missing = f"leave a missing value's cell empty ({drop} then skips its row), or fix the value"
    if not cell.strip():
        return DataError(f"{where}: a cell of only blanks ({_shown(cell)}) is not a number{more}", missing)
    if cell.strip() in NULLS:
        return DataError(
            f"{where}: {_shown(cell)} is not a number (a padded missing-value marker){more}", missing
        )
    return DataError(
        f"{where}: {_shown(cell.strip())} is not a number{more}",
        f"fix the value, or pick another column with {spelled('pred')}/{spelled('label')}",
    )


def _shown(cell: str, most: int = 40) -> str:
    """``cell`` quoted, escaped, and cut to ``most`` characters (a message never echoes a long cell)."""
    return quote_cell(cell, most) + (f" ({len(cell):,} characters)" if len(cell) > most else "")


def undecodable(cell: str) -> str:
    """The bytes a decoder could not read (kept as surrogates), as ``\\xe9 …``; '' if none."""
    return " ".join(f"\\x{ord(c) - 0xDC00:02x}" for c in cell if "\udc80" <= c <= "\udcff")
