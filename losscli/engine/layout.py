"""Which columns per-sample output shows, in which order, under which headers.

``samples`` (csv/tsv/jsonl/``-o``): row number or ``--id``, every used input column by
header name (predictions, label, variance, standard deviation, interval bounds, weight,
then the ``--by`` group columns, each once), for multiclass losses the predicted class
and p(true class) as the table shows them, then one loss column per loss (``loss`` or
``loss_<name>``), and for losses whose value is not the mean of ℓ one column named for ℓ
(``squared_error``), once however many such losses share it. ``table``: the same,
except that multiclass rows show label, predicted class and p(true class) instead of
the K score columns, K-column tasks show only the losses (an ensemble's or several
quantiles' table shows the label and other inputs, not the K prediction columns),
group columns are left to the groups table, and a ``squared_error`` column that only
repeats ``loss_mse`` is left out (a table says each thing once).

Names: an input column keeps its header name. A column losscli adds (``row``,
``predicted``, ``p(true)``, ``loss``, ``loss_<name>``, ``squared_error``) whose name an
input column of the same row already has gets ``_`` appended until it is free
(``predicted_``), so no two columns of a row share a name (JSON Lines keys, Parquet fields).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from losscli.columns import Resolved
from losscli.engine.jobs import LossJob

INPUT_ORDER = ("y_pred", "y_true", "var", "std", "lower", "upper", "weight", "by")


@dataclass(frozen=True)
class Layout:
    """(key in a RowBlock, header) lists for machine output and for tables."""

    samples: tuple[tuple[str, str], ...]
    table: tuple[tuple[str, str], ...]
    loss_columns: tuple[str, ...]
    worst: str = "loss"  # the column --worst ranks by (one the table shows)
    worst_low: bool = False  # --worst lists its lowest values (coverage: the labels not covered)


def layouts(columns: Resolved, jobs: list[LossJob]) -> Layout:
    lead = _lead(columns)
    inputs = _once(
        lead,
        [
            (f"#{p}", name)
            for role in INPUT_ORDER
            for p, name in zip(columns.positions.get(role, []), columns.names.get(role, []), strict=True)
        ],
    )
    taken = {header for key, header in lead + inputs if key != "row"}
    named = _free_names(taken)
    lead = [(key, named(header)) if key == "row" else (key, header) for key, header in lead]
    losses = [
        (column, named(column)) for column in dict.fromkeys(job.column for job in jobs)
    ]  # r2, rmse: one
    same = _repeats(jobs)
    shown_losses = [(c, h) for c, h in losses if c not in same]  # a table says each thing once
    spec = jobs[0].spec
    if spec.task == "multiclass":
        shown = [("@predicted", named("predicted"))]
        if any("from_logits" in job.params for job in jobs):  # probabilities or logits: p(true) exists
            shown.append(("@p_true", named("p(true)")))
        label = [(f"#{columns.positions['y_true'][0]}", columns.name("y_true"))]
        table = lead + label + shown + shown_losses
        samples = lead + inputs + shown + losses
    elif spec.members and len(columns.positions.get("y_pred", ())) > 1:  # an ensemble, quantiles
        pred = {f"#{p}" for p in columns.positions["y_pred"]} | _group_keys(columns)
        table = lead + [(key, h) for key, h in inputs if key not in pred] + shown_losses
        samples = lead + inputs + losses
    elif spec.label_multi or (spec.pred_multi and not spec.members):
        table, samples = lead + shown_losses, lead + inputs + losses
    else:
        table = lead + [(key, h) for key, h in inputs if key not in _group_keys(columns)] + shown_losses
        samples = lead + inputs + losses
    first = jobs[0].column
    return Layout(
        tuple(samples),
        tuple(table),
        tuple(c for c, _ in losses),
        same.get(first, first),
        jobs[0].spec.worst == "low",
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


def _group_keys(columns: Resolved) -> set[str]:
    return {f"#{p}" for p in columns.positions.get("by", [])}


def _once(lead: list[tuple[str, str]], inputs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each input column once (a --by column that is also the --id column is the id)."""
    seen = {key for key, _ in lead}
    out = []
    for key, header in inputs:
        if key not in seen:
            seen.add(key)
            out.append((key, header))
    return out


def _free_names(taken: set[str]) -> Callable[[str], str]:
    """A namer for added columns: the name, with ``_`` appended while an input column
    (or an added column named before) already has it."""
    used = set(taken)

    def named(name: str) -> str:
        while name in used:
            name += "_"
        used.add(name)
        return name

    return named
