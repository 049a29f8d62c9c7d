"""What to compute: a loss with bound parameters, and where its column goes.

``parse_job("huber:delta=2")`` is the ``eval -l`` syntax; values are parsed by
the parameter's type (``true/false`` for booleans).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from losscli import spelling
from losscli.errors import UsageError
from losscli.losses.registry import get_loss, resolve
from losscli.options import spelled
from losscli.spec import COMPAT_PRESETS, LossSpec, Param

LossArg = str | LossSpec | tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class LossJob:
    """One loss to evaluate: its spec, bound parameters, its per-sample column and its
    label (:meth:`LossSpec.named`: the loss's name in every output, the key of gates,
    baselines and ``-f value`` lines)."""

    spec: LossSpec
    params: dict[str, Any]
    column: str = "loss"
    compat: str | None = None
    label: str = ""


def make_jobs(
    losses: LossArg | Sequence[LossArg], params: Mapping[str, Any] | None = None, compat: str | None = None
) -> list[LossJob]:
    """Jobs for one loss (``"mse"``, ``"huber:delta=2"``, ``("huber", {"delta": 2})``) or several.

    Parameter values: the spec's defaults < the ``compat`` preset's < the given ones.
    """
    if compat is not None and compat not in COMPAT_PRESETS:
        raise UsageError(f"unknown {spelled('compat', compat)}", f"use one of {', '.join(COMPAT_PRESETS)}")
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
        bound = spec.bind(spec.with_compat(compat, given))
        jobs.append(LossJob(resolve(spec, bound), bound, compat=compat))
    if not jobs:
        raise UsageError("no loss given")
    labels = [j.spec.named(j.params) for j in jobs]
    twice = next((label for label in labels if labels.count(label) > 1), None)
    if twice is not None:
        raise UsageError(f"{twice} is asked for twice", "give each loss once (or with other parameters)")
    return [
        LossJob(j.spec, j.params, _column(j, label, jobs), j.compat, label)
        for j, label in zip(jobs, labels, strict=True)
    ]


def _column(job: LossJob, label: str, jobs: list[LossJob]) -> str:
    """The per-sample column: ``loss`` for one loss, ``loss_<name>`` for several, the
    name as :meth:`LossSpec.named` spells it (``loss_huber(delta=2.0)``, SPEC §8) —
    except for a loss whose value is not the mean of ℓ (rmse, r2, rmsle, max-error):
    its ℓ is not a loss of its own, so its column is named for what ℓ is
    (``squared_error``), one column shared by every such loss with the same ℓ (r2 and
    rmse; f1 and accuracy share ``misclassified``); ``squared_error_<name>`` if two such
    losses' ℓ differ (other parameters of their kernel)."""
    name = job.spec.per_sample
    if not name:
        return f"loss_{label}" if len(jobs) > 1 else "loss"
    alike = [(j.spec.kernel, _kernel_params(j)) for j in jobs if j.spec.per_sample == name]
    return name if len(set(map(repr, alike))) == 1 else f"{name}_{label}"


def _kernel_params(job: LossJob) -> dict[str, Any]:
    """The parameters ℓ depends on: those its kernel names (f1's ``average`` shapes its
    value, not ℓ)."""
    import inspect

    named = inspect.signature(job.spec.load_kernel()).parameters
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return {k: v for k, v in job.params.items() if k in named and named[k].kind in kinds}


def parse_job(text: str) -> tuple[LossSpec, dict[str, Any]]:
    """``"huber:delta=2,..."`` → (spec, {"delta": 2.0}). A text parameter takes a comma
    list: ``"quantile:levels=0.05,0.5,0.95"`` (a part without ``=`` continues it)."""
    name, _, rest = text.partition(":")
    spec = get_loss(name)
    known = {p.name: p for p in spec.params}
    values: dict[str, Any] = {}
    last: Param | None = None
    for pair in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, raw = pair.partition("=")
        if not eq and last is not None and last.type is str and not last.choices:
            values[last.name] += "," + pair
            continue
        key = key.strip().replace("-", "_")
        if not eq or key not in known:
            choices = ", ".join(known) or "none"
            raise UsageError(f"bad loss parameter '{pair}' in '{text}'", f"{spec.name} takes: {choices}")
        values[key] = parse_value(known[key], raw.strip())
        last = known[key]
    return spec, values


def parse_value(param: Param, raw: str) -> Any:
    """A parameter value from text, by the parameter's type."""
    if param.type is bool:
        lowered = raw.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise UsageError(f"{spelling.param(param.name)} takes true or false, not '{raw}'")
    try:
        return param.type(raw)
    except ValueError:
        raise UsageError(f"{spelling.param(param.name)} takes a {param.type.__name__}, not '{raw}'") from None
