"""Which columns per-sample output shows, in which order, under which headers.

``samples`` (csv/tsv/jsonl/``-o``): row number or ``--id``, every used input
column by header name, one loss column per loss (``loss`` or ``loss_<name>``), and
for losses whose value is not the mean of ℓ one column named for ℓ
(``squared_error``), once however many such losses share it. ``table``: the same, except
that multiclass rows show label, predicted class and p(true class), and
K-column tasks show only the losses.
"""

from __future__ import annotations

from dataclasses import dataclass

from losscli.columns import Resolved
from losscli.engine.jobs import LossJob

INPUT_ORDER = ("y_pred", "y_true", "var", "weight")


@dataclass(frozen=True)
class Layout:
    """(key in a RowBlock, header) lists for machine output and for tables."""

    samples: tuple[tuple[str, str], ...]
    table: tuple[tuple[str, str], ...]
    loss_columns: tuple[str, ...]
    worst: str = "loss"  # the column --worst ranks by (one the table shows)


def layouts(columns: Resolved, jobs: list[LossJob]) -> Layout:
    lead = _lead(columns)
    losses = [(column, column) for column in dict.fromkeys(job.column for job in jobs)]  # r2, rmse: one
    inputs = [
        (f"#{p}", name)
        for role in INPUT_ORDER
        for p, name in zip(columns.positions.get(role, []), columns.names.get(role, []), strict=True)
    ]
    same = _repeats(jobs)
    shown = [(c, h) for c, h in losses if c not in same]  # a table says each thing once
    spec = jobs[0].spec
    if spec.task == "multiclass":
        label = [(f"#{columns.positions['y_true'][0]}", columns.name("y_true")), ("@predicted", "predicted")]
        if "from_logits" in jobs[0].params:
            label.append(("@p_true", "p(true)"))
        table = lead + label + shown
    elif spec.label_multi or spec.pred_multi:
        table = lead + shown
    else:
        table = lead + inputs + shown
    first = jobs[0].column
    return Layout(
        tuple(lead + inputs + losses), tuple(table), tuple(c for c, _ in losses), same.get(first, first)
    )


def _repeats(jobs: list[LossJob]) -> dict[str, str]:
    """Per-sample columns a loss column already holds: ``squared_error`` (r2, rmse) →
    ``loss_mse`` when mse is evaluated too (same kernel, same parameters, same numbers)."""
    own = {repr((j.spec.kernel, j.params)): j.column for j in jobs if not j.spec.per_sample}
    found = {j.column: own.get(repr((j.spec.kernel, j.params))) for j in jobs if j.spec.per_sample}
    return {column: same for column, same in found.items() if same is not None}


def _lead(columns: Resolved) -> list[tuple[str, str]]:
    if "id" in columns.positions:
        return [(f"#{columns.positions['id'][0]}", columns.name("id"))]
    return [("row", "row")]
