"""The local engine: stream a source's chunks through the kernels into accumulators.

Memory is bounded by the chunk size plus the accumulators' bounded state
(sums, sketch, ``--worst`` heap, ``--rows`` head), unless a sink or
``rows=None`` asks for every row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from losscli import interrupt
from losscli.aggregate import LossAccumulator
from losscli.columns import Resolved, resolve
from losscli.engine.jobs import LossArg, LossJob, make_jobs
from losscli.engine.validate import Problem, check_chunk
from losscli.errors import DataError, UsageError
from losscli.io.source import InputOptions, Source, open_source
from losscli.results import EvalResult, SourceInfo
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
    """An opened source, the jobs to run over it, and the resolved columns."""

    source: Source
    jobs: list[LossJob]
    columns: Resolved


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
) -> Plan:
    """Bind the losses, open the source and resolve its columns (nothing is read yet)."""
    jobs = make_jobs(losses, params)
    opened = _open(source)
    requests = {"y_true": label, "y_pred": pred, "weight": weight, "id": id}
    extra = sorted({role for job in jobs for role in job.spec.extra_inputs})
    requests.update({role: var if role == "var" else None for role in extra})
    if var is not None and "var" not in extra:
        raise UsageError("--var is only used by losses that take a variance (gaussian-nll)")
    columns = resolve(opened.names, requests, opened.path, ("y_true", "y_pred", *extra))
    return Plan(opened, jobs, columns)


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
    nan: Literal["error", "drop"] = "error",
    rows: int | None = 10,
    worst: int = 0,
    sink: Sink | None = None,
) -> EvalResult:
    """Evaluate one or several losses over a file, ``-`` (stdin), a pandas DataFrame or a
    pyarrow Table. ``losses``: ``"mse"``, ``"huber:delta=2"``, ``("huber", {"delta": 2})``
    or a list of those. Columns default to the common names (SPEC §3).
    """
    plan = prepare(source, losses, pred=pred, label=label, weight=weight, var=var, id=id, params=params)
    return run(plan, RunOptions(nan, rows, worst, sink))


def _open(source: Any) -> Source:
    if isinstance(source, InputOptions):
        return open_source(source)
    if isinstance(source, str):
        return open_source(InputOptions(source))
    from losscli.io.frames import frame_source

    return frame_source(source)


def run(plan: Plan, options: RunOptions) -> EvalResult:
    """Stream the plan's source through its jobs; the one loop every front end uses."""
    source, jobs, columns = plan.source, plan.jobs, plan.columns
    roles = list(columns.positions)
    positions = [columns.positions[r] for r in roles]
    numeric = {columns.positions[r] for r in roles if r != "id"}
    accs = [LossAccumulator(job.spec, job.params) for job in jobs]
    head = HeadRows(options.rows)
    worst = WorstRows(options.worst, jobs[0].column)
    seen = used = 0
    chunks = source.chunks(positions, numeric)
    for chunk in chunks:
        arrays = dict(zip(roles, chunk, strict=True))
        row_ids = np.arange(seen + 1, seen + len(chunk[0]) + 1, dtype=np.int64)
        seen += row_ids.size
        try:
            arrays, row_ids = check_chunk(arrays, row_ids, jobs, columns, source.path, options.nan)
        except Problem as problem:
            raise _count_rest(problem, chunks, roles, options.nan) from None
        used += row_ids.size
        block = RowBlock(row_ids, dict(arrays))
        for job, acc in zip(jobs, accs, strict=True):
            inputs = [arrays[role] for role in job.spec.inputs]
            losses = job.spec.load_kernel()(*inputs, **job.params)
            acc.update(losses, arrays.get("weight"), arrays["y_true"])
            block.columns[job.column] = losses
        interrupt.check()
        head.update(block)
        worst.update(block)
        if options.sink is not None and row_ids.size:
            options.sink(block)
    return _finish(source, jobs, columns, accs, (seen, used), head, worst)


def _count_rest(problem: Problem, chunks: Any, roles: list[str], nan: str) -> DataError:
    """Scan the rest of the input only to count the rows with the same problem."""
    total = problem.violation.count
    for chunk in chunks:
        arrays = dict(zip(roles, chunk, strict=True))
        if nan == "drop":
            keep = ~np.any([np.isnan(v) for r, v in arrays.items() if r != "id"], axis=0)
            arrays = {r: v[keep] for r, v in arrays.items()}
        total += problem.counter(arrays)
    return problem.error(total)


def _finish(
    source: Source,
    jobs: list[LossJob],
    columns: Resolved,
    accs: list[LossAccumulator],
    counts: tuple[int, int],
    head: HeadRows,
    worst: WorstRows,
) -> EvalResult:
    seen, used = counts
    if used == 0:
        why = "the input has no data rows" if seen == 0 else f"all {seen} rows were dropped (--nan drop)"
        raise DataError(f"{source.path}: no rows to evaluate: {why}", "a mean of nothing is not a number")
    if accs[0].total_weight == 0:
        raise DataError(f"{source.path}: the weights in column '{columns.names['weight']}' sum to 0")
    results = tuple(acc.result() for acc in accs)
    for r in results:
        if not all(math.isfinite(x) for x in (r.value, r.mean, r.sum)):
            raise DataError(
                f"{source.path}: {r.loss} is not finite (value {r.value}, sum {r.sum}): "
                "the values are too large for float64",
                "rescale the predictions and labels",
            )
    info = SourceInfo(source.path, source.format, seen, used, seen - used)
    names = columns.names
    described: dict[str, Any] = {
        "pred": [names["y_pred"]],
        "label": names["y_true"],
        "weight": names.get("weight"),
    }
    for role in ("var", "id"):
        if role in names:
            described[role] = names[role]
    warnings = tuple(w for r in results for w in r.warnings)
    return EvalResult(
        info, described, results, head.rows(), worst.rows(), warnings, tuple(j.column for j in jobs)
    )
