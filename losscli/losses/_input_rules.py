"""Input rules that depend on what a loss takes: probabilities in [0, 1], rows that
sum to 1, 0/1 label matrices, log-probabilities. Each returns the first
:class:`RowIssue` (with the fix) or None."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.losses.validation import RowIssue
from losscli.options import spelled
from losscli.spelling import param

ROW_SUM_TOL = 1e-6


def _logits_hint() -> str:
    return f"use {param('from_logits', boolean=True)} if these are logits (unbounded scores)"


def _outside_unit(values: Any) -> NDArray[np.bool_]:
    bad = (values < 0) | (values > 1)
    out: NDArray[np.bool_] = bad.any(axis=1) if bad.ndim > 1 else bad
    return out


def probability(inputs: Mapping[str, Any], params: Mapping[str, Any], ignored: Any = None) -> RowIssue | None:
    """Binary scores are probabilities in [0, 1] unless ``from_logits``."""
    if params.get("from_logits"):
        return None
    bad = _outside_unit(inputs["y_pred"])
    return RowIssue("y_pred", bad, "be a probability in [0, 1]", _logits_hint()) if bad.any() else None


def thresholded(inputs: Mapping[str, Any], params: Mapping[str, Any], ignored: Any = None) -> RowIssue | None:
    """A default threshold (0.5) is for probabilities: a score outside [0, 1] with no
    ``--threshold`` (and, where the loss has it, no ``--from-logits``) would be cut at
    0.5 and give a wrong rate, so it is refused with the fix."""
    if params.get("threshold") is not None or params.get("from_logits"):
        return None
    bad = _outside_unit(inputs["y_pred"])
    if not bad.any():
        return None
    logits = param("from_logits", boolean=True)
    fix = f"use {logits} for scores or logits (threshold 0), or " if "from_logits" in params else "give "
    return RowIssue(
        "y_pred",
        bad,
        "be a probability in [0, 1] (the default threshold 0.5 is for probabilities)",
        fix + param("threshold", "T", placeholder=True),
    )


def probability_rows(
    inputs: Mapping[str, Any], params: Mapping[str, Any], ignored: Any = None
) -> RowIssue | None:
    """Multiclass probabilities: each in [0, 1], each row summing to 1 within 1e-6."""
    k = inputs["y_pred"].shape[1]
    if params.get("from_logits"):
        return _class_weights(params, k)
    return _distribution("y_pred", inputs["y_pred"], params, ignored) or _class_weights(params, k)


def _fixes(params: Mapping[str, Any], role: str) -> str:
    """Only the options this loss has: --from-logits, --log-input, --normalize."""
    fixes = []
    if role == "y_pred" and "from_logits" in params:
        fixes.append(f"use {param('from_logits', boolean=True)} if these are logits")
    if role == "y_pred" and "log_input" in params:
        fixes.append(f"use {param('log_input', boolean=True)} if these are log-probabilities")
    if role == "y_pred" and "normalize" in params:
        fixes.append(f"{param('normalize', boolean=True)} renormalises rows")
    return "; ".join(fixes) or f"check the columns given to {spelled('label')} and {spelled('pred')}"


def _distribution(role: str, p: Any, params: Mapping[str, Any], ignored: Any = None) -> RowIssue | None:
    in_unit = p.size and p.min() >= 0.0 and p.max() <= 1.0  # fast path: finite, in [0, 1]
    if in_unit and not (np.abs(p.sum(axis=1) - 1.0) > ROW_SUM_TOL).any():
        return None
    unusable = ~np.isfinite(p).all(axis=1)  # e.g. an all-zero row after --normalize
    if unusable.any():
        return RowIssue(
            role, unusable, "hold a row that can be normalised (its sum is 0)", "fix the row, or drop it"
        )
    hint = _fixes(params, role)
    bad = _outside_unit(p)
    if ignored is not None:
        bad &= ~ignored
    if bad.any():
        return RowIssue(role, bad, "hold probabilities in [0, 1]", hint)
    sums = p.sum(axis=1)
    off = np.abs(sums - 1.0) > ROW_SUM_TOL
    if ignored is not None:
        off &= ~ignored
    if off.any():
        first = float(sums[int(np.argmax(off))])
        return RowIssue(role, off, "sum to 1 in each row", _sum_fixes(params, role), sum_detail(first))
    return None


def sum_detail(total: float) -> str:
    """``its probabilities sum to 1.0312 (off by 0.0312; tolerance 1e-06)``: the sum with
    enough digits to show how far it is from 1."""
    off = abs(total - 1.0)
    digits = max(6, math.ceil(-math.log10(off)) + 2) if 0 < off < 1 else 6
    return f"its probabilities sum to {total:.{digits}g} (off by {off:.3g}; tolerance {ROW_SUM_TOL:g})"


def _sum_fixes(params: Mapping[str, Any], role: str) -> str:
    """Rows that do not sum to 1: renormalise them (where the loss can), or read them as scores."""
    fixes = []
    if role == "y_pred" and "normalize" in params:
        fixes.append(f"{param('normalize', boolean=True)} renormalises each row to sum to 1")
    if role == "y_pred" and "from_logits" in params:
        fixes.append(
            f"use {param('from_logits', boolean=True)} if these are scores (logits), not probabilities"
        )
    if role == "y_pred" and "log_input" in params:
        fixes.append(f"use {param('log_input', boolean=True)} if these are log-probabilities")
    return "; ".join(fixes) or "normalise each row to sum to 1"


def _class_weights(params: Mapping[str, Any], k: int) -> RowIssue | None:
    from losscli.errors import UsageError

    text = params.get("class_weight")
    if not text:
        return None
    try:
        weights = [float(v) for v in str(text).split(",")]
    except ValueError:
        raise UsageError(
            f"{param('class_weight')} takes K numbers separated by commas, not '{text}'"
        ) from None
    if len(weights) != k or any(w < 0 or w != w for w in weights):
        raise UsageError(
            f"{param('class_weight')} needs {k} non-negative numbers (one per class), got '{text}'"
        )
    return None


def log_probability_rows(
    inputs: Mapping[str, Any], params: Mapping[str, Any], ignored: Any = None
) -> RowIssue | None:
    """nll takes log-probabilities: every value ≤ 0."""
    bad = (inputs["y_pred"] > 0).any(axis=1)
    if bad.any():
        return RowIssue(
            "y_pred",
            bad,
            "hold log-probabilities (<= 0)",
            f"for probabilities use cross-entropy; for logits cross-entropy {param('from_logits', boolean=True)}",
        )
    return _class_weights(params, inputs["y_pred"].shape[1])


def scores(inputs: Mapping[str, Any], params: Mapping[str, Any], ignored: Any = None) -> RowIssue | None:
    """Scores of any value; only the class-weight list is checked."""
    return _class_weights(params, inputs["y_pred"].shape[1])


def distributions(
    inputs: Mapping[str, Any], params: Mapping[str, Any], ignored: Any = None
) -> RowIssue | None:
    """Targets p and predictions q are distributions (q may be log q or logits)."""
    issue = _distribution("y_true", inputs["y_true"], params)
    if issue or params.get("from_logits"):
        return issue
    if params.get("log_input"):
        bad = (inputs["y_pred"] > 0).any(axis=1)
        return (
            RowIssue("y_pred", bad, f"hold log-probabilities (<= 0) with {param('log_input', boolean=True)}")
            if bad.any()
            else None
        )
    issue = _distribution("y_pred", inputs["y_pred"], params)
    if issue is None and "log_input" in params:  # kl-div: q = 0 where p > 0 makes KL infinite
        bad = ((inputs["y_pred"] == 0) & (inputs["y_true"] > 0)).any(axis=1)
        if bad.any():
            return RowIssue(
                "y_pred",
                bad,
                "be > 0 where the target is > 0 (KL would be infinite)",
                "smooth the predictions",
            )
    return issue


def label_matrix(
    inputs: Mapping[str, Any], params: Mapping[str, Any], ignored: Any = None
) -> RowIssue | None:
    """Multi-label targets are 0/1; scores are probabilities unless ``from_logits``."""
    y = inputs["y_true"]
    bad: NDArray[np.bool_] = np.asarray(~np.isin(y, (0.0, 1.0)).all(axis=1))
    if bad.any():
        return RowIssue("y_true", bad, "hold 0/1 labels", "one column per label, 1 where the label applies")
    if "threshold" in params:  # hamming: a default threshold is for probabilities
        return thresholded(inputs, params, ignored)
    if params.get("from_logits") or "from_logits" not in params:
        return None
    bad = _outside_unit(inputs["y_pred"])
    return RowIssue("y_pred", bad, "hold probabilities in [0, 1]", _logits_hint()) if bad.any() else None
