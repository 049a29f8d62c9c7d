"""Tables of roc-auc's and pr-auc's multiclass details: each class's (one vs rest) or each
pair's (one vs one) value, after the summary table (terminal, plain text and Markdown)."""

from __future__ import annotations

from typing import Any

from losscli.render.model import Cell, Grid, cells
from losscli.results import LossResult

COLUMN_NOTE = "class: the score column, counted from 0 (JSON columns.pred names it)"


def one_vs_rest(result: LossResult, rows: list[dict[str, Any]]) -> list[Grid]:
    """One row per class: its rows and its value against every other class (blank: no
    weight, so not in a weighted average)."""
    table: list[list[Cell]] = [[str(r["class"]), float(r["rows"]), r["value"]] for r in rows]
    name = result.title or result.loss
    return [
        Grid(
            f"{name}: one vs rest", ["class", "rows", "value"], cells(table), [False, True, True], COLUMN_NOTE
        )
    ]


def one_vs_one(result: LossResult, rows: list[dict[str, Any]]) -> list[Grid]:
    """One row per pair of classes: the mean of its two one-vs-one values (Hand & Till)."""
    table: list[list[Cell]] = [[f"{r['classes'][0]} vs {r['classes'][1]}", r["value"]] for r in rows]
    name = result.title or result.loss
    return [Grid(f"{name}: one vs one", ["classes", "value"], cells(table), [False, True], COLUMN_NOTE)]
