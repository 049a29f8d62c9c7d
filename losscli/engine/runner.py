"""The runner: one plan's share of each chunk (checks, kernels, accumulators, kept rows),
and :func:`feed`, the loop that streams a source's chunks through runners. The local
engine runs it over a whole source, the Dask engine over each partition."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal

import numpy as np

from losscli import interrupt, spelling
from losscli.accumulate.dummy import refuse
from losscli.accumulate.groups import GroupAccumulator
from losscli.accumulate.loss import LossAccumulator
from losscli.accumulate.rows import HeadRows, RowBlock, RowRange, WorstRows
from losscli.engine.finish import finish
from losscli.engine.jobs import LossJob
from losscli.engine.merge import RunnerState
from losscli.engine.plan import Plan
from losscli.engine.validate import Finite, Problem, apply_nan_policy, check_common, problem
from losscli.errors import DataError, UsageError
from losscli.intervals import CiSettings
from losscli.losses.inputs import JobInputs
from losscli.options import spelled
from losscli.results import EvalResult

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
    ci: CiSettings | None = None  # --ci: keep per-unit sums and finish with intervals
    dummy: str | None = None  # --vs-dummy: "mean" or "median" (the class prior for classification)
    plots: bool = False  # a report: gather its plots' bounded summaries (losscli.report.summary)


def _raw(plan: Plan, by_position: Mapping[int, Any]) -> dict[str, Any]:
    """One plan's roles from a chunk's columns: K columns stacked into (n, K); ``#p`` keys
    keep each used column for per-sample output."""
    raw: dict[str, Any] = {}
    for role, positions in plan.columns.positions.items():
        parts = [by_position[p] for p in positions]
        if role == "by" and len(parts) > 1:  # several group columns: one key per row, typed as read
            raw[role] = np.empty((len(parts[0]), len(parts)), dtype=object)
            for i, part in enumerate(parts):
                raw[role][:, i] = part
        else:
            raw[role] = np.column_stack(parts) if _multi(plan, role) else parts[0]
        if role not in ("id", "by") and not _typed_label(plan, role) and raw[role].dtype.kind not in "f":
            raw[role] = raw[role].astype(np.float64)
    for positions in plan.columns.positions.values():
        raw.update({f"#{p}": by_position[p] for p in positions})
    return raw


def _typed_label(plan: Plan, role: str) -> bool:
    return role == "y_true" and any(job.spec.task in ("binary", "multiclass") for job in plan.jobs)


def _multi(plan: Plan, role: str) -> bool:
    """Whether the role's columns are stacked into (n, K): K-column roles; a loss whose
    prediction is one column or several (``members``) gets one column as a vector, which
    it shapes itself (so a one-column loss evaluated beside it sees a vector too)."""
    spec = plan.jobs[0].spec
    if role == "y_pred":
        return spec.pred_multi and (not spec.members or len(plan.columns.positions[role]) > 1)
    return role == "y_true" and spec.label_multi


class Runner:
    """One plan's share of each chunk: checks, kernels, accumulators, kept rows."""

    def __init__(self, plan: Plan, options: RunOptions, unit_offset: int = 0) -> None:
        """``unit_offset``: the rows of the whole input before this runner's first row (a
        Dask partition's), added to its row numbers where they are --ci's bootstrap units
        and a report's row-sample keys."""
        self.plan, self.options, self.unit_offset = plan, options, unit_offset
        jobs, columns = plan.jobs, plan.columns
        names = columns.classes() if jobs[0].spec.task == "multiclass" else None
        self.adapters = [JobInputs(job.spec, job.params, names, plan.positive) for job in jobs]
        if options.ci is not None and options.ci.intervals:
            _check_ci(plan, options.ci)
        if options.worst > 0 and not jobs[0].spec.worst:
            _refuse_worst(jobs[0])
        if options.dummy is not None:
            for job in plan.jobs:
                refuse(job.spec, options.dummy)
        printed = options.ci is not None and options.ci.fingerprint
        self.accs = [
            self._new_state(job, options.quantiles, self._resampled(job), printed, options.dummy)
            for job in jobs
        ]
        if options.ci is not None and options.ci.intervals:
            _check_summaries(self.accs, options.ci)
        self.head, self.worst = (
            HeadRows(options.rows),
            WorstRows(options.worst, plan.layout.worst, plan.layout.worst_low),
        )
        self.used = 0
        self.groups: list[GroupAccumulator | None] = [None for _ in jobs]  # per job, with --by
        self.plots = _plot_state(plan, names) if options.plots else None  # None: no cost per chunk

    def feed(self, by_position: Mapping[int, Any], row_ids: Any, known: Finite | None = None) -> None:
        """One chunk (``known``: its arrays already checked finite, shared by the runners)."""
        plan, where = self.plan, self.plan.source.path
        raw = _raw(plan, by_position)
        known = {} if known is None else known
        raw, row_ids = apply_nan_policy(raw, row_ids, self.options.nan, where, plan.columns, known)
        check_common(raw, row_ids, where, plan.columns, known)
        block = RowBlock(row_ids, {k: v for k, v in raw.items() if k.startswith("#")})
        units = self._units(raw, row_ids)
        keeps = self.options.sink is not None or self.options.worst > 0 or not self.head.full
        for index, (job, adapter, acc) in enumerate(zip(plan.jobs, self.adapters, self.accs, strict=True)):
            inputs, ignored, issue = adapter.prepare(raw)
            if issue is not None:
                values = raw if issue.role == "y_true" else raw | inputs  # show labels as written
                raise problem(issue, values, row_ids, where, plan.columns, _counter(adapter), job.spec.name)
            computed = adapter.compute(inputs, ignored, display=keeps)
            acc.update(
                computed.losses,
                raw.get("weight"),
                inputs["y_true"],
                computed.factor,
                computed.clipped,
                computed.clip_delta,
                units=units,
                distinct=self._distinct,
                inputs=inputs if acc.summary is not None or acc.dummy is not None else None,
            )
            if acc.dummy is not None and acc.dummy.overflowed:  # at once, not after the whole read
                overflow = acc.dummy.problem(job.spec, job.params)
                assert overflow is not None
                raise DataError(f"{where}: {overflow[0]}", overflow[1])
            if "by" in raw:
                self._update_groups(index, job, raw, inputs, computed, units)
            block.columns[job.column] = computed.losses
            block.columns.update(computed.display)
            if index == 0:
                first = inputs
        if self.plots is not None:
            rows = np.asarray(row_ids, dtype=np.int64) + self.unit_offset
            losses = [block.columns[job.column] for job in plan.jobs]
            self.plots.update(first, raw.get("weight"), losses, rows)
        self.used += row_ids.size
        self.head.update(block)
        self.worst.update(block)
        if self.options.sink is not None and row_ids.size:
            self.options.sink(block)

    def _units(self, raw: dict[str, Any], row_ids: Any) -> Any:
        """Each row's bootstrap unit for --ci: its --id value, else its row (or block of rows)."""
        settings = self.options.ci
        if settings is None:
            return None
        from losscli.accumulate.units import id_units, row_units

        if "id" in raw:
            return id_units(raw["id"])
        return row_units(row_ids, settings.block, self.unit_offset)

    def _update_groups(
        self, index: int, job: LossJob, raw: dict[str, Any], inputs: Any, computed: Any, units: Any
    ) -> None:
        """Per-group states: the same accumulator as the whole file, one per key (losscli.accumulate.groups)."""
        groups = self.groups[index]
        if groups is None:
            make = partial(self._new_state, job, False, self._resampled(job), False, self.options.dummy)
            groups = self.groups[index] = GroupAccumulator(make)
        keys = [raw[f"#{p}"] for p in self.plan.columns.positions["by"]]  # each as read, NaN rows gone
        groups.update(
            keys,
            computed.losses,
            raw.get("weight"),
            inputs["y_true"],
            computed.factor,
            units,
            self._distinct,
            inputs if job.spec.state or self.options.dummy is not None else None,
        )

    @property
    def _distinct(self) -> bool:
        """Unit keys are row numbers, each row its own unit (not --id, not --ci-block)."""
        ci = self.options.ci
        return ci is not None and ci.block == 1 and "id" not in self.plan.columns.positions

    def _resampled(self, job: LossJob) -> bool:
        """Keep per-unit sums: for --ci, and (smooth losses only) for a baseline to pair with."""
        return self.options.ci is not None and job.spec.smooth

    @staticmethod
    def _new_state(
        job: LossJob,
        quantiles: bool = False,
        resampled: bool = False,
        fingerprinted: bool = False,
        dummy: str | None = None,
    ) -> LossAccumulator:
        """A job's accumulator: the whole file's (with its quantile sketch) or a group's (without);
        both with the loss's own summary (LossSpec.state), so a group has the file's details."""
        return LossAccumulator(
            job.spec,
            job.params,
            per_count=job.compat == "keras",
            quantiles=quantiles,
            resampled=resampled,
            fingerprinted=fingerprinted,
            dummy_strategy=dummy,
        )

    def count(self, found: Problem, by_position: Mapping[int, Any]) -> int:
        raw = _raw(self.plan, by_position)
        if self.options.nan == "drop":
            raw, _ = apply_nan_policy(raw, np.arange(len(raw["y_true"])), "drop", "", self.plan.columns)
        try:
            return found.counter(raw)
        except Problem:
            return 0

    def state(self) -> RunnerState:
        """What this runner has gathered, without the plan or the source (to send between processes)."""
        labels = [adapter.binary for adapter in self.adapters]
        return RunnerState(self.used, self.accs, self.groups, self.head, self.worst, labels, self.plots)

    def absorb(self, state: RunnerState) -> None:
        """Take over merged partition state (the Dask engine's reduce result)."""
        self.used, self.accs, self.groups = state.used, state.accs, state.groups
        self.head, self.worst, self.plots = state.head, state.worst, state.plots
        for adapter, labels in zip(self.adapters, state.labels, strict=True):
            adapter.binary = labels

    def result(self, seen: int) -> EvalResult:
        """The finished result. Under ``np.errstate`` for every engine (the Dask engine
        finishes on the client, outside the local engine's): a sum that overflows is an
        error from ``finish`` with its own words, never a NumPy RuntimeWarning on stderr."""
        where = f"{self.plan.source.path}: column '{self.plan.columns.name('y_true')}'"
        for adapter in self.adapters:
            adapter.finish(where)
        groups = self.groups if "by" in self.plan.columns.positions else None
        with np.errstate(all="ignore"):
            result = finish(
                self.plan,
                self.accs,
                (seen, self.used),
                self.head.rows(),
                self.worst.rows(),
                groups,
                self.options.ci,
            )
            if self.plots is None:
                return result
            return replace(result, plots=_plot_data(self.plots, self.accs, result))


def _plot_state(plan: Plan, classes: list[str] | None) -> Any:
    """The plots' summaries of a report (losscli.report.summary), from the first loss's inputs."""
    from losscli.report.summary import PlotState

    first = plan.jobs[0]
    labels = [
        (job.label or job.spec.named(job.params))
        + (f" ({job.spec.per_sample.replace('_', ' ')})" if job.spec.per_sample else "")
        for job in plan.jobs
    ]
    return PlotState(first.spec.task, first.params, labels, classes)


def _plot_data(state: Any, accs: list[LossAccumulator], result: EvalResult) -> Any:
    """The finished plot data: each loss's per-sample distribution from its own sketch."""
    from losscli.report.summary import distribution

    shown = []
    for acc, r in zip(accs, result.results, strict=True):
        values, weights = acc.sketch.points()
        weighted = acc.unweighted < acc.count  # some rows came with a --weight
        shown.append(
            distribution(r.label or r.loss, values, weights, acc.sketch.exact, r.per_sample, weighted)
        )
    return state.data(shown)


def feed(plans: list[Plan], runners: list[Runner], on_chunk: Callable[[], None] | None = None) -> int:
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
    # group keys and row ids are the text written (text formats only): typed per block,
    # 007 would read as 7 in one block and stay '007' in the next
    keys = frozenset(
        p for plan in plans for role in ("by", "id") for p in plan.columns.positions.get(role, ())
    )
    chunks = iter(source.chunks(positions, set(positions) - typed, keys))
    try:
        return _fed(chunks, positions, runners, on_chunk)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:  # a reader thread stops (io.prefetch) before the files close
            close()


def _fed(
    chunks: Iterator[list[Any]],
    positions: list[int],
    runners: list[Runner],
    on_chunk: Callable[[], None] | None,
) -> int:
    """:func:`feed`'s loop over the chunks: the rows seen."""
    seen = 0
    for chunk in chunks:
        by_position = dict(zip(positions, chunk, strict=True))
        n = len(chunk[0])
        row_ids = RowRange(seen + 1, n)
        seen += n
        known: Finite = {}
        for runner in runners:
            try:
                runner.feed(by_position, row_ids, known)
            except Problem as found:
                found.total = _count_rest(found, runner, chunks, positions)
                raise
        interrupt.raise_pending()
        if on_chunk is not None:
            on_chunk()
    return seen


def _check_ci(plan: Plan, settings: CiSettings) -> None:
    """--ci only for values that are smooth functions of sums, at a level in (0, 1)."""
    ci = spelled("ci")
    if not 0.0 < settings.level < 1.0:
        alone = "" if spelling.in_python() else f" (or {ci} alone)"
        raise UsageError(
            f"{ci} takes a confidence level between 0 and 1, not {settings.level:g}",
            f"e.g. {spelled('ci', 0.95)}{alone}",
        )
    for job in plan.jobs:
        if not job.spec.smooth:
            raise UsageError(
                f"no confidence interval ({ci}) for {job.spec.name}: {job.spec.no_interval}",
                f"drop {ci} for {job.spec.name}",
            )


def _refuse_worst(job: LossJob) -> None:
    """--worst on a loss whose per-sample column is not a loss (ROC-AUC's ranked score)."""
    name = job.spec.name
    raise UsageError(
        f"{spelled('worst')}: {name}'s per-sample column is the {job.spec.per_sample} it ranks, not a loss, "
        "so its highest values are not its worst rows",
        f"rank rows by a per-sample loss: put one first ({spelled('loss', 'bce', short=True)} before {name} in eval), "
        f"or run 'losscli bce FILE {spelled('worst', 'K', placeholder=True)}'",
    )


def _check_summaries(accs: list[LossAccumulator], settings: CiSettings) -> None:
    """A summary's parameters that give no interval (ECE over quantile bins)."""
    from losscli.accumulate.summary import summary_no_interval

    for acc in accs:
        why = summary_no_interval(acc.summary) if acc.summary is not None else ""
        if why:
            name = acc.spec.named(acc.params)
            raise UsageError(
                f"no confidence interval ({spelled('ci')}) for {name}: {why}",
                f"drop {spelled('ci')} for {name}",
            )


def _counter(adapter: JobInputs) -> Callable[[dict[str, Any]], int]:
    def count(raw: dict[str, Any]) -> int:
        issue = adapter.prepare(raw)[2]
        return int(issue.mask.sum()) if issue is not None else 0

    return count


def _count_rest(found: Problem, runner: Runner, chunks: Iterator[list[Any]], positions: list[int]) -> int:
    """Scan the rest of the input only to count the rows with the same problem."""
    total = found.first_count
    for chunk in chunks:
        total += runner.count(found, dict(zip(positions, chunk, strict=True)))
    return total
