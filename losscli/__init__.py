"""losscli: how wrong are these predictions? Loss evaluation from files, in NumPy.

Public API::

    import losscli
    losscli.evaluate("preds.parquet", "mse")      # -> EvalResult
    losscli.losses.mse(y_true, y_pred)            # -> float, like scikit-learn
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # built in (no file to find): cannot be interrupted
import sys as _sys


def leave_now(signum: int, frame: object) -> None:
    """Start-up's signal handler (the console script only): nothing is open or written
    yet, so end at once with one line and 128 + the signal, never a traceback. A
    command's error boundary replaces it (losscli.interrupt.install)."""
    import os

    word = b"interrupted" if signum == _signal.SIGINT else b"terminated"
    try:
        os.write(2, b"\nlosscli: " + word + b"\n")
    finally:
        os._exit(128 + signum)


def catch_start_up_signals(signals: tuple[int, ...] = (_signal.SIGINT, _signal.SIGTERM)) -> None:
    """Route ``signals`` to :func:`leave_now`; one the parent ignores (nohup's SIGHUP, a
    background job's SIGINT) stays ignored."""
    for sig in signals:
        try:
            if _signal.getsignal(sig) is not _signal.SIG_IGN:
                _signal.signal(sig, leave_now)
        except (OSError, ValueError):
            continue


if _sys.argv and _sys.argv[0].rpartition("/")[2] == "losscli":  # the console script, from its first line
    catch_start_up_signals()

from typing import TYPE_CHECKING, Any  # noqa: E402

from losscli.version import __version__  # noqa: E402

__all__ = ["LossCliError", "LossSpec", "__version__", "compare", "evaluate", "losses"]

if TYPE_CHECKING:
    from losscli import losses
    from losscli.api import evaluate
    from losscli.comparison import compare
    from losscli.errors import LossCliError
    from losscli.spec import LossSpec


def __getattr__(name: str) -> Any:
    if name == "evaluate":
        from losscli.api import evaluate

        return evaluate
    if name == "compare":
        from losscli.comparison import compare

        return compare
    if name == "losses":
        import losscli.losses

        return losscli.losses
    if name == "LossCliError":
        from losscli.errors import LossCliError

        return LossCliError
    if name == "LossSpec":
        from losscli.spec import LossSpec

        return LossSpec
    raise AttributeError(f"module 'losscli' has no attribute {name!r}")
