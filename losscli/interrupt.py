"""Ctrl-C that cannot be lost: the SIGINT handler also sets a flag, and the engine
checks it after every chunk, so an interrupt swallowed inside a C extension
(pyarrow has been seen to do this) still ends the run with exit 130."""

from __future__ import annotations

import signal
import threading
from types import FrameType

_interrupted = threading.Event()


def _handler(signum: int, frame: FrameType | None) -> None:
    _interrupted.set()
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT through the flag (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is threading.main_thread():
        _interrupted.clear()
        signal.signal(signal.SIGINT, _handler)


def check() -> None:
    """Raise KeyboardInterrupt if a SIGINT arrived since :func:`install`."""
    if _interrupted.is_set():
        raise KeyboardInterrupt
