"""The local engine: stream a source's chunks through the kernels into accumulators.

Memory is bounded by the chunk size plus the accumulators' bounded state
(sums, sketch, ``--worst`` heap, ``--rows`` head), unless a sink or
``rows=None`` asks for every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from losscli import interrupt
from losscli.aggregate import LossAccumulator
from losscli.columns import Request, Resolved, class_names, resolve
from losscli.engine.finish import finish
from losscli.engine.jobs import LossArg, LossJob, make_jobs
from losscli.engine.layout import Layout, layouts
from losscli.engine.validate import Problem, apply_nan_policy, check_common, problem
from losscli.errors import UsageError
from losscli.io.source import InputOptions, Source, open_source
from losscli.losses._inputs import JobInputs
from losscli.results import EvalResult
from losscli.rows import HeadRows, RowBlock, WorstRows

Sink = Callable[[RowBlock], None]


@dataclass(frozen=True)
class RunOptions:
    """How to run: NaN policy, rows kept for display, an optional per-sample sink."""

    nan: Literal["error", "drop"] = "error"
    rows: int | None = 10
    worst: int = 0
    sink: Sink | None = None


@dataclass(frozen=True)
class Plan:
    """An opened source, the jobs to run over it, the resolved columns, the output layouts."""

    source: Source
    jobs: list[LossJob]
    columns: Resolved
    layout: Layout
    positive: str | None = None


def prepare(
    source: str | InputOptions | Any,
    losses: LossArg | Sequence[LossArg],
    *,
    pred: str | None = None,
    label: str | None = None,
    weight: str | None = None,
    var: str | None = None,
    id: str | None = None,
    params: Mapping[str, Any] | None = None,
    positive: str | None = None,
    compat: str | None = None,
) -> Plan:
    """Bind the losses, open the source and resolve its columns (nothing is read yet)."""
    jobs = make_jobs(losses, params, compat)
    first = jobs[0].spec
    if len({(j.spec.label_multi, j.spec.pred_multi) for j in jobs}) > 1:
        raise UsageError(
            "these losses need different columns (one vs several per row): evaluate them separately"
        )
    opened = _open(source)
    extra = sorted({role for job in jobs for role in job.spec.extra_inputs})
    if var is not None and "var" not in extra:
        raise UsageError("--var is only used by losses that take a variance (gaussian-nll)")
    requests = {
        "y_true": Request(label, first.label_multi),
        "y_pred": Request(pred, first.pred_multi, first.pred_flavour(jobs[0].params)),
        "weight": Request(weight, required=False),
        "id": Request(id, required=False),
    }
    requests.update({role: Request(var if role == "var" else None) for role in extra})
    columns = resolve(opened.names, requests, opened.path)
    _check_shapes(jobs, columns, opened.path)
    return Plan(opened, jobs, columns, layouts(columns, jobs), positive)


def _check_shapes(jobs: list[LossJob], columns: Resolved, where: str) -> None:
    k = len(columns.positions["y_pred"])
    spec = jobs[0].spec
    if spec.pred_multi and k < 2:
        raise UsageError(f"{where}: {spec.name} needs one prediction column per class (found {k})")
    if spec.label_multi and len(columns.positions["y_true"]) != k:
        raise UsageError(
            f"{where}: {spec.name} needs as many label columns as prediction columns "
            f"({len(columns.positions['y_true'])} vs {k})",
            "check --label and --pred",
        )


def evaluate(
    source: str | InputOptions | Any,
    losses: LossArg | Sequence[LossArg],
    *,
    pred: str | None = None,
    label: str | None = None,
    weight: str | None = None,
    var: str | None = None,
    id: str | None = None,
    params: Mapping[str, Any] | None = None,
    positive: str | None = None,
    compat: str | None = None,
    nan: Literal["error", "drop"] = "error",
    rows: int | None = 10,
    worst: int = 0,
    sink: Sink | None = None,
) -> EvalResult:
    """Evaluate one or several losses over a file, ``-`` (stdin), a pandas DataFrame or a
    pyarrow Table. ``losses``: ``"mse"``, ``"huber:delta=2"``, ``("huber", {"delta": 2})``
    or a list of those. Columns default to the common names (SPEC §3).
    """
    plan = prepare(
        source, losses, pred=pred, label=label, weight=weight, var=var, id=id,
        params=params, positive=positive, compat=compat,
    )  # fmt: skip
    return run(plan, RunOptions(nan, rows, worst, sink))


def _open(source: Any) -> Source:
    if isinstance(source, InputOptions):
        return open_source(source)
    if isinstance(source, str):
        return open_source(InputOptions(source))
    from losscli.io.frames import frame_source

    return frame_source(source)


def _raw_chunks(plan: Plan) -> Iterator[dict[str, Any]]:
    """Chunks as role → array (K columns stacked into an (n, K) array)."""
    columns = plan.columns
    flat = [(role, p) for role, ps in columns.positions.items() for p in ps]
    typed_labels = any(job.spec.task in ("binary", "multiclass") for job in plan.jobs)
    numeric = {p for role, p in flat if role != "id" and not (role == "y_true" and typed_labels)}
    for chunk in plan.source.chunks([p for _, p in flat], numeric):
        by_role: dict[str, list[Any]] = {}
        for (role, _), values in zip(flat, chunk, strict=True):
            by_role.setdefault(role, []).append(values)
        yield {
            role: np.column_stack(parts) if _multi(plan, role) else parts[0]
            for role, parts in by_role.items()
        } | {f"#{p}": values for (_, p), values in zip(flat, chunk, strict=True)}


def _multi(plan: Plan, role: str) -> bool:
    spec = plan.jobs[0].spec
    return (role == "y_pred" and spec.pred_multi) or (role == "y_true" and spec.label_multi)


def run(plan: Plan, options: RunOptions) -> EvalResult:
    """Stream the plan's source through its jobs; the one loop every front end uses."""
    source, jobs, columns = plan.source, plan.jobs, plan.columns
    names = class_names(columns.names["y_pred"]) if jobs[0].spec.task == "multiclass" else None
    adapters = [JobInputs(job.spec, job.params, names, plan.positive) for job in jobs]
    accs = [LossAccumulator(job.spec, job.params, per_count=job.compat == "keras") for job in jobs]
    head, worst = HeadRows(options.rows), WorstRows(options.worst, jobs[0].column)
    seen = used = 0
    chunks = _raw_chunks(plan)
    for raw in chunks:
        n = len(raw["y_pred"])
        row_ids = np.arange(seen + 1, seen + n + 1, dtype=np.int64)
        seen += n
        try:
            raw, row_ids = apply_nan_policy(raw, row_ids, options.nan, source.path, columns)
            check_common(raw, row_ids, source.path, columns)
            block = RowBlock(row_ids, {k: v for k, v in raw.items() if k.startswith("#")})
            for job, adapter, acc in zip(jobs, adapters, accs, strict=True):
                inputs, ignored, issue = adapter.prepare(raw)
                if issue is not None:
                    raise problem(
                        issue, raw | inputs, row_ids, source.path, columns, _counter(adapter), job.spec.name
                    )
                computed = adapter.compute(inputs, ignored)
                acc.update(
                    computed.losses, raw.get("weight"), inputs["y_true"], computed.factor, computed.clipped
                )
                block.columns[job.column] = computed.losses
                block.columns.update(computed.display)
        except Problem as found:
            raise _count_rest(found, chunks, options.nan, source.path, columns) from None
        used += row_ids.size
        interrupt.check()
        head.update(block)
        worst.update(block)
        if options.sink is not None and row_ids.size:
            options.sink(block)
    return finish(plan, accs, (seen, used), head.rows(), worst.rows())


def _counter(adapter: JobInputs) -> Callable[[dict[str, Any]], int]:
    def count(raw: dict[str, Any]) -> int:
        issue = adapter.prepare(raw)[2]
        return int(issue.mask.sum()) if issue is not None else 0

    return count


def _count_rest(
    found: Problem, chunks: Iterator[dict[str, Any]], nan: str, where: str, columns: Resolved
) -> Any:
    """Scan the rest of the input only to count the rows with the same problem."""
    total = found.first_count
    for raw in chunks:
        row_ids = np.arange(len(raw["y_pred"]))
        if nan == "drop":
            raw, row_ids = apply_nan_policy(raw, row_ids, nan, where, columns)
        try:
            total += found.counter(raw)
        except Problem:
            continue
    return found.error(total)
