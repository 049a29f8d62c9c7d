"""In-memory tables as sources: a pandas DataFrame or a pyarrow Table."""

from __future__ import annotations

from typing import Any

from losscli.errors import UsageError
from losscli.io.columnar import ColumnarSource
from losscli.io.types import CHUNK_ROWS


def frame_source(
    frame: Any, chunk_rows: int = CHUNK_ROWS, path: str = "<dataframe>", fmt: str = "dataframe"
) -> ColumnarSource:
    """A source over a pandas DataFrame or pyarrow Table, read in chunks of ``chunk_rows``;
    ``path`` and ``fmt`` name it in results and messages (a Dask partition names its dataset)."""
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        table = frame
    elif type(frame).__module__.startswith("pandas"):
        table = pa.Table.from_pandas(frame, preserve_index=False)
    else:
        raise UsageError(
            f"cannot evaluate a {type(frame).__name__}: give a path, '-', a pandas DataFrame or a pyarrow Table"
        )
    return ColumnarSource(
        path, fmt, table.schema, lambda cols, numeric: table.select(cols).to_batches(chunk_rows)
    )
