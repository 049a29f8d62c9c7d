"""``-o FILE``: per-sample losses to CSV/TSV/Parquet, staged in the run's output plan and
committed with the run's other outputs (:mod:`losscli.io.outputs`)."""

from __future__ import annotations

import contextlib
import os
from typing import Any, BinaryIO

from losscli.accumulate.rows import RowBlock
from losscli.errors import UsageError
from losscli.io.atomic import AtomicFile, write_error
from losscli.io.outputs import Output
from losscli.render.samples import DelimitedWriter, _arrow

KINDS = {".csv": ",", ".tsv": "\t", ".parquet": "parquet", ".pq": "parquet"}


def kind_of(path: str) -> str:
    """The per-sample format a path names by its extension (``,``, ``\\t`` or ``parquet``)."""
    kind = KINDS.get(os.path.splitext(path.lower())[1])
    if kind is None:
        raise UsageError(f"-o {path}: cannot tell the format", "name the file .csv, .tsv or .parquet")
    return kind


def _stream(target: Output | str) -> BinaryIO:
    assert not isinstance(target, str)
    return target.stream


class PerSampleFile:
    """A sink for RowBlocks whose bytes become the file only when the output commits.

    ``target``: a planned :class:`~losscli.io.outputs.Output` (the CLI), or a path for a
    file of its own (a Dask partition's part file), committed by :meth:`commit`."""

    def __init__(self, target: Output | str, columns: list[tuple[str, str]]) -> None:
        self.path = target if isinstance(target, str) else target.path
        kind = kind_of(self.path)
        self.columns = columns
        self.own = AtomicFile(target) if isinstance(target, str) else None
        self.stream = self.own.stream if self.own is not None else _stream(target)
        self._parquet: Any = None
        self._text = DelimitedWriter(self.stream, columns, kind) if kind != "parquet" else None

    def __call__(self, block: RowBlock) -> None:
        try:
            self._write(block)
        except OSError as exc:
            raise write_error(self.path, exc) from None

    def _write(self, block: RowBlock) -> None:
        if self._text is not None:
            self._text(block)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table([_arrow(block, k) for k, _ in self.columns], names=[h for _, h in self.columns])
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.stream, table.schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        """Finish the file's bytes (the Parquet footer); the output plan commits them."""
        if self._parquet is not None:
            writer, self._parquet = self._parquet, None
            try:
                writer.close()
            except OSError as exc:
                raise write_error(self.path, exc) from None

    def commit(self) -> None:
        self.close()
        if self.own is not None:
            self.own.commit()

    def discard(self) -> None:
        if self._parquet is not None:
            with contextlib.suppress(Exception):  # the file is being thrown away
                self._parquet.close()
            self._parquet = None
        if self.own is not None:
            self.own.discard()
