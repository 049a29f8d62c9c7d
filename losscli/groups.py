"""``--by``: one :class:`~losscli.aggregate.LossAccumulator` per group key.

A group is the same mergeable state as a whole file (exact block sums, label moments,
counts, max), fed the group's rows in stream order and finished by the loss spec's own
finalize, so a group holding every row gives the whole file's value to the last bit,
for any chunk size. What is specific to grouping lives here: factorising a chunk's
keys (``np.unique``), one stable sort that makes each group's rows contiguous, and
one state per key, grown as keys appear.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator

import numpy as np
from numpy.typing import NDArray

from losscli.aggregate import LossAccumulator
from losscli.results import GroupResult

F64 = NDArray[np.float64]


class GroupAccumulator:
    """A :class:`LossAccumulator` per group key, made by ``make`` when the key first appears."""

    def __init__(self, make: Callable[[], LossAccumulator]) -> None:
        self.make = make
        self.states: dict[Hashable, LossAccumulator] = {}

    def update(
        self,
        keys: NDArray[np.generic],
        losses: F64,
        weights: F64 | None,
        y_true: F64,
        factor: F64 | None,
    ) -> None:
        """Fold one chunk in: each group's rows, in their order, go to its state."""
        if losses.size == 0:
            return
        uniques, inverse = np.unique(keys, return_inverse=True)
        if uniques.size == 1:  # one group in this chunk: its rows are the chunk
            self._state(uniques[0]).update(losses, weights, y_true, factor)
            return
        order = np.argsort(inverse.ravel(), kind="stable")  # stable: each group keeps its row order
        ends = np.cumsum(np.bincount(inverse.ravel(), minlength=uniques.size)).tolist()
        start = 0
        for key, end in zip(uniques.tolist(), ends, strict=True):
            rows = order[start:end]
            start = end
            self._state(key).update(
                losses[rows],
                None if weights is None else weights[rows],
                y_true[rows],
                None if factor is None else factor[rows],
            )

    def merge(self, other: GroupAccumulator) -> None:
        """Fold in another accumulator's groups (a later Dask partition)."""
        for key, state in other.states.items():
            mine = self.states.get(key)
            if mine is None:
                self.states[key] = state
            else:
                mine.merge(state)

    def items(self) -> Iterator[tuple[Hashable, LossAccumulator]]:
        """(key, state) in sorted key order (keys of different types sort by type name)."""
        yield from sorted(self.states.items(), key=lambda kv: (type(kv[0]).__name__, kv[0]))

    def results(self) -> tuple[GroupResult, ...]:
        """Each group finished by the spec's own finalize, in sorted key order."""
        return tuple(
            GroupResult(key, state.value(), state.count, state.total_weight) for key, state in self.items()
        )

    def _state(self, key: object) -> LossAccumulator:
        plain = _plain(key)
        state = self.states.get(plain)
        if state is None:
            state = self.states[plain] = self.make()
        return state


def _plain(value: object) -> Hashable:
    """A NumPy scalar as the Python value; a whole float as an int (7.0 → 7)."""
    item = getattr(value, "item", None)
    plain = item() if callable(item) else value
    if isinstance(plain, float) and plain.is_integer():
        return int(plain)
    assert isinstance(plain, Hashable)
    return plain
