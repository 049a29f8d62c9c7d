"""Partition state and its ordered merge: the reduce half of the Dask engine.

A partition's state is what the local engine's runners gathered over it (sums,
sketch, head and worst rows, groups, label encodings) plus the rows it saw, or
the first problem it found. ``merge(a, b)`` combines two adjacent states, ``a``
before ``b``: row numbers in ``b`` move ``a.seen`` later, so any tree of merges
in partition order gives the rows the local engine would number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from losscli.accumulate.groups import GroupAccumulator
from losscli.accumulate.loss import LossAccumulator
from losscli.accumulate.rows import HeadRows, WorstRows
from losscli.errors import DataError
from losscli.losses.labels import BinaryLabels


@dataclass
class RunnerState:
    """One plan's share of a partition (see :class:`losscli.engine.runner.Runner`)."""

    used: int
    accs: list[LossAccumulator]  # per job
    groups: list[GroupAccumulator | None]  # per job, with --by
    head: HeadRows
    worst: WorstRows
    labels: list[BinaryLabels | None]  # per job, for binary losses: the labels seen
    plots: Any = None  # a report's plot summaries (losscli.report.summary.PlotState), when asked for


@dataclass
class PartProblem:
    """The first offending row of a partition: ``message`` has {row} and {total} to fill in."""

    message: str
    hint: str
    row: int  # 1-based, counted from the start of the merged state it belongs to
    total: int
    kind: str  # the same check in another partition has the same kind

    def error(self) -> DataError:
        from losscli.engine.validate import row_error

        return row_error(self.message, self.hint, self.row, self.total)


@dataclass
class PartState:
    """A partition's (or a run of adjacent partitions') result."""

    seen: int
    runners: list[RunnerState] = field(default_factory=list)
    problem: PartProblem | None = None


def merge(a: PartState, b: PartState, where: str = "") -> PartState:
    """``a`` then ``b``. The first problem wins; later partitions' counts of the same
    problem are added to its total."""
    if a.problem is not None:
        if b.problem is not None and b.problem.kind == a.problem.kind:
            a.problem.total += b.problem.total
        return a
    if b.problem is not None:
        b.problem.row += a.seen
        return PartState(a.seen + b.seen, [], b.problem)
    for mine, theirs in zip(a.runners, b.runners, strict=True):
        _merge_runner(mine, theirs, a.seen, where)
    a.seen += b.seen
    return a


def _merge_runner(a: RunnerState, b: RunnerState, offset: int, where: str) -> None:
    a.used += b.used
    for acc, other in zip(a.accs, b.accs, strict=True):
        acc.merge(other)
    for i, later in enumerate(b.groups):
        if later is None:
            continue
        mine = a.groups[i]
        if mine is None:
            a.groups[i] = later
        else:
            mine.merge(later)
    if a.plots is not None and b.plots is not None:
        a.plots.merge(b.plots)
    a.head.merge(b.head, offset)
    a.worst.merge(b.worst, offset)
    for i, theirs in enumerate(b.labels):
        labels = a.labels[i]
        if labels is None:
            a.labels[i] = theirs
        elif theirs is not None:
            problem = labels.merge(theirs)
            if problem:
                raise DataError(f"{where}: the label column {problem}")
