"""Input paths: what is wrong with one, in words; the name the OS knows it by; files
opened for reading without a memory map, and whether one shrank while it was read.

A memory-mapped file that is truncated under the reader kills the process with
SIGBUS; files opened here are read with ``pread`` (``pyarrow.OSFile``), so a
truncation is a short read, an error, and then a message naming the file.
"""

from __future__ import annotations

import errno
import os
from typing import Any

from losscli.errors import InputError

GLOB_CHARS = "*?["
SHOWN_CHARS = 120  # a path longer than this is cut in messages (ENAMETOOLONG)


def native(path: str) -> str | bytes:
    """``path`` as pyarrow can open it: the str when it encodes as UTF-8, else the bytes the
    OS knows it by (a name with a 0xFF byte arrives as a lone surrogate, surrogateescape)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path)
    return path


def is_glob(path: str) -> bool:
    """A pattern rather than a name: it has glob characters and names nothing that exists
    (an existing ``q[1].parquet`` is that file, not a pattern)."""
    return any(c in path for c in GLOB_CHARS) and not os.path.lexists(path)


def os_error(path: str, exc: OSError) -> InputError:
    """An OS error on opening/inspecting an input, in losscli's words."""
    code = exc.errno
    if code == errno.ELOOP:
        return InputError(
            f"{path}: symlink loop", "a symbolic link in the path points (maybe indirectly) at itself"
        )
    if code == errno.ENAMETOOLONG:
        shown = path if len(path) <= SHOWN_CHARS else path[:SHOWN_CHARS] + "…"
        return InputError(
            f"{shown}: file name too long ({len(os.fsencode(path)):,} bytes)",
            "each name in a path may have at most 255 bytes, the whole path 4,095",
        )
    if code in (errno.EACCES, errno.EPERM):
        return InputError(f"{path}: permission denied", "check the permissions of the file and its folders")
    if code == errno.ENOTDIR:
        return InputError(f"{path}: no such file: a part of the path is a file, not a folder")
    if code == errno.ENOENT:
        parent = os.path.dirname(path)
        if parent and not os.path.isdir(parent):
            return InputError(f"{path}: no such file (there is no folder '{parent}')")
        return InputError(f"{path}: no such file")
    if code == errno.EISDIR:
        return InputError(f"{path}: is a directory", "give a file, or a directory of Parquet files")
    return InputError(f"{path}: cannot read: {exc.strerror or type(exc).__name__}")


def check_exists(path: str) -> os.stat_result:
    """``os.stat(path)``, or the InputError saying why not."""
    try:
        return os.stat(path)
    except OSError as exc:
        raise os_error(path, exc) from None
    except ValueError:  # a NUL byte in the name
        raise InputError(f"{path!r}: not a usable file name (it holds a NUL byte)") from None


class OpenedFiles:
    """Files opened for pread-based reading, with their sizes at opening: :meth:`shrunk`
    says whether one is smaller now (truncated by someone while losscli read it)."""

    def __init__(self) -> None:
        self._files: list[tuple[str, int, Any]] = []

    def open(self, path: str) -> Any:
        """``path`` as a pyarrow random-access file read with pread (never mmap)."""
        import pyarrow as pa

        try:
            file = pa.OSFile(native(path))
        except OSError as exc:
            raise os_error(path, exc) from None
        self._files.append((path, os.fstat(file.fileno()).st_size, file))
        return file

    def track(self, path: str, file: Any) -> None:
        """Watch an already opened Python file (read sequentially) for shrinking."""
        self._files.append((path, os.fstat(file.fileno()).st_size, file))

    def shrunk(self) -> InputError | None:
        """The error for the first watched file that is now smaller than when opened."""
        self._files = [entry for entry in self._files if not entry[2].closed]
        for path, size, file in self._files:
            try:
                now = os.fstat(file.fileno()).st_size
            except (OSError, ValueError):  # closed: its reading is over
                continue
            if now < size:
                return shrank(path, size, now)
        return None


def shrank(path: str, size: int, now: int) -> InputError:
    return InputError(
        f"{path}: the file shrank while it was read ({size:,} bytes, then {now:,})",
        "let whatever writes the file finish (or copy it) before running losscli",
    )
