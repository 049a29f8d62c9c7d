"""Ctrl-C that cannot be lost: the SIGINT handler also sets a flag, and the engine
checks it after every chunk, so an interrupt swallowed inside a C extension
(pyarrow has been seen to do this) still ends the run with exit 130."""

from __future__ import annotations

import signal
import threading
from types import FrameType

_interrupted = threading.Event()
_received = [int(signal.SIGINT)]  # the last signal that stopped the run


def _handler(signum: int, frame: FrameType | None) -> None:
    _received[0] = signum
    _interrupted.set()
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT (Ctrl-C) and SIGTERM (``timeout``, a cancelled CI job) through the
    flag, so both unwind the run and remove temp files (main thread only)."""
    if threading.current_thread() is threading.main_thread():
        _interrupted.clear()
        _received[0] = int(signal.SIGINT)
        signal.signal(signal.SIGINT, _handler)
        signal.signal(signal.SIGTERM, _handler)


def exit_code() -> int:
    """128 + the signal: 130 for Ctrl-C, 143 for SIGTERM."""
    return 128 + _received[0]


def describe() -> str:
    return "terminated" if _received[0] == signal.SIGTERM else "interrupted"


def check() -> None:
    """Raise KeyboardInterrupt if a SIGINT arrived since :func:`install`."""
    if _interrupted.is_set():
        raise KeyboardInterrupt
