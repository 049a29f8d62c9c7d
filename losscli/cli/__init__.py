"""The command line: a thin Typer layer over the library. ``main`` is the console script."""

from __future__ import annotations

import signal as _signal

from losscli import catch_start_up_signals, leave_now


def main() -> None:
    """Build only the command this invocation runs (the full listing for --help).

    Until a command's body takes over signals (:func:`losscli.interrupt.install`, in
    the error boundary), a signal during start-up ends the process at once with one
    line and 128 + the signal: nothing has been opened or written yet. Writing help or
    the version onto a full or closed stdout is one error line, never a traceback."""
    import sys

    from losscli import interrupt

    catch_start_up_signals(interrupt.SIGNALS)  # every terminating signal, not only INT and TERM
    code: int | str | None = 0
    try:
        from losscli.cli.allocator import reuse_chunk_memory

        reuse_chunk_memory()
        from losscli.cli.app import build_app, command_for

        build_app(command_for(sys.argv[1:]))(prog_name="losscli")
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        leave_now(_signal.SIGINT, None)
    except OSError as exc:
        code = _unwritable(exc)
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as exc:
        code = _unwritable(exc)
    sys.exit(code)


def _unwritable(exc: OSError) -> int:
    """Help or a version that could not be written: say so on stderr, exit 2 (0 for a
    reader that left early, as for every other output)."""
    from losscli.cli.boundary import error_line, silence_stdout

    silence_stdout()
    if isinstance(exc, BrokenPipeError):
        return 0
    error_line(f"cannot write the output: {exc.strerror}", "check the disk or the redirection")
    return 2
