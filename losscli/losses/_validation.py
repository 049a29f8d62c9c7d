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
    """Rows (``mask``) of input ``role`` that break ``requirement``; ``hint`` says how to fix it."""

    role: str
    mask: NDArray[np.bool_]
    requirement: str
    hint: str = ""


def first_bad(issue: RowIssue, values: Any) -> Violation:
    """The Violation (count, first index, first value) of a RowIssue."""
    index = int(np.argmax(issue.mask))
    value = values[index]
    if getattr(value, "ndim", 0):
        value = value.tolist()
    return Violation(issue.role, issue.requirement, int(issue.mask.sum()), index, value)
