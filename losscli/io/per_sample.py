"""``-o FILE``: per-sample losses to CSV/TSV/Parquet, written atomically."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from losscli.errors import UsageError
from losscli.io.atomic import AtomicFile
from losscli.render.samples import DelimitedWriter, _arrow
from losscli.rows import RowBlock

KINDS = {".csv": ",", ".tsv": "\t", ".parquet": "parquet", ".pq": "parquet"}


class PerSampleFile:
    """A sink for RowBlocks that becomes ``path`` only on ``commit()``."""

    def __init__(self, path: str, columns: list[tuple[str, str]]) -> None:
        kind = KINDS.get(os.path.splitext(path.lower())[1])
        if kind is None:
            raise UsageError(f"-o {path}: cannot tell the format", "name the file .csv, .tsv or .parquet")
        self.columns = columns
        self.file = AtomicFile(path)
        self._parquet: Any = None
        self._text = DelimitedWriter(self.file.stream, columns, kind) if kind != "parquet" else None

    def __call__(self, block: RowBlock) -> None:
        if self._text is not None:
            self._text(block)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table([_arrow(block, k) for k, _ in self.columns], names=[h for _, h in self.columns])
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.file.stream, table.schema)
        self._parquet.write_table(table)

    def commit(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        self.file.commit()

    def discard(self) -> None:
        if self._parquet is not None:
            with contextlib.suppress(Exception):  # the file is being thrown away
                self._parquet.close()
        self.file.discard()
