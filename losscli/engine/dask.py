"""The Dask engine: the local engine's kernels and accumulators, one task per partition.

map: every partition (a pandas DataFrame on a worker) runs through the local
engine's runners (``engine.local.feed``) into a :class:`PartState`;
reduce: adjacent states merge in partition order (``engine.merge``) as a tree
of tasks; the client finishes the merged state exactly as the local engine
finishes its own. Values equal the local engine's to floating-point rounding
(sums are exact per partition and combined with exact partials).

Dask is an optional extra: importing this module never imports it; the
functions that need it do, and say how to install it when it is missing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from losscli.columns import Resolved
from losscli.engine.layout import layouts
from losscli.engine.local import Plan, RunOptions, _is_dask_frame, _Runner, feed, prepare
from losscli.engine.merge import PartProblem, PartState, merge
from losscli.engine.validate import Problem
from losscli.errors import InputError, UsageError
from losscli.io.frames import frame_source
from losscli.io.source import InputOptions
from losscli.results import EvalResult

INSTALL = "pip install 'losscli[dask]'"
SCHEDULER_ENV = "LOSSCLI_SCHEDULER"
PARQUET_ENDINGS = (".parquet", ".pq", ".parq")
CSV_ENDINGS = {".csv": ",", ".tsv": "\t", ".txt": ","}
COMPRESSIONS = (".gz", ".bz2", ".zst", ".xz")
PARTITION_BYTES = "64MiB"
_OWN_CLUSTERS: list[Any] = []
_DETACHED: list[
    bool
] = []  # set once stderr has been detached from new child processes  # LocalClusters started by connect(): stopped at once on Ctrl-C

Request = tuple[Any, dict[str, Any]]  # (losses, keyword arguments of engine.local.prepare)


def require_dask() -> None:
    """Exit 2 with the install command when Dask (with distributed) is missing."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"--engine dask needs Dask, which is not installed ({exc.name})", INSTALL) from None


@contextlib.contextmanager
def connect(scheduler: str | None = None) -> Iterator[None]:
    """A Dask client for the duration: ``scheduler`` (or $LOSSCLI_SCHEDULER), else a
    LocalCluster of one single-threaded worker process per core."""
    require_dask()
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    for name in ("distributed", "asyncio", "tornado"):  # stderr is for losscli's own lines
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if address:
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {address}: {_short(exc)}",
                f"check --scheduler / ${SCHEDULER_ENV} (e.g. tcp://host:8786)",
            ) from None
        try:
            yield
        finally:
            client.close(timeout=2)
        return
    with _quiet_children():
        cluster = LocalCluster(
            n_workers=os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: never a clash with a running cluster
            silence_logs=logging.CRITICAL,
        )
    client = Client(cluster)
    _OWN_CLUSTERS.append(cluster)
    try:
        yield
    except KeyboardInterrupt:  # Ctrl-C: the workers are ours and hold nothing worth waiting for
        _kill_workers(cluster)
        _forget(cluster)
        raise
    else:
        with contextlib.suppress(Exception):
            client.close(timeout=1)
        with contextlib.suppress(Exception):
            cluster.close(timeout=1)
    finally:
        _OWN_CLUSTERS.remove(cluster)


@contextlib.contextmanager
def _quiet_children() -> Iterator[None]:
    """Start the LocalCluster's processes (workers, multiprocessing's resource tracker) with
    stderr on /dev/null: their errors reach the client through Dask, and a worker killed
    on Ctrl-C must not print a traceback or a leaked-semaphore warning after losscli's own
    last line. Only file descriptor 2 is swapped, and only while they start."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _detach_stderr() -> None:
    """Point file descriptor 2 (what new child processes inherit) at /dev/null, and keep
    losscli's own ``sys.stderr`` on the real stream through a duplicate. Once per process."""
    if _DETACHED:
        return
    _DETACHED.append(True)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
        keep = os.dup(2)
        sys.stderr = os.fdopen(keep, "w", buffering=1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def _forget(cluster: Any) -> None:
    """Take a cluster whose workers were killed off distributed's close-at-exit list: closing
    it waits (~10 s) for nannies whose workers are gone, and there is nothing to hand back."""
    with contextlib.suppress(Exception):
        from distributed.deploy.spec import SpecCluster

        SpecCluster._instances.discard(cluster)


def _remove_temp_files(pattern: str) -> None:
    """The temp files of per-partition outputs that were being written (io.atomic names them
    ``.<name>.<random>.tmp`` beside the file)."""
    import glob

    folder, name = os.path.split(pattern)
    for temp in glob.glob(os.path.join(folder or ".", f".{name.replace('*', 'part-*')}.*.tmp")):
        with contextlib.suppress(OSError):
            os.remove(temp)


def _kill_workers(cluster: Any) -> None:
    """SIGKILL the LocalCluster's worker processes (a busy worker would finish its task first).
    Any process Dask starts after this (a nanny replacing a worker) gets /dev/null as stderr,
    so nothing prints after losscli's own last line."""
    import signal

    _detach_stderr()
    for nanny in list(getattr(cluster, "workers", {}).values()):
        nanny.auto_restart = False  # else the nanny starts a new worker, and closing waits for it
        process = getattr(getattr(nanny, "process", None), "process", None)
        pid = getattr(process, "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@dataclass(frozen=True)
class _Input:
    """A Dask DataFrame and how to name it; ``text``: CSV read as text (numbers parsed per partition)."""

    frame: Any
    path: str
    format: str
    text: bool = False
    reopen: Any = None  # CSV: columns → a DataFrame of only those columns


def open_frame(options: InputOptions) -> _Input:
    """Parquet files, directories, globs and fsspec URLs; CSV/TSV files and globs."""
    require_dask()
    import dask.dataframe as dd

    path = options.path
    if path == "-":
        raise UsageError("--engine dask reads files, not stdin", "use --engine local for stdin")
    fmt = options.format or _format_of(path)
    try:
        if fmt == "parquet":
            # ~64 MiB partitions (row groups combined or split): big single files spread over workers
            return _Input(dd.read_parquet(path, blocksize=PARTITION_BYTES), path, "parquet")
        if fmt in ("csv", "tsv"):
            return _csv(dd, options, fmt)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read with Dask: {_short(exc)}") from None
    raise UsageError(
        f"{path}: --engine dask reads Parquet and CSV/TSV, not {fmt}", "use --engine local for this file"
    )


def _csv(dd: Any, options: InputOptions, fmt: str) -> _Input:
    """CSV/TSV read as text (every partition parses its numbers, so a stray word is a
    clear error, not a dtype clash); ``reopen`` reads only the used columns."""
    path = options.path
    kwargs: dict[str, Any] = {
        "sep": options.delimiter or ("\t" if fmt == "tsv" else ","),
        "encoding": options.encoding,
        "dtype": object,
        "blocksize": PARTITION_BYTES,
    }
    names: list[str] | None = None
    if not options.header:
        names = [str(i + 1) for i in range(len(dd.read_csv(path, header=None, **kwargs).columns))]

    def read(columns: list[str] | None = None) -> Any:
        if names is None:
            return dd.read_csv(path, header=0, usecols=columns, **kwargs)
        frame = dd.read_csv(path, header=None, names=names, **kwargs)
        return frame if columns is None else frame[columns]

    return _Input(read(), path, fmt, text=True, reopen=read)


def _format_of(path: str) -> str:
    name = path.lower().rstrip("/")
    for ending in COMPRESSIONS:
        name = name.removesuffix(ending)
    if name.endswith(PARQUET_ENDINGS):
        return "parquet"
    for ending in CSV_ENDINGS:
        if name.endswith(ending):
            return "tsv" if ending == ".tsv" else "csv"
    if "://" not in path and os.path.isdir(path):
        return "parquet"
    raise UsageError(
        f"{path}: cannot tell the format for --engine dask",
        "name the files .parquet or .csv/.tsv, or pass --input-format",
    )


@dataclass(frozen=True)
class _Task:
    """What every partition task needs (small, pickled into the graph)."""

    path: str
    format: str
    plans: tuple[tuple[Any, Resolved, Any, str | None], ...]  # jobs, columns, layout, positive
    options: tuple[RunOptions, ...]
    numeric: tuple[str, ...]  # text columns to parse as numbers (CSV)
    output: str | None  # per-partition file pattern with one '*'


def run_dask(
    source: InputOptions | Any,
    requests: Sequence[Request],
    options: Sequence[RunOptions],
    output: str | None = None,
) -> list[EvalResult]:
    """Evaluate every request over ``source`` (InputOptions or a Dask DataFrame) on the
    current Dask scheduler: one read of each partition feeds every request."""
    require_dask()
    data = _Input(source, "<dask dataframe>", "dataframe") if _is_dask_frame(source) else open_frame(source)
    for _, kw in requests:
        if kw.get("labels") is not None or kw.get("on") is not None:
            raise UsageError("--labels/--on are not available with --engine dask", "join the files first")
    meta = frame_source(data.frame._meta, path=data.path, fmt=data.format)
    first = [prepare(meta, losses, **kw) for losses, kw in requests]
    used = sorted({p for plan in first for ps in plan.columns.positions.values() for p in ps})
    names = [meta.names[p] for p in used]
    if len(set(names)) != len(names):
        raise UsageError(f"{data.path}: duplicate column names", "use --engine local, or rename the columns")
    frame = data.reopen(names) if data.reopen is not None else data.frame[names]
    projected = frame_source(frame._meta, path=data.path, fmt=data.format)
    plans = [_project(plan, used, projected) for plan in first]
    typed = {
        name
        for plan in plans
        for role, ps in plan.columns.positions.items()
        for name in plan.columns.names[role]
        if role in ("id", "by") or (role == "y_true" and plan.jobs[0].spec.task in ("binary", "multiclass"))
    }
    task = _Task(
        data.path,
        data.format,
        tuple((p.jobs, p.columns, p.layout, p.positive) for p in plans),
        tuple(replace(o, sink=None, on_chunk=None) for o in options),
        tuple(n for n in names if n not in typed) if data.text else (),
        _pattern(output) if output else None,
    )
    try:
        state = _reduce(frame, task)
    except KeyboardInterrupt:
        for cluster in _OWN_CLUSTERS:  # no worker may write after this point
            _kill_workers(cluster)
        if task.output is not None:
            _remove_temp_files(task.output)
        raise
    if state.problem is not None:
        raise state.problem.error()
    results = []
    for i, (plan, opts) in enumerate(zip(plans, options, strict=True)):
        runner = _Runner(plan, opts)
        runner.absorb(state.runners[i])
        results.append(runner.result(state.seen))
    return results


def _project(plan: Plan, used: list[int], source: Any) -> Plan:
    """The plan over only the used columns, in ``used`` order (what each partition holds)."""
    where = {p: i for i, p in enumerate(used)}
    positions = {role: [where[p] for p in ps] for role, ps in plan.columns.positions.items()}
    columns = Resolved(positions, dict(plan.columns.names))
    return Plan(source, plan.jobs, columns, layouts(columns, plan.jobs), plan.positive)


def _reduce(frame: Any, task: _Task) -> PartState:
    """Map every partition to its state, then merge neighbours pairwise in order."""
    import dask

    states = [dask.delayed(_partition)(part, i, task) for i, part in enumerate(frame.to_delayed())]
    if not states:
        return PartState(0, [])
    while len(states) > 1:
        states = [
            dask.delayed(merge)(states[i], states[i + 1], task.path) if i + 1 < len(states) else states[i]
            for i in range(0, len(states), 2)
        ]
    client = _client()
    if client is None:  # no distributed client: Dask's default (threaded) scheduler
        (state,) = dask.compute(states[0])
        return state  # type: ignore[no-any-return]
    future = client.compute(states[0])
    try:
        while not future.done():  # short sleeps: a Ctrl-C taken by another thread is seen at once
            time.sleep(0.05)
        return future.result()  # type: ignore[no-any-return]
    except KeyboardInterrupt:
        future.cancel()
        raise


def _client() -> Any:
    """The distributed client in use, or None."""
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def _partition(frame: Any, index: int, task: _Task) -> PartState:
    """One partition through the local engine (runs on a worker)."""
    problem = _parse_numbers(frame, task.numeric, task.path)
    if problem is not None:
        return PartState(0, [], problem)
    source = frame_source(frame, path=task.path, fmt=task.format)
    plans = [Plan(source, jobs, columns, layout, positive) for jobs, columns, layout, positive in task.plans]
    sink = None
    if task.output is not None:
        from losscli.io.per_sample import PerSampleFile

        sink = PerSampleFile(task.output.replace("*", f"part-{index:05d}"), list(plans[0].layout.samples))
    runners = [
        _Runner(plan, replace(opts, sink=sink if i == 0 else None))
        for i, (plan, opts) in enumerate(zip(plans, task.options, strict=True))
    ]
    try:
        with np.errstate(all="ignore"):
            seen = feed(plans, runners)
    except Problem as found:
        if sink is not None:
            sink.discard()
        return PartState(0, [], PartProblem(found.message, found.hint, found.row, found.total, found.kind))
    except BaseException:
        if sink is not None:
            sink.discard()
        raise
    if sink is not None:
        sink.commit()
    return PartState(seen, [runner.state() for runner in runners])


def _parse_numbers(frame: Any, columns: Sequence[str], path: str) -> PartProblem | None:
    """CSV text columns to float64 in place; the first cell that is not a number, as a problem."""
    import pandas as pd

    for name in columns:
        text = frame[name]
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isnan(values) & text.notna().to_numpy() & ~_nan_words(text)
        if bad.any():
            first = int(np.argmax(bad))
            what = _literal(f"{path}: column '{name}' row ")
            cell = _literal(repr(str(text.iloc[first])))
            message = f"{what}{{row}}: {cell} is not a number ({{total}} in all)"
            hint = "fix the data, or choose another column"
            return PartProblem(message, hint, first + 1, int(bad.sum()), f"{name}: a number")
        frame[name] = values
    return None


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _nan_words(text: Any) -> Any:
    return text.astype(str).str.strip().str.lower().isin(["nan", "-nan", "+nan"]).to_numpy()


def _pattern(output: str) -> str:
    """``-o DIR`` → ``DIR/*.parquet``; ``-o 'DIR/name-*.csv'`` keeps its own pattern.
    The directory is created; each partition replaces '*' with ``part-NNNNN``."""
    pattern = output if "*" in output else os.path.join(output, "*.parquet")
    folder = os.path.dirname(pattern) or "."
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise InputError(f"-o {output}: cannot create the directory: {_short(exc)}") from None
    return pattern


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
    if _is_dask_frame(source) and scheduler is None:
        return run_dask(source, [(losses, kw)], [run_options], output)[0]
    with connect(scheduler):
        return run_dask(_as_options(source), [(losses, kw)], [run_options], output)[0]


def _as_options(source: Any) -> Any:
    if isinstance(source, str):
        return InputOptions(source)
    return source


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
