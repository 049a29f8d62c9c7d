"""The one error boundary: every command body runs inside :func:`guarded`.

LossCliError → ``losscli: error: …`` on stderr and its exit code; Ctrl-C →
130; a closed stdout → silence and the run's verdict; anything else is a bug
→ exit 3 with a one-line request to re-run with ``--debug``. Tracebacks only
with ``--debug`` or ``LOSSCLI_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

import typer

from losscli import interrupt
from losscli.errors import ExitStatus, LossCliError


def debug_enabled(flag: bool = False) -> bool:
    return flag or os.environ.get("LOSSCLI_DEBUG", "") not in ("", "0", "false")


def error_line(message: str, hint: str | None = None) -> None:
    """``losscli: error: what/where`` and, on a second line, how to fix it."""
    sys.stderr.write(f"losscli: error: {message}\n")
    if hint:
        sys.stderr.write(f"  hint: {hint}\n")
    sys.stderr.flush()


class Verdict:
    """The run's verdict so far (0, or 1 once a check failed): a broken pipe exits with it."""

    def __init__(self) -> None:
        self.code = int(ExitStatus.SUCCESS)


def guarded(body: Callable[[Verdict], int], debug: bool = False) -> NoReturn:
    """Run ``body`` (returns the exit code) and exit with the right status."""
    verdict = Verdict()
    code: int
    interrupt.install()
    try:
        code = body(verdict)
    except LossCliError as exc:
        if debug_enabled(debug):
            traceback.print_exc()
        error_line(exc.message, exc.hint)
        code = exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\nlosscli: interrupted\n")
        code = ExitStatus.INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        code = verdict.code
    except MemoryError:
        error_line("out of memory", "use a summary format (not --rows all) or a smaller input")
        code = ExitStatus.ERROR
    except Exception as exc:  # noqa: BLE001 - this is the boundary
        if debug_enabled(debug):
            traceback.print_exc()
        error_line(
            f"internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
            "this is a bug: re-run with --debug and report the output",
        )
        code = ExitStatus.INTERNAL_ERROR
    raise typer.Exit(int(code))


def silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's exit flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
