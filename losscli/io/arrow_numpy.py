"""Arrow columns to NumPy without going through pandas (which pyarrow's ``to_numpy``
imports, costing ~0.3 s at start-up, and whose import has been seen to swallow a
Ctrl-C). Primitive columns without nulls are zero-copy views."""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.errors import DataError
from losscli.neutralise import quote

NUMERIC_KINDS = ("integer", "floating", "boolean", "decimal", "null")
PRIMITIVES = {"double": np.float64, "int64": np.int64, "int32": np.int32, "float": np.float32}


def column_to_numpy(array: Any, numeric: bool) -> Any:
    """float64 (NaN for nulls) for numeric roles; ints stay ints; anything else as objects.

    Whole numbers beyond 2**53 (int64, uint64, decimals) become the nearest double, as a
    CSV parser reads them: 2**53 + 1 is 2**53."""
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if numeric:
        if array.type != pa.float64() or array.null_count:
            import pyarrow.compute as pc

            array = pc.cast(array, pa.float64(), safe=False)  # int64 beyond 2**53: nearest double
            if array.null_count:
                array = pc.fill_null(array, float("nan"))
        return _view(array, np.float64)
    kind = str(array.type)
    if kind in PRIMITIVES and not array.null_count:
        return _view(array, PRIMITIVES[kind])
    return np.array(array.to_pylist(), dtype=object)


def _view(array: Any, dtype: Any) -> Any:
    """The values buffer of a null-free primitive Arrow array, as a read-only NumPy view."""
    size = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * size)


def check_numeric(path: str, name: str, dtype: Any) -> None:
    """A DataError unless ``dtype`` holds numbers (or booleans, decimals, nulls)."""
    import pyarrow.types as t

    if not any(getattr(t, f"is_{kind}")(dtype) for kind in NUMERIC_KINDS):
        raise DataError(
            f"{path}: column {quote(name)} holds {_type_name(dtype)}, not numbers", "pick a numeric column"
        )


def _type_name(dtype: Any) -> str:
    import pyarrow.types as t

    if t.is_struct(dtype):
        return "objects" if dtype.num_fields == 0 else f"objects ({dtype})"
    if t.is_list(dtype) and t.is_null(dtype.value_type):
        return "arrays"
    return str(dtype)
