"""``-o FILE``: per-sample losses to CSV/TSV/Parquet (the output format FILE's extension
names, :func:`losscli.render.formats.file_format`), staged in the run's output plan and
committed with the run's other outputs (:mod:`losscli.output.plan`)."""

from __future__ import annotations

import contextlib
from typing import BinaryIO

from losscli.accumulate.rows import RowBlock
from losscli.output.atomic import AtomicFile, write_error
from losscli.output.plan import Output
from losscli.render.formats import file_format


def _stream(target: Output | str) -> BinaryIO:
    assert not isinstance(target, str)
    return target.stream


class PerSampleFile:
    """A sink for RowBlocks whose bytes become the file only when the output commits.

    ``target``: a planned :class:`~losscli.output.plan.Output` (the CLI), or a path for a
    file of its own (a Dask partition's part file), committed by :meth:`commit`."""

    def __init__(self, target: Output | str, columns: list[tuple[str, str]]) -> None:
        self.path = target if isinstance(target, str) else target.path
        spec = file_format(self.path)
        self.columns = columns
        self.own = AtomicFile(target) if isinstance(target, str) else None
        self.stream = self.own.stream if self.own is not None else _stream(target)
        self._writer = spec.row_writer()(self.stream, columns)
        self._open = True

    def __call__(self, block: RowBlock) -> None:
        try:
            self._writer(block)
        except OSError as exc:
            raise write_error(self.path, exc) from None

    def close(self) -> None:
        """Finish the file's bytes (a Parquet footer); the output plan commits them."""
        if self._open:
            self._open = False
            try:
                self._writer.close()
            except OSError as exc:
                raise write_error(self.path, exc) from None

    def commit(self) -> None:
        self.close()
        if self.own is not None:
            self.own.commit()

    def discard(self) -> None:
        if self._open:
            self._open = False
            with contextlib.suppress(Exception):  # the file is being thrown away
                self._writer.close()
        if self.own is not None:
            self.own.discard()
