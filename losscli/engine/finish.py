"""From merged accumulators to an :class:`EvalResult`, refusing results that are not numbers."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import replace
from typing import Any

from losscli import neutralise
from losscli.aggregate import LossAccumulator
from losscli.errors import DataError
from losscli.results import EvalResult, SourceInfo
from losscli.rows import RowBlock


def finish(
    plan: Any,
    accs: list[LossAccumulator],
    counts: tuple[int, int],
    head: RowBlock | None,
    worst: RowBlock | None,
    groups: list[Any] | None = None,
) -> EvalResult:
    source, columns = plan.source, plan.columns
    seen, used = counts
    unmatched = getattr(source, "unmatched", 0)  # --labels --on: prediction rows without a label
    seen += unmatched
    if used == 0:
        why, hint = _why_no_rows(source, seen, unmatched)
        raise DataError(f"{source.path}: no rows to evaluate: {why}", hint)
    for i, acc in enumerate(accs):
        _refuse_overflow(acc, source.path, columns)
        for key, state in groups[i].items() if groups is not None and groups[i] is not None else ():
            _refuse_overflow(state, source.path, columns, key)
        if acc.total_weight == 0:
            what = (
                f"the weights in column '{columns.name('weight')}'"
                if "weight" in columns.names
                else "the weights"
            )
            raise DataError(f"{source.path}: {acc.spec.name}: {what} sum to 0 (or every row was ignored)")
    results = tuple(
        replace(
            acc.result(),
            label=job.column.removeprefix("loss_") if job.column != "loss" else job.spec.name,
            groups=None if groups is None else (groups[i].results() if groups[i] is not None else ()),
        )
        for i, (acc, job) in enumerate(zip(accs, plan.jobs, strict=True))
    )
    for r in results:
        if not all(math.isfinite(x) for x in (r.value, r.mean, r.sum)):
            raise DataError(
                f"{source.path}: {r.loss} is not finite (value {r.value}, sum {r.sum}): "
                "the values are too large for float64",
                "rescale the predictions and labels",
            )
    info = SourceInfo(source.path, source.format, seen, used, seen - used)
    return EvalResult(
        source=info,
        columns=describe_columns(columns.names),
        results=results,
        head=head,
        worst=worst,
        warnings=tuple(w for r in results for w in r.warnings) + _unmatched_warning(unmatched, source),
        loss_columns=plan.layout.loss_columns,
        layout=plan.layout,
    )


def _why_no_rows(source: Any, seen: int, unmatched: int) -> tuple[str, str]:
    """Why no row was left: no data rows, no label matched the --on key, or --nan drop."""
    if seen == 0:
        return "the input has no data rows", "a mean of nothing is not a number"
    if unmatched == seen:
        return (
            f"none of its {seen} rows has a label in {source.labels.path} (no value of key '{source.on}' matched)",
            "check that --on names the same key in both files and that the values are spelled alike "
            "(keys compare as text: 7 and 7.0 differ)",
        )
    dropped = seen - unmatched
    if unmatched:
        return (
            f"{unmatched} rows have no label in {source.labels.path} (key '{source.on}') "
            f"and the other {dropped} were dropped (--nan drop)",
            "a mean of nothing is not a number",
        )
    return f"all {seen} rows were dropped (--nan drop)", "a mean of nothing is not a number"


def _refuse_overflow(acc: LossAccumulator, path: str, columns: Any, group: Hashable | None = None) -> None:
    """Exit 2 when a sum behind ``acc``'s result overflowed float64: never a wrong number."""
    which = acc.overflow()
    if which is None:
        return
    weighted = "weight" in columns.names
    if weighted and ("weight" in which or "Σwℓ" in which):
        hint = (
            f"divide every value of the weight column '{columns.name('weight')}' by the same factor "
            "(e.g. 1e300): the weighted mean does not change"
        )
    else:
        hint = "rescale the predictions and labels"
    where = "" if group is None else f" (group {neutralise.quote(str(group))})"
    raise DataError(f"{path}: {acc.spec.name}{where}: {which} overflows float64 (it is not finite)", hint)


def describe_columns(names: dict[str, list[str]]) -> dict[str, Any]:
    """The JSON ``columns`` object: pred is always a list, label a name (or a list for K labels)."""
    label = names["y_true"]
    described: dict[str, Any] = {
        "pred": list(names["y_pred"]),
        "label": label[0] if len(label) == 1 else list(label),
        "weight": names["weight"][0] if "weight" in names else None,
    }
    for role in ("var", "id", "by"):
        if role in names:
            described[role] = names[role][0]
    return described


def _unmatched_warning(unmatched: int, source: Any) -> tuple[str, ...]:
    if not unmatched:
        return ()
    return (
        f"{unmatched} rows of {source.main.path} have no label in {source.labels.path} (key '{source.on}'); left out",
    )
