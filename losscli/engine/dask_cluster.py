"""Where the Dask engine runs: a client for ``--scheduler`` (or $LOSSCLI_SCHEDULER), else a
LocalCluster started for the run, stopped at once and quietly on Ctrl-C.

Dask is an optional extra: importing this module never imports it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

from losscli.errors import InputError, UsageError, first_line

INSTALL = "pip install 'losscli[dask]'"
SCHEDULER_ENV = "LOSSCLI_SCHEDULER"
_OWN: list[Any] = []  # LocalClusters started by connect() and still running
_DETACHED: list[bool] = []  # set once stderr has been detached from new child processes


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
                f"cannot reach the Dask scheduler at {address}: {first_line(exc)}",
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
    _OWN.append(cluster)
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
        _OWN.remove(cluster)


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


def stop_own_workers() -> None:
    """Kill the workers of every LocalCluster this process started (nothing else may write)."""
    for cluster in _OWN:
        _kill_workers(cluster)
