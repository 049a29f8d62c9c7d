"""A folder of files written whole or not at all (``losscli report --plots DIR``).

The files are written into a temp folder beside ``DIR`` (made when the output is
planned, before any input is read: that proves the place writable); at commit the
temp folder becomes ``DIR`` (``DIR`` did not exist) or each file replaces its
namesake in ``DIR`` (other files there are left alone); on discard it is removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from losscli.errors import InputError, UsageError
from losscli.output.atomic import TEMP_PREFIX, write_error

if TYPE_CHECKING:
    from losscli.output.plan import OutputPlan


def plan_folder(outputs: OutputPlan, option: str, path: str | None) -> StagedFolder | None:
    """``option DIR`` (``--plots``) planned with the run's other outputs, before any input
    is read: not an input of the run, staged now, committed or discarded with the plan."""
    if path is None:
        return None
    outputs.refuse_input(option, path)
    folder = StagedFolder(option, path)
    outputs.staged.append(folder)
    return folder


class StagedFolder:
    """Files staged for ``path`` (see the module docstring)."""

    def __init__(self, option: str, path: str) -> None:
        if path == "":
            raise UsageError(
                f"{option} was given an empty path", "name a folder (is a shell variable unset?)"
            )
        self.path = path
        if os.path.exists(path) and not os.path.isdir(path):
            raise InputError(
                f"{path}: cannot write plots here: it is not a folder", f"give {option} a folder"
            )
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise InputError(f"{path}: cannot write here: no such folder", "create the folder first")
        try:
            self.temp = tempfile.mkdtemp(dir=parent, prefix=TEMP_PREFIX)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.temp, 0o777 & ~umask)  # the bits mkdir gives a new DIR, not mkdtemp's 0700
        except OSError as exc:
            raise write_error(path, exc, "cannot write here") from None
        self.names: list[str] = []

    def write(self, name: str, data: bytes) -> None:
        try:
            with open(os.path.join(self.temp, name), "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise write_error(os.path.join(self.path, name), exc) from None
        self.names.append(name)

    def commit(self) -> None:
        try:
            if not os.path.exists(self.path):
                os.rename(self.temp, self.path)
                return
            for name in self.names:
                os.replace(os.path.join(self.temp, name), os.path.join(self.path, name))
        except OSError as exc:
            raise write_error(self.path, exc) from None
        finally:
            self.discard()

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            shutil.rmtree(self.temp)
