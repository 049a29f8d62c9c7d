"""Arrow columns to NumPy without going through pandas (which pyarrow may import lazily,
and whose import swallows a Ctrl-C)."""

from __future__ import annotations

from typing import Any

import numpy as np


def column_to_numpy(array: Any, numeric: bool) -> Any:
    """float64 (NaN for nulls) for numeric roles; ints stay ints; anything else as objects."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if numeric:
        if array.type != pa.float64():
            array = pc.cast(array, pa.float64())
        if array.null_count:
            array = pc.fill_null(array, float("nan"))
        return array.to_numpy(zero_copy_only=True)
    if (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)) and not array.null_count:
        return array.to_numpy(zero_copy_only=True)
    return np.array(array.to_pylist(), dtype=object)
