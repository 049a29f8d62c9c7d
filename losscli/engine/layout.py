"""Which columns per-sample output shows, in which order, under which headers.

``samples`` (csv/tsv/jsonl/``-o``): row number or ``--id``, every used input
column by header name, one loss column per loss. ``table``: the same, except
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


def layouts(columns: Resolved, jobs: list[LossJob]) -> Layout:
    lead = _lead(columns)
    losses = [(job.column, job.column) for job in jobs]
    inputs = [
        (f"#{p}", name)
        for role in INPUT_ORDER
        for p, name in zip(columns.positions.get(role, []), columns.names.get(role, []), strict=True)
    ]
    spec = jobs[0].spec
    if spec.task == "multiclass":
        label = [(f"#{columns.positions['y_true'][0]}", columns.name("y_true")), ("@predicted", "predicted")]
        if "from_logits" in jobs[0].params:
            label.append(("@p_true", "p(true)"))
        table = lead + label + losses
    elif spec.label_multi or spec.pred_multi:
        table = lead + losses
    else:
        table = lead + inputs + losses
    return Layout(tuple(lead + inputs + losses), tuple(table), tuple(c for c, _ in losses))


def _lead(columns: Resolved) -> list[tuple[str, str]]:
    if "id" in columns.positions:
        return [(f"#{columns.positions['id'][0]}", columns.name("id"))]
    return [("row", "row")]
