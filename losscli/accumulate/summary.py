"""A loss's own mergeable summary, for values that are not a function of Σwℓ alone.

ROC-AUC needs the scores of both classes, F1 a confusion matrix, ECE its calibration
bins. Such a loss names a summary class in ``LossSpec.state`` ("module:Class",
relative to ``losscli.losses``); its finalizer is ``spec.finalize_state``. The
:class:`~losscli.accumulate.loss.LossAccumulator` of the loss (of the file, of each
``--by`` group, of each Dask partition) holds one instance, made with the loss's
parameters, and:

- ``update(inputs, weights, losses)`` folds in a chunk: ``inputs`` by role (``y_true``
  as the kernel sees it, ``y_pred`` (n,) or (n, K), extra roles), ``weights`` (n,) or
  None, the per-sample ``losses`` the kernel returned (NaN for ignored rows);
- ``merge(other)`` folds in another instance of the same class (a later partition):
  the result must not depend on how the rows were split;
- ``value()`` is the reported value (NaN when undefined);
- ``details()`` is extra JSON for the result (a confusion matrix, a reliability table):
  a dict of plain values, put beside ``value`` in ``results[i]``; each key may have a
  table renderer in :mod:`losscli.render.details`;
- ``warnings()`` (optional) lists what a user should know (e.g. an undefined precision
  reported as ``zero_division``);
- ``undefined()`` (optional) says why these rows have no value (ROC-AUC of one class),
  as (reason, hint), or None: the run is then exit 2 naming the file or the group,
  never a NaN.

The class is called with the loss's bound parameters; a multiclass loss's also hold
``classes`` (:data:`CLASSES`): the K class names in column order, the labels of a
confusion matrix or of per-class curves (the plan and :mod:`losscli.losses` add them).

The summary must be picklable (it travels between Dask workers) and bounded in memory
or say what it keeps (ROC-AUC keeps the scores: its own docs say how many fit).

``--ci`` and ``compare`` (``LossSpec.interval``) on a summary's value, two ways:

- ``"sums"``: the value is a function of per-row sufficient statistics summed over the
  rows (a confusion matrix's cells, calibration bins' sums), so it is resampled like a
  mean (BCa over units, losscli.intervals). The summary then has ``width`` (how many
  statistics a row has), ``unit_columns(inputs, weights, losses)`` (``width`` columns
  of n values; None: 1 a row) and ``resampled(sums)``: the value of each row of a
  (B × width) array of summed statistics, (B,). The accumulator asks for the columns a
  slice of rows at a time (``SUMMED_CELLS`` values: a wide one-hot set of cells never
  makes a chunk's n × width array at once).
- ``"jackknife"``: the value is not a function of sums (ROC-AUC: ranks). ``inputs``
  then also holds :data:`UNITS` (each row's bootstrap unit key, uint64) when ``--ci``
  or ``compare`` asked for it, and ``left_out()`` gives the value with each group of
  units left out, (JACKKNIFE_GROUPS,) NaN for a group without rows, where a unit's
  group is ``bucket_of(key, JACKKNIFE_GROUPS)`` (losscli.intervals.Jackknife).

Either may also have ``no_interval()``: why these parameters give no interval (ECE
with quantile bins), or "".
A jackknifed summary may also have ``bounds()``: the (low, high) range of its value
(ROC-AUC: (0, 1)); ``--ci`` cuts the t interval to it (a paired difference is not cut).

A loss whose value is still the mean of its per-sample losses may keep a summary for
its ``details()`` alone (the pinball loss per quantile level, an interval's coverage
and width): its finalizer stays ``finalize_mean``, so it stays smooth (``--ci``,
``compare``) and ``value()`` is not what is reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
CLASSES = "classes"  # the parameter that holds a multiclass loss's class names
UNITS = "units"  # the inputs' key of each row's bootstrap unit key, for a jackknifed summary


class Summary(Protocol):
    """What a loss's summary does (see the module)."""

    def update(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> None: ...

    def merge(self, other: Any) -> None: ...

    def value(self) -> float: ...

    def details(self) -> dict[str, Any]: ...


class Summed(Summary, Protocol):
    """A summary resampled by its own per-row statistics (``LossSpec.interval = "sums"``)."""

    width: int

    def unit_columns(
        self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64
    ) -> list[F64 | None]: ...

    def resampled(self, sums: F64) -> F64: ...


class Jackknifed(Summary, Protocol):
    """A summary resampled by the grouped jackknife (``LossSpec.interval = "jackknife"``)."""

    def left_out(self) -> F64: ...


def make_summary(state: str, params: Mapping[str, Any]) -> Summary:
    """An empty summary of class ``state`` ("module:Class" in losscli.losses) for ``params``."""
    from losscli.spec import load_ref

    made: Summary = load_ref(state)(params)
    return made


def summary_warnings(summary: Summary) -> list[str]:
    found = getattr(summary, "warnings", None)
    return list(found()) if callable(found) else []


def summary_undefined(summary: Summary) -> tuple[str, str] | None:
    """Why ``summary`` has no value for its rows, and the fix (its ``undefined()``), or None."""
    found = getattr(summary, "undefined", None)
    why: tuple[str, str] | None = found() if callable(found) else None
    return why


def summary_no_interval(summary: Summary) -> str:
    """Why ``summary``'s parameters give no ``--ci``/``compare`` interval (its
    ``no_interval()``), or ""."""
    found = getattr(summary, "no_interval", None)
    why: str = found() if callable(found) else ""
    return why


def summary_bounds(summary: Summary) -> tuple[float, float]:
    """The range of ``summary``'s value (its ``bounds()``), or (−inf, inf)."""
    found = getattr(summary, "bounds", None)
    bounds: tuple[float, float] = found() if callable(found) else (-math.inf, math.inf)
    return bounds
