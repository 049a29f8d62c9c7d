"""Files written whole or not at all: a temp file beside the target, renamed on success."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from losscli.errors import InputError


class AtomicFile:
    """``open()`` a temp file in the target's folder; ``commit()`` renames it over the target,
    ``discard()`` removes it. Nothing is visible at ``path`` until ``commit``."""

    def __init__(self, path: str) -> None:
        self.path = path
        if os.path.isdir(path):
            raise InputError(f"{path}: cannot write here: it is a directory", "name a file to write")
        folder = os.path.dirname(os.path.abspath(path))
        try:
            fd, self.temp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
        except OSError as exc:
            raise InputError(f"{path}: cannot write here: {exc.strerror}") from None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.temp, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
        self.stream: BinaryIO = os.fdopen(fd, "wb")

    def commit(self) -> None:
        self.stream.close()
        try:
            os.replace(self.temp, self.path)
        except OSError as exc:  # e.g. a directory appeared at path meanwhile
            with contextlib.suppress(OSError):
                os.unlink(self.temp)
            raise InputError(f"{self.path}: cannot write here: {exc.strerror}") from None

    def discard(self) -> None:
        self.stream.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp)


@contextlib.contextmanager
def atomic_write(path: str) -> Iterator[BinaryIO]:
    """Context manager form: commit on normal exit, discard on any exception."""
    target = AtomicFile(path)
    try:
        yield target.stream
    except BaseException:
        target.discard()
        raise
    target.commit()


def append_text(path: str, text: str) -> None:
    """Append ``text`` (for ``--summary-file``, e.g. $GITHUB_STEP_SUMMARY)."""
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise InputError(f"{path}: cannot append the summary: {exc.strerror}") from None


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all."""
    with atomic_write(path) as fh:
        fh.write(text.encode("utf-8"))
