"""A comparison (``losscli compare``) as grids, JSON, Markdown and JUnit: no rich here."""

from __future__ import annotations

import json

from losscli.render.model import Grid, ci_cells, number, numbers
from losscli.results import CompareResult, ModelComparison


def signed(x: float) -> str:
    """A difference with its sign: ``+0.014``, ``-0.2``."""
    text = number(x)
    return text if text.startswith("-") else "+" + text


def p_text(p: float) -> str:
    """A p-value as people read it: ``0.003``, ``< 0.001``."""
    return "< 0.001" if p < 0.001 else f"{p:.3g}"


def comparison_grids(result: CompareResult) -> list[Grid]:
    """Per loss: each model's value and interval, its difference to the reference with
    the paired interval, the p-value, the share of rows it wins, and the verdict."""
    grids = []
    level = f"{result.comparisons[0].ci.level * 100:g}%" if result.comparisons else "95%"
    for loss in dict.fromkeys(c.loss for c in result.comparisons):
        rows = []
        ours = [c for c in result.comparisons if c.loss == loss]
        found = [next(r for r in run.results if (r.label or r.loss) == loss) for run in result.runs]
        values = numbers([r.value for r in found])  # one digit rule per column
        intervals = ci_cells([r.ci for r in found])
        for i, model in enumerate(result.models):
            c = next((c for c in ours if c.model == model), None)
            rows.append(
                [
                    model + (" (ref)" if model == result.reference else ""),
                    values[i],
                    intervals[i],
                    "" if c is None else signed(c.difference),
                    "" if c is None else f"{signed(c.ci.low)} … {signed(c.ci.high)}",
                    "" if c is None else p_text(c.p_value),
                    "" if c is None or c.win_rate is None else f"{c.win_rate:.1%}",
                    "" if c is None else c.verdict,
                ]
            )
        headers = ["model", "value", f"{level} CI", "Δ", f"Δ {level} CI", "p", "rows won", "verdict"]
        footer = "Δ = model − reference (ref); " + (
            "p-values Holm-adjusted over the models" if result.adjusted else "paired over the same rows"
        )
        grids.append(
            Grid(
                f"{loss} · {result.runs[0].source.rows_used:,} rows, paired",
                headers,
                rows,
                [False, True, True, True, True, True, True, False],
                footer,
                ("rows won", "p", f"{level} CI", "Δ", "value"),
                wrap=("verdict",),
                essential=("model", f"Δ {level} CI", "verdict"),
            )
        )
    return grids


def comparison_detail(c: ModelComparison) -> str:
    """``0.512 vs pred_old 0.498: +0.014 (95% CI +0.006 … +0.022), p = 0.001``: what a
    verdict line says after ``FAIL mse pred_new``."""
    return (
        f"{number(c.value)} vs {c.reference} {number(c.reference_value)}: {signed(c.difference)} "
        f"({c.ci.level * 100:g}% CI {signed(c.ci.low)} … {signed(c.ci.high)}), p = {c.p_value:.3g}"
    )


def comparison_json(result: CompareResult) -> str:
    return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"


def comparison_markdown(result: CompareResult) -> str:
    from losscli.render.text import grid_markdown

    note = "\n*p-values Holm-adjusted over the models*\n" if result.adjusted else ""
    return "\n\n".join(grid_markdown(g) for g in comparison_grids(result)) + note


def comparison_junit(result: CompareResult) -> str:
    """JUnit XML: a testcase per gate (--fail-if-worse / --require-better), else one per
    comparison (passed: it is a report, not a gate)."""
    from losscli.checks import CheckResult
    from losscli.render.junit import to_junit

    def report(c: ModelComparison) -> CheckResult:
        detail = f"{c.verdict}: {comparison_detail(c)}"
        return CheckResult(
            f"{c.loss} {c.model}", c.loss, "baseline", None, c.value, c.reference_value, True, detail, ci=c.ci
        )

    checks = list(result.checks) or [report(c) for c in result.comparisons]
    return to_junit(checks, suite="losscli compare")
