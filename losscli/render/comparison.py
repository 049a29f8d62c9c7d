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
                    model + (" (reference)" if model == result.reference else ""),
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
        footer = "p-values Holm-adjusted over the models" if result.adjusted else ""
        grids.append(
            Grid(
                f"{loss} · {result.runs[0].source.rows_used:,} rows, paired",
                headers,
                rows,
                [False, True, True, True, True, True, True, False],
                footer,
                ("rows won", "p", f"{level} CI"),
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
