"""Shared input validation for every loss: finiteness, weights, the loss's domain.

Functions return a :class:`Violation` (where, how many) instead of raising, so
the caller can phrase the error for its context: array indices for the Python
API, file rows and column names for the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.losses._spec import LossSpec

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Violation:
    """``count`` values of input ``role`` break ``requirement``; the first at ``index``."""

    role: str
    requirement: str
    count: int
    index: int
    value: float


def find(mask: NDArray[np.bool_], role: str, requirement: str, values: F64) -> Violation | None:
    """A Violation for the True entries of ``mask``, or None when there are none."""
    if not mask.any():
        return None
    index = int(np.argmax(mask))
    return Violation(role, requirement, int(mask.sum()), index, float(values[index]))


def check_finite(role: str, values: F64) -> Violation | None:
    """NaN or ±inf anywhere in ``values``."""
    return find(~np.isfinite(values), role, "be a finite number", values)


def check_weights(weights: F64) -> Violation | None:
    """Weights must be finite and non-negative."""
    bad = check_finite("weight", weights)
    return bad or find(weights < 0, "weight", "be >= 0", weights)


def check_domain(spec: LossSpec, params: Mapping[str, Any], arrays: Mapping[str, F64]) -> Violation | None:
    """The first of the spec's domain bounds (``ŷ > 0`` …) that some value breaks."""
    for bound in spec.domain(params):
        values = arrays[bound.role]
        bad = values <= bound.value if bound.op == ">" else values < bound.value
        found = find(bad, bound.role, f"be {bound.op} {bound.value:g}", values)
        if found:
            return found
    return None
