"""The local engine: stream a source's chunks through the kernels into accumulators.

Memory is bounded by the chunk size plus the accumulators' bounded state
(sums, sketch, ``--worst`` heap, ``--rows`` head), unless a sink or
``rows=None`` asks for every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, cast

import numpy as np

from losscli import interrupt
from losscli.aggregate import LossAccumulator
from losscli.columns import Request, Resolved, class_names, resolve
from losscli.engine.finish import finish
from losscli.engine.jobs import LossArg, LossJob, make_jobs
from losscli.engine.layout import Layout, layouts
from losscli.engine.merge import RunnerState
from losscli.engine.validate import Problem, apply_nan_policy, check_common, problem
from losscli.errors import UsageError
from losscli.io.source import InputOptions, Source, open_source
from losscli.losses._inputs import JobInputs
from losscli.results import EvalResult
from losscli.rows import HeadRows, RowBlock, RowRange, WorstRows

Sink = Callable[[RowBlock], None]


@dataclass(frozen=True)
class RunOptions:
    """How to run: NaN policy, rows kept for display, an optional per-sample sink."""

    nan: Literal["error", "drop"] = "error"
    rows: int | None = 10
    worst: int = 0
    sink: Sink | None = None
    on_chunk: Callable[[], None] | None = None  # e.g. a progress bar; called after every chunk
    quantiles: bool = True  # False when nothing shows p50/p90/p99 (they are then NaN)


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
    labels: str | InputOptions | None = None,
    on: str | None = None,
    by: str | None = None,
) -> Plan:
    """Bind the losses, open the source and resolve its columns (nothing is read yet).

    ``labels``: labels from another file, aligned by row or joined ``on`` a key column.
    ``by``: per-group results keyed by that column's values.
    """
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
        "y_pred": Request(pred, first.pred_multi, first.pred_flavour(jobs[0].params)),
        "weight": Request(weight, required=False),
        "id": Request(id, required=False),
        "by": Request(by, required=False),
    }
    requests.update({role: Request(var if role == "var" else None) for role in extra})
    label_request = Request(label, first.label_multi)
    if labels is None:
        if on is not None:
            raise UsageError("--on KEY joins a --labels FILE: give the labels file too")
        columns = resolve(opened.names, {"y_true": label_request, **requests}, opened.path)
    else:
        opened, columns = _with_label_file(opened, labels, on, label_request, requests)
    _check_shapes(jobs, columns, opened.path)
    return Plan(opened, jobs, columns, layouts(columns, jobs), positive)


def _with_label_file(
    opened: Source,
    labels: str | InputOptions,
    on: str | None,
    label_request: Request,
    requests: dict[str, Request],
) -> tuple[Source, Resolved]:
    """Predictions from ``opened``, labels from ``labels``: one joined source."""
    from losscli.io.joined import JoinedSource

    label_source = _open(labels)
    joined = JoinedSource(opened, label_source, on)
    main = resolve(opened.names, requests, opened.path)
    found = resolve(label_source.names, {"y_true": label_request}, label_source.path)
    positions = {"y_true": [p + joined.offset for p in found.positions["y_true"]], **main.positions}
    names = {"y_true": found.names["y_true"], **main.names}
    return joined, Resolved(positions, names)


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
    labels: str | InputOptions | None = None,
    on: str | None = None,
    by: str | None = None,
    nan: Literal["error", "drop"] = "error",
    rows: int | None = 10,
    worst: int = 0,
    sink: Sink | None = None,
    engine: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    output: str | None = None,
) -> EvalResult:
    """Evaluate one or several losses over a file, ``-`` (stdin), a pandas DataFrame, a
    pyarrow Table or a Dask DataFrame. ``losses``: ``"mse"``, ``"huber:delta=2"``,
    ``("huber", {"delta": 2})`` or a list of those. Columns default to the common names
    (SPEC §3).

    ``engine="dask"`` (implied by a Dask DataFrame) runs every partition on Dask: a Dask
    DataFrame on the scheduler in use, a path on ``scheduler`` (else $LOSSCLI_SCHEDULER,
    else a LocalCluster); ``output`` then names the directory (or ``DIR/name-*.csv``
    pattern) for one per-sample file per partition.
    """
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown engine '{engine}'", "use 'local' or 'dask'")
    if engine == "dask" or _is_dask_frame(source):
        if sink is not None:
            raise UsageError("sink= is for the local engine; with Dask use output=DIR")
        from losscli.engine.dask import evaluate_dask

        return evaluate_dask(
            source, losses, scheduler, RunOptions(nan, rows, worst), output,
            pred=pred, label=label, weight=weight, var=var, id=id, params=params,
            positive=positive, compat=compat, labels=labels, on=on, by=by,
        )  # fmt: skip
    if output is not None or scheduler is not None:
        raise UsageError("output= and scheduler= belong to engine='dask'")
    plan = prepare(
        source, losses, pred=pred, label=label, weight=weight, var=var, id=id,
        params=params, positive=positive, compat=compat, labels=labels, on=on, by=by,
    )  # fmt: skip
    return run(plan, RunOptions(nan, rows, worst, sink))


def _is_dask_frame(source: Any) -> bool:
    """A Dask DataFrame, recognised without importing Dask."""
    return type(source).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(source, "to_delayed")


def _open(source: Any) -> Source:
    if hasattr(source, "chunks") and hasattr(source, "names"):
        return cast(Source, source)  # already opened: several plans can share one read
    if isinstance(source, InputOptions):
        return open_source(source)
    if isinstance(source, str):
        return open_source(InputOptions(source))
    from losscli.io.frames import frame_source

    return frame_source(source)


def _raw(plan: Plan, by_position: Mapping[int, Any]) -> dict[str, Any]:
    """One plan's roles from a chunk's columns: K columns stacked into (n, K); ``#p`` keys
    keep each used column for per-sample output."""
    raw: dict[str, Any] = {}
    for role, positions in plan.columns.positions.items():
        parts = [by_position[p] for p in positions]
        raw[role] = np.column_stack(parts) if _multi(plan, role) else parts[0]
        if role not in ("id", "by") and not _typed_label(plan, role) and raw[role].dtype.kind not in "f":
            raw[role] = raw[role].astype(np.float64)
    for positions in plan.columns.positions.values():
        raw.update({f"#{p}": by_position[p] for p in positions})
    return raw


def _typed_label(plan: Plan, role: str) -> bool:
    return role == "y_true" and any(job.spec.task in ("binary", "multiclass") for job in plan.jobs)


def _multi(plan: Plan, role: str) -> bool:
    spec = plan.jobs[0].spec
    return (role == "y_pred" and spec.pred_multi) or (role == "y_true" and spec.label_multi)


class _Runner:
    """One plan's share of each chunk: checks, kernels, accumulators, kept rows."""

    def __init__(self, plan: Plan, options: RunOptions) -> None:
        self.plan, self.options = plan, options
        jobs, columns = plan.jobs, plan.columns
        names = class_names(columns.names["y_pred"]) if jobs[0].spec.task == "multiclass" else None
        self.adapters = [JobInputs(job.spec, job.params, names, plan.positive) for job in jobs]
        self.accs = [self._new_state(job, options.quantiles) for job in jobs]
        self.head, self.worst = HeadRows(options.rows), WorstRows(options.worst, jobs[0].column)
        self.used = 0
        self.groups: list[Any] = [None for _ in jobs]  # losscli.groups.GroupAccumulator per job

    def feed(self, by_position: Mapping[int, Any], row_ids: Any) -> None:
        plan, where = self.plan, self.plan.source.path
        raw = _raw(plan, by_position)
        raw, row_ids = apply_nan_policy(raw, row_ids, self.options.nan, where, plan.columns)
        check_common(raw, row_ids, where, plan.columns)
        block = RowBlock(row_ids, {k: v for k, v in raw.items() if k.startswith("#")})
        keeps = self.options.sink is not None or self.options.worst > 0 or not self.head.full
        for index, (job, adapter, acc) in enumerate(zip(plan.jobs, self.adapters, self.accs, strict=True)):
            inputs, ignored, issue = adapter.prepare(raw)
            if issue is not None:
                values = raw if issue.role == "y_true" else raw | inputs  # show labels as written
                raise problem(issue, values, row_ids, where, plan.columns, _counter(adapter), job.spec.name)
            computed = adapter.compute(inputs, ignored, display=keeps)
            acc.update(
                computed.losses, raw.get("weight"), inputs["y_true"], computed.factor, computed.clipped
            )
            if "by" in raw:
                self._update_groups(index, job, raw, inputs, computed)
            block.columns[job.column] = computed.losses
            block.columns.update(computed.display)
        self.used += row_ids.size
        self.head.update(block)
        self.worst.update(block)
        if self.options.sink is not None and row_ids.size:
            self.options.sink(block)

    def _update_groups(
        self, index: int, job: LossJob, raw: dict[str, Any], inputs: Any, computed: Any
    ) -> None:
        """Per-group states: the same accumulator as the whole file, one per key (losscli.groups)."""
        from losscli.groups import GroupAccumulator

        if self.groups[index] is None:
            self.groups[index] = GroupAccumulator(partial(self._new_state, job))
        keys = raw["by"] if raw["by"].dtype != object else raw["by"].astype(str)
        self.groups[index].update(keys, computed.losses, raw.get("weight"), inputs["y_true"], computed.factor)

    @staticmethod
    def _new_state(job: LossJob, quantiles: bool = False) -> LossAccumulator:
        """A job's accumulator: the whole file's (with its quantile sketch) or a group's."""
        return LossAccumulator(job.spec, job.params, per_count=job.compat == "keras", quantiles=quantiles)

    def count(self, found: Problem, by_position: Mapping[int, Any]) -> int:
        raw = _raw(self.plan, by_position)
        if self.options.nan == "drop":
            raw, _ = apply_nan_policy(raw, np.arange(len(raw["y_pred"])), "drop", "", self.plan.columns)
        try:
            return found.counter(raw)
        except Problem:
            return 0

    def state(self) -> RunnerState:
        """What this runner has gathered, without the plan or the source (to send between processes)."""
        labels = [adapter.binary for adapter in self.adapters]
        return RunnerState(self.used, self.accs, self.groups, self.head, self.worst, labels)

    def absorb(self, state: RunnerState) -> None:
        """Take over merged partition state (the Dask engine's reduce result)."""
        self.used, self.accs, self.groups = state.used, state.accs, state.groups
        self.head, self.worst = state.head, state.worst
        for adapter, labels in zip(self.adapters, state.labels, strict=True):
            adapter.binary = labels

    def result(self, seen: int) -> EvalResult:
        where = f"{self.plan.source.path}: column '{self.plan.columns.name('y_true')}'"
        for adapter in self.adapters:
            adapter.finish(where)
        groups = self.groups if "by" in self.plan.columns.positions else None
        return finish(self.plan, self.accs, (seen, self.used), self.head.rows(), self.worst.rows(), groups)


def run(plan: Plan, options: RunOptions) -> EvalResult:
    """Stream the plan's source through its jobs; the one loop every front end uses."""
    return run_shared([plan], [options])[0]


def run_shared(plans: list[Plan], options: list[RunOptions]) -> list[EvalResult]:
    """Several plans over one source, read once: each chunk feeds every plan.

    Floating-point warnings are silenced: a result that is not finite is an error
    with its own message (engine.finish), never a NumPy warning on stderr.
    """
    with np.errstate(all="ignore"):
        return _run_shared(plans, options)


def _run_shared(plans: list[Plan], options: list[RunOptions]) -> list[EvalResult]:
    runners = [_Runner(plan, opts) for plan, opts in zip(plans, options, strict=True)]
    try:
        seen = feed(plans, runners, options[0].on_chunk)
    except Problem as found:
        raise found.error() from None
    return [runner.result(seen) for runner in runners]


def feed(plans: list[Plan], runners: list[_Runner], on_chunk: Callable[[], None] | None = None) -> int:
    """Stream the plans' shared source through their runners; the rows seen. The first
    :class:`Problem` propagates, its ``total`` counted over the rest of the input."""
    source = plans[0].source
    positions = sorted({p for plan in plans for ps in plan.columns.positions.values() for p in ps})
    typed = {
        p
        for plan in plans
        for role, ps in plan.columns.positions.items()
        for p in ps
        if _typed_label(plan, role) or role in ("id", "by")
    }
    seen = 0
    chunks = iter(source.chunks(positions, set(positions) - typed))
    for chunk in chunks:
        by_position = dict(zip(positions, chunk, strict=True))
        n = len(chunk[0])
        row_ids = RowRange(seen + 1, n)
        seen += n
        for runner in runners:
            try:
                runner.feed(by_position, row_ids)
            except Problem as found:
                found.total = _count_rest(found, runner, chunks, positions)
                raise
        interrupt.check()
        if on_chunk is not None:
            on_chunk()
    return seen


def _counter(adapter: JobInputs) -> Callable[[dict[str, Any]], int]:
    def count(raw: dict[str, Any]) -> int:
        issue = adapter.prepare(raw)[2]
        return int(issue.mask.sum()) if issue is not None else 0

    return count


def _count_rest(found: Problem, runner: _Runner, chunks: Iterator[list[Any]], positions: list[int]) -> int:
    """Scan the rest of the input only to count the rows with the same problem."""
    total = found.first_count
    for chunk in chunks:
        total += runner.count(found, dict(zip(positions, chunk, strict=True)))
    return total
