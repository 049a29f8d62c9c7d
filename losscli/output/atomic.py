"""Files written whole or not at all: a temp file beside the target, renamed on success.

Only a regular file (or a path that does not exist yet) is replaced this way; a
symlink is followed, so the temp file is made beside the file it points to and the
link stays a link. Device nodes, FIFOs and ``/dev/stdout``-style paths are never
replaced: :mod:`losscli.output.plan` writes through them instead. An existing file's
permission bits are kept. A failed or abandoned write leaves no temp file, also when
closing the file fails (a full disk reports ENOSPC only then).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from losscli.errors import InputError

TEMP_PREFIX = ".losscli-"  # short, so a 250-byte target name still has a legal temp name
TEMP_SUFFIX = ".tmp"


def write_error(path: str, exc: OSError, what: str = "cannot write") -> InputError:
    """``PATH: cannot write: No space left on device`` with a hint that fits the errno."""
    import errno

    reason = exc.strerror or type(exc).__name__
    hints = {
        errno.ENOSPC: "free space on that disk, or write the file elsewhere",
        errno.EDQUOT: "the disk quota is used up: free space, or write the file elsewhere",
        errno.EFBIG: "the file is larger than this system allows (ulimit -f): write it elsewhere",
        errno.EROFS: "that file system is read-only: write the file elsewhere",
        errno.EACCES: "choose a folder you can write to",
        errno.ENAMETOOLONG: "choose a shorter file name",
    }
    return InputError(f"{path}: {what}: {reason}", hints.get(exc.errno or 0, "write the file elsewhere"))


class AtomicFile:
    """``open()`` a temp file in the target's folder; ``commit()`` renames it over the target,
    ``discard()`` removes it. Nothing is visible at ``path`` until ``commit``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.target = os.path.realpath(path)  # a symlink is written through, and stays one
        if os.path.isdir(self.target):
            raise InputError(f"{path}: cannot write here: it is a directory", "name a file to write")
        folder = os.path.dirname(self.target)
        try:
            fd, self.temp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
        except OSError as exc:
            raise write_error(path, exc, "cannot write here") from None
        try:
            _copy_mode(fd, self.target)
        except BaseException:
            os.close(fd)
            os.unlink(self.temp)
            raise
        self.stream: BinaryIO = os.fdopen(fd, "wb")
        self.closed = False

    def write(self, data: bytes) -> None:
        """Write ``data``; a full disk is an error naming the file, not the output stream."""
        try:
            self.stream.write(data)
        except OSError as exc:
            raise write_error(self.path, exc) from None

    def finish(self) -> None:
        """Flush and close the temp file (errors name the target); it stays until commit."""
        if self.closed:
            return
        self.closed = True
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
        except OSError as exc:
            self._remove()
            raise write_error(self.path, exc) from None
        finally:
            with contextlib.suppress(OSError):
                self.stream.close()

    def commit(self) -> None:
        self.finish()
        try:
            os.replace(self.temp, self.target)
        except OSError as exc:  # e.g. a directory appeared at path meanwhile
            self._remove()
            raise write_error(self.path, exc, "cannot write here") from None

    def discard(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                self.stream.close()
        self._remove()

    def _remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp)


def _copy_mode(fd: int, target: str) -> None:
    """The temp file gets the target's permission bits (and owner, as root), or the
    bits ``open()`` would give a new file (0666 less the umask), not mkstemp's 0600."""
    try:
        st = os.stat(target)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        return
    if stat.S_ISREG(st.st_mode):
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
        if os.geteuid() == 0:
            with contextlib.suppress(OSError):
                os.fchown(fd, st.st_uid, st.st_gid)


@contextlib.contextmanager
def atomic_write(path: str) -> Iterator[AtomicFile]:
    """Context manager form: commit on normal exit, discard on any exception."""
    target = AtomicFile(path)
    try:
        yield target
    except BaseException:
        target.discard()
        raise
    target.commit()


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all."""
    with atomic_write(path) as fh:
        fh.write(text.encode("utf-8"))
