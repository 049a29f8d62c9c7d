"""From merged accumulators to an :class:`EvalResult`, refusing results that are not numbers."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import replace
from functools import partial
from typing import Any

from losscli import neutralise
from losscli.accumulate.dummy import DummyError, warned
from losscli.accumulate.groups import GroupAccumulator
from losscli.accumulate.loss import LossAccumulator
from losscli.accumulate.rows import RowBlock
from losscli.accumulate.summary import summary_undefined, summary_warnings
from losscli.columns import Resolved
from losscli.engine.plan import Plan
from losscli.errors import DataError
from losscli.intervals import CiSettings, NoInterval
from losscli.io.joined import JoinedSource
from losscli.options import spelled
from losscli.results import ConfidenceInterval, EvalResult, SourceInfo, UnitTable


def finish(
    plan: Plan,
    accs: list[LossAccumulator],
    counts: tuple[int, int],
    head: RowBlock | None,
    worst: RowBlock | None,
    groups: list[GroupAccumulator | None] | None = None,
    ci: CiSettings | None = None,
) -> EvalResult:
    source, columns = plan.source, plan.columns
    seen, used = counts
    joined = source if isinstance(source, JoinedSource) else None
    unmatched = joined.unmatched if joined is not None else 0  # --labels --on: rows without a label
    seen += unmatched
    if used == 0:
        why, hint = _why_no_rows(joined, seen, unmatched)
        raise DataError(f"{source.path}: no rows to evaluate: {why}", hint)
    per_job = groups if groups is not None else [None] * len(accs)
    by = columns.names.get("by", [])
    for acc, grouped in zip(accs, per_job, strict=True):
        _refuse_overflow(acc, source.path, columns)
        for key, state in grouped.items() if grouped is not None else ():
            _refuse_overflow(state, source.path, columns, key)
        if acc.total_weight == 0:
            what = (
                f"the weights in column '{columns.name('weight')}'"
                if "weight" in columns.names
                else "the weights"
            )
            raise DataError(f"{source.path}: {acc.spec.name}: {what} sum to 0 (or every row was ignored)")
        _refuse_undefined(acc, source.path)
        for key, state in grouped.items() if grouped is not None else ():
            _refuse_undefined(state, source.path, key)
    interval = (
        None if ci is None or not ci.intervals else partial(_interval, ci, _unit(ci, columns), source.path)
    )
    try:
        results = tuple(
            warned(  # --vs-dummy: undefined skills
                replace(
                    acc.result(),
                    label=job.label or job.spec.named(job.params),
                    groups=None
                    if groups is None
                    else (grouped.results(by, interval) if grouped is not None else ()),
                    ci=None if interval is None else interval(acc),
                    units=None if ci is None else _table(acc, _unit(ci, columns)),
                )
            )
            for acc, job, grouped in zip(accs, plan.jobs, per_job, strict=True)
        )
    except DummyError as exc:  # a dummy the loss cannot score
        raise DataError(f"{source.path}: {exc.message}", exc.hint) from None
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
        warnings=tuple(w for r in results for w in r.warnings)
        + tuple(w for grouped in per_job if grouped is not None for w in _group_warnings(grouped))
        + _unmatched_warning(unmatched, joined),
        loss_columns=plan.layout.loss_columns,
        layout=plan.layout,
    )


def _unit(ci: CiSettings, columns: Resolved) -> str:
    """What the bootstrap resamples: --id values, blocks of rows, or rows."""
    if "id" in columns.names:
        return f"id {neutralise.quote(columns.name('id'))}"
    return f"block of {ci.block} rows" if ci.block > 1 else "row"


def _table(acc: LossAccumulator, unit: str) -> UnitTable | None:
    """The unit sums a baseline stores: a mean's sums (a summary's own statistics need
    the summary to be read back: no --significance for them)."""
    if acc.units is None or acc.summed() is not None:
        return None
    keys = acc.units.keys_of()
    return UnitTable(
        unit,
        None if keys is None else tuple(int(k) for k in keys),
        tuple(tuple(row) for row in acc.units.units().tolist()),
        acc.per_count,
        acc.fingerprint if acc.fingerprinted else None,
    )


def _interval(
    ci: CiSettings, unit: str, path: str, acc: LossAccumulator, group: Hashable | None = None
) -> ConfidenceInterval:
    """``acc``'s interval; none is exit 2 naming the file and the --by group."""
    try:
        return acc.interval(ci, unit)
    except NoInterval as exc:
        where = "" if group is None else f" (group {neutralise.quote(str(group))})"
        raise DataError(
            f"{path}: {acc.spec.name}{where}: no confidence interval: {exc}", f"drop {spelled('ci')}"
        ) from None


def _why_no_rows(source: JoinedSource | None, seen: int, unmatched: int) -> tuple[str, str]:
    """Why no row was left: no data rows, no label matched the --on key, or --nan drop."""
    drop = spelled("nan", "drop")
    if seen == 0 or source is None:
        why = "the input has no data rows" if seen == 0 else f"all {seen} rows were dropped ({drop})"
        return why, "a mean of nothing is not a number"
    if unmatched == seen:
        return (
            f"none of its {seen} rows has a label in {source.labels.path} (no value of key '{source.on}' matched)",
            f"check that {spelled('on')} names the same key in both files and that the values are spelled "
            "alike (keys compare as text: 7 and 7.0 differ)",
        )
    dropped = seen - unmatched
    if unmatched:
        return (
            f"{unmatched} rows have no label in {source.labels.path} (key '{source.on}') "
            f"and the other {dropped} were dropped ({drop})",
            "a mean of nothing is not a number",
        )
    return f"all {seen} rows were dropped ({drop})", "a mean of nothing is not a number"


def _refuse_overflow(
    acc: LossAccumulator, path: str, columns: Resolved, group: Hashable | None = None
) -> None:
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


def _group_warnings(grouped: GroupAccumulator, most: int = 6) -> list[str]:
    """The warnings of the groups' own summaries (a 0/0 precision in one group), one line
    per distinct warning naming its groups: ``precision (groups 'a', 'c'): …``."""
    groups: dict[tuple[str, str], list[str]] = {}
    for key, state in grouped.items():
        for text in summary_warnings(state.summary) if state.summary is not None else ():
            name, _, rest = text.partition(": ")
            groups.setdefault((name, rest), []).append(neutralise.quote(str(key)))
    found = []
    for (name, rest), keys in groups.items():
        shown = ", ".join(keys[:most]) + (f", … ({len(keys) - most} more)" if len(keys) > most else "")
        found.append(f"{name} (group{'s' if len(keys) > 1 else ''} {shown}): {rest}")
    return found


def _refuse_undefined(acc: LossAccumulator, path: str, group: Hashable | None = None) -> None:
    """Exit 2 when a loss's own summary has no value for these rows (ROC-AUC of one class):
    never a NaN value."""
    why = summary_undefined(acc.summary) if acc.summary is not None else None
    if why is None:
        return
    where = "" if group is None else f" (group {neutralise.quote(str(group))})"
    raise DataError(f"{path}: {acc.spec.name}{where}: {why[0]}", why[1])


def describe_columns(names: dict[str, list[str]]) -> dict[str, Any]:
    """The JSON ``columns`` object: pred is always a list, label a name (or a list for K labels)."""
    label = names["y_true"]
    described: dict[str, Any] = {
        "pred": list(names.get("y_pred", [])),  # [] for a loss that takes none (interval-score)
        "label": label[0] if len(label) == 1 else list(label),
        "weight": names["weight"][0] if "weight" in names else None,
    }
    for role in ("var", "std", "lower", "upper", "id"):
        if role in names:
            described[role] = names[role][0]
    if "by" in names:
        described["by"] = names["by"][0] if len(names["by"]) == 1 else list(names["by"])
    return described


def _unmatched_warning(unmatched: int, source: JoinedSource | None) -> tuple[str, ...]:
    if not unmatched or source is None:
        return ()
    return (
        f"{unmatched} rows of {source.main.path} have no label in {source.labels.path} (key '{source.on}'); left out",
    )
