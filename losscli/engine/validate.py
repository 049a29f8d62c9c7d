"""Per-chunk input checks with file context: NaN policy, infinities, weights, labels,
domains. Errors name the file, the column (by header name), the first offending
row (1-based data row) and how many rows offend in the whole input: after the
first problem the rest of the input is scanned only to count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from losscli.columns import Resolved
from losscli.errors import DataError
from losscli.losses.validation import (
    FINITE,
    MISSING,
    RowIssue,
    first_bad,
    infinite_issue,
    is_missing,
    missing_issue,
    negative_issue,
    rows_with,
)
from losscli.neutralise import cut, listing, quote, quote_cell
from losscli.options import spelled

Counter = Callable[[dict[str, Any]], int]


def drop_hint() -> str:
    """How to skip rows with a missing value: ``use --nan drop`` (``nan='drop'`` in Python)."""
    return f"use {spelled('nan', 'drop')} to skip such rows"


INF_HINT = "infinite values are never valid: fix the data"
WEIGHT_HINT = "sample weights must be non-negative"


@dataclass
class Problem(Exception):
    """The first offending row of one check, and how to count the same check elsewhere."""

    message: str  # with {row} (the first offending row) and {total} (rows in all) to fill in
    hint: str
    first_count: int
    counter: Counter
    row: int = 0
    total: int = 0  # set once the rest of the input has been counted
    kind: str = ""  # the column and requirement: the same check elsewhere has the same kind

    def error(self) -> DataError:
        return row_error(self.message, self.hint, self.row, self.total)


def row_error(message: str, hint: str, row: int, total: int) -> DataError:
    """A DataError from a ``{row}``/``{total}`` message template (local or Dask partitions)."""
    return DataError(message.format(row=row, total=_rows(total)), hint)


def numeric_roles(raw: dict[str, Any]) -> list[str]:
    """The float roles (not the ``#p`` copies kept for per-sample output)."""
    return [
        role
        for role, values in raw.items()
        if role != "id" and not role.startswith("#") and values.dtype.kind == "f"
    ]


#: arrays of the current chunk already summed, by id (the array is kept, so its id is not
#: reused): the models of a comparison share their label column, and the NaN check and the
#: infinity check ask about the same columns
Finite = dict[int, tuple[Any, bool]]


def all_finite(raw: dict[str, Any], roles: list[str], known: Finite | None = None) -> bool:
    """One pass per float column (none for integers): a finite sum means no NaN and no ±inf (both propagate);
    an overflowing sum just falls back to the detailed checks. ``known``: the answers
    for this chunk's arrays so far (read and extended)."""
    return all(_finite(raw[role], known) for role in roles)


def _finite(values: Any, known: Finite | None) -> bool:
    if known is not None and (seen := known.get(id(values))) is not None and seen[0] is values:
        return seen[1]
    kind = values.dtype.kind  # whole numbers and booleans are never NaN or infinite
    finite = kind in "iub" or (kind == "f" and bool(np.isfinite(np.sum(values))))
    if known is not None:
        known[id(values)] = (values, finite)
    return finite


def apply_nan_policy(
    raw: dict[str, Any], row_ids: Any, nan: str, where: str, columns: Resolved, known: Finite | None = None
) -> tuple[dict[str, Any], Any]:
    """Drop rows with a missing value (``--nan drop``) or raise for the first one."""
    roles = [role for role in raw if role != "id" and not role.startswith("#")]
    if all_finite(raw, roles, known):
        return raw, row_ids
    missing = {role: is_missing(raw[role]) for role in roles}
    if nan == "drop":
        any_missing = np.any([m for m in missing.values()], axis=0) if missing else None
        if any_missing is not None and any_missing.any():
            keep = ~any_missing
            return {role: values[keep] for role, values in raw.items()}, row_ids[keep]
        return raw, row_ids
    for role in roles:
        if missing[role].any() and (issue := missing_issue(raw[role], role, drop_hint())) is not None:
            raise problem(issue, raw, row_ids, where, columns, _count_missing(role))
    return raw, row_ids


def check_common(
    raw: dict[str, Any], row_ids: Any, where: str, columns: Resolved, known: Finite | None = None
) -> None:
    """Infinities in any numeric column; negative weights."""
    for role in [] if all_finite(raw, numeric_roles(raw), known) else numeric_roles(raw):
        if (issue := infinite_issue(raw[role], role, INF_HINT)) is not None:
            raise problem(issue, raw, row_ids, where, columns, _count_inf(role))
    if "weight" in raw and (issue := negative_issue(raw["weight"], "weight", WEIGHT_HINT)) is not None:
        raise problem(issue, raw, row_ids, where, columns, lambda a: int((a["weight"] < 0).sum()))


def _count_missing(role: str) -> Counter:
    return lambda a: int(is_missing(a[role]).sum())


def _count_inf(role: str) -> Counter:
    return lambda a: int(rows_with(np.isinf(a[role])).sum())


def problem(
    issue: RowIssue,
    raw: dict[str, Any],
    row_ids: Any,
    where: str,
    columns: Resolved,
    counter: Counter,
    loss: str | None = None,
) -> Problem:
    """A Problem naming the column, the first row, its value, and ``{total}`` rows in all."""
    values = raw.get(issue.role)
    v = first_bad(issue, values if values is not None else np.zeros(issue.mask.size))
    names = columns.names.get(issue.role, [issue.role])
    cell = _bad_cell(v.requirement, values[v.index] if values is not None else None, len(names))
    if cell is not None:  # one cell of a K-column role (an ensemble member, a class): that column
        names, v = [names[cell]], replace(v, value=values[v.index][cell])  # type: ignore[index]
    column = f"column {quote(names[0])}" if len(names) == 1 else f"columns {listing(names, limit=6)}"
    need = f"{loss} needs {column} to {v.requirement}" if loss else f"{column} must {v.requirement}"
    detail = f": {literal(issue.detail)}" if issue.detail else ""
    message = f"{literal(where)}: {literal(need)}, but row {{row}} is {literal(_show(v.value))} ({{total}} in all){detail}"
    hint = issue.hint or (f"{loss} is undefined there" if loss else "fix the data")
    kind = f"{issue.role}: {v.requirement}"
    return Problem(message, hint, v.count, counter, row=int(row_ids[v.index]), kind=kind)


def _bad_cell(requirement: str, row: Any, k: int) -> int | None:
    """The first column of a row of a K-column role whose cell breaks a per-cell check
    (missing, infinite), or None (one column, or a check of the whole row)."""
    if k < 2 or row is None or getattr(row, "ndim", 0) != 1 or row.dtype.kind != "f":
        return None
    if requirement == MISSING:
        bad = np.isnan(row)
    elif requirement == FINITE:
        bad = np.isinf(row)
    else:
        return None
    return int(np.argmax(bad)) if bad.any() else None


def literal(text: str) -> str:
    """``text`` for a str.format template: braces in file names, column names or values stay as written."""
    return text.replace("{", "{{").replace("}", "}}")


def _show(value: Any) -> str:
    if isinstance(value, list):
        shown = ", ".join(f"{x:.6g}" if isinstance(x, float) else quote_cell(x) for x in value[:6])
        return "[" + cut(shown, 120) + (", …]" if len(value) > 6 else "]")
    if isinstance(value, np.generic):
        value = value.item()
    return quote_cell(value)


def _rows(n: int) -> str:
    return "1 such row" if n == 1 else f"{n} such rows"
