"""Errors a user can cause, each carrying its message, a hint and an exit code.

Library code raises these; only the CLI's error boundary (``losscli.cli.boundary``)
catches them and turns them into one ``losscli: error: …`` line and an exit code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes (SPEC §6)."""

    SUCCESS = 0
    CHECK_FAILED = 1
    ERROR = 2
    INTERNAL_ERROR = 3
    INTERRUPTED = 130


class LossCliError(Exception):
    """Base class: ``message`` says what and where, ``hint`` how to fix it."""

    exit_code: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def __reduce__(self) -> tuple[type[LossCliError], tuple[str, str | None]]:
        """Pickle message and hint (errors raised on Dask workers reach the client whole)."""
        return (type(self), (self.message, self.hint))


def first_line(exc: BaseException) -> str:
    """An exception's message, first line only (or its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class UsageError(LossCliError):
    """The invocation is unusable: unknown loss, bad parameter value, bad option combination."""


class InputError(LossCliError):
    """The input cannot be read: missing file, unknown format, malformed bytes."""


class ColumnError(LossCliError):
    """A column is unknown, ambiguous or missing."""


class DataError(LossCliError):
    """Values are unusable: NaN/inf, outside a loss's domain, no rows, length mismatch."""
