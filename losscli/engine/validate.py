"""Per-chunk input checks with file context: NaN policy, infinities, weights, domains.

Errors name the file, the column (by its header name), the first offending
row (1-based data row) and how many rows offend in the whole input: after the
first problem the rest of the input is scanned only to count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from losscli.columns import Resolved
from losscli.engine.jobs import LossJob
from losscli.errors import DataError
from losscli.losses._validation import Violation, check_domain


@dataclass
class Problem(Exception):
    """The first offending row of one check, and how to count the same check elsewhere."""

    violation: Violation
    row: int
    counter: Callable[[dict[str, Any]], int]
    describe: Callable[[Violation, int, int], DataError]

    def error(self, total: int) -> DataError:
        return self.describe(self.violation, self.row, total)


def check_chunk(
    arrays: dict[str, Any], row_ids: Any, jobs: list[LossJob], columns: Resolved, where: str, nan: str
) -> tuple[dict[str, Any], Any]:
    """Apply ``--nan``, then reject infinities, negative weights and domain violations."""
    numeric = [role for role in arrays if role != "id"]
    if nan == "drop":
        missing = np.zeros(row_ids.size, dtype=bool)
        for role in numeric:
            missing |= np.isnan(arrays[role])
        if missing.any():
            keep = ~missing
            arrays = {role: values[keep] for role, values in arrays.items()}
            row_ids = row_ids[keep]
    for role in numeric:
        _check(
            arrays,
            row_ids,
            _mask_nan(role),
            role,
            "be present (not empty or NaN)",
            _missing_text(where, columns),
        )
        _check(
            arrays,
            row_ids,
            _mask_inf(role),
            role,
            "be finite",
            _plain_text(where, columns, "infinite values are never valid: fix the data"),
        )
    if "weight" in arrays:
        _check(
            arrays,
            row_ids,
            lambda a: a["weight"] < 0,
            "weight",
            "be >= 0",
            _plain_text(where, columns, "sample weights must be non-negative"),
        )
    for job in jobs:
        v = check_domain(job.spec, job.params, arrays)
        if v is not None:
            bound = next(b for b in job.spec.domain(job.params) if f"be {b.op} {b.value:g}" == v.requirement)
            op, limit = bound.op, bound.value

            def mask(a: dict[str, Any], role: str = v.role, op: str = op, limit: float = limit) -> Any:
                return a[role] <= limit if op == ">" else a[role] < limit

            text = _plain_text(where, columns, f"{job.spec.name} is undefined there", job.spec.name)
            raise Problem(v, int(row_ids[v.index]), lambda a, m=mask: int(m(a).sum()), text)  # type: ignore[misc]
    return arrays, row_ids


def _mask_nan(role: str) -> Callable[[dict[str, Any]], Any]:
    return lambda a: np.isnan(a[role])


def _mask_inf(role: str) -> Callable[[dict[str, Any]], Any]:
    return lambda a: np.isinf(a[role])


def _check(
    arrays: dict[str, Any],
    row_ids: Any,
    mask: Callable[[dict[str, Any]], Any],
    role: str,
    requirement: str,
    describe: Callable[[Violation, int, int], DataError],
) -> None:
    bad = mask(arrays)
    if bad.any():
        index = int(np.argmax(bad))
        v = Violation(role, requirement, int(bad.sum()), index, float(arrays[role][index]))
        raise Problem(v, int(row_ids[index]), lambda a: int(mask(a).sum()), describe)


def _missing_text(where: str, columns: Resolved) -> Callable[[Violation, int, int], DataError]:
    def describe(v: Violation, row: int, total: int) -> DataError:
        return DataError(
            f"{where}: column '{columns.names[v.role]}' is empty or NaN at row {row} ({_rows(total)} in all)",
            "use --nan drop to skip such rows",
        )

    return describe


def _plain_text(
    where: str, columns: Resolved, hint: str, loss: str | None = None
) -> Callable[[Violation, int, int], DataError]:
    def describe(v: Violation, row: int, total: int) -> DataError:
        column = f"column '{columns.names[v.role]}'"
        need = f"{loss} needs {column} to {v.requirement}" if loss else f"{column} must {v.requirement}"
        return DataError(
            f"{where}: {need}, but row {row} is {v.value!r} ({_rows(total)} in all)",
            hint,
        )

    return describe


def _rows(n: int) -> str:
    return "1 such row" if n == 1 else f"{n} such rows"
