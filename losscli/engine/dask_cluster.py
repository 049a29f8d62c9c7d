"""Where the Dask engine runs: a client for ``--scheduler`` (or $LOSSCLI_SCHEDULER), else a
LocalCluster started for the run, stopped at once and quietly on Ctrl-C.

Connecting is bounded: the address must use a protocol losscli speaks (tcp://, tls://, …), and
a plain TCP scheduler must send Dask's handshake within ``--timeout`` seconds
($LOSSCLI_TIMEOUT, the config's top-level ``timeout``, else 10 s) before a Client is made,
so a port that never answers, or answers something that is not Dask, is exit 2 in bounded time.

Dask is an optional extra: importing this module never imports it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

from losscli.errors import InputError, UsageError, first_line
from losscli.options import spelled

INSTALL = "pip install 'losscli[dask]'"
SCHEDULER_ENV = "LOSSCLI_SCHEDULER"
TIMEOUT_ENV = "LOSSCLI_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
PROTOCOLS = ("tcp", "tls", "ws", "wss", "inproc")  # what distributed connects to without extras
_OWN: list[Any] = []  # LocalClusters started by connect() and still running
_DETACHED: list[bool] = []  # set once stderr has been detached from new child processes


def require_dask() -> None:
    """Exit 2 with the install command when Dask (with distributed) is missing."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            f"{spelled('engine', 'dask')} needs Dask, which is not installed ({exc.name})", INSTALL
        ) from None


@contextlib.contextmanager
def connect(
    scheduler: str | None = None, timeout: float | str | None = None, config: str | None = None
) -> Iterator[None]:
    """A Dask client for the duration: ``scheduler`` (or $LOSSCLI_SCHEDULER), else a
    LocalCluster of one single-threaded worker process per core. ``timeout`` (seconds;
    see :func:`resolve_timeout`, ``config`` names the config file to read it from) bounds
    connecting to a scheduler."""
    require_dask()
    from distributed import LocalCluster

    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    for name in ("distributed", "asyncio", "tornado"):  # stderr is for losscli's own lines
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if address:
        client = _client_for(address, resolve_timeout(timeout, config))
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
    from distributed import Client

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


def _client_for(address: str, timeout: float) -> Any:
    """A Client of the scheduler at ``address``, or exit 2 within about ``timeout`` seconds."""
    from distributed import Client
    from distributed.comm.addressing import parse_address

    hint = f"check {spelled('scheduler')} / ${SCHEDULER_ENV} (e.g. tcp://host:8786)"
    try:
        protocol, location = parse_address(address)
    except ValueError as exc:
        raise UsageError(
            f"{spelled('scheduler', address)}: not a scheduler address: {first_line(exc)}", hint
        ) from None
    if protocol not in PROTOCOLS:
        raise UsageError(
            f"{spelled('scheduler', address)}: unsupported protocol '{protocol}://'",
            "use tcp://host:port (or tls://host:port)",
        )
    if protocol == "tcp":
        _handshake(address, location, timeout, hint)
    try:
        return Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError, TypeError, KeyError, EOFError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {first_line(exc)}", hint) from None


def _handshake(address: str, location: str, timeout: float, hint: str) -> None:
    """A plain TCP Dask scheduler sends its handshake (one framed msgpack message naming
    'python' and 'pickle-protocol') as soon as it accepts: wait at most ``timeout`` seconds
    for it on a throwaway socket, so a silent port or another service is a clear exit 2."""
    import socket
    import struct

    from distributed.comm.addressing import parse_host_port

    try:
        host, port = parse_host_port(location, 8786)
    except ValueError as exc:
        raise UsageError(
            f"{spelled('scheduler', address)}: not a scheduler address: {first_line(exc)}", hint
        ) from None
    deadline = time.monotonic() + timeout
    data = b""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            while len(data) < 8 or len(data) < 8 + struct.unpack("<Q", data[:8])[0]:
                if len(data) >= 8 and struct.unpack("<Q", data[:8])[0] > 1 << 12:
                    break  # not the length of a handshake: another protocol (HTTP, SSH, …)
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                block = sock.recv(1 << 12)
                if not block:
                    break
                data += block
    except TimeoutError:
        if data:  # something that is not a (complete) Dask handshake
            raise InputError(f"{address} answers, but not as a Dask scheduler", hint) from None
        raise InputError(
            f"the Dask scheduler at {address} did not answer within {timeout:g} s ({spelled('timeout')})",
            f"check that a Dask scheduler listens there, or raise {_timeouts()}",
        ) from None
    except OSError as exc:
        reason = exc.strerror or first_line(exc)
        raise InputError(f"cannot reach the Dask scheduler at {address}: {reason}", hint) from None
    if b"python" not in data or b"pickle-protocol" not in data:
        raise InputError(f"{address} answers, but not as a Dask scheduler", hint)


def _timeouts() -> str:
    """Where the timeout is set: ``--timeout / $LOSSCLI_TIMEOUT`` (in Python the variable)."""
    return " / ".join(dict.fromkeys([spelled("timeout"), f"${TIMEOUT_ENV}"]))


def resolve_timeout(value: float | str | None = None, config: str | None = None) -> float:
    """Seconds to wait for a scheduler: ``value`` (--timeout), else $LOSSCLI_TIMEOUT, else the
    top-level ``timeout`` of the config file (``config``, or the one ``losscli check`` would
    discover), else 10. Each must be a finite number > 0."""
    if value is not None:
        return _seconds(value, spelled("timeout"))
    env = os.environ.get(TIMEOUT_ENV)
    if env:
        return _seconds(env, f"${TIMEOUT_ENV}")
    found = _config_timeout(config)
    if found is not None:
        return _seconds(found[1], f"{found[0]}: timeout")
    return DEFAULT_TIMEOUT


def _seconds(value: object, where: str) -> float:
    import math

    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value.strip())
    if number is None or not math.isfinite(number) or number <= 0:
        shown = repr(value)[:40]
        raise UsageError(
            f"{where} must be a number of seconds > 0, not {shown}", f"e.g. {spelled('timeout', 30)}"
        )
    return number


def _config_timeout(config: str | None) -> tuple[str, object] | None:
    """(file, value) of the top-level ``timeout`` key of the config (``[tool.losscli]`` in a
    pyproject.toml); None when there is no config or no key. A config that cannot be found
    or parsed is not this function's concern (``losscli check`` reports it)."""
    import tomllib

    from losscli.config import discover

    try:
        path = config or discover()
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (UsageError, OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
        return None
    table: object = data
    if path.endswith("pyproject.toml"):
        tool = data.get("tool")
        table = tool.get("losscli") if isinstance(tool, dict) else None
    if not isinstance(table, dict) or "timeout" not in table:
        return None
    return path, table["timeout"]


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
