"""What to compute: a loss with bound parameters, and where its column goes.

``parse_job("huber:delta=2")`` is the ``eval -l`` syntax; values are parsed by
the parameter's type (``true/false`` for booleans).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from losscli.errors import UsageError
from losscli.losses.registry import get_loss
from losscli.spec import COMPAT_PRESETS, LossSpec, Param

LossArg = str | LossSpec | tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class LossJob:
    """One loss to evaluate: its spec, bound parameters, and output column name."""

    spec: LossSpec
    params: dict[str, Any]
    column: str = "loss"
    compat: str | None = None


def make_jobs(
    losses: LossArg | Sequence[LossArg], params: Mapping[str, Any] | None = None, compat: str | None = None
) -> list[LossJob]:
    """Jobs for one loss (``"mse"``, ``"huber:delta=2"``, ``("huber", {"delta": 2})``) or several.

    Parameter values: the spec's defaults < the ``compat`` preset's < the given ones.
    """
    if compat is not None and compat not in COMPAT_PRESETS:
        raise UsageError(f"unknown --compat '{compat}'", f"use one of {', '.join(COMPAT_PRESETS)}")
    items: Sequence[LossArg] = [losses] if isinstance(losses, (str, LossSpec, tuple)) else losses
    jobs = []
    for item in items:
        if isinstance(item, LossSpec):
            spec, given = item, {}
        elif isinstance(item, tuple):
            spec, given = get_loss(item[0]), dict(item[1])
        else:
            spec, given = parse_job(item)
        if len(items) == 1 and params:
            given = {**given, **params}
        jobs.append(LossJob(spec, spec.bind(spec.with_compat(compat, given)), compat=compat))
    if not jobs:
        raise UsageError("no loss given")
    if len(jobs) > 1:
        jobs = [LossJob(j.spec, j.params, f"loss_{j.spec.named(j.params)}", j.compat) for j in jobs]
        columns = [j.column for j in jobs]
        twice = next((c for c in columns if columns.count(c) > 1), None)
        if twice is not None:
            name = twice.removeprefix("loss_")
            raise UsageError(f"{name} is asked for twice", "give each loss once (or with other parameters)")
    return jobs


def parse_job(text: str) -> tuple[LossSpec, dict[str, Any]]:
    """``"huber:delta=2,..."`` → (spec, {"delta": 2.0})."""
    name, _, rest = text.partition(":")
    spec = get_loss(name)
    known = {p.name: p for p in spec.params}
    values: dict[str, Any] = {}
    for pair in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not eq or key not in known:
            choices = ", ".join(known) or "none"
            raise UsageError(f"bad loss parameter '{pair}' in '{text}'", f"{spec.name} takes: {choices}")
        values[key] = parse_value(known[key], raw.strip())
    return spec, values


def parse_value(param: Param, raw: str) -> Any:
    """A parameter value from text, by the parameter's type."""
    if param.type is bool:
        lowered = raw.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise UsageError(f"{param.option} takes true or false, not '{raw}'")
    try:
        return param.type(raw)
    except ValueError:
        raise UsageError(f"{param.option} takes a {param.type.__name__}, not '{raw}'") from None
