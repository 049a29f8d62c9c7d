"""``--vs-dummy``: the loss of a trivial model on the same rows, and the skill against it.

skill = 1 − value / dummy_value, where dummy_value is the loss — finalized as the loss
is (a mean, √mean, a max) — of a model that predicts one constant for every row:

- regression: the weighted label mean ȳ = Σwy / Σw (``--dummy median``: the weighted
  median, the averaged inverted CDF: ``np.median`` without weights);
- binary: the class prior p̄ = W₁ / W, the weighted share of positive labels (a loss on
  logits or decision scores — ``--from-logits``, hinge — is given its logit
  log(p̄ / (1 − p̄)));
- multiclass: the prior π_k = W_k / W, the weighted class frequencies (a loss on logits,
  decision scores or log-probabilities is given log π; softmax(log π) = π).

The prediction goes through the loss's own kernel with the loss's parameters (huber's δ,
class weights, label smoothing, clipping), its domain and its input rule: a dummy the
loss does not take (``poisson`` with a label median of 0) is exit 2 saying so.

The state is mergeable like the sums beside it in
:class:`~losscli.accumulate.loss.LossAccumulator` (the file's, each ``--by`` group's and
each Dask partition's), fed in the same pass, exact and bounded:

- classification: Σ_i w_i ℓ(y_i, π) = Σ_k W_k ℓ(k, π), so the state is each class's
  weight W_k (a :class:`BlockSum` each: the same bits for any chunking);
- regression with ℓ = d² (mse, rmse) and the mean: Σw(y − ȳ)² from the label moments
  (exact block sums, any number of rows);
- any other regression loss, and the median: Σ_v W_v ℓ(v, c) over the distinct labels v
  and their weights W_v, kept up to :data:`LABEL_LIMIT` distinct values (16 bytes each);
  more is exit 2 naming the limit — never an approximation.

Where skill means nothing the option is refused (exit 2): a score (higher is better:
r2, which is itself mse's skill against the mean), a value computed from its own summary
(ranking, thresholded counts, calibration; a summary kept for details beside a mean, as
quantile's per-level values, is no obstacle), a predicted distribution (crps: a constant
is a point), a loss that can be negative (a
log-likelihood without its constant: the property ``signed``), a task other than
regression, binary and multiclass, an input a constant dummy has no value for.
Constant labels make the dummy exact: skill (and dummy_value) are then undefined —
NaN in Python, null in JSON, with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.moments import LabelMoments
from losscli.accumulate.sketch import BlockSum
from losscli.errors import DataError, UsageError
from losscli.options import spelled
from losscli.results import DummyScore, LossResult
from losscli.spec import KernelOutput, LossSpec, Stats, finalize_state

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: the most distinct labels a regression dummy keeps (per accumulator: the file, a group)
LABEL_LIMIT = 1_000_000
STRATEGIES = ("mean", "median")
TASKS = ("regression", "binary", "multiclass")
#: kernels whose ℓ is d²: Σw(y − c)² = Σw(y − ȳ)² + W(ȳ − c)², from the label moments
SQUARED = frozenset({"_regression_kernels:squared_error"})
#: how the dummy's prediction is named in messages and notes
WHAT = {"mean": "label mean", "median": "label median", "prior": "class prior"}


class DummyError(DataError):
    """The dummy cannot be scored (outside the loss's domain, too many distinct labels);
    ``engine.finish`` names the file."""


def strategy(vs_dummy: bool, dummy: str | None) -> str | None:
    """The dummy of a run: ``dummy`` (mean or median; it implies ``vs_dummy``), else the
    mean with ``vs_dummy``, else None (no dummy)."""
    if dummy is not None and dummy not in STRATEGIES:
        raise UsageError(f"unknown {spelled('dummy', dummy)}", f"use one of {', '.join(STRATEGIES)}")
    return dummy if dummy is not None else ("mean" if vs_dummy else None)


def refuse(spec: LossSpec, chosen: str) -> None:
    """UsageError (exit 2) when ``spec`` has no skill against a dummy (see the module)."""
    why = refusal(spec, chosen)
    if why is not None:
        flag = spelled("vs_dummy")
        median = spelled("dummy", "median")
        drop = median if median in why else f"{flag} for {spec.name}"
        raise UsageError(f"no skill ({flag}) for {spec.name}: {why}", f"drop {drop}")


def refusal(spec: LossSpec, chosen: str) -> str | None:
    """Why ``spec`` has no skill against the ``chosen`` dummy, or None."""
    if spec.higher_is_better and spec.needs_label_variance:
        return (
            f"{spec.name} is itself a skill against the mean: 1 − SSE/SST = 1 − mse / the mse of always "
            f"predicting the label mean, which is mse's skill ('losscli mse FILE {spelled('vs_dummy')}')"
        )
    if spec.higher_is_better:
        return f"{spec.name} is a score (higher is better), and skill = 1 − loss / dummy needs a loss (0 is perfect)"
    if spec.finalize is finalize_state:  # a summary kept for details only leaves the value a mean
        return (
            f"its value ({spec.finalize_text}) comes from its own summary, not from per-sample losses "
            "a constant prediction could be scored by"
        )
    if spec.optional_inputs:
        return (
            f"it scores a predicted distribution (an ensemble, or a mean with {' or '.join(spec.optional_inputs)}), "
            "and a constant dummy is a point, not a distribution; compare it with a reference forecast instead"
        )
    if spec.task not in TASKS:
        return f"a dummy is defined for regression, binary and multiclass losses; {spec.name} is a {spec.task} loss"
    if "signed" in spec.properties:
        return (
            f"{spec.name} can be negative (a log-likelihood without its constant), "
            "so 1 − loss / dummy is not a skill score; compare the two values instead"
        )
    if spec.extra_inputs:
        return f"it takes {', '.join(spec.extra_inputs)}, for which a constant dummy has no value"
    if chosen == "median" and spec.task != "regression":
        return (
            f"{spelled('dummy', 'median')} is for regression; a {spec.task} loss's dummy is the class prior"
        )
    return None


class LabelTable:
    """The distinct labels and their weights, sorted, up to :data:`LABEL_LIMIT` values;
    past it the table is dropped and :attr:`overflowed` says so (memory stays bounded).

    Each chunk adds its own distinct values (``np.unique``); pending chunks are folded
    in once they hold as many values as the table (amortised O(n log n))."""

    def __init__(self) -> None:
        self.values: F64 = np.zeros(0)
        self.weights: F64 = np.zeros(0)
        self.pending: list[tuple[F64, F64]] = []
        self.waiting = 0  # values in pending
        self.overflowed = False

    def add(self, y: F64, w: F64 | None) -> None:
        if self.overflowed or y.size == 0:
            return
        values, inverse = np.unique(y, return_inverse=True)
        sums = np.bincount(inverse.reshape(-1), weights=w, minlength=values.size).astype(np.float64)
        self._pend(values, sums)

    def merge(self, other: LabelTable) -> None:
        if other.overflowed:
            self._overflow()
        if self.overflowed:
            return
        for values, sums in [(other.values, other.weights), *other.pending]:
            self._pend(values, sums)

    def _pend(self, values: F64, sums: F64) -> None:
        self.pending.append((values, sums))
        self.waiting += values.size
        if self.waiting > max(self.values.size, 1 << 16):
            self.fold()

    def fold(self) -> None:
        if not self.pending:
            return
        values = np.concatenate([self.values, *(v for v, _ in self.pending)])
        sums = np.concatenate([self.weights, *(s for _, s in self.pending)])
        self.pending, self.waiting = [], 0
        self.values, inverse = np.unique(values, return_inverse=True)
        self.weights = np.bincount(inverse.reshape(-1), weights=sums, minlength=self.values.size).astype(
            np.float64
        )
        if self.values.size > LABEL_LIMIT:
            self._overflow()

    def _overflow(self) -> None:
        self.overflowed = True
        self.values, self.weights, self.pending, self.waiting = np.zeros(0), np.zeros(0), [], 0

    def items(self) -> tuple[F64, F64]:
        """The distinct labels with positive weight, ascending, and their weights."""
        self.fold()
        kept = self.weights > 0
        return self.values[kept], self.weights[kept]

    def median(self) -> float:
        """The weighted median, averaged inverted CDF: the smallest v with cumulative weight
        ≥ W/2, or, when it is exactly W/2, the mean of v and the next value (``np.median``
        without weights; scikit-learn's ``_weighted_percentile(average=True)``)."""
        values, weights = self.items()
        cumulative = np.cumsum(weights)
        half = cumulative[-1] / 2.0
        i = int(np.searchsorted(cumulative, half))
        if cumulative[i] == half and i + 1 < values.size:
            a, b = float(values[i]), float(values[i + 1])
            middle = (a + b) / 2.0
            return middle if math.isfinite(middle) else a / 2.0 + b / 2.0
        return float(values[i])


class DummyState:
    """What the dummy of one loss needs, mergeable (see the module): each class's weight
    (classification), or the label moments and, when the loss needs them, the distinct
    labels (regression)."""

    def __init__(self, spec: LossSpec, chosen: str) -> None:
        self.strategy = chosen
        self.classes = spec.task in ("binary", "multiclass")
        self.class_sums: list[BlockSum] = []  # per class: Σw of its rows with weights
        self.plain: I64 = np.zeros(0, dtype=np.int64)  # per class: its rows without weights
        self.moments = LabelMoments()
        tabled = not self.classes and (chosen == "median" or spec.kernel not in SQUARED)
        self.table = LabelTable() if tabled else None

    def update(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> None:
        """One chunk: the labels as the kernel saw them; rows whose loss is NaN
        (``--ignore-label``) are left out, as they are of the loss."""
        y = inputs["y_true"]
        ignored = np.isnan(losses)
        if ignored.any():
            y, weights = y[~ignored], None if weights is None else weights[~ignored]
        if self.classes:
            pred = inputs["y_pred"]
            self._count(y.astype(np.int64), weights, pred.shape[1] if pred.ndim == 2 else 2)
            return
        self.moments.update(y, weights)
        if self.table is not None:
            self.table.add(y, weights)

    def _count(self, y: I64, weights: F64 | None, k: int) -> None:
        self._grow(k)
        counts = np.bincount(y, minlength=k)
        if weights is None:
            self.plain += counts
            return
        order = np.argsort(y, kind="stable")  # each class's weights in row order: exact block sums
        ordered = weights[order]
        start = 0
        for cls, end in enumerate(np.cumsum(counts).tolist()):
            if end > start:
                self.class_sums[cls].add(ordered[start:end])
            start = end

    def _grow(self, k: int) -> None:
        while len(self.class_sums) < k:
            self.class_sums.append(BlockSum())
        if self.plain.size < k:
            self.plain = np.concatenate([self.plain, np.zeros(k - self.plain.size, dtype=np.int64)])

    def merge(self, other: DummyState) -> None:
        """Fold in another partition's (or group's) state."""
        if self.classes:
            self._grow(len(other.class_sums))
            for mine, theirs in zip(self.class_sums, other.class_sums, strict=False):
                mine.merge(theirs)
            self.plain[: other.plain.size] += other.plain
            return
        self.moments.merge(other.moments)
        if self.table is not None and other.table is not None:
            self.table.merge(other.table)

    @property
    def overflowed(self) -> bool:
        """More distinct labels than the table keeps, as far as its folds have seen (cheap:
        for every chunk; :meth:`problem` folds what is pending first)."""
        return self.table is not None and self.table.overflowed

    def problem(self, spec: LossSpec, params: Mapping[str, Any]) -> tuple[str, str] | None:
        """(message, hint) when the state cannot give the dummy exactly: more distinct labels
        than the table keeps."""
        if self.table is None:
            return None
        self.table.fold()
        if not self.table.overflowed:
            return None
        name = spec.named(params)
        why = "their median" if self.strategy == "median" else f"{name} of their mean"
        return (
            f"{name} {spelled('vs_dummy')}: the labels take more than {LABEL_LIMIT:,} distinct values, "
            f"and {why} needs each distinct label with its weight (losscli keeps at most {LABEL_LIMIT:,}; "
            "it never approximates)",
            "evaluate a sample of the rows, or use mse/rmse with the mean dummy (exact from label moments "
            "at any size)",
        )

    def class_weights(self) -> F64:
        """W_k per class: the weighted rows' exact sums plus the rows without weights."""
        sums = np.array([s.value for s in self.class_sums], dtype=np.float64)
        out: F64 = sums + self.plain[: sums.size]
        return out

    def score(
        self, spec: LossSpec, params: Mapping[str, Any], value: float, stats: Stats, per_count: bool = False
    ) -> DummyScore:
        """The dummy's loss over the loss's own denominator (``stats``: Σw, or Σw·w_y with
        class weights — the same rows, so the same sum; the row count with Keras' mean,
        ``per_count``) and the skill of ``value`` against it."""
        problem = self.problem(spec, params)
        if problem is not None:
            raise DummyError(*problem)
        found = self._classification(spec, params) if self.classes else self._regression(spec, params)
        prediction, given, sums = found
        chosen = "prior" if self.classes else self.strategy
        if sums is None or not stats.weight_sum > 0:  # constant labels, or no weight at all
            return DummyScore(chosen, prediction, math.nan, math.nan, given)
        total, top = sums
        divisor = float(stats.count) if per_count else stats.weight_sum
        dummy = spec.finalize(replace(stats, mean=total / divisor, sum=total, max=top, state=None))
        name = spec.named(params)
        if not math.isfinite(dummy):
            raise DummyError(
                f"{name} {spelled('vs_dummy')}: the loss of always predicting the {WHAT[chosen]} is {dummy}",
                "a class that never occurs has prior 0 (log 0 = −∞ on logits); drop "
                f"{spelled('vs_dummy')} or the parameter that scores every class",
            )
        if dummy < 0 or value < 0:
            raise DummyError(
                f"{name} {spelled('vs_dummy')}: skill = 1 − loss / dummy needs losses ≥ 0, "
                f"and the {'dummy' if dummy < 0 else 'model'}'s is {min(dummy, value):.6g}",
                "compare the two values instead",
            )
        skill = 1.0 - value / dummy if dummy > 0 else math.nan
        return DummyScore(chosen, prediction, dummy, skill, given)

    def _classification(
        self, spec: LossSpec, params: Mapping[str, Any]
    ) -> tuple[float | tuple[float, ...] | None, str, tuple[float, float] | None]:
        weights = self.class_weights()
        total = math.fsum(weights.tolist())
        if not total > 0:
            return None, "", None
        prior = weights / total
        binary = spec.task == "binary"
        prediction: float | tuple[float, ...] = float(prior[1]) if binary else tuple(prior.tolist())
        present = np.flatnonzero(weights > 0)
        if present.size < 2:
            return prediction, "", None
        flavour = spec.pred_flavour(params)
        logs = flavour in ("logit", "log-probability")
        with np.errstate(divide="ignore"):
            if binary:
                p = float(prior[1])
                score = math.log(p) - math.log1p(-p) if logs else p
                given = f"as the logit {score:.6g}" if logs else ""
                y: Any = present.astype(np.float64)
                pred: Any = np.full(present.size, score)
            else:
                scores = np.log(prior) if logs else prior
                given = (
                    ("as the logits log π" if flavour == "logit" else "as log-probabilities log π")
                    if logs
                    else ""
                )
                y = present.astype(np.int64)
                pred = np.tile(scores, (present.size, 1))
        losses = _losses(spec, params, {"y_true": y, "y_pred": pred}, "the class prior")
        return prediction, given, _sums(weights[present], losses)

    def _regression(
        self, spec: LossSpec, params: Mapping[str, Any]
    ) -> tuple[float | None, str, tuple[float, float] | None]:
        moments = self.moments
        weight = moments.weight
        if not weight > 0:
            return None, "", None
        mean = moments.mean
        c = self.table.median() if self.strategy == "median" and self.table is not None else mean
        if moments.m2 == 0.0:  # constant labels: the dummy is exact
            return c, "", None
        spread = moments.m2 + weight * (mean - c) ** 2  # Σw(y − c)²
        what = f"the {WHAT[self.strategy]} {c:.6g}"
        if self.table is None:  # ℓ = d²
            _losses(spec, params, {"y_true": np.array([mean]), "y_pred": np.array([c])}, what)
            return c, "", (spread, math.nan)
        values, weights = self.table.items()
        inputs = {"y_true": values, "y_pred": np.full(values.size, c)}
        return c, "", _sums(weights, _losses(spec, params, inputs, what))


def _sums(weights: F64, losses: F64) -> tuple[float, float]:
    """Σ W ℓ (one rounding) and max ℓ."""
    return math.fsum((weights * losses).tolist()), float(losses.max()) if losses.size else math.nan


def _losses(spec: LossSpec, params: Mapping[str, Any], inputs: Mapping[str, Any], what: str) -> F64:
    """The kernel's per-row losses of the dummy's rows, after the loss's domain and input
    rule (a dummy the loss does not take is a :class:`DummyError`)."""
    flag, name = spelled("vs_dummy"), spec.named(params)
    hint = f"use {spelled('dummy', 'mean')}, or drop {flag}" if "median" in what else f"drop {flag}"
    names = {"y_pred": "the prediction", "y_true": "the label"}
    for bound in spec.domain(params):
        if bound.broken(inputs[bound.role]).any():
            raise DummyError(
                f"{name} {flag}: the dummy predicts {what}, and {spec.name} needs {bound.describe(names)}",
                hint,
            )
    rule = spec.load_input_rule()
    issue = rule(inputs, params, None) if rule is not None else None
    if issue is not None:
        raise DummyError(
            f"{name} {flag}: the dummy predicts {what}, and {spec.name}'s input must {issue.requirement}",
            hint,
        )
    if spec.members and inputs["y_pred"].ndim == 1:  # one prediction column (quantile: at every level)
        inputs = {**inputs, "y_pred": inputs["y_pred"][:, None]}
    with np.errstate(all="ignore"):
        out = spec.load_kernel()(*(inputs.get(role) for role in spec.inputs), **spec.kernel_params(params))
    losses: F64 = np.asarray(out.losses if isinstance(out, KernelOutput) else out, dtype=np.float64)
    return losses


def warned(result: LossResult) -> LossResult:
    """The result with a warning for each undefined skill (constant labels) of the whole
    input or of its groups."""
    if result.dummy is None:
        return result
    name = result.title or result.loss
    flag = spelled("vs_dummy")
    found = []
    if math.isnan(result.dummy.skill):
        found.append(f"{name} {flag}: {_undefined(result.dummy)}; skill is undefined (null)")
    groups = [g for g in result.groups or () if g.dummy is not None and math.isnan(g.dummy.skill)]
    if groups:
        shown = ", ".join(str(g.group) for g in groups[:5]) + (", …" if len(groups) > 5 else "")
        why = {_undefined(g.dummy) for g in groups if g.dummy is not None}
        said = (
            "whose labels are constant" if len(why) == 1 and "constant" in next(iter(why)) else "; ".join(why)
        )
        found.append(f"{name} {flag}: skill is undefined (null) in {len(groups)} group(s), {said}: {shown}")
    return replace(result, warnings=(*result.warnings, *found)) if found else result


def _undefined(dummy: DummyScore) -> str:
    if math.isnan(dummy.value) and dummy.prediction is not None:
        return "the labels are constant, so the dummy predicts them exactly"
    if dummy.prediction is None:
        return "no row has weight"
    return "the dummy's loss is 0"
