"""Gates on a loss command or ``eval``: build them from the options, run them on the
result, print verdict lines, and write the reports (JUnit, baseline)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import Any

from losscli.baselines import Baseline, load_baseline
from losscli.checks import CheckResult, Gate, gated, parse_limits, parse_tolerance, run_gate
from losscli.cli.options import CommandOptions
from losscli.errors import UsageError
from losscli.neutralise import quote
from losscli.results import EvalResult, LossResult


def read_baseline(options: CommandOptions, losses: int) -> Baseline | None:
    """``--baseline`` (under ``--baseline-key``) for a run of ``losses`` losses, or None
    without one. A key that names one number (``test.mse``) serves one loss only."""
    if options.baseline is None:
        if options.baseline_key is not None:
            raise UsageError("--baseline-key picks values in a --baseline file: give --baseline too")
        return None
    if options.baseline == "":
        raise UsageError("--baseline was given an empty path", "name a file (is a shell variable unset?)")
    base = load_baseline(options.baseline, options.baseline_key)
    if base.one_number and losses > 1:
        raise UsageError(
            f"--baseline-key {quote(base.key or '')} names one value, and this run has {losses} losses",
            "give the key of the mapping that holds them all (test for test.mse, test.mae)",
        )
    return base


def gates_for(result: EvalResult, options: CommandOptions, baseline: Baseline | None = None) -> list[Gate]:
    """The gates the options ask for, in a stable order: max, min, min-skill, baseline.
    ``baseline``: ``--baseline`` when the caller has already read it."""
    labels = list(result.labelled())
    gates = [Gate(k, "max", limit=v) for k, v in parse_limits(list(options.max), "--max", labels).items()]
    gates += [Gate(k, "min", limit=v) for k, v in parse_limits(list(options.min), "--min", labels).items()]
    skills = parse_limits(list(options.min_skill), "--min-skill", labels)
    gates += [Gate(k, "min-skill", limit=v) for k, v in skills.items()]
    base = baseline if baseline is not None else read_baseline(options, len(labels))
    if base is not None:
        rtol, atol = parse_tolerance(options.rtol, "--rtol"), parse_tolerance(options.atol, "--atol")
        for label in labels:
            value = base.lookup(label)  # top-k-error(k=2) is not compared with a top-k-error baseline
            gates.append(
                Gate(
                    label,
                    "baseline",
                    baseline=value,
                    rtol=rtol,
                    atol=atol,
                    allow_missing=options.allow_missing_baseline,
                    missing=base.missing(label) if value is None else None,
                )
            )
    return gates


def apply_gates(result: EvalResult, options: CommandOptions, baseline: Baseline | None = None) -> EvalResult:
    """The result with its ``checks`` filled in (``baseline``: see :func:`gates_for`)."""
    by_label = result.labelled()
    base = baseline if baseline is not None else read_baseline(options, len(by_label))
    checks = []
    for g in gates_for(result, options, base):
        found = by_label[g.loss]
        value, ci = gated(g, found)
        check = replace(run_gate(g, value, found.higher_is_better), ci=ci)
        if (
            options.significance is not None
            and g.kind == "baseline"
            and g.baseline is not None
            and base is not None
        ):
            check = _significant(check, found, g.baseline, base, options)
        checks.append(check)
    return replace(result, checks=tuple(checks))


def _significant(
    check: CheckResult, found: LossResult, base_value: float, base: Baseline, options: CommandOptions
) -> CheckResult:
    assert options.significance is not None
    settings = (options.resamples, options.seed, options.ci_block)
    return significant(check, found, base_value, base, options.significance, *settings)


def significant(
    check: CheckResult,
    found: LossResult,
    base_value: float,
    base: Baseline,
    alpha: float,
    resamples: int,
    seed: int,
    block: int,
) -> CheckResult:
    """A baseline gate under --significance ALPHA: it fails only when it failed on the
    tolerance (or any worsening, without one) and the worsening is significant at ALPHA."""
    from losscli.intervals import CiSettings
    from losscli.significance import difference_to

    if not 0.0 < alpha < 1.0:
        raise UsageError(f"--significance takes a level between 0 and 1 (e.g. 0.05), not {alpha:g}")
    settings = CiSettings(1.0 - alpha, resamples, seed, block)
    d = difference_to(found, base_value, base.tables.get(found.label or found.loss), base.path, settings)
    worse = d.difference < 0 if found.higher_is_better else d.difference > 0
    is_significant = worse and d.p_value < alpha
    how = "paired" if d.paired else "unpaired"
    said = "significant" if is_significant else "not significant"
    detail = (
        f"{check.detail}; {said} at {alpha:g} ({how}): {d.difference:+.6g} "
        f"({(1 - alpha) * 100:g}% CI {d.low:+.6g} … {d.high:+.6g}), p = {d.p_value:.3g}"
    )
    return replace(check, passed=check.passed or not is_significant, detail=detail)


def print_verdicts(result: EvalResult) -> None:
    """One greppable line per gate on stderr: ``FAIL mse 0.5123 > max 0.5``."""
    for check in result.checks:
        sys.stderr.write(check.verdict_line() + "\n")


def baseline_json(result: EvalResult) -> str:
    """The run's JSON result, each loss with its ``bootstrap`` unit sums (when it has them):
    what a later ``--significance`` gate pairs with. Never the rows themselves."""
    payload: dict[str, Any] = result.to_dict()
    payload.pop("checks", None)
    payload["passed"] = True
    for entry, r in zip(payload["results"], result.results, strict=True):
        if r.units is not None:
            entry["bootstrap"] = r.units.to_dict()
    return json.dumps(payload, indent=2, allow_nan=False) + "\n"
