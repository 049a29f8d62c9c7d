"""The Dask engine's per-sample output (``-o``), produced whole or not at all.

``-o DIR``                    DIR/part-00000.parquet, one file per partition
``-o 'DIR/name-*.csv'``       DIR/name-part-00000.csv (the pattern picks name and format)
``-o out.csv|.tsv|.parquet``  one file: the partitions' rows in order, row numbers dataset-wide

Workers write their parts into a fresh staging directory: beside a new target directory
(``.DIR.<random>.tmp/``, renamed to DIR at commit) or inside an existing one
(``DIR/.parts.<random>.tmp/``, so its parts move in with a rename each, on the same filesystem).
``commit()`` puts the new parts in place and removes every earlier part file of the same
name pattern, so no stale part of a larger earlier run survives; ``discard()`` (any failure,
Ctrl-C) removes the staging directory and any folder made for it. ``-o DIR`` refuses (exit 2)
a directory that holds files losscli did not write, rather than mixing or deleting them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from typing import Any

from losscli.errors import InputError, UsageError, first_line
from losscli.options import spelled
from losscli.render.formats import OUTPUT_FORMATS

# the per-sample file kinds -o writes (a name with one of these is a file, else a directory)
EXTENSIONS = tuple(e for spec in OUTPUT_FORMATS.values() for e in spec.extensions)
OTHER_FILES = (
    ".json",
    ".jsonl",
    ".ndjson",
    ".txt",
    ".arrow",
    ".feather",
    ".ipc",
    ".gz",
    ".zst",
    ".bz2",
    ".xlsx",
)
PART = "part-{:05d}"
_PART_RE = r"part-\d{5}"


def _o(path: str | None = None) -> str:
    """``-o PATH`` (``output='PATH'`` in Python)."""
    return spelled("output", path, short=True)


class StagedParts:
    """Where the workers write (``pattern``: a path in the staging directory with one '*',
    which each partition replaces with ``part-NNNNN``) and how it becomes ``output``."""

    def __init__(self, output: str) -> None:
        if not output:
            raise UsageError(f"{_o()} needs a path, not an empty string")
        self.output = output
        self._single: Any = None  # the PerSampleFile of -o FILE, once finish() has written it
        self._made: list[str] = []  # folders made for the output, removed by discard()
        self.done = False
        name = os.path.basename(output.rstrip("/" + os.sep))
        if "*" in os.path.dirname(output):
            raise UsageError(
                f"{_o(output)}: '*' may only be in the file name", f"e.g. {_o('losses/mse-*.csv')}"
            )
        if "*" in name:
            self.mode, self.folder, name_pattern = "pattern", os.path.dirname(output) or ".", name
        elif name.lower().endswith(EXTENSIONS) and not os.path.isdir(output):
            self.mode, self.folder, name_pattern = "file", os.path.dirname(output) or ".", "*.parquet"
        elif name.lower().endswith(OTHER_FILES) and not os.path.isdir(output):
            raise UsageError(
                f"{_o(output)}: cannot tell the format",
                "name the file .csv, .tsv or .parquet, or a directory for one file per partition",
            )
        else:
            self.mode, self.folder, name_pattern = "dir", output.rstrip("/" + os.sep) or output, "*.parquet"
        if not name_pattern.lower().endswith(EXTENSIONS):
            raise UsageError(f"{_o(output)}: cannot tell the format", "name the files .csv, .tsv or .parquet")
        if name_pattern.count("*") != 1:
            raise UsageError(
                f"{_o(output)}: put exactly one '*' in the file name", f"e.g. {_o('losses/mse-*.csv')}"
            )
        head, tail = name_pattern.split("*")
        self._ours = re.compile(re.escape(head) + _PART_RE + re.escape(tail) + "$")
        self._temp = re.compile(r"\." + re.escape(head) + _PART_RE + re.escape(tail) + r"\..*\.tmp$")
        self._staging_re = re.compile(r"\.parts\..*\.tmp$")  # another run's staging: left alone
        self.staging = self._stage()
        self.pattern = os.path.join(self.staging, name_pattern)

    # ------------------------------------------------------------------ set-up ----

    def _stage(self) -> str:
        """Check the target and make the staging directory (exit 2 when it cannot be)."""
        if self.mode == "file":
            parent = os.path.dirname(os.path.abspath(self.output))
            if not os.path.isdir(parent):
                raise InputError(f"{_o(self.output)}: cannot write here: no such directory {parent}")
            return self._mkdtemp(parent, f".{os.path.basename(self.output)}.")
        folder = self.folder
        if os.path.isdir(folder):
            if self.mode == "dir":
                names = sorted(os.listdir(folder))
                strangers = [n for n in names if not (self._is_ours(n) or self._staging_re.match(n))]
                if strangers:
                    raise UsageError(
                        f"{_o(self.output)}: the directory holds files losscli did not write "
                        f"({strangers[0][:60]!r}{' …' if len(strangers) > 1 else ''})",
                        "name a new or empty directory, or put the parts beside those files "
                        f"with {_o('DIR/name-*.parquet')}",
                    )
            return self._mkdtemp(folder, ".parts.")
        if os.path.lexists(folder):
            raise UsageError(
                f"{_o(self.output)}: exists and is not a directory", "name a directory or a file"
            )
        parent = os.path.dirname(os.path.abspath(folder))
        self._make_parents(parent)
        return self._mkdtemp(parent, f".{os.path.basename(os.path.abspath(folder))}.")

    def _is_ours(self, name: str) -> bool:
        """A part file of this name pattern, or a temp file a killed worker left of one."""
        return bool(self._ours.match(name) or self._temp.match(name))

    def _make_parents(self, parent: str) -> None:
        missing = []
        while parent and not os.path.isdir(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(missing):
            try:
                os.mkdir(folder)
            except OSError as exc:
                self.discard()
                raise InputError(f"{_o(self.output)}: cannot create {folder}: {exc.strerror}") from None
            self._made.append(folder)

    def _mkdtemp(self, folder: str, prefix: str) -> str:
        try:
            path = tempfile.mkdtemp(dir=folder, prefix=prefix, suffix=".tmp")
        except OSError as exc:
            self.discard()
            raise InputError(f"{_o(self.output)}: cannot write in {folder}: {exc.strerror}") from None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(path, 0o777 & ~umask)  # as mkdir would make it: workers may run as another user
        return path

    def refuse_inputs(self, inputs: Sequence[str]) -> None:
        """Exit 2 (before any partition is read) when the output would replace an input."""
        for path in inputs:
            if "://" in path:
                continue
            real = os.path.realpath(path)
            if self.mode == "file":
                clash = real == os.path.realpath(self.output)
            else:
                same = os.path.dirname(real) == os.path.realpath(self.folder)
                clash = same and self._is_ours(os.path.basename(real))
            if clash:
                raise UsageError(
                    f"{_o(self.output)}: would replace {path}, an input of this run",
                    "write the per-sample output somewhere else",
                )

    # ------------------------------------------------------------ after compute ----

    def finish(self, sizes: Sequence[tuple[int, int]], columns: Sequence[tuple[str, str]]) -> None:
        """With ``-o FILE``: write the staged parts, in order, into the file's temp file
        (``sizes``: rows each partition read and wrote; rows are numbered dataset-wide).
        Bounded memory: one row group at a time. Nothing is at the target before ``commit()``."""
        if self.mode != "file":
            return
        import numpy as np
        import pyarrow.parquet as pq

        from losscli.accumulate.rows import RowBlock
        from losscli.output.per_sample import PerSampleFile

        keys = [key for key, _ in columns]
        target = PerSampleFile(self.output, list(columns))
        self._single = target
        offset = 0
        for index, (size, written) in enumerate(sizes):
            part = self.pattern.replace("*", PART.format(index))
            if written and os.path.exists(part):
                for batch in pq.ParquetFile(part).iter_batches(batch_size=1 << 16):
                    values = {k: _numpy(batch.column(i)) for i, k in enumerate(keys)}
                    rows = values.pop("row", None)
                    ids = np.zeros(batch.num_rows, np.int64) if rows is None else rows + offset
                    target(RowBlock(ids, {k: v for k, v in values.items()}))
            elif written:
                raise InputError(
                    f"{_o(self.output)}: the workers' part files are not visible here",
                    f"{_o('FILE')} needs the workers to share this filesystem; use {_o('DIR')} there",
                )
            offset += size

    def commit(self) -> None:
        """Put the output in place; earlier part files of the same pattern go."""
        if self.done:
            return
        self.done = True
        if self.mode == "file":
            if self._single is None:
                raise InputError(f"{_o(self.output)}: nothing to commit (finish() was not called)")
            self._single.commit()
            self._remove_staging()
            return
        new = sorted(n for n in os.listdir(self.staging) if self._ours.match(n))
        folder = self.folder
        if not os.path.isdir(folder):
            with contextlib.suppress(OSError):
                os.rename(self.staging, folder)  # a new directory appears whole
                return
        try:
            for name in new:
                os.replace(os.path.join(self.staging, name), os.path.join(folder, name))
            for name in os.listdir(folder):
                if self._is_ours(name) and name not in new:
                    os.unlink(os.path.join(folder, name))
        except OSError as exc:
            self._remove_staging()
            raise InputError(
                f"{_o(self.output)}: cannot write here: {exc.strerror or first_line(exc)}"
            ) from None
        self._remove_staging()

    def discard(self) -> None:
        """Remove the staging directory (and any folder made for it); nothing at the target changes."""
        if self.done:
            return
        self.done = True
        if self._single is not None:
            self._single.discard()
        if getattr(self, "staging", None):
            self._remove_staging()
        for folder in reversed(self._made):
            with contextlib.suppress(OSError):
                os.rmdir(folder)

    def _remove_staging(self) -> None:
        for _ in range(3):  # a worker of a remote cluster may still be adding a file
            shutil.rmtree(self.staging, ignore_errors=True)
            if not os.path.lexists(self.staging):
                return


def _numpy(array: Any) -> Any:
    """A staged Parquet column as the NumPy array the per-sample writers take."""
    import numpy as np
    import pyarrow as pa

    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return np.array(array.to_pylist(), dtype=object)
    return array.to_numpy(zero_copy_only=False)
