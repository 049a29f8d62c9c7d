"""``--significance ALPHA``: is a worsening against a baseline real, or noise?

Δ = value − baseline. Paired, when the baseline stores the bootstrap sums of the same
units (the same rows, or the same ``--id`` values, as ``--write-baseline`` writes them):
the BCa bootstrap of Δ with the same resamples for both, and the p-value of Δ = 0 by
inverting it (losscli.intervals.Bootstrap). Otherwise, from the two bootstrap
distributions taken apart: Δ ± z·√(se₁² + se₂²) with se from each interval's width,
p = 2·(1 − Φ(|Δ| / √(se₁² + se₂²))).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from losscli.errors import UsageError
from losscli.intervals import Bootstrap, CiSettings, paired, statistic
from losscli.losses.registry import get_loss
from losscli.neutralise import quote
from losscli.results import LossResult, UnitTable


@dataclass(frozen=True)
class Difference:
    """Δ = value − baseline with its interval and two-sided p-value; ``paired`` or not."""

    difference: float
    low: float
    high: float
    p_value: float
    paired: bool


def difference_to(
    result: LossResult, base_value: float, table: UnitTable | None, path: str, settings: CiSettings
) -> Difference:
    """The significance of ``result.value − base_value`` (see the module docstring)."""
    label = result.label or result.loss
    if result.units is None:
        raise UsageError(
            f"--significance: {label} keeps no bootstrap sums a baseline can be paired with (its value is "
            "not a mean-like function of per-row sums)",
            "compare the two models' predictions on the same rows with 'losscli compare' instead",
        )
    if table is None:
        raise UsageError(
            f"--significance: the baseline {path} holds no bootstrap statistics for {quote(label)}",
            "write the baseline again with --write-baseline (it stores them), or leave out --significance",
        )
    spec = get_loss(result.loss)
    f_now, f_then = statistic(spec, result.units.per_count), statistic(spec, table.per_count)
    assert f_now is not None and f_then is not None
    now, then = np.array(result.units.sums), np.array(table.sums)
    delta = result.value - base_value
    if _same_units(result.units, table) and now.shape[1] == then.shape[1]:
        boot = paired(now, f_now, then, f_then, delta, settings)
        low, high = boot.interval()
        return Difference(delta, low, high, boot.p_value(0.0), True)
    a = Bootstrap(now, f_now, result.value, settings).interval()
    b = Bootstrap(then, f_then, base_value, settings).interval()
    z = NormalDist().inv_cdf(0.5 + settings.level / 2)
    se = math.hypot((a[1] - a[0]) / (2 * z), (b[1] - b[0]) / (2 * z))
    if se == 0:
        return Difference(delta, delta, delta, 1.0 if delta == 0 else 0.0, False)
    p = 2.0 * (1.0 - NormalDist().cdf(abs(delta) / se))
    return Difference(delta, delta - z * se, delta + z * se, p, False)


def _same_units(now: UnitTable, then: UnitTable) -> bool:
    """Paired only over the same rows: the same kind of unit and the same fingerprint of
    the rows and their labels (bucket sums of other rows would pair by accident)."""
    if now.unit != then.unit or now.bucketed != then.bucketed or now.fingerprint is None:
        return False
    return now.fingerprint == then.fingerprint and (now.bucketed or now.keys == then.keys)
