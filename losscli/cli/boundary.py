"""The one error boundary: every command body runs inside :func:`guarded`.

LossCliError → ``losscli: error: …`` on stderr and its exit code; Ctrl-C →
130; a closed stdout → silence and the run's verdict; anything else is a bug
→ exit 3 with a one-line request to re-run with ``--debug``. Tracebacks only
with ``--debug`` or ``LOSSCLI_DEBUG=1``.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

import typer

from losscli import interrupt
from losscli.errors import ExitStatus, LossCliError
from losscli.options import env_name

UNWRITABLE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF)  # writing stdout


def debug_enabled(flag: bool = False) -> bool:
    """``--debug``, or its environment variable (LOSSCLI_DEBUG) set to anything but 0/false."""
    return flag or os.environ.get(env_name("debug"), "") not in ("", "0", "false")


MAX_MESSAGE = 1000  # characters of one error or hint line; the rest of a longer one is left out


def error_line(message: str, hint: str | None = None) -> None:
    """``losscli: error: what/where`` and, on a second line, how to fix it (an unwritable
    stderr loses the words, never the exit code). Each line is one line (:func:`printable`)
    of at most :data:`MAX_MESSAGE` characters: a message quoting a 100 KB loss name from a
    config or the command line shows its start and end, never all of it."""
    try:
        sys.stderr.write(f"losscli: error: {bounded(printable(message))}\n")
        if hint:
            sys.stderr.write(f"  hint: {bounded(printable(hint))}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def printable(text: str) -> str:
    """Control characters (a newline or an ANSI escape in a column name) as escapes:
    an error stays one line and cannot restyle the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def bounded(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and end around a note
    of how much was left out."""
    if len(text) <= limit:
        return text
    note = " … ({:,} characters left out) … "
    tail = limit // 4
    head = limit - tail - len(note.format(len(text)))  # the count is never wider than len(text)
    return text[:head] + note.format(len(text) - head - tail) + text[-tail:]


def _usable_streams() -> str | None:
    """Closed standard streams (``>&-``, ``2>&-``, ``<&-``) start as None: stderr and stdin
    become devnull; a closed stdout is an error (the result would go nowhere)."""
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stdin is None:
        sys.stdin = open(os.devnull)  # noqa: SIM115 - reading '-' then finds no rows
    if sys.stdout is None:
        return "stdout is closed: there is nowhere to write the result"
    return None


class Verdict:
    """The run's verdict so far (0, or 1 once a check failed): a broken pipe exits with it."""

    def __init__(self) -> None:
        self.code = int(ExitStatus.SUCCESS)


def guarded(body: Callable[[Verdict], int], debug: bool = False) -> NoReturn:
    """Run ``body`` (returns the exit code) and exit with the right status."""
    verdict = Verdict()
    code: int
    interrupt.install()
    closed = _usable_streams()
    if closed is not None:
        error_line(closed, "redirect it to a file or to /dev/null")
        raise typer.Exit(int(ExitStatus.ERROR))
    try:
        try:
            code = body(verdict)
            interrupt.raise_pending()  # a signal swallowed where it could not be raised still ends the run
        except Exception as exc:
            # a read the signal cut short failed ("Truncated compressed stream"): the signal is the cause
            if interrupt.pending():
                raise KeyboardInterrupt from exc
            raise
    except LossCliError as exc:
        if debug_enabled(debug):
            traceback.print_exc()
        error_line(exc.message, exc.hint)
        code = exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"\nlosscli: {interrupt.describe()}\n")
        code = interrupt.exit_code()
    except BrokenPipeError:
        silence_stdout()
        code = verdict.code
    except OSError as exc:
        if exc.errno in UNWRITABLE:
            silence_stdout()
            error_line(f"cannot write the output: {exc.strerror}", "check the disk or the redirection")
            code = ExitStatus.ERROR
        else:
            _internal(exc, debug)
            code = ExitStatus.INTERNAL_ERROR
    except MemoryError:
        error_line("out of memory", "use a summary format (not --rows all) or a smaller input")
        code = ExitStatus.ERROR
    except Exception as exc:  # noqa: BLE001 - this is the boundary
        _internal(exc, debug)
        code = ExitStatus.INTERNAL_ERROR
    raise typer.Exit(int(code))


def _internal(exc: BaseException, debug: bool) -> None:
    if debug_enabled(debug):
        traceback.print_exc()
    error_line(
        f"internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
        "this is a bug: re-run with --debug and report the output",
    )


def silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's exit flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
