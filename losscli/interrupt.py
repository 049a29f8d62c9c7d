"""Signals that cannot be lost, and cannot leave a half-done commit.

Every signal whose default action ends the process (SIGINT from Ctrl-C, SIGTERM from
``timeout`` or a cancelled CI job, SIGHUP from a closed terminal, SIGQUIT, SIGUSR1/2,
SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU) is routed through one handler: it records the
signal, sets a flag and raises KeyboardInterrupt, so the run unwinds and removes its
temp files. The engine also looks at the flag after every chunk, so an interrupt
swallowed inside a C extension (pyarrow has been seen to do this) still ends the run.

An error raised after a signal arrived (pyarrow's decompressor reports a read the
signal cut short as "Truncated compressed stream") is the signal's doing: the run
ends as interrupted (:func:`pending`, checked by the CLI's error boundary).

A signal that arrives while a module is being imported is held until the import is
whole (the run ends at the next check): an extension module (NumPy, pyarrow) left half
initialised by an exception can crash the interpreter as it exits.

While outputs are being committed (:func:`deferred`), the handler only records the
signal: the commit finishes whole, and the run then ends with the verdict it had —
every output the user asked for exists, so it is not reported as interrupted.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

_NAMES = [
    "SIGINT",
    "SIGTERM",
    "SIGHUP",
    "SIGQUIT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGALRM",
    "SIGVTALRM",
    "SIGPROF",
    "SIGXCPU",
]
SIGNALS: tuple[signal.Signals, ...] = tuple(getattr(signal, n) for n in _NAMES if hasattr(signal, n))

_interrupted = threading.Event()
_received = [int(signal.SIGINT)]  # the last signal that stopped the run
_deferring = [False]


def _handler(signum: int, frame: FrameType | None) -> None:
    _received[0] = signum
    if _deferring[0]:
        return
    _interrupted.set()
    if _importing(frame):
        return  # raised at the next check: a half-imported C extension can crash the exit
    raise KeyboardInterrupt


def _importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside the import system (a module being imported)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _quiet_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """An interrupt raised where Python cannot propagate it (a weakref callback of the
    import system, a ``__del__``) is printed by default as ``Exception ignored in`` with a
    traceback. The flag is already set, so the run still ends at the next check: say
    nothing here. Anything else goes to the usual hook."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and _interrupted.is_set():
        return
    sys.__unraisablehook__(unraisable)


def install() -> None:
    """Route every terminating signal through the handler (main thread only). A signal
    the parent set to be ignored (``nohup`` ignores SIGHUP) stays ignored. An interrupt
    that lands where it cannot be raised is kept quiet (the flag ends the run)."""
    if threading.current_thread() is threading.main_thread():
        sys.unraisablehook = _quiet_unraisable
        _interrupted.clear()
        _received[0] = int(signal.SIGINT)
        _deferring[0] = False
        for sig in SIGNALS:
            with contextlib.suppress(OSError, ValueError):
                if signal.getsignal(sig) is not signal.SIG_IGN:  # nohup, a background job
                    signal.signal(sig, _handler)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Signals arriving inside the block are recorded, not raised: the block runs whole.
    Raises KeyboardInterrupt on entry if a signal already arrived. When the block
    completes (every output committed) the run is over, so signals stay deferred until
    the next :func:`install`; when it fails, they are raised again."""
    raise_pending()
    _deferring[0] = True
    try:
        yield
    except BaseException:
        _deferring[0] = False
        raise


def exit_code() -> int:
    """128 + the signal: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + _received[0]


def describe() -> str:
    """``interrupted`` for Ctrl-C, ``terminated`` for SIGTERM, else ``terminated (SIGHUP)`` and the like."""
    if _received[0] == signal.SIGINT:
        return "interrupted"
    if _received[0] == signal.SIGTERM:
        return "terminated"
    try:
        return f"terminated ({signal.Signals(_received[0]).name})"
    except ValueError:
        return "terminated"


def pending() -> bool:
    """Whether a signal arrived since :func:`install` (outside a commit)."""
    return _interrupted.is_set()


def raise_pending() -> None:
    """Raise KeyboardInterrupt if a signal arrived since :func:`install`."""
    if pending():
        raise KeyboardInterrupt
