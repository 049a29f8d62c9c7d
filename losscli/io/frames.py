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
    elif isinstance(frame, dict):  # {"pred": array, "label": array}: NumPy arrays or lists by name
        table = _from_arrays(frame)
        path, fmt = ("<arrays>", "arrays") if path == "<dataframe>" else (path, fmt)
    elif type(frame).__module__.startswith("pandas"):
        table = _from_pandas(frame)
    else:
        raise UsageError(
            f"cannot evaluate a {type(frame).__name__}: give a path, '-', a dict of arrays, "
            "a pandas DataFrame or a pyarrow Table"
        )
    return ColumnarSource(
        path, fmt, table.schema, lambda cols, numeric: table.select(cols).to_batches(chunk_rows)
    )


def _from_arrays(columns: dict[Any, Any]) -> Any:
    """A dict of equally long 1-d arrays (or lists) as a pyarrow Table."""
    import numpy as np
    import pyarrow as pa

    arrays = {str(name): np.asarray(values) for name, values in columns.items()}
    for name, values in arrays.items():
        if values.ndim != 1:
            raise DataError(f"<arrays>: {quote(name)} must be 1-dimensional, got shape {values.shape}")
    lengths = {name: len(values) for name, values in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise DataError(f"<arrays>: the arrays differ in length: {lengths}")
    return pa.table({name: pa.array(values) for name, values in arrays.items()})


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
