"""Gates on a loss command or ``eval``: build them from the options, run them on the
result, print verdict lines, and write the reports (JUnit, baseline)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from losscli.checks import Gate, baseline_value, load_baseline, parse_limits, parse_tolerance, run_gate
from losscli.cli.options import CommandOptions
from losscli.results import EvalResult


def gates_for(
    result: EvalResult, options: CommandOptions, baseline: Mapping[str, float] | None = None
) -> list[Gate]:
    """The gates the options ask for, in a stable order: max, min, baseline.
    ``baseline``: the values of ``--baseline`` when the caller has already read them."""
    labels = list(result.labelled())
    gates = [Gate(k, "max", limit=v) for k, v in parse_limits(list(options.max), "--max", labels).items()]
    gates += [Gate(k, "min", limit=v) for k, v in parse_limits(list(options.min), "--min", labels).items()]
    if options.baseline is not None:  # an empty path is an error, not "no baseline"
        base = load_baseline(options.baseline) if baseline is None else baseline
        rtol, atol = parse_tolerance(options.rtol, "--rtol"), parse_tolerance(options.atol, "--atol")
        for label in labels:
            value = baseline_value(base, label, *([label.partition("_")[0]] if "_" in label else []))
            gates.append(
                Gate(
                    label,
                    "baseline",
                    baseline=value,
                    rtol=rtol,
                    atol=atol,
                    allow_missing=options.allow_missing_baseline,
                )
            )
    return gates


def apply_gates(
    result: EvalResult, options: CommandOptions, baseline: Mapping[str, float] | None = None
) -> EvalResult:
    """The result with its ``checks`` filled in (``baseline``: see :func:`gates_for`)."""
    by_label = result.labelled()
    checks = [
        run_gate(g, by_label[g.loss].value, by_label[g.loss].higher_is_better)
        for g in gates_for(result, options, baseline)
    ]
    return replace(result, checks=tuple(checks))


def print_verdicts(result: EvalResult) -> None:
    """One greppable line per gate on stderr: ``FAIL mse 0.5123 > max 0.5``."""
    for check in result.checks:
        sys.stderr.write(check.verdict_line() + "\n")


def baseline_json(result: EvalResult) -> str:
    payload: dict[str, Any] = result.to_dict()
    payload.pop("checks", None)
    payload["passed"] = True
    return json.dumps(payload, indent=2, allow_nan=False) + "\n"
