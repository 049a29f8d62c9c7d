"""Every file a run writes, checked before any input is read and committed together at
the end: :class:`OutputPlan`.

One plan per run holds every output (``-o``, ``--write-baseline``, ``--junit``,
``--summary-file``). When an output is added it is checked at once:

- an empty path is an error (an unset shell variable must not drop an output);
- an output that is an input of the run (the same file however it is spelled:
  symlink, hard link, ``./``, relative; a file of an input directory or glob; the
  file behind stdin) is an error;
- a directory, a missing folder, a folder that cannot be written, a symlink loop
  are errors; for a file replaced atomically the temp file is created right away,
  which proves the folder is writable and the name legal.

How an output is written depends on what is at its path:

- a regular file, or nothing yet: ``replace`` — a temp file beside the target
  (beside a symlink's target), renamed over it at commit; permission bits kept;
- a character device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a pipe):
  ``through`` — never replaced; the bytes are staged in an anonymous temp file and
  copied into the path at commit;
- ``--summary-file``: ``append`` — appended at commit in one write; on failure the
  file is cut back to its old length (or removed if the run created it).

:meth:`OutputPlan.commit` runs with signals deferred (:func:`losscli.interrupt.deferred`),
so a Ctrl-C either comes before it (nothing written) or is taken after it (all written).
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, Literal, Protocol

from losscli.errors import InputError, UsageError
from losscli.output.atomic import AtomicFile, write_error

Mode = Literal["replace", "through", "append"]


class Staged(Protocol):
    """An output staged by someone else (the Dask engine's ``-o``), committed with the plan."""

    def commit(self) -> None: ...

    def discard(self) -> None: ...


@dataclass
class Output:
    """One planned output: where it goes and how it will be written."""

    option: str
    path: str
    mode: Mode
    atomic: AtomicFile | None = None
    staged: BinaryIO | None = None
    text: bytes | None = None

    @property
    def stream(self) -> BinaryIO:
        """Where the bytes go before commit (the temp file)."""
        if self.atomic is not None:
            return self.atomic.stream
        if self.staged is None:
            self.staged = tempfile.TemporaryFile()  # noqa: SIM115 - closed at commit/discard
        return self.staged

    def write(self, data: bytes) -> None:
        try:
            self.stream.write(data)
        except OSError as exc:
            raise write_error(self.path, exc) from None


@dataclass
class OutputPlan:
    """The outputs of one run (see the module docstring)."""

    inputs: list[tuple[str, os.stat_result]] = field(default_factory=list)
    input_trees: list[str] = field(default_factory=list)
    input_globs: list[str] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    staged: list[Staged] = field(default_factory=list)

    def add_inputs(self, paths: Iterable[str | None]) -> None:
        """Remember the run's inputs (files, directories, globs, ``-``)."""
        for path in paths:
            if path is not None and path != "":
                self._add_input(path)

    def _add_input(self, path: str) -> None:
        if path == "-":
            with contextlib.suppress(OSError, ValueError):
                st = os.fstat(0)
                if stat.S_ISREG(st.st_mode):
                    self.inputs.append(("<stdin>", st))
            return
        if os.path.isdir(path):
            self.input_trees.append(os.path.realpath(path))
            return
        with contextlib.suppress(OSError):
            self.inputs.append((path, os.stat(path)))
            return
        if glob.has_magic(path):
            self.input_globs.append(os.path.abspath(path))
            for match in glob.glob(path, recursive=True):
                self._add_input(match)

    def add(self, option: str, path: str | None, *, append: bool = False) -> Output | None:
        """Plan the output ``option PATH`` (None: not asked for)."""
        if path is None:
            return None
        if path == "":
            raise UsageError(f"{option} was given an empty path", "name a file (is a shell variable unset?)")
        st = _stat(option, path)
        self._refuse_input(option, path, st)
        for other in self.outputs:
            if _same(other.path, path):
                raise UsageError(f"{option} {path}: {other.option} writes the same file", "name two files")
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path}: cannot write here: it is a directory", "name a file to write")
        if append:
            output = Output(option, path, "append")
            _check_writable(path, os.path.dirname(os.path.abspath(path)), st)  # nothing created yet
        elif (st is not None and not stat.S_ISREG(st.st_mode)) or _is_magic(path):
            output = Output(option, path, "through")
            _check_writable(path, os.path.dirname(os.path.abspath(path)), st)
        else:
            output = Output(option, path, "replace", atomic=AtomicFile(path))
        self.outputs.append(output)
        return output

    def refuse_input(self, option: str, path: str | None) -> None:
        """Only the check that ``path`` is no input (an output written by someone else)."""
        if path == "":
            raise UsageError(f"{option} was given an empty path", "name a file (is a shell variable unset?)")
        if path is not None:
            try:
                st: os.stat_result | None = os.stat(path)
            except OSError:
                st = None
            self._refuse_input(option, path, st)

    def _refuse_input(self, option: str, path: str, st: os.stat_result | None) -> None:
        if st is not None and stat.S_ISREG(st.st_mode):
            for name, seen in self.inputs:
                if (seen.st_dev, seen.st_ino) == (st.st_dev, st.st_ino):
                    raise UsageError(
                        f"{option} {path} is the input {name}: writing it would destroy the input",
                        "write the output to another file",
                    )
        real = os.path.realpath(path)
        for tree in self.input_trees:
            if os.path.commonpath([tree, real]) == tree:
                raise UsageError(
                    f"{option} {path} is inside the input directory {tree}",
                    "write the output outside the data set",
                )
        for pattern in self.input_globs:
            import fnmatch

            if fnmatch.fnmatch(os.path.abspath(path), pattern) or fnmatch.fnmatch(real, pattern):
                raise UsageError(
                    f"{option} {path} matches the input pattern {pattern}",
                    "write the output where the pattern does not match",
                )

    def set_text(self, output: Output | None, text: str) -> None:
        """Stage the whole content of a small output (a baseline, a report) now."""
        if output is None:
            return
        data = text.encode("utf-8")
        if output.mode == "append":
            output.text = data
        else:
            output.write(data)

    def commit(self) -> None:
        """Write every output, whole, with signals deferred; appends last."""
        from losscli import interrupt

        try:
            with interrupt.deferred():
                for output in self.outputs:
                    if output.mode == "replace" and output.atomic is not None:
                        output.atomic.finish()
                for staged in self.staged:
                    staged.commit()
                for output in self.outputs:
                    if output.mode != "append":
                        _commit_one(output)
                for output in self.outputs:
                    if output.mode == "append":
                        _append(output)
        finally:
            self.discard()

    def discard(self) -> None:
        """Throw every staged output away (nothing appears at any output path)."""
        for staged in self.staged:
            with contextlib.suppress(Exception):  # discarding twice or late is harmless
                staged.discard()
        self.staged = []
        for output in self.outputs:
            if output.atomic is not None:
                output.atomic.discard()
            if output.staged is not None:
                with contextlib.suppress(OSError):
                    output.staged.close()
                output.staged = None


def _stat(option: str, path: str) -> os.stat_result | None:
    """What is at ``path`` (following symlinks), or None; loops and bad folders are errors."""
    import errno

    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):  # a dangling link: written through to where it points
            return None
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise InputError(
                f"{path}: cannot write here: no such folder", "create the folder first"
            ) from None
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{path}: cannot write here: a symlink loop", "fix the link") from None
        raise write_error(path, exc, "cannot write here") from None


def _same(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _is_magic(path: str) -> bool:
    """``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``: a path that names an open
    stream (whatever it points at), not a file to replace."""
    given = os.path.abspath(path)
    if given in ("/dev/stdout", "/dev/stderr", "/dev/stdin") or given.startswith(("/dev/fd/", "/proc/")):
        return True
    return os.path.realpath(path).startswith("/proc/")


def _check_writable(path: str, folder: str, st: os.stat_result | None) -> None:
    target = path if st is not None else folder
    if not os.access(target, os.W_OK):
        raise InputError(f"{path}: cannot write here: permission denied", "choose a path you can write to")


def _commit_one(output: Output) -> None:
    if output.atomic is not None:
        output.atomic.commit()
        output.atomic = None
        return
    staged = output.stream
    staged.seek(0)
    try:
        with open(output.path, "wb") as fh:  # a device or FIFO: written through, never replaced
            while chunk := staged.read(1 << 20):
                fh.write(chunk)
    except OSError as exc:
        raise write_error(output.path, exc) from None


def _append(output: Output) -> None:
    """One append; on failure the file is cut back to where it was (or removed if new)."""
    data = output.text or b""
    existed = os.path.exists(output.path)
    start: int | None = None
    try:
        fd = os.open(output.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as exc:
        raise write_error(output.path, exc, "cannot append the summary") from None
    try:
        st = os.fstat(fd)
        start = st.st_size if stat.S_ISREG(st.st_mode) else None
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        with contextlib.suppress(OSError):
            if start is not None:
                os.ftruncate(fd, start)
        if not existed:
            with contextlib.suppress(OSError):
                os.unlink(output.path)
        raise write_error(output.path, exc, "cannot append the summary") from None
    finally:
        os.close(fd)
