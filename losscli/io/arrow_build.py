"""NumPy arrays and Python strings as Arrow arrays and scalars, without pyarrow's
pandas import: ``pa.array``, ``pa.scalar`` and a Python value handed to a compute
function each import pandas (~0.2 s, and its import has swallowed a Ctrl-C). Imports
nothing of losscli (the text escapers in ``losscli.neutralise`` use it)."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_arrow(values: Any) -> Any:
    """A one-dimensional NumPy array as an Arrow array, without ``pa.array``, which
    imports pandas (~0.2 s) whatever it is given. Numbers: the same buffer; booleans:
    packed bits; text (str objects, or NumPy's fixed-width text): UTF-8 and offsets.
    Anything else (mixed objects) goes to ``pa.array``, which may then import pandas."""
    import pyarrow as pa

    kind = values.dtype.kind
    if kind in "iuf":
        data = np.ascontiguousarray(values)
        return pa.Array.from_buffers(pa.from_numpy_dtype(data.dtype), len(data), [None, pa.py_buffer(data)])
    if kind == "b":
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    if kind in "UO":
        texts = values.tolist()
        if kind == "U" or all(type(v) is str for v in texts):
            try:
                return text_array(texts)
            except UnicodeEncodeError:  # a lone surrogate (from a JSON escape): pyarrow says what it thinks
                pass
    return pa.array(values)


def text_array(texts: list[str]) -> Any:
    """Python strings as an Arrow string array (large_string past 2 GiB of text)."""
    import pyarrow as pa

    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    if offsets[-1] < 2**31:
        return pa.Array.from_buffers(
            pa.string(), len(encoded), [None, pa.py_buffer(offsets.astype(np.int32)), data]
        )
    return pa.Array.from_buffers(pa.large_string(), len(encoded), [None, pa.py_buffer(offsets), data])


def text_scalar(text: str) -> Any:
    """An Arrow string scalar (``pa.scalar``, and a Python str given to a compute
    function, import pandas)."""
    return text_array([text])[0]
