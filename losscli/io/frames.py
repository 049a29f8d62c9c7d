"""In-memory tables as sources: a pandas DataFrame or a pyarrow Table."""

from __future__ import annotations

from typing import Any

from losscli.errors import DataError, UsageError, first_line
from losscli.io.columnar import ColumnarSource
from losscli.io.types import CHUNK_ROWS
from losscli.neutralise import quote


def frame_source(
    frame: Any, chunk_rows: int = CHUNK_ROWS, path: str = "<dataframe>", fmt: str = "dataframe"
) -> ColumnarSource:
    """A source over a pandas DataFrame or pyarrow Table, read in chunks of ``chunk_rows``;
    ``path`` and ``fmt`` name it in results and messages (a Dask partition names its dataset)."""
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        table = frame
    elif type(frame).__module__.startswith("pandas"):
        table = _from_pandas(frame)
    else:
        raise UsageError(
            f"cannot evaluate a {type(frame).__name__}: give a path, '-', a pandas DataFrame or a pyarrow Table"
        )
    return ColumnarSource(
        path, fmt, table.schema, lambda cols, numeric: table.select(cols).to_batches(chunk_rows)
    )


def _from_pandas(frame: Any) -> Any:
    """The DataFrame as a pyarrow Table; a column pyarrow cannot type (an object column
    mixing numbers and text) is an error naming it."""
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as whole:
        for name in frame.columns:  # which column: only now, on the error path
            try:
                pa.array(frame[name], from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise DataError(
                    f"<dataframe>: column {quote(str(name))} cannot be read: {first_line(exc)}",
                    f"give it one type, e.g. frame[{str(name)!r}].astype(str)",
                ) from None
        raise DataError(f"<dataframe>: cannot be read: {first_line(whole)}") from None
