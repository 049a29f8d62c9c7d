"""The mergeable summaries of ``roc-auc`` and ``pr-auc`` (losscli.accumulate.summary).

Exact ranks need every score, so a summary keeps them: binary, the positives' and the
negatives' scores (8 bytes a row; 16 with weights, score + i·weight); multiclass, each
row's K scores (and weight) under its label. Rows of weight 0 are not kept (they change
nothing, as scikit-learn drops them) but are counted. Merging appends; the value sorts
and counts (:mod:`losscli.losses._ranking_kernels`). One summary keeps at most
:data:`MAX_VALUES` numbers: past that it refuses (exit 2), never approximates.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.errors import DataError, UsageError
from losscli.losses._ranking_buffer import Growing
from losscli.losses._ranking_kernels import Ranked, average_precision, ranked, roc_auc, softmax
from losscli.options import spelled
from losscli.spelling import param

F64 = NDArray[np.float64]
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

    def update(self, y: F64, s: F64, w: F64 | None) -> None:
        self._mode(w is not None)
        positive = y == 1.0
        for label, mask in ((0, ~positive), (1, positive)):
            scores = s[mask]
            self.rows[label] += int(scores.size)
            if w is None:
                self.weight[label] += float(scores.size)
                self.classes[label].extend(scores)
            else:
                weights = w[mask]
                kept = weights > 0
                self.weight[label] += float(weights.sum())
                self.classes[label].extend(_packed(scores[kept], weights[kept]))

    def _mode(self, weighted: bool) -> None:
        if self.weighted is None:
            self.weighted = weighted
            if weighted:
                self.classes = [Growing(np.complex128), Growing(np.complex128)]

    def merge(self, other: BinaryScores) -> None:
        if other.weighted is None:
            return
        self._mode(other.weighted)
        for label in (0, 1):
            self.classes[label].extend(other.classes[label].values())
            self.rows[label] += other.rows[label]
            self.weight[label] += other.weight[label]

    @property
    def kept(self) -> int:
        return sum(c.size for c in self.classes) * (2 if self.weighted else 1)

    def copies(self) -> tuple[NDArray[Any], NDArray[Any]]:
        """The positives' and the negatives' kept values (views, sorted in place later)."""
        return self.classes[1].values(), self.classes[0].values()


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

    def _start(self, k: int, weighted: bool) -> None:
        if self.weighted is None:
            self.k, self.weighted = k, weighted
            self.scores = [Growing() for _ in range(k)]
            self.weights = [Growing() for _ in range(k)] if weighted else []
            self.rows, self.weight = [0] * k, [0.0] * k

    def update(self, y: NDArray[np.int64], s: F64, w: F64 | None) -> None:
        self._start(s.shape[1], w is not None)
        if self.from_logits:
            s = softmax(s)
        else:
            self.off_rows += int(np.count_nonzero(np.abs(s.sum(axis=1) - 1.0) > ROW_SUM_TOL))
        for label in range(self.k):
            mask = y == label
            self.rows[label] += int(np.count_nonzero(mask))
            rows = s[mask]
            if w is None:
                self.weight[label] += float(rows.shape[0])
            else:
                weights = w[mask]
                self.weight[label] += float(weights.sum())
                kept = weights > 0
                rows = rows[kept]
                self.weights[label].extend(weights[kept])
            self.scores[label].extend(rows.reshape(-1))

    def merge(self, other: ClassScores) -> None:
        if other.weighted is None:
            return
        self._start(other.k, other.weighted)
        for label in range(self.k):
            self.scores[label].extend(other.scores[label].values())
            if other.weighted:
                self.weights[label].extend(other.weights[label].values())
            self.rows[label] += other.rows[label]
            self.weight[label] += other.weight[label]
        self.off_rows += other.off_rows

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
        if self.binary is not None:
            self.binary.update(y, s, weights)
        else:
            assert self.classes is not None
            if weights is not None and self.multi == "ovo":
                raise UsageError(
                    f"{self.name} {param('multi_class', 'ovo')} takes no "
                    f"{spelled('weight')}: scikit-learn's one-vs-one AUC (Hand & Till) has no weighted form",
                    f"use {param('multi_class', 'ovr')} for weighted rows, or drop {spelled('weight')}",
                )
            self.classes.update(y, s, weights)
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
            self._cache = self._binary() if self.binary is not None else self._multiclass()
        return self._cache

    @abstractmethod
    def metric(self, pos: Ranked, neg: Ranked) -> float:
        """The metric of the ranked positives ``pos`` against the negatives ``neg``."""

    def needs_negatives(self) -> bool:
        return True

    def _binary(self) -> tuple[float, dict[str, Any], tuple[str, str] | None]:
        store = self.binary
        assert store is not None
        details: dict[str, Any] = {"positives": store.rows[1], "negatives": store.rows[0]}
        why = self._binary_undefined(store)
        if why is not None:
            return float("nan"), details, why
        pos, neg = ranked(*store.copies())
        if store.weighted:
            details |= {"positive_weight": pos.weight, "negative_weight": neg.weight}
        return self.metric(pos, neg), details, None

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
            pos, neg = ranked(store.column(c, [c]), store.column(c, others))
            values.append(self.metric(pos, neg))
            supports.append(pos.weight)
        scored = [(v, w) for v, w in zip(values, supports, strict=True) if v is not None]
        if self.average == "weighted":
            total = sum(w for _, w in scored)
            value = sum(v * w for v, w in scored) / total if total > 0 else 0.0
        else:
            value = sum(v for v, _ in scored) / len(scored)
        rows = [
            {"class": c, "rows": store.rows[c], "value": v} for c, v in zip(everyone, values, strict=True)
        ]
        return value, {"one_vs_rest": rows}, None

    def _one_vs_one(self, store: ClassScores) -> tuple[float, dict[str, Any], tuple[str, str] | None]:
        n = sum(store.rows)
        pairs = []
        for a, b in combinations(range(store.k), 2):
            a_vs_b = self.metric(*ranked(store.column(a, [a]), store.column(a, [b])))
            b_vs_a = self.metric(*ranked(store.column(b, [b]), store.column(b, [a])))
            pairs.append(((a, b), (a_vs_b + b_vs_a) / 2, (store.rows[a] + store.rows[b]) / n))
        if self.average == "weighted":
            value = float(np.average([p[1] for p in pairs], weights=[p[2] for p in pairs]))
        else:
            value = float(np.mean([p[1] for p in pairs]))
        rows = [{"classes": [a, b], "value": v} for (a, b), v, _ in pairs]
        return value, {"one_vs_one": rows}, None


class RocAuc(RankingSummary):
    """ROC-AUC (scikit-learn ``roc_auc_score``): binary, one vs rest or one vs one."""

    name = "roc-auc"
    what = "ROC-AUC"

    def metric(self, pos: Ranked, neg: Ranked) -> float:
        return roc_auc(pos, neg, self.max_fpr)


class PrAuc(RankingSummary):
    """Average precision (scikit-learn ``average_precision_score``): binary or one vs rest."""

    name = "pr-auc"
    what = "average precision"

    def metric(self, pos: Ranked, neg: Ranked) -> float:
        return average_precision(pos, neg)

    def needs_negatives(self) -> bool:
        return False  # no negatives: every threshold's precision is 1
