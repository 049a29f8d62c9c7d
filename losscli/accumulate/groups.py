"""``--by``: one :class:`~losscli.accumulate.loss.LossAccumulator` per group key.

A group is the same mergeable state as a whole file (exact block sums, label moments,
counts, max), fed the group's rows in stream order and finished by the loss spec's own
finalize, so a group holding every row gives the whole file's value to the last bit,
for any chunk size. What is specific to grouping lives here: factorising a chunk's
keys (``np.unique``), one stable sort that makes each group's rows contiguous, and
one state per key, grown as keys appear.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.dummy import DummyError
from losscli.accumulate.grouped_sums import PlainGroups
from losscli.accumulate.loss import LossAccumulator
from losscli.neutralise import quote
from losscli.results import ConfidenceInterval, DummyScore, GroupResult

F64 = NDArray[np.float64]


class GroupAccumulator:
    """A :class:`LossAccumulator` per group key, made by ``make`` when the key first appears."""

    def __init__(self, make: Callable[[], LossAccumulator]) -> None:
        self.make = make
        self._states: dict[Hashable, LossAccumulator] = {}
        # a plain per-row loss (no summary, --ci units, class weights, label moments or
        # dummy): every group of a chunk at once (losscli.accumulate.grouped_sums), each
        # group's LossAccumulator made from it when the states are first read
        self._plain: PlainGroups | None = None
        self._keys: dict[Hashable, int] = {}
        self._decided = False

    @property
    def states(self) -> dict[Hashable, LossAccumulator]:
        """Each group's state (made from the all-at-once sums on first use)."""
        if self._plain is not None:
            plain, self._plain = self._plain, None
            for key, index in self._keys.items():
                state = self._state(key)
                state.count += int(plain.count[index])
                state.unweighted += int(plain.unweighted[index])
                state.max = max(state.max, float(plain.max[index]))
                state.weighted_sum = plain.weighted_sum.block_sum(index)
                state.weight_sum = plain.weight_sum.block_sum(index)
        return self._states

    def _plain_groups(self, factor: Any, units: Any, inputs: Any) -> PlainGroups | None:
        """The all-at-once state when this update, and so every update, is plain."""
        if not self._decided:
            self._decided = True
            probe = self.make()
            plain = (
                factor is None
                and units is None
                and inputs is None
                and probe.summary is None
                and probe.dummy is None
                and probe.units is None
                and not probe.quantiles
                and not probe.spec.needs_label_variance
            )
            self._plain = PlainGroups() if plain else None
        return self._plain

    def update(
        self,
        keys: Sequence[NDArray[np.generic]],
        losses: F64,
        weights: F64 | None,
        y_true: F64,
        factor: F64 | None,
        units: NDArray[np.uint64] | None = None,
        distinct: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """Fold one chunk in: each group's rows, in their order, go to its state. ``keys``:
        one array per group column; with several, a group is a tuple of their values;
        ``units``: the rows' bootstrap unit keys (--ci); ``inputs``: the kernel's inputs
        by role, for a loss with a summary."""
        if losses.size == 0:
            return
        order, counts, uniques = _grouping(keys)
        plain = self._plain_groups(factor, units, inputs)
        if len(uniques) == 1 and plain is None:  # one group in this chunk: its rows are the chunk
            self._state(uniques[0]).update(
                losses, weights, y_true, factor, units=units, distinct=distinct, inputs=inputs
            )
            return
        if plain is not None:
            seen = self._keys  # (every key _grouping gives has rows)
            index = np.array([seen.setdefault(_plain(k), len(seen)) for k in uniques], dtype=np.int64)
            plain.grow(len(seen))
            plain.add(index, counts, losses[order], None if weights is None else weights[order])
            return
        start = 0
        for key, end in zip(uniques, np.cumsum(counts).tolist(), strict=True):
            if end == start:
                continue
            rows = order[start:end]
            start = end
            self._state(key).update(
                losses[rows],
                None if weights is None else weights[rows],
                y_true[rows],
                None if factor is None else factor[rows],
                units=None if units is None else units[rows],
                distinct=distinct,
                inputs=None if inputs is None else {role: values[rows] for role, values in inputs.items()},
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
        """(key, state) in sorted key order: numbers by value, then other keys by type and value."""
        yield from sorted(self.states.items(), key=lambda kv: _order(kv[0]))

    def results(
        self,
        names: Sequence[str] = (),
        interval: Callable[[LossAccumulator, Hashable], ConfidenceInterval] | None = None,
    ) -> tuple[GroupResult, ...]:
        """Each group finished by the spec's own finalize, with its summary's details (the
        whole input's keys, of the group's rows), in sorted key order; ``names``:
        the group columns. Text keys read as numbers when every key of their column is a
        number written plainly (``1``, ``-2``, ``3.5``; not ``01`` or ``1.0``). ``interval``:
        a group's ``--ci`` interval, given its state and its key (for messages)."""
        shown = _as_numbers(list(self.states))
        return tuple(
            sorted(
                (
                    GroupResult(
                        shown[key],
                        state.value(),
                        state.count,
                        state.total_weight,
                        tuple(names),
                        None if interval is None else interval(state, shown[key]),
                        _dummy_score(state, shown[key]),
                        state.summary.details() if state.summary is not None else None,
                    )
                    for key, state in self.states.items()
                ),
                key=lambda g: _order(g.group),
            )
        )

    def _state(self, key: object) -> LossAccumulator:
        plain = _plain(key)
        state = self._states.get(plain)
        if state is None:
            state = self._states[plain] = self.make()
        return state


def _dummy_score(state: LossAccumulator, key: Hashable) -> DummyScore | None:
    """The group's --vs-dummy score; a dummy it cannot score names the group."""
    try:
        return state.dummy_score()
    except DummyError as exc:
        raise DummyError(f"group {quote(str(key))}: {exc.message}", exc.hint) from None


def _grouping(
    keys: Sequence[NDArray[np.generic]],
) -> tuple[NDArray[np.intp], NDArray[np.intp], list[Hashable]]:
    """(an order of the rows that puts each group's rows together, each in stream order;
    each group's row count; each group's key), the groups in that order. Whole numbers
    within 2**15 of each other are their own codes (no hashing); anything else is
    factorised (:func:`_factorise`, :func:`_combine`)."""
    only = keys[0]
    if len(keys) == 1 and only.dtype.kind in "iu" and only.size:
        low, high = int(only.min()), int(only.max())
        if high - low < 1 << 15:
            offsets = (only - low).astype(np.int16)
            every = np.bincount(offsets, minlength=high - low + 1)
            present = np.flatnonzero(every)
            keys_found: list[Hashable] = [int(v) for v in (present + low).tolist()]
            return np.argsort(offsets, kind="stable"), every[present], keys_found
    codes, uniques = _factorise(only) if len(keys) == 1 else _combine([_factorise(k) for k in keys])
    counts = np.bincount(codes, minlength=len(uniques))
    small = codes.astype(np.int16) if len(uniques) < 1 << 15 else codes  # radix sort
    return np.argsort(small, kind="stable"), counts, uniques  # stable: each group keeps its row order


def _factorise(keys: NDArray[np.generic]) -> tuple[NDArray[np.intp], list[Hashable]]:
    """(code per row, distinct keys) by hashing (pyarrow's dictionary encoding), not
    sorting. Text columns group by their text: values of mixed types that print alike
    (7 and '7') are one group, as the key is shown."""
    import pyarrow as pa

    from losscli.io.arrow_build import to_arrow
    from losscli.io.arrow_numpy import column_to_numpy

    try:
        encoded = to_arrow(keys).dictionary_encode()
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in an object column
        encoded = to_arrow(keys.astype(str)).dictionary_encode()
    codes = np.asarray(column_to_numpy(encoded.indices, False), dtype=np.intp)  # (to_numpy imports pandas)
    uniques = [_plain(u) for u in encoded.dictionary.to_pylist()]
    if keys.dtype == object:  # one group per text (a column of 7 and '7' holds one group)
        canonical: dict[str, int] = {}
        remap = [canonical.setdefault(str(u), len(canonical)) for u in uniques]
        if len(canonical) < len(uniques):
            codes = np.asarray(remap, dtype=np.intp)[codes]
        uniques = list(canonical)
    return codes, uniques


def _combine(
    columns: list[tuple[NDArray[np.intp], list[Hashable]]],
) -> tuple[NDArray[np.intp], list[Hashable]]:
    """Codes and keys of the combinations of several factorised columns (tuples of values)."""
    from losscli.io.arrow_build import to_arrow
    from losscli.io.arrow_numpy import column_to_numpy

    composite = np.zeros(columns[0][0].size, dtype=np.int64)
    for codes, uniques in columns:  # mixed radix: fits, as each chunk has at most 2**20 rows
        composite = composite * len(uniques) + codes
    encoded = to_arrow(composite).dictionary_encode()
    found: list[Hashable] = []
    for number in encoded.dictionary.to_pylist():
        parts = []
        for _, uniques in reversed(columns):
            number, digit = divmod(number, len(uniques))
            parts.append(uniques[digit])
        found.append(tuple(reversed(parts)))
    return np.asarray(column_to_numpy(encoded.indices, False), dtype=np.intp), found


def _as_numbers(keys: list[Hashable]) -> dict[Hashable, Hashable]:
    """Each key as shown: a text column whose every value is a plainly written number
    reads as numbers (CSV groups ``1, 2`` are 1 and 2, as Parquet's are); any other
    column keeps its text (``01`` stays ``01``)."""
    tuples = [k for k in keys if isinstance(k, tuple)]
    if not tuples:
        read = _number_reader(keys)
        return {k: read(k) for k in keys}
    readers = [_number_reader([t[i] for t in tuples]) for i in range(len(tuples[0]))]
    return {t: tuple(read(v) for read, v in zip(readers, t, strict=True)) for t in tuples}


def _number_reader(column: Sequence[Hashable]) -> Callable[[Hashable], Hashable]:
    """int or float for a column of plainly written finite numbers, else the identity."""
    text = [v for v in column if isinstance(v, str)]
    if len(text) < len(column):
        return _same  # typed values already (Parquet, DataFrames)
    if all(_plainly(int, v) for v in text):
        return lambda v: int(v) if isinstance(v, str) else v
    if all(_plainly(float, v) for v in text):
        return lambda v: _plain(float(v)) if isinstance(v, str) else v
    return _same


def _plainly(kind: type[int] | type[float], text: str) -> bool:
    """``text`` is the way Python writes that number (``7``, ``-2``, ``3.5``; not ``07``)."""
    try:
        number = kind(text)
    except ValueError:
        return False
    return math.isfinite(number) and repr(number) == text


def _same(value: Hashable) -> Hashable:
    return value


def _order(key: Hashable) -> tuple[Any, ...]:
    """Sort key of a group key: 2 before 3.5 before 10; text after numbers; tuples
    (several group columns) column by column."""
    if isinstance(key, tuple):
        return tuple(_order(part) for part in key)
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return (0, "", key)
    return (1, type(key).__name__, key)


def _plain(value: object) -> Hashable:
    """A NumPy scalar as the Python value; a whole float as an int (7.0 → 7)."""
    item = getattr(value, "item", None)
    plain = item() if callable(item) else value
    if isinstance(plain, float) and plain.is_integer():
        return int(plain)
    assert isinstance(plain, Hashable)
    return plain
