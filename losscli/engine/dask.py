"""The Dask engine: the local engine's kernels and accumulators, one task per partition.

map: every partition (a pandas DataFrame on a worker) runs through the local
engine's runners (``engine.runner.feed``) into a :class:`PartState`;
reduce: adjacent states merge in partition order (``engine.merge``) as a tree
of tasks; the client finishes the merged state exactly as the local engine
finishes its own. Values equal the local engine's to floating-point rounding
(sums are exact per partition and combined with exact partials).

Dask is an optional extra: importing this module never imports it; the
functions that need it do, and say how to install it when it is missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from losscli import spelling
from losscli.columns import Resolved
from losscli.engine.dask_cluster import connect, require_dask, stop_own_workers
from losscli.engine.dask_csv import CsvDataset, Unparsable, batches, locate, open_csv, schema
from losscli.engine.dask_output import PART, StagedParts
from losscli.engine.layout import layouts
from losscli.engine.merge import PartProblem, PartState, merge
from losscli.engine.plan import Plan, is_dask_frame, prepare
from losscli.engine.runner import Runner, RunOptions, feed
from losscli.engine.validate import Problem
from losscli.errors import ColumnError, InputError, UsageError, first_line
from losscli.io import formats
from losscli.io.arrow_numpy import check_numeric
from losscli.io.columnar import ColumnarSource
from losscli.io.detect import detect
from losscli.io.frames import frame_source
from losscli.io.source import InputOptions
from losscli.options import spelled
from losscli.results import EvalResult

PARTITION_BYTES = "64MiB"

Request = tuple[Any, dict[str, Any]]  # (losses, keyword arguments of engine.plan.prepare)

__all__ = ["check_requests", "evaluate_dask", "run_dask"]


@dataclass(frozen=True)
class _Input:
    """A Dask DataFrame (Parquet, or one given) or a CSV/TSV dataset, and how to name it."""

    frame: Any
    path: str
    format: str
    csv: CsvDataset | None = None


def open_frame(options: InputOptions) -> _Input:
    """Parquet files, directories, globs and fsspec URLs; CSV/TSV files and globs."""
    require_dask()
    import dask.dataframe as dd

    path = options.path
    if path == "-":
        raise UsageError(f"{_dask()} reads files, not stdin", f"use {spelled('engine', 'local')} for stdin")
    fmt = options.format or _format_of(path)
    try:
        if fmt == formats.DATASET:
            # ~64 MiB partitions (row groups combined or split): big single files spread over workers
            return _Input(dd.read_parquet(path, blocksize=PARTITION_BYTES), path, formats.DATASET)
        if fmt in formats.INPUT_FORMATS and formats.input_format(fmt).delimited:
            return _Input(None, path, fmt, open_csv(options, fmt))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read with Dask: {first_line(exc)}") from None
    raise UsageError(
        f"{path}: {_dask()} reads Parquet and CSV/TSV, not {fmt}",
        f"use {spelled('engine', 'local')} for this file",
    )


def _dask() -> str:
    return spelled("engine", "dask")


def _format_of(path: str) -> str:
    """By extension, as the local engine decides (io.detect); a directory (or a URL
    without an extension, e.g. ``s3://bucket/preds/``) is a Parquet dataset."""
    fmt = detect(path.rstrip("/")).format
    if fmt is None and ("://" in path or os.path.isdir(path)):
        return formats.DATASET
    if fmt is None:
        raise UsageError(
            f"{path}: cannot tell the format for {_dask()}",
            f"name the files .parquet or .csv/.tsv, or pass {spelled('input_format')}",
        )
    return fmt


@dataclass(frozen=True)
class _Task:
    """What every partition task needs (small, pickled into the graph)."""

    path: str
    format: str
    plans: tuple[tuple[Any, Resolved, Any, str | None], ...]  # jobs, columns, layout, positive
    options: tuple[RunOptions, ...]
    output: str | None  # per-partition file pattern with one '*' (in a StagedParts directory)
    csv: CsvDataset | None = None  # CSV/TSV: each partition is a CsvBlock of it
    names: tuple[str, ...] = ()  # the used columns, in partition order
    numeric: frozenset[str] = frozenset()  # of those, the ones read as float64 (CSV)
    python: bool = False  # messages name options as Python code does (losscli.spelling)


def run_dask(
    source: InputOptions | Any,
    requests: Sequence[Request],
    options: Sequence[RunOptions],
    output: str | StagedParts | None = None,
) -> list[EvalResult]:
    """Evaluate every request over ``source`` (InputOptions or a Dask DataFrame) on the
    current Dask scheduler: one read of each partition feeds every request.

    ``output`` (``-o``): a path, staged and committed here when the run succeeds; or a
    :class:`StagedParts` the caller made, left staged for the caller to ``commit()`` (or
    ``discard()``) with the run's other outputs. On any failure it is discarded here."""
    require_dask()
    check_requests(requests)
    staged = StagedParts(output) if isinstance(output, str) else output
    try:
        results, sizes, columns = _run(source, requests, options, staged)
        if staged is not None:
            staged.finish(sizes, columns)
            if isinstance(output, str):
                staged.commit()
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            stop_own_workers()  # no worker may write after this point
        if staged is not None:
            staged.discard()
        raise
    return results


def _run(
    source: InputOptions | Any,
    requests: Sequence[Request],
    options: Sequence[RunOptions],
    staged: StagedParts | None,
) -> tuple[list[EvalResult], list[tuple[int, int]], list[tuple[str, str]]]:
    """The results, (rows read, rows written) per partition, and the per-sample columns."""
    data = _Input(source, "<dask dataframe>", "dataframe") if is_dask_frame(source) else open_frame(source)
    meta = _meta(data)
    first = [prepare(meta, losses, **kw) for losses, kw in requests]
    used = sorted({p for plan in first for ps in plan.columns.positions.values() for p in ps})
    names = [meta.names[p] for p in used]
    if len(set(names)) != len(names):
        raise UsageError(
            f"{data.path}: duplicate column names", f"use {spelled('engine', 'local')}, or rename the columns"
        )
    typed = {
        name
        for plan in first
        for role in plan.columns.positions
        for name in plan.columns.names[role]
        if role in ("id", "by") or (role == "y_true" and plan.jobs[0].spec.task in ("binary", "multiclass"))
    }
    numeric = frozenset(n for n in names if n not in typed)
    inputs: list[str] = []
    if data.csv is not None:
        parts: list[Any] = list(data.csv.blocks(names))
        inputs = [f.path for f in data.csv.files]
        projected: Any = ColumnarSource(
            data.path, data.format, schema(names, numeric), lambda _cols, _numeric: iter(())
        )
    else:
        if data.format == formats.DATASET:
            inputs = _check_parquet_files(data.path, names, numeric)
        frame = data.frame[names]
        parts = list(frame.to_delayed())
        projected = frame_source(frame._meta, path=data.path, fmt=data.format)
    if staged is not None:
        staged.refuse_inputs(inputs)
    plans = [_project(plan, used, projected) for plan in first]
    task = _Task(
        data.path,
        data.format,
        tuple((p.jobs, p.columns, p.layout, p.positive) for p in plans),
        tuple(replace(o, sink=None, on_chunk=None) for o in options),
        staged.pattern if staged is not None else None,
        data.csv,
        tuple(names),
        numeric,
        spelling.in_python(),
    )
    offsets = _row_offsets(parts, task) if _numbers_rows(requests, options) else None
    state, sizes = _reduce(parts, task, offsets)
    if state.problem is not None:
        raise state.problem.error()
    results = []
    for i, (plan, opts) in enumerate(zip(plans, options, strict=True)):
        runner = Runner(plan, opts)
        runner.absorb(state.runners[i])
        results.append(runner.result(state.seen))
    return results, sizes, list(plans[0].layout.samples)


def check_requests(requests: Sequence[Request]) -> None:
    """Refuse what the Dask engine does not do (before any cluster is started)."""
    for _, kw in requests:
        if kw.get("labels") is not None or kw.get("on") is not None:
            raise UsageError(
                f"{spelled('labels')}/{spelled('on')} are not available with {_dask()}",
                "join the files first",
            )


def _project(plan: Plan, used: list[int], source: Any) -> Plan:
    """The plan over only the used columns, in ``used`` order (what each partition holds)."""
    where = {p: i for i, p in enumerate(used)}
    positions = {role: [where[p] for p in ps] for role, ps in plan.columns.positions.items()}
    columns = Resolved(positions, dict(plan.columns.names), plan.columns.header)
    return Plan(source, plan.jobs, columns, layouts(columns, plan.jobs), plan.positive)


def _meta(data: _Input) -> Any:
    """A source with the dataset's column names (and types), to resolve the columns on."""
    if data.csv is not None:
        names = data.csv.names
        return ColumnarSource(
            data.path,
            data.format,
            schema(names, frozenset()),
            lambda _cols, _numeric: iter(()),
            named=data.csv.header,
        )
    return frame_source(data.frame._meta, path=data.path, fmt=data.format)


Sized = tuple[PartState, list[tuple[int, int]]]  # a state, and (rows read, rows written) per partition


def _check_parquet_files(path: str, names: Sequence[str], numeric: frozenset[str] = frozenset()) -> list[str]:
    """Every file of a Parquet dataset has the used columns, numbers where numbers are
    needed (Dask takes the schema from one file; another file's list column would fail in
    a task, named by the dataset only): each footer's schema is read here, as the local
    engine does (``io.parquet``). Returns the files."""
    import glob

    import pyarrow.parquet as pq

    if "://" in path:
        import fsspec  # type: ignore[import-untyped]

        fs, _, found = fsspec.core.get_fs_token_paths(path, mode="rb", expand=True)
        opener: Any = fs.open
        files = [f for p in found for f in (sorted(fs.find(p)) if fs.isdir(p) else [p])]
    else:
        opener = open
        found = sorted(glob.glob(path)) if glob.has_magic(path) else [path]
        files = [
            f
            for p in found
            for f in (
                sorted(glob.glob(os.path.join(p, "**", "*"), recursive=True)) if os.path.isdir(p) else [p]
            )
            if os.path.isfile(f)
        ]
    for file in files:
        if os.path.basename(file).startswith(("_", ".")) or not file.lower().endswith(
            formats.input_format(formats.DATASET).extensions
        ):
            continue  # _metadata, _SUCCESS, hidden files: not data (as Dask skips them)
        try:
            with opener(file, "rb") as fh:
                stored = pq.read_schema(fh)
            have = set(stored.names)
        except (OSError, ValueError) as exc:
            raise InputError(f"{file}: cannot read the Parquet footer: {first_line(exc)}") from None
        folders = file.replace(os.sep, "/").split("/")[:-1]
        have |= {part.split("=", 1)[0] for part in folders if "=" in part}  # hive partitioning: key=value
        missing = [n for n in names if n not in have]
        if missing:
            raise ColumnError(
                f"{file}: no column '{missing[0][:60]}' (other files of {path} have it)",
                "every file of the dataset needs the same columns: fix or leave out that file",
            )
        for name in numeric & set(stored.names):
            check_numeric(file, name, stored.field(name).type)
    return files


def _numbers_rows(requests: Sequence[Request], options: Sequence[RunOptions]) -> bool:
    """Whether partitions need their rows' numbers in the whole input: --ci without --id
    (the bootstrap units), and a report (its row sample keeps the rows whose number has
    the smallest hash: the local engine's rows only if they carry the local numbers)."""
    return any(
        (run.ci is not None and kw.get("id") is None) or run.plots
        for (_, kw), run in zip(requests, options, strict=True)
    )


def _row_offsets(parts: list[Any], task: _Task) -> list[int]:
    """The rows before each partition: a first pass that counts each partition's rows
    (one column read), so that a partition's rows keep their numbers in the whole input
    as bootstrap units — the same units, so the same interval, as the local engine's —
    and as a report's row-sample keys (the same sample).
    A partition that cannot be read counts 0 here; the main pass reports it."""
    import dask

    counts = _compute(dask.delayed(list)([dask.delayed(_count_rows)(part, task) for part in parts]))
    return [int(x) for x in np.concatenate([[0], np.cumsum(counts[:-1], dtype=np.int64)])] if counts else []


def _count_rows(part: Any, task: _Task) -> int:
    """A partition's rows (runs on a worker)."""
    if task.csv is None:
        return len(part)
    block = replace(part, columns=part.columns[:1])
    try:
        return sum(batch.num_rows for batch in batches(block, task.csv, task.names[:1], frozenset()))
    except Unparsable:
        return 0


def _reduce(parts: list[Any], task: _Task, offsets: list[int] | None = None) -> Sized:
    """Map every partition (a delayed pandas DataFrame, or a CsvBlock) to its state, then
    merge neighbours pairwise in order. ``offsets``: the rows before each partition, for
    --ci's row units and a report's row sample."""
    import dask

    states = [
        dask.delayed(_partition)(part, i, task, 0 if offsets is None else offsets[i])
        for i, part in enumerate(parts)
    ]
    if not states:
        return PartState(0, []), []
    while len(states) > 1:
        states = [
            dask.delayed(_merge)(states[i], states[i + 1], task.path) if i + 1 < len(states) else states[i]
            for i in range(0, len(states), 2)
        ]
    return _compute(states[0])  # type: ignore[no-any-return]


def _compute(value: Any) -> Any:
    """A delayed value computed on the distributed client in use, or on Dask's default
    (threaded) scheduler; a Ctrl-C cancels it."""
    import dask

    client = _client()
    if client is None:
        (done,) = dask.compute(value)
        return done
    future = client.compute(value)
    try:
        while not future.done():  # short sleeps: a Ctrl-C taken by another thread is seen at once
            time.sleep(0.05)
        return future.result()
    except KeyboardInterrupt:
        future.cancel()
        raise


def _merge(a: Sized, b: Sized, where: str) -> Sized:
    """Two adjacent states merged (runs on a worker). Like :func:`_partition`, under
    ``np.errstate``: a sum that overflows is found by ``finish`` and is an error there;
    NumPy's RuntimeWarning from a worker would be a stray line on the user's stderr."""
    with np.errstate(all="ignore"):
        return merge(a[0], b[0], where), a[1] + b[1]


def _client() -> Any:
    """The distributed client in use, or None."""
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def _partition(part: Any, index: int, task: _Task, offset: int = 0) -> Sized:
    """One partition through the local engine (runs on a worker), its messages spelled
    as the caller's (a worker does not share the caller's context). ``offset``: the rows
    before it in the whole input (its --ci row units; its own rows are numbered from 1)."""
    with spelling.python(task.python):
        return _run_partition(part, index, task, offset)


def _run_partition(part: Any, index: int, task: _Task, offset: int) -> Sized:
    if task.csv is not None:
        block, data = part, task.csv
        source: Any = ColumnarSource(
            task.path,
            task.format,
            schema(task.names, task.numeric),
            lambda _cols, _numeric: batches(block, data, task.names, task.numeric),
        )
    else:
        source = frame_source(part, path=task.path, fmt=task.format)
    plans = [Plan(source, jobs, columns, layout, positive) for jobs, columns, layout, positive in task.plans]
    sink = None
    if task.output is not None:
        from losscli.output.per_sample import PerSampleFile

        path = task.output.replace("*", PART.format(index))
        sink = _Counted(PerSampleFile(path, list(plans[0].layout.samples)))
    runners = [
        Runner(plan, replace(opts, sink=sink if i == 0 else None), unit_offset=offset)
        for i, (plan, opts) in enumerate(zip(plans, task.options, strict=True))
    ]
    try:
        with np.errstate(all="ignore"):
            seen = feed(plans, runners)
    except BaseException as exc:
        if sink is not None:
            sink.discard()
        if isinstance(exc, Unparsable) and task.csv is not None:
            return PartState(0, [], locate(part, task.csv, task.names, task.numeric)), [(0, 0)]
        if not isinstance(exc, Problem):
            raise
        return PartState(0, [], PartProblem(exc.message, exc.hint, exc.row, exc.total, exc.kind)), [(0, 0)]
    written = 0
    if sink is not None:
        written = sink.rows
        if written:
            sink.commit()
        else:  # no rows, no part file (an empty Parquet part would be 0 bytes, unreadable)
            sink.discard()
    return PartState(seen, [runner.state() for runner in runners]), [(seen, written)]


class _Counted:
    """A per-sample sink that counts the rows it was given."""

    def __init__(self, sink: Any) -> None:
        self.sink, self.rows = sink, 0

    def __call__(self, block: Any) -> None:
        self.rows += len(block)
        self.sink(block)

    def commit(self) -> None:
        self.sink.commit()

    def discard(self) -> None:
        self.sink.discard()


def evaluate_dask(
    source: Any,
    losses: Any,
    scheduler: str | None,
    run_options: RunOptions,
    output: str | None = None,
    **kw: Any,
) -> EvalResult:
    """``losscli.evaluate(..., engine="dask")``: a Dask DataFrame runs on the scheduler
    already in use; a path connects to ``scheduler`` (or starts a LocalCluster)."""
    if is_dask_frame(source) and scheduler is None:
        return run_dask(source, [(losses, kw)], [run_options], output)[0]
    with connect(scheduler):
        return run_dask(_as_options(source), [(losses, kw)], [run_options], output)[0]


def _as_options(source: Any) -> Any:
    if isinstance(source, str):
        return InputOptions(source)
    return source
