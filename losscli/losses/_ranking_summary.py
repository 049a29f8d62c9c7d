"""The mergeable summaries of ``roc-auc`` and ``pr-auc`` (losscli.accumulate.summary).

Exact ranks need every score, so a summary keeps them: binary, the positives' and the
negatives' scores (8 bytes a row; 16 with weights, score + i·weight); multiclass, each
row's K scores (and weight) under its label. Rows of weight 0 are not kept (they change
nothing, as scikit-learn drops them) but are counted. Merging appends; the value sorts
and counts (:mod:`losscli.losses._ranking_kernels`). One summary keeps at most
:data:`MAX_VALUES` numbers: past that it refuses (exit 2), never approximates.

With ``--ci`` or ``compare`` (``inputs`` hold :data:`~losscli.accumulate.summary.UNITS`)
each kept score also keeps its unit's jackknife group, bucket_of(key, JACKKNIFE_GROUPS)
(1 byte a row), and each class's rows per group; :meth:`RankingSummary.left_out` is
the value with each group left out (:mod:`losscli.losses._ranking_jackknife`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.summary import UNITS
from losscli.accumulate.units import buckets_of_units
from losscli.errors import DataError, UsageError
from losscli.intervals import JACKKNIFE_GROUPS, NoInterval
from losscli.losses._ranking_buffer import Growing
from losscli.losses._ranking_jackknife import Split, ap_left_out, auc_left_out, recomputed_left_out, split
from losscli.losses._ranking_kernels import Ranked, average_precision, ranked, roc_auc, scale_of, softmax
from losscli.options import spelled
from losscli.spelling import param

F64 = NDArray[np.float64]
U8 = NDArray[np.uint8]
MAX_VALUES = 1 << 27  # numbers one summary keeps (1 GiB of float64): 134,217,728 unweighted binary rows
ROW_SUM_TOL = 1e-6


def describe_limit() -> str:
    """The limit in rows, for messages and the docs."""
    return (
        f"{MAX_VALUES:,} scores (1 GiB): {MAX_VALUES:,} binary rows, {MAX_VALUES // 2:,} with weights, "
        f"{MAX_VALUES:,}/(K + 1) rows of K classes"
    )


class BinaryScores:
    """The positives' and the negatives' scores (complex score + i·weight when weighted)."""

    def __init__(self) -> None:
        self.weighted: bool | None = None  # decided by the first rows
        self.classes = [Growing(), Growing()]  # negatives, positives
        self.rows = [0, 0]  # rows of each class, weight 0 included
        self.weight = [0.0, 0.0]
        self.groups: list[Growing] | None = None  # each kept value's jackknife group (--ci)
        self.group_rows: NDArray[np.int64] | None = None  # (2, G): each class's rows in each group

    def update(self, y: F64, s: F64, w: F64 | None, groups: U8 | None = None) -> None:
        self._mode(w is not None, groups is not None)
        positive = y == 1.0
        for label, mask in ((0, ~positive), (1, positive)):
            scores = s[mask]
            mine = None if groups is None else groups[mask]
            self.rows[label] += int(scores.size)
            if w is None:
                self.weight[label] += float(scores.size)
                self.classes[label].extend(scores)
            else:
                weights = w[mask]
                kept = weights > 0
                self.weight[label] += float(weights.sum())
                self.classes[label].extend(_packed(scores[kept], weights[kept]))
            if mine is not None:
                _add_groups(self, label, mine, None if w is None else w[mask] > 0)

    def _mode(self, weighted: bool, keyed: bool) -> None:
        if self.weighted is None:
            self.weighted = weighted
            if weighted:
                self.classes = [Growing(np.complex128), Growing(np.complex128)]
            if keyed:
                self.groups = [Growing(np.uint8), Growing(np.uint8)]
                self.group_rows = np.zeros((2, JACKKNIFE_GROUPS), np.int64)
        assert keyed == (self.groups is not None), "every chunk, or none, brings its unit keys"

    def merge(self, other: BinaryScores) -> None:
        if other.weighted is None:
            return
        self._mode(other.weighted, other.groups is not None)
        for label in (0, 1):
            self.classes[label].extend(other.classes[label].values())
            self.rows[label] += other.rows[label]
            self.weight[label] += other.weight[label]
        _merge_groups(self, other)

    @property
    def kept(self) -> int:
        return sum(c.size for c in self.classes) * (2 if self.weighted else 1)

    def copies(self) -> tuple[NDArray[Any], NDArray[Any]]:
        """The positives' and the negatives' kept values (views, sorted in place later)."""
        return self.classes[1].values(), self.classes[0].values()

    def splits(self) -> tuple[Split, Split]:
        """The positives' and the negatives' values in group order and sorted
        (:func:`~losscli.losses._ranking_jackknife.split`: the kept values are reordered
        in place, each beside its group)."""
        assert self.groups is not None
        (pos, neg), (pos_groups, neg_groups) = (
            self.copies(),
            (self.groups[1].values(), self.groups[0].values()),
        )
        scale = scale_of(pos, neg)
        return split(pos, pos_groups, JACKKNIFE_GROUPS, scale), split(
            neg, neg_groups, JACKKNIFE_GROUPS, scale
        )


class ClassScores:
    """Each label's rows of K scores (flattened) and, when weighted, their weights."""

    def __init__(self, from_logits: bool) -> None:
        self.from_logits = from_logits
        self.k = 0
        self.weighted: bool | None = None
        self.scores: list[Growing] = []
        self.weights: list[Growing] = []
        self.rows: list[int] = []
        self.weight: list[float] = []
        self.off_rows = 0  # rows whose scores do not sum to 1 (probabilities only)
        self.groups: list[Growing] | None = None  # each label's kept rows' jackknife groups (--ci)
        self.group_rows: NDArray[np.int64] | None = None  # (K, G): each label's rows in each group

    def _start(self, k: int, weighted: bool, keyed: bool) -> None:
        if self.weighted is None:
            self.k, self.weighted = k, weighted
            self.scores = [Growing() for _ in range(k)]
            self.weights = [Growing() for _ in range(k)] if weighted else []
            self.rows, self.weight = [0] * k, [0.0] * k
            if keyed:
                self.groups = [Growing(np.uint8) for _ in range(k)]
                self.group_rows = np.zeros((k, JACKKNIFE_GROUPS), np.int64)
        assert keyed == (self.groups is not None), "every chunk, or none, brings its unit keys"

    def update(self, y: NDArray[np.int64], s: F64, w: F64 | None, groups: U8 | None = None) -> None:
        self._start(s.shape[1], w is not None, groups is not None)
        if self.from_logits:
            s = softmax(s)
        else:
            self.off_rows += int(np.count_nonzero(np.abs(s.sum(axis=1) - 1.0) > ROW_SUM_TOL))
        for label in range(self.k):
            mask = y == label
            self.rows[label] += int(np.count_nonzero(mask))
            rows = s[mask]
            kept = None
            if w is None:
                self.weight[label] += float(rows.shape[0])
            else:
                weights = w[mask]
                self.weight[label] += float(weights.sum())
                kept = weights > 0
                rows = rows[kept]
                self.weights[label].extend(weights[kept])
            self.scores[label].extend(rows.reshape(-1))
            if groups is not None:
                _add_groups(self, label, groups[mask], kept)

    def merge(self, other: ClassScores) -> None:
        if other.weighted is None:
            return
        self._start(other.k, other.weighted, other.groups is not None)
        for label in range(self.k):
            self.scores[label].extend(other.scores[label].values())
            if other.weighted:
                self.weights[label].extend(other.weights[label].values())
            self.rows[label] += other.rows[label]
            self.weight[label] += other.weight[label]
        self.off_rows += other.off_rows
        _merge_groups(self, other)

    @property
    def kept(self) -> int:
        return sum(g.size for g in self.scores) + sum(g.size for g in self.weights)

    def column(self, c: int, labels: list[int]) -> NDArray[Any]:
        """Column c's scores of the rows labelled ``labels`` (complex score + i·weight when weighted)."""
        parts = []
        for label in labels:
            rows = self.scores[label].values().reshape(-1, self.k)
            scores = rows[:, c]
            parts.append(_packed(scores, self.weights[label].values()) if self.weighted else scores)
        return np.concatenate(parts) if parts else np.empty(0)

    def split(self, c: int, positive: int, negatives: list[int]) -> tuple[Split, Split]:
        """Column c's values of the rows labelled ``positive`` and ``negatives``, each
        class in group order and sorted (copies)."""
        assert self.groups is not None
        pos, neg = self.column(c, [positive]), self.column(c, negatives)
        pos_groups = self.groups[positive].values().copy()
        neg_groups = np.concatenate([self.groups[label].values() for label in negatives])
        scale = scale_of(pos, neg)
        return split(pos, pos_groups, JACKKNIFE_GROUPS, scale), split(
            neg, neg_groups, JACKKNIFE_GROUPS, scale
        )


def _add_groups(
    store: BinaryScores | ClassScores, label: int, groups: U8, kept: NDArray[np.bool_] | None
) -> None:
    """Count a label's rows per group (weight 0 included) and keep the kept rows' groups."""
    assert store.groups is not None and store.group_rows is not None
    store.group_rows[label] += np.bincount(groups, minlength=JACKKNIFE_GROUPS)
    store.groups[label].extend(groups if kept is None else groups[kept])


def _merge_groups(store: BinaryScores | ClassScores, other: BinaryScores | ClassScores) -> None:
    if store.groups is None or other.groups is None:
        return
    assert store.group_rows is not None and other.group_rows is not None
    for mine, theirs in zip(store.groups, other.groups, strict=True):
        mine.extend(theirs.values())
    store.group_rows += other.group_rows


def _packed(scores: F64, weights: F64) -> NDArray[np.complex128]:
    """score + i·weight (complex numbers sort by real part, then imaginary)."""
    out = np.empty(scores.shape[0], np.complex128)
    out.real, out.imag = scores, weights
    return out


class RankingSummary(ABC):
    """A ranking metric's summary: binary, or one vs rest / one vs one over K classes."""

    name = ""  # the loss's name, for messages
    what = ""  # the metric, for messages

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = dict(params)
        self.multi: str | None = params.get("multi_class")
        self.average: str = params.get("average") or "macro"
        self.max_fpr: float | None = params.get("max_fpr")
        self._check()
        self.binary = BinaryScores() if self.multi is None else None
        self.classes = ClassScores(bool(params.get("from_logits"))) if self.multi is not None else None
        self._cache: tuple[float, dict[str, Any], tuple[str, str] | None] | None = None
        self._left: F64 | None = None  # the value with each group of units left out (NaN: empty)
        self._left_why = ""  # why some group's left-out value is undefined ("" when none is)

    def _check(self) -> None:
        if self.multi is None and self.average != "macro":
            raise UsageError(
                f"{self.name}: {param('average')} averages over classes; binary labels have one AUC",
                f"give {param('multi_class', 'ovr')} for K score columns, or drop {param('average')}",
            )
        if self.multi is not None and self.max_fpr is not None:
            raise UsageError(
                f"{self.name}: {param('max_fpr')} (partial AUC) is for binary labels; "
                "scikit-learn has no multiclass partial AUC either",
                f"drop {param('max_fpr')} or {param('multi_class')}",
            )

    # -- the summary protocol (losscli.accumulate.summary)

    def update(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> None:
        self._cache = None
        y, s = inputs["y_true"], inputs["y_pred"]
        units = inputs.get(UNITS)
        groups = None if units is None else buckets_of_units(units, JACKKNIFE_GROUPS).astype(np.uint8)
        if self.binary is not None:
            self.binary.update(y, s, weights, groups)
        else:
            assert self.classes is not None
            if weights is not None and self.multi == "ovo":
                raise UsageError(
                    f"{self.name} {param('multi_class', 'ovo')} takes no "
                    f"{spelled('weight')}: scikit-learn's one-vs-one AUC (Hand & Till) has no weighted form",
                    f"use {param('multi_class', 'ovr')} for weighted rows, or drop {spelled('weight')}",
                )
            self.classes.update(y, s, weights, groups)
        self._limit()

    def merge(self, other: RankingSummary) -> None:
        self._cache = None
        if self.binary is not None and other.binary is not None:
            self.binary.merge(other.binary)
        elif self.classes is not None and other.classes is not None:
            self.classes.merge(other.classes)
        self._limit()

    def value(self) -> float:
        return self._computed()[0]

    def details(self) -> dict[str, Any]:
        return self._computed()[1]

    def undefined(self) -> tuple[str, str] | None:
        """Why there is no value for these rows (and what to do), or None."""
        return self._computed()[2]

    def left_out(self) -> F64:
        """The value with each of the JACKKNIFE_GROUPS groups of units left out (NaN for a
        group without rows), computed with the value; raises NoInterval when the units
        were not kept or a group's left-out value is undefined (it held a class's rows)."""
        self._computed()
        if self._left is None:
            raise NoInterval(f"{self.name} kept no unit groups (the rows' units were not given)")
        if self._left_why:
            raise NoInterval(self._left_why)
        return self._left

    def bounds(self) -> tuple[float, float]:
        """The value's range: an AUC, a partial AUC (McClish) and an average precision lie in [0, 1]."""
        return 0.0, 1.0

    def warnings(self) -> list[str]:
        off = self.classes.off_rows if self.classes is not None else 0
        if not off:
            return []
        return [
            f"{self.name}: the class scores of {off:,} rows do not sum to 1 (within {ROW_SUM_TOL:g}); each "
            "class column is ranked as given (scikit-learn accepts only probabilities that sum to 1; "
            f"for logits give {param('from_logits', boolean=True)})"
        ]

    # -- the computation

    def _limit(self) -> None:
        store = self.binary if self.binary is not None else self.classes
        assert store is not None
        if store.kept > MAX_VALUES:
            raise DataError(
                f"{self.name} is exact, so it keeps every score, and this input needs more than the "
                f"limit of {describe_limit()}",
                "evaluate a sample of the rows, or fewer rows per run",
            )

    def _computed(self) -> tuple[float, dict[str, Any], tuple[str, str] | None]:
        if self._cache is None:
            self._left, self._left_why = None, ""
            self._cache = self._binary() if self.binary is not None else self._multiclass()
        return self._cache

    @abstractmethod
    def metric(self, pos: Ranked, neg: Ranked) -> float:
        """The metric of the ranked positives ``pos`` against the negatives ``neg``."""

    @abstractmethod
    def metric_left_out(self, pos: Split, neg: Split) -> F64:
        """The metric with each group left out (NaN where a class is left without weight)."""

    def needs_negatives(self) -> bool:
        return True

    def _keep_left(self, left: F64, undefined: NDArray[np.bool_], rows: NDArray[np.int64]) -> None:
        """The left-out values (NaN for the groups of no ``rows``); ``undefined``: groups
        whose left-out value does not exist although they have rows."""
        empty = rows == 0
        left[empty] = np.nan
        bad = int(np.count_nonzero(undefined & ~empty))
        self._left = left
        if bad:
            self._left_why = (
                f"{self.what} is undefined with one group of units left out, for {bad} of the "
                f"{int(np.count_nonzero(~empty))} groups: leaving it out leaves no rows (with weight) of a "
                f"class; an interval needs each class's rows in at least two of the {JACKKNIFE_GROUPS} groups "
                f"of units (rows, {spelled('ci_block')} blocks or {spelled('id')} values)"
            )

    def _binary(self) -> tuple[float, dict[str, Any], tuple[str, str] | None]:
        store = self.binary
        assert store is not None
        details: dict[str, Any] = {"positives": store.rows[1], "negatives": store.rows[0]}
        why = self._binary_undefined(store)
        if why is not None:
            return float("nan"), details, why
        splits = store.splits() if store.groups is not None else None
        pos, neg = ranked(*store.copies()) if splits is None else (splits[0].whole, splits[1].whole)
        if store.weighted:
            details |= {"positive_weight": pos.weight, "negative_weight": neg.weight}
        value = self.metric(pos, neg)
        if splits is not None:
            assert store.group_rows is not None
            left = self.metric_left_out(*splits)
            self._keep_left(left, np.isnan(left), store.group_rows.sum(axis=0))
        return value, details, None

    def _binary_undefined(self, store: BinaryScores) -> tuple[str, str] | None:
        n0, n1 = store.rows
        counted = f"{n1:,} positive and {n0:,} negative labels"
        fix = f"check the label column and which label is positive ({spelled('positive', 'LABEL', placeholder=True)})"
        if n1 == 0 or (n0 == 0 and self.needs_negatives()):
            return f"{self.what} is undefined: the rows hold one class only ({counted})", fix
        if store.weight[1] <= 0 or (store.weight[0] <= 0 and self.needs_negatives()):
            which = "positives'" if store.weight[1] <= 0 else "negatives'"
            return (
                f"{self.what} is undefined: the {which} weights sum to 0 ({counted})",
                "check the weight column",
            )
        return None

    def _multiclass(self) -> tuple[float, dict[str, Any], tuple[str, str] | None]:
        store = self.classes
        assert store is not None
        absent = [c for c in range(store.k) if store.rows[c] == 0]
        if absent:
            shown = ", ".join(f"#{c}" for c in absent[:8])
            return (
                float("nan"),
                {},
                (
                    f"{self.what} is undefined: class {shown} (counting score columns from 0) has no rows, "
                    f"so its one-vs-{'rest' if self.multi == 'ovr' else 'one'} score is undefined "
                    "(scikit-learn refuses such labels too)",
                    "evaluate rows of every class, or drop the score columns of absent classes",
                ),
            )
        if self.multi == "ovo":
            return self._one_vs_one(store)
        return self._one_vs_rest(store)

    def _one_vs_rest(self, store: ClassScores) -> tuple[float, dict[str, Any], tuple[str, str] | None]:
        values: list[float | None] = []
        supports: list[float] = []  # each class's weight (rows), from its sorted scores: chunking-proof
        everyone = list(range(store.k))
        left = _Classes(store.k) if store.groups is not None else None
        for c in everyone:
            positive_weight = store.weight[c]
            rest = sum(store.weight) - positive_weight  # compared with 0 only
            if positive_weight <= 0 and self.average == "weighted":
                values.append(None)  # no weight in the average (scikit-learn: 0 × weight 0)
                supports.append(0.0)
                continue
            if positive_weight <= 0 or (rest <= 0 and self.needs_negatives()):
                whose = (
                    f"class #{c}'s rows"
                    if positive_weight <= 0
                    else f"the rows of the classes other than #{c}"
                )
                return (
                    float("nan"),
                    {},
                    (
                        f"{self.what} is undefined: {whose} have weights summing to 0",
                        "check the weight column",
                    ),
                )
            others = [k for k in everyone if k != c]
            if left is None:
                pos, neg = ranked(store.column(c, [c]), store.column(c, others))
            else:
                splits = store.split(c, c, others)
                pos, neg = splits[0].whole, splits[1].whole
                left.add(c, self.metric_left_out(*splits), splits[0])
            values.append(self.metric(pos, neg))
            supports.append(pos.weight)
        scored = [(v, w) for v, w in zip(values, supports, strict=True) if v is not None]
        value = self._average([v for v, _ in scored], [w for _, w in scored])
        if left is not None:
            self._keep_ovr(store, left)
        rows = [
            {"class": c, "rows": store.rows[c], "value": v} for c, v in zip(everyone, values, strict=True)
        ]
        return value, {"one_vs_rest": rows}, None

    def _average(self, values: list[float], supports: list[float]) -> float:
        """The classes' macro mean, or their mean weighted by ``supports`` (0 without weight)."""
        if self.average == "weighted":
            total = sum(supports)
            return sum(v * w for v, w in zip(values, supports, strict=True)) / total if total > 0 else 0.0
        return sum(values) / len(values)

    def _keep_ovr(self, store: ClassScores, left: _Classes) -> None:
        """Each group's left-out one-vs-rest average, by the rules of the value: a class
        left without rows is undefined; without positive weight, left out of a weighted
        average and undefined in a macro one."""
        assert store.group_rows is not None
        remaining = np.asarray(store.rows)[:, None] - store.group_rows  # (K, G) rows outside each group
        out = np.full(JACKKNIFE_GROUPS, np.nan)
        undefined = np.zeros(JACKKNIFE_GROUPS, dtype=bool)
        for g in range(JACKKNIFE_GROUPS):
            used = [c for c in left.scored if left.kept[c, g] or self.average != "weighted"]
            if (remaining[:, g] == 0).any() or any(
                not left.kept[c, g] or np.isnan(left.values[c, g]) for c in used
            ):
                undefined[g] = True
                continue
            out[g] = self._average([left.values[c, g] for c in used], [left.supports[c, g] for c in used])
        self._keep_left(out, undefined, store.group_rows.sum(axis=0))

    def _one_vs_one(self, store: ClassScores) -> tuple[float, dict[str, Any], tuple[str, str] | None]:
        n = sum(store.rows)
        pairs = []
        lefts: list[F64] = []  # each pair's value with each group left out
        for a, b in combinations(range(store.k), 2):
            if store.groups is None:
                a_vs_b = self.metric(*ranked(store.column(a, [a]), store.column(a, [b])))
                b_vs_a = self.metric(*ranked(store.column(b, [b]), store.column(b, [a])))
            else:
                one, other = store.split(a, a, [b]), store.split(b, b, [a])
                a_vs_b, b_vs_a = (
                    self.metric(one[0].whole, one[1].whole),
                    self.metric(other[0].whole, other[1].whole),
                )
                lefts.append((self.metric_left_out(*one) + self.metric_left_out(*other)) / 2)
            pairs.append(((a, b), (a_vs_b + b_vs_a) / 2, (store.rows[a] + store.rows[b]) / n))
        if self.average == "weighted":
            value = float(np.average([p[1] for p in pairs], weights=[p[2] for p in pairs]))
        else:
            value = float(np.mean([p[1] for p in pairs]))
        if store.groups is not None:
            self._keep_ovo(store, [ab for ab, _, _ in pairs], np.array(lefts))
        rows = [{"classes": [a, b], "value": v} for (a, b), v, _ in pairs]
        return value, {"one_vs_one": rows}, None

    def _keep_ovo(self, store: ClassScores, pairs: list[tuple[int, int]], lefts: F64) -> None:
        """Each group's left-out one-vs-one average (pairs weighted by their rows left)."""
        assert store.group_rows is not None
        remaining = np.asarray(store.rows)[:, None] - store.group_rows  # (K, G)
        undefined = (remaining == 0).any(axis=0) | np.isnan(lefts).any(axis=0)
        out = np.full(JACKKNIFE_GROUPS, np.nan)
        for g in np.flatnonzero(~undefined):
            if self.average == "weighted":
                prevalence = [(remaining[a, g] + remaining[b, g]) / remaining[:, g].sum() for a, b in pairs]
                out[g] = float(np.average(lefts[:, g], weights=prevalence))
            else:
                out[g] = float(np.mean(lefts[:, g]))
        self._keep_left(out, undefined, store.group_rows.sum(axis=0))


class _Classes:
    """One-vs-rest classes' left-out values (K × G), positive weights left and whether
    a positive with weight is left; ``scored``: the classes in the average."""

    def __init__(self, k: int) -> None:
        self.values = np.full((k, JACKKNIFE_GROUPS), np.nan)
        self.supports = np.zeros((k, JACKKNIFE_GROUPS))
        self.kept = np.zeros((k, JACKKNIFE_GROUPS), dtype=bool)
        self.scored: list[int] = []

    def add(self, c: int, values: F64, positives: Split) -> None:
        whole = positives.whole
        self.values[c] = values
        self.supports[c] = [(whole.total - part.total) / whole.scale for part in positives.parts]
        self.kept[c] = [positives.kept(g) > 0 for g in range(JACKKNIFE_GROUPS)]
        self.scored.append(c)


class RocAuc(RankingSummary):
    """ROC-AUC (scikit-learn ``roc_auc_score``): binary, one vs rest or one vs one."""

    name = "roc-auc"
    what = "ROC-AUC"

    def metric(self, pos: Ranked, neg: Ranked) -> float:
        return roc_auc(pos, neg, self.max_fpr)

    def metric_left_out(self, pos: Split, neg: Split) -> F64:
        """The full AUC by its pair sums (O(n log n)); the partial AUC recomputed per group."""
        if self.max_fpr is None or self.max_fpr >= 1.0:
            return auc_left_out(pos, neg)
        return recomputed_left_out(pos, neg, self.metric, needs_negatives=True)


class PrAuc(RankingSummary):
    """Average precision (scikit-learn ``average_precision_score``): binary or one vs rest."""

    name = "pr-auc"
    what = "average precision"

    def metric(self, pos: Ranked, neg: Ranked) -> float:
        return average_precision(pos, neg)

    def metric_left_out(self, pos: Split, neg: Split) -> F64:
        """From the whole's counts less each group's (O(G · n))."""
        return ap_left_out(pos, neg)

    def needs_negatives(self) -> bool:
        return False  # no negatives: every threshold's precision is 1
