"""Parameter definitions shared by several losses (one place for their help and constraints)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from losscli.spec import Param

FLOAT64_EPS = 2.220446049250313e-16


def positive(v: Any) -> str | None:
    return None if v > 0 else "must be > 0"


def non_negative(v: Any) -> str | None:
    return None if v >= 0 else "must be >= 0"


def unit_interval(v: Any) -> str | None:
    return None if 0 <= v <= 1 else "must be in [0, 1]"


def smoothing(v: Any) -> str | None:
    return None if 0 <= v < 1 else "must be in [0, 1)"


def small_eps(v: Any) -> str | None:
    return None if 0 < v < 0.5 else "must be in (0, 0.5)"


def at_least_one(v: Any) -> str | None:
    return None if v >= 1 else "must be >= 1"


def by_logits(p: Mapping[str, Any]) -> str:
    """The column family a loss's predictions come from: logits with --from-logits, else
    probabilities (``LossSpec.pred_flavour``)."""
    return "logit" if p.get("from_logits") else "probability"


FROM_LOGITS = Param(
    "from_logits", bool, False, "predictions are logits (unbounded scores), not probabilities"
)
EPS = Param("eps", float, FLOAT64_EPS, "ε: probabilities are clipped to [ε, 1 − ε] (and counted)", small_eps)
LOG_CLAMP = Param(
    "log_clamp", float, None, "torch: floor logs at this value instead of clipping", hidden=True
)
POS_WEIGHT = Param("pos_weight", float, 1.0, "weight of the positive term (torch's pos_weight)", positive)
CLASS_WEIGHT = Param("class_weight", str, None, "K comma-separated class weights; the mean divides by Σ w_y")
IGNORE_LABEL = Param("ignore_label", int, None, "rows with this label are left out (torch's ignore_index)")
NORMALIZE = Param("normalize", bool, False, "renormalise each row of probabilities to sum to 1")
GAMMA = Param("gamma", float, 2.0, "γ, the focusing exponent (>= 0)", non_negative)

CLIPPING_COMPAT = {"torch": {"log_clamp": -100.0}, "keras": {"eps": 1e-7}, "sklearn": {}}
KERAS_EPS = {"keras": {"eps": 1e-7}, "sklearn": {}, "torch": {}}


def bin_count(v: Any) -> str | None:
    return None if 1 <= v <= MAX_BINS else f"must be between 1 and {MAX_BINS:,}"


MAX_BINS = 10_000
BINS = Param("bins", int, 15, "number of calibration bins", bin_count)
STRATEGY = Param(
    "strategy",
    str,
    "uniform",
    "uniform: equal-width bins on [0, 1]; quantile: bins of equal row counts",
    choices=("uniform", "quantile"),
)
