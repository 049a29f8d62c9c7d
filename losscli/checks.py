"""CI gates over results: ``max``/``min`` limits and baselines with tolerances.

A gate compares one loss's reported value (``min-skill``: its skill against the
``--vs-dummy`` dummy). "Worse" follows the loss's direction (``higher_is_better``).
A NaN or infinite value never passes.
Without ``rtol``/``atol`` a baseline tolerates only float noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from losscli.errors import UsageError
from losscli.results import ConfidenceInterval, DummyScore, LossResult

FLOAT_NOISE = 1e-12
Kind = Literal["max", "min", "baseline", "min-skill"]


@dataclass(frozen=True)
class Gate:
    """One check to run on the result of ``loss`` (a loss name, or an eval column label)."""

    loss: str
    kind: Kind
    limit: float | None = None
    baseline: float | None = None
    rtol: float | None = None
    atol: float | None = None
    name: str | None = None
    allow_missing: bool = False
    missing: str | None = None  # why there is no baseline (Baseline.missing), for the verdict


@dataclass(frozen=True)
class CheckResult:
    """A gate's outcome, as JSON ``checks`` entries and verdict lines show it."""

    name: str
    loss: str
    kind: Kind
    limit: float | None
    value: float
    baseline: float | None
    passed: bool
    detail: str
    file: str | None = None
    params: dict[str, Any] | None = None
    ci: ConfidenceInterval | None = None  # the value's --ci interval
    groups: tuple[dict[str, Any], ...] | None = None  # a check with ``by``: each group's value
    dummy: DummyScore | None = None  # the check's --vs-dummy skill (losscli check)

    def to_check_dict(self) -> dict[str, Any]:
        """The ``losscli check --format json`` entry (SPEC §8), with ``groups`` (as in a
        result's JSON: ``{"group", "value", "count"}``) when the check has ``by``; the
        verdict is the whole input's."""
        return (
            {
                "name": self.name,
                "file": self.file,
                "loss": self.loss,
                "params": self.params or {},
                "value": _json_float(self.value),
                "kind": self.kind,
                "limit": self.limit,
                "baseline": self.baseline,
                "passed": self.passed,
                "detail": self.detail,
            }
            | ({"ci": self.ci.to_dict()} if self.ci is not None else {})
            | (self.dummy.to_dict() if self.dummy is not None else {})
            | ({"groups": list(self.groups)} if self.groups is not None else {})
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "loss": self.loss,
            "kind": self.kind,
            "limit": self.limit,
            "value": _json_float(self.value),
            "baseline": self.baseline,
            "passed": self.passed,
            "detail": self.detail,
        } | ({"ci": self.ci.to_dict()} if self.ci is not None else {})

    def verdict_line(self) -> str:
        """``FAIL name detail``: one line whatever the name holds (a newline cannot forge a PASS)."""
        from losscli.neutralise import line

        return line(f"{'PASS' if self.passed else 'FAIL'} {self.name} {self.detail}")


@dataclass(frozen=True)
class CheckReport:
    """What ``losscli check`` reports: the config it ran (as shown: relative to the working
    directory) and every check's outcome, in config order."""

    config: str
    checks: list[CheckResult]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def _apart(a: float, b: float, digits: int = 6) -> tuple[str, str]:
    """``a`` and ``b`` to ``digits`` significant digits, more when they would read alike
    but differ (0.5000001 vs max 0.5 is not ``0.5 > max 0.5``)."""
    for d in range(digits, 18):
        x, y = f"{a:.{d}g}", f"{b:.{d}g}"
        if x != y or a == b:
            return x, y
    return repr(a), repr(b)


def _json_float(x: float) -> float | None:
    return x if math.isfinite(x) else None


def gated(gate: Gate, result: LossResult) -> tuple[float, ConfidenceInterval | None]:
    """What ``gate`` compares of ``result`` and its interval: the skill for ``min-skill``
    (NaN without a dummy, or when undefined), else the value."""
    if gate.kind == "min-skill":
        return (math.nan if result.skill is None else result.skill), None
    return result.value, result.ci


def run_gate(gate: Gate, value: float, higher_is_better: bool) -> CheckResult:
    """Compare ``value`` with the gate's limit or baseline; the detail says why it passed
    or failed (``0.512 > max 0.5``, ``skill 0.43 >= min-skill 0.2``)."""
    name = gate.name or gate.loss
    if gate.kind == "min-skill":
        return _skill(gate, name, value)
    if not math.isfinite(value):
        detail = f"{value:.6g} is not a number"
        return CheckResult(name, gate.loss, gate.kind, gate.limit, value, gate.baseline, False, detail)
    if gate.kind in ("max", "min"):
        assert gate.limit is not None
        ok = value <= gate.limit if gate.kind == "max" else value >= gate.limit
        relation = {("max", True): "<=", ("max", False): ">", ("min", True): ">=", ("min", False): "<"}
        shown, limit = _apart(value, gate.limit)
        detail = f"{shown} {relation[gate.kind, ok]} {gate.kind} {limit}"
        return CheckResult(name, gate.loss, gate.kind, gate.limit, value, None, ok, detail)
    return _baseline(gate, name, value, higher_is_better)


def _skill(gate: Gate, name: str, skill: float) -> CheckResult:
    """``--min-skill X``: passes when skill ≥ X; an undefined skill (constant labels) fails."""
    assert gate.limit is not None
    if not math.isfinite(skill):
        detail = "skill is undefined (the labels are constant: the dummy predicts them exactly)"
        return CheckResult(name, gate.loss, gate.kind, gate.limit, skill, None, False, detail)
    ok = skill >= gate.limit
    shown, limit = _apart(skill, gate.limit)
    detail = f"skill {shown} {'>=' if ok else '<'} min-skill {limit}"
    return CheckResult(name, gate.loss, gate.kind, gate.limit, skill, None, ok, detail)


def _baseline(gate: Gate, name: str, value: float, higher_is_better: bool) -> CheckResult:
    """Passes when the value is worse than the baseline by no more than the tolerance
    max(atol, rtol·|baseline|) (float noise, 1e-12·|baseline|, without either). The
    detail says why: ``0.512 worse than baseline 0.498 by 0.014 > tolerance 0.00996 (rtol 2%)``."""
    base = gate.baseline
    if base is None:
        ok = gate.allow_missing
        why = gate.missing or f"no baseline for '{gate.loss}'"
        detail = f"{value:.6g}: {why}" + (" (allowed)" if ok else "")
        return CheckResult(name, gate.loss, "baseline", None, value, None, ok, detail)
    worse_by = (base - value) if higher_is_better else (value - base)
    if gate.rtol is None and gate.atol is None:
        tolerance = FLOAT_NOISE * max(abs(base), 1e-300)
    else:
        tolerance = max(gate.atol or 0.0, (gate.rtol or 0.0) * abs(base))
    ok = worse_by <= tolerance
    source = _tolerance_source(gate)
    shown, base_shown = _apart(value, base)
    if worse_by > 0:
        by, limit = _apart(worse_by, tolerance, 3)
        relation = "<=" if ok else ">"
        detail = f"{shown} worse than baseline {base_shown} by {by} {relation} tolerance {limit} ({source})"
    else:
        detail = f"{shown} not worse than baseline {base_shown} (tolerance {tolerance:.3g}: {source})"
    return CheckResult(name, gate.loss, "baseline", None, value, base, ok, detail)


def _tolerance_source(gate: Gate) -> str:
    """Where a baseline gate's tolerance comes from: ``rtol 2%``, ``atol 0.01``, both (the
    larger applies), or float noise when neither is given."""
    if gate.rtol is None and gate.atol is None:
        return "float noise only, no rtol/atol"
    parts = []
    if gate.atol is not None:
        parts.append(f"atol {gate.atol:g}")
    if gate.rtol is not None:
        parts.append(f"rtol {gate.rtol * 100:g}%")
    return " and ".join(parts) + (", the larger" if len(parts) == 2 else "")


def parse_tolerance(text: str | float | None, option: str) -> float | None:
    """``0.05`` or ``5%`` → 0.05."""
    if text is None:
        return None
    raw = str(text).strip()
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise UsageError(f"{option} takes a number or a percentage like 5%, not '{text}'") from None
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{option} must be a non-negative number, not '{text}'")
    return value


def parse_limits(items: list[str], option: str, losses: list[str]) -> dict[str, float]:
    """``--max 0.5`` (the only loss) or ``--max mse=0.5`` → {loss name: limit}. A loss is
    named as every output names it (``top-k-error(k=2)``); the registered name alone
    (``top-k-error``) also names it when no other loss of the run has that name."""
    limits: dict[str, float] = {}
    bare = [name.partition("(")[0] for name in losses]
    alone = {b: name for b, name in zip(bare, losses, strict=True) if bare.count(b) == 1}
    for item in items:
        key, eq, raw = item.rpartition("=")  # names may hold '=' (huber(delta=2.0))
        if not eq:
            if len(losses) != 1:
                raise UsageError(f"{option} {item}: say which loss, e.g. {option} {losses[0]}={item}")
            key, raw = losses[0], item
        key = key.strip()
        key = key if key in losses else alone.get(key, key)
        if key not in losses:
            raise UsageError(
                f"{option} {item}: no loss '{key}' in this run", f"losses here: {', '.join(losses)}"
            )
        try:
            limits[key] = float(raw)
        except ValueError:
            raise UsageError(f"{option} {item}: '{raw}' is not a number") from None
        if not math.isfinite(limits[key]):
            raise UsageError(f"{option} {item}: the limit must be a finite number, not '{raw.strip()}'")
    return limits
