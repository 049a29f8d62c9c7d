"""The confusion matrix of a thresholded classification metric (f1, accuracy, mcc …) as a
table after the summary: one row per true class, one column per predicted class (as
scikit-learn's ``confusion_matrix``), with the totals of each."""

from __future__ import annotations

from typing import Any

from losscli.render.model import Cell, Grid, cells
from losscli.results import LossResult

CORNER = "true \\ predicted"


def confusion_grids(result: LossResult, value: Any) -> list[Grid]:
    """``value``: the result's ``confusion_matrix`` detail ({"labels", "matrix",
    "threshold" for one score column}). Losses with the same matrix and rule show one
    table (:func:`losscli.render.details.detail_grids` shows a grid once)."""
    labels = [str(label) for label in value["labels"]]
    matrix: list[list[float]] = value["matrix"]
    weighted = any(isinstance(x, float) for row in matrix for x in row)
    rows: list[list[Cell]] = [[label, *row, sum(row)] for label, row in zip(labels, matrix, strict=True)]
    columns = [sum(column) for column in zip(*matrix, strict=True)]
    rows.append(["total", *columns, sum(columns)])
    rule = f"1 when score ≥ {value['threshold']:g}" if "threshold" in value else "highest score"
    what = " of weights" if weighted else ""
    title = f"confusion matrix{what} (rows: true class; columns: predicted class, {rule})"
    return [
        Grid(
            title,
            [CORNER, *labels, "total"],
            cells(rows),
            [False] + [True] * (len(labels) + 1),
            drop_first=("total",),
            essential=(CORNER,),
        )
    ]
