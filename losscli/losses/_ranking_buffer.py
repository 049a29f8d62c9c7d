"""A growing array that never holds its values twice: what roc-auc and pr-auc keep.

Values are appended chunk by chunk. While small (up to 1 MiB) they live in an ordinary
NumPy array, doubled by copying; past that in an anonymous private memory map that
grows in place (``mremap``: no page is copied, and a page costs memory only once it
is written). Keeping n float64 values therefore costs about 8n bytes at every moment,
where a list of chunks joined at the end costs 16n (the chunks and the joined copy).
Where the map cannot grow in place (no ``mremap``: macOS, Windows) it is copied into
one twice as large, as a plain array would be.
"""

from __future__ import annotations

import mmap
from typing import Any

import numpy as np
from numpy.typing import NDArray

SMALL_BYTES = 1 << 20  # an ordinary array up to here; a memory map past it
FIRST_MAP_BYTES = 1 << 24  # the first map's size (virtual: pages cost memory once written)


class Growing:
    """Values of one dtype (float64 scores, or complex128 score + i·weight), appended in order."""

    def __init__(self, dtype: Any = np.float64) -> None:
        self.dtype = np.dtype(dtype)
        self.size = 0
        self._array: NDArray[Any] = np.empty(0, self.dtype)
        self._map: mmap.mmap | None = None

    def extend(self, values: NDArray[Any]) -> None:
        """Append ``values`` (1-d, converted to this dtype)."""
        n = int(values.shape[0])
        if n == 0:
            return
        need = self.size + n
        if self._map is None and need * self.dtype.itemsize <= SMALL_BYTES:
            if need > self._array.size:
                grown = np.empty(max(need, 2 * self._array.size, 256), self.dtype)
                grown[: self.size] = self._array[: self.size]
                self._array = grown
            self._array[self.size : need] = values
        else:
            self._reserve(need * self.dtype.itemsize)
            assert self._map is not None
            np.frombuffer(self._map, self.dtype, count=need)[self.size :] = values
        self.size = need

    def _reserve(self, nbytes: int) -> None:
        if self._map is None:
            self._map = _anonymous(max(2 * nbytes, FIRST_MAP_BYTES))
            if self.size:
                np.frombuffer(self._map, self.dtype, count=self.size)[:] = self._array[: self.size]
            self._array = np.empty(0, self.dtype)
        elif nbytes > len(self._map):
            size = max(nbytes, 2 * len(self._map))
            try:
                self._map.resize(size)  # mremap: in place, nothing copied
            except (OSError, SystemError, ValueError):  # no mremap here: copy into a larger map
                larger = _anonymous(size)
                kept = self.size * self.dtype.itemsize
                larger[:kept] = self._map[:kept]
                self._map.close()
                self._map = larger

    def values(self) -> NDArray[Any]:
        """The values, as a writable view (sorted in place by the caller). Drop the view
        before the next :meth:`extend`: a memory map does not grow while it is viewed."""
        if self._map is None:
            return self._array[: self.size]
        return np.frombuffer(self._map, self.dtype, count=self.size)

    def __getstate__(self) -> dict[str, Any]:
        """A copy of the values (a summary travels between Dask workers)."""
        return {"dtype": self.dtype.str, "values": np.array(self.values())}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(np.dtype(state["dtype"]))  # type: ignore[misc]
        self.extend(state["values"])


def _anonymous(nbytes: int) -> mmap.mmap:
    """Private anonymous memory (a shared one cannot grow past its first size)."""
    flags = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0)
    return mmap.mmap(-1, nbytes, flags=flags) if flags else mmap.mmap(-1, nbytes)
