"""Row issues found by validation, phrased by the caller for its context: array
indices for the Python API, file rows and column names for the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Violation:
    """``count`` values of input ``role`` break ``requirement``; the first at ``index``."""

    role: str
    requirement: str
    count: int
    index: int
    value: Any


@dataclass(frozen=True)
class RowIssue:
    """Rows (``mask``) of input ``role`` that break ``requirement``; ``hint`` says how to fix
    it, ``detail`` (optional) what is wrong with the first of them."""

    role: str
    mask: NDArray[np.bool_]
    requirement: str
    hint: str = ""
    detail: str = ""  # more about the first offending row: "its probabilities sum to 1.0312 (…)"


def first_bad(issue: RowIssue, values: Any) -> Violation:
    """The Violation (count, first index, first value) of a RowIssue."""
    index = int(np.argmax(issue.mask))
    value = values[index]
    if getattr(value, "ndim", 0):
        value = value.tolist()
    return Violation(issue.role, issue.requirement, int(issue.mask.sum()), index, value)


# The checks every input passes before a kernel sees it, in this order, shared by the
# Python API (which phrases a RowIssue with array indices) and the engine (file rows
# and column names). Domains (y > 0, p in [0, 1], …) follow, from each loss's spec.
MISSING = "be present (not empty or NaN)"
FINITE = "be finite"
NON_NEGATIVE = "be >= 0"


def is_missing(values: Any) -> NDArray[np.bool_]:
    """NaN for float arrays; None, NaN or empty text for object arrays."""
    if values.dtype.kind == "f":
        out: NDArray[np.bool_] = np.isnan(values).reshape(values.shape[0], -1).any(axis=1)
        return out
    if values.dtype.kind in "iub":
        return np.zeros(values.shape[0], dtype=bool)
    if values.ndim > 1:  # several columns (--by a,b): a row misses a value if any cell does
        return np.asarray(is_missing(values.ravel()).reshape(values.shape).any(axis=1))
    return np.fromiter(
        (v is None or v == "" or (isinstance(v, float) and v != v) for v in values), bool, values.shape[0]
    )


def rows_with(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Per row: any of a (n, K) mask, or the mask itself."""
    return np.asarray(mask.any(axis=1)) if mask.ndim > 1 else mask


def missing_issue(values: NDArray[Any], role: str, hint: str = "") -> RowIssue | None:
    """Rows of ``role`` with an empty cell or NaN."""
    mask = is_missing(values)
    return RowIssue(role, mask, MISSING, hint) if mask.any() else None


def infinite_issue(values: NDArray[Any], role: str, hint: str = "") -> RowIssue | None:
    """Rows of a float ``role`` holding ±inf."""
    if values.dtype.kind != "f":
        return None
    mask = rows_with(np.isinf(values))
    return RowIssue(role, mask, FINITE, hint) if mask.any() else None


def negative_issue(weights: F64, role: str, hint: str = "") -> RowIssue | None:
    """Weights below zero."""
    mask = weights < 0
    return RowIssue(role, mask, NON_NEGATIVE, hint) if mask.any() else None
