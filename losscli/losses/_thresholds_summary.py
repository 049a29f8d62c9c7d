"""The confusion matrix of the thresholded classification metrics: a mergeable summary
(:mod:`losscli.accumulate.summary`) whose value is one metric of the matrix.

C[t, p] = Σw over the rows whose true class is t and predicted class p (the predicted
class: :func:`~losscli.losses._thresholds_kernels.predicted_class`). Cells are keyed by
the class labels (0 and 1 for one score column, the class names for K class columns),
so chunks, ``--by`` groups and Dask partitions merge whatever classes each of them saw;
a weighted cell is an exact block sum of its rows' weights, so any chunking gives the
same bits. Each class's row count is kept too: a class averaged over is one that occurs
as some row's label or prediction, as scikit-learn's ``unique_labels`` decides (a row of
weight 0 counts).

``--ci`` and ``compare`` (``LossSpec.interval = "sums"``): every metric is a function of
the matrix's margins — per class c, TP_c, predicted_c and true_c — so a row's statistics
are its weight in the three cells it adds to (its true class's TP when it is right, its
predicted class's predicted, its true class's true): 3K columns, summed per bootstrap
unit. A resample's value is the same metric function (:mod:`._thresholds_metrics`) of the
resampled margins, averaged over the classes the whole data averages over.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.sketch import BlockSum
from losscli.accumulate.summary import CLASSES
from losscli.errors import UsageError
from losscli.losses._thresholds_kernels import predicted_class
from losscli.losses._thresholds_metrics import (
    MODIFIER,
    Margins,
    Scored,
    accuracy,
    averaged,
    averaged_classes,
    averaged_values,
    balanced_accuracy,
    balanced_values,
    mcc,
    mcc_values,
)
from losscli.neutralise import cut
from losscli.spelling import in_python, param

F64 = NDArray[np.float64]
Label = int | str
Cell = tuple[Label, Label]
SHOWN = 6  # classes named in a warning
FEW_CELLS = 16  # up to this many cells in a chunk, each cell's weights are picked by a mask


class ConfusionSummary(ABC):
    """The (weighted) confusion matrix of one run, group or partition; subclasses say
    which metric of it is the value (:meth:`scored`)."""

    loss: ClassVar[str] = ""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = dict(params)
        classes = params.get(CLASSES)
        self.multiclass = classes is not None
        self.labels: list[Label] = [0, 1] if classes is None else [str(c) for c in classes]
        self.counts: dict[Cell, int] = {}  # rows per cell, weighted or not
        self.plain: dict[Cell, int] = {}  # rows per cell added without weights (each weighs 1)
        self.sums: dict[Cell, BlockSum] = {}  # Σw per cell of the rows added with weights
        # --ci: a row's statistics, its weight in TP_c, predicted_c and true_c of each class c
        # (the classes as the parameters give them: every part of a run has the same)
        self.width = 3 * len(self.labels)
        self._refuse_unusable()

    # ------------------------------------------------------------------ set-up --
    def _refuse_unusable(self) -> None:
        """Parameters that cannot apply, refused before any row is read."""
        name = self._name()
        if self.multiclass and self.params.get("threshold") is not None:
            raise UsageError(
                f"{name}: {param('threshold')} cuts one score column; with {len(self.labels)} class "
                "columns the predicted class is the one with the highest score",
                f"drop {param('threshold')}, or give one score column",
            )
        if self.multiclass and self.params.get("average") == "binary" and len(self.labels) > 2:
            average = param("average", "macro")
            raise UsageError(
                f"{name}: {len(self.labels)} class columns, so the default average (binary: "
                "the positive class alone) does not apply",
                f"choose how to average over the classes: {average}, micro or weighted",
            )

    def _name(self) -> str:
        from losscli.losses.registry import get_loss

        return get_loss(self.loss).named(self.params)

    # -------------------------------------------------------------- the summary --
    def _classes_of(self, inputs: Mapping[str, Any]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Each row's true and predicted class (indices into :attr:`labels`)."""
        truth = np.asarray(inputs["y_true"]).astype(np.int64)
        guess = predicted_class(
            inputs["y_pred"], self.params.get("threshold"), bool(self.params.get("from_logits"))
        )
        return truth, guess

    def update(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> None:
        """Count each row into its (true, predicted) cell."""
        k = len(self.labels)
        truth, guess = self._classes_of(inputs)
        cell = truth * k + guess
        counts = np.bincount(cell, minlength=k * k)
        found = np.flatnonzero(counts)
        for index, n in zip(found.tolist(), counts[found].tolist(), strict=True):
            key = self._cell(index)
            self.counts[key] = self.counts.get(key, 0) + n
            if weights is None:
                self.plain[key] = self.plain.get(key, 0) + n
        if weights is None:
            return
        # each cell's weights in row order, so its block sum has the same bits for any chunking
        if found.size <= FEW_CELLS:  # a mask per cell is cheaper than sorting the chunk
            for index in found.tolist():
                self._add(index, weights[cell == index])
            return
        order = np.argsort(cell, kind="stable")
        ordered, by_cell = cell[order], weights[order]
        starts = np.flatnonzero(np.diff(ordered, prepend=-1))
        ends = [*starts[1:].tolist(), ordered.size]
        for start, end in zip(starts.tolist(), ends, strict=True):
            self._add(int(ordered[start]), by_cell[start:end])

    def _add(self, index: int, weights: F64) -> None:
        self.sums.setdefault(self._cell(index), BlockSum()).add(weights)

    def _cell(self, index: int) -> Cell:
        k = len(self.labels)
        return self.labels[index // k], self.labels[index % k]

    def merge(self, other: ConfusionSummary) -> None:
        """Fold in another part's matrix, cell by cell by class label."""
        self.labels += [label for label in other.labels if label not in self.labels]
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, n in other.plain.items():
            self.plain[key] = self.plain.get(key, 0) + n
        for key, total in other.sums.items():
            if key in self.sums:
                self.sums[key].merge(total)
            else:
                self.sums[key] = total

    def matrix(self) -> tuple[F64, NDArray[np.bool_]]:
        """C (K × K: rows true class, columns predicted class, in :attr:`labels` order)
        and which classes occur as some row's label or prediction."""
        k = len(self.labels)
        at = {label: i for i, label in enumerate(self.labels)}
        c = np.zeros((k, k))
        rows = np.zeros((k, k), dtype=np.int64)
        for (t, p), n in self.counts.items():
            rows[at[t], at[p]] = n
        for (t, p), n in self.plain.items():
            c[at[t], at[p]] += n
        for (t, p), total in self.sums.items():
            c[at[t], at[p]] += total.value
        present = (rows.sum(axis=0) + rows.sum(axis=1)) > 0
        return c, present

    @property
    def weighted(self) -> bool:
        return bool(self.sums)

    # ------------------------------------------------------------------- value --
    @abstractmethod
    def scored(self, m: Margins, present: NDArray[np.bool_]) -> Scored:
        """The metric of one matrix's margins ``m`` over the classes ``present``, with
        its per-class scores."""

    @abstractmethod
    def values(self, m: Margins, present: NDArray[np.bool_]) -> F64:
        """The metric of each matrix whose margins ``m`` has (leading axes), over the
        classes ``present``: the function :meth:`scored` takes its value from."""

    def score(self) -> Scored | None:
        """The metric of C / ΣC (each metric is scale-free, and weights near float64's
        limits then neither overflow nor underflow: n² in MCC); None without weight."""
        c, present = self.matrix()
        total = float(c.sum())
        return self.scored(Margins.of(c / total), present) if 0 < total < math.inf else None

    # ------------------------------------------------------ --ci and compare --
    def unit_columns(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> list[F64 | None]:
        """Each row's weight w in the margins it adds to: TP of its true class when it is
        classified right, predicted of its predicted class, true of its true class (3K
        columns: TP_1 … TP_K, predicted_1 …, true_1 …; 0 elsewhere)."""
        k = len(self.labels)
        truth, guess = self._classes_of(inputs)
        n = truth.size
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        rows = np.arange(n)
        out = np.zeros((3, k, n))
        out[0, truth, rows] = np.where(truth == guess, w, 0.0)
        out[1, guess, rows] = w
        out[2, truth, rows] = w
        return list(out.reshape(3 * k, n))

    def resampled(self, sums: F64) -> F64:
        """The metric of each row of summed statistics (B × 3K: resampled margins), over
        the classes the whole data averages over."""
        k = self.width // 3
        assert sums.shape[1] == 3 * k == 3 * len(self.labels), "the classes changed after the first row"
        _, present = self.matrix()
        m = Margins(sums[:, :k], sums[:, k : 2 * k], sums[:, 2 * k :]).scaled()
        return self.values(m, present)

    def value(self) -> float:
        scored = self.score()
        return math.nan if scored is None else scored.value

    def undefined(self) -> tuple[str, str] | None:
        """Why these rows have no value (the run is then exit 2, never a NaN), and the fix."""
        scored = self.score()
        return None if scored is None or not math.isnan(scored.value) else self._why_undefined(scored)

    def _why_undefined(self, scored: Scored) -> tuple[str, str]:
        return "the value is undefined for these rows", "check the labels and predictions"

    def details(self) -> dict[str, Any]:
        """``confusion_matrix``: labels and the matrix (rows true, columns predicted, as
        scikit-learn's ``confusion_matrix``; counts, or weight sums with --weight), the
        threshold of one score column; ``per_class``: the classes a score was taken for,
        their scores (null where undefined) and their true weight (support)."""
        c, _ = self.matrix()
        cells: list[list[Any]] = c.tolist() if self.weighted else c.astype(np.int64).tolist()
        matrix: dict[str, Any] = {"labels": list(self.labels), "matrix": cells}
        if not self.multiclass:
            matrix["threshold"] = self._threshold()
        found: dict[str, Any] = {"confusion_matrix": matrix}
        if (scored := self.score()) is not None and scored.scores.size:
            support = c.sum(axis=1)[scored.classes]
            found["per_class"] = {
                "labels": [self.labels[i] for i in scored.classes.tolist()],
                "value": [None if math.isnan(x) else x for x in scored.scores.tolist()],
                "support": support.tolist() if self.weighted else support.astype(np.int64).tolist(),
            }
        return found

    def _threshold(self) -> float:
        given = self.params.get("threshold")
        return float(given) if given is not None else (0.0 if self.params.get("from_logits") else 0.5)

    def warnings(self) -> list[str]:
        return []

    def _classes(self, indices: NDArray[np.int64]) -> str:
        names = [cut(str(self.labels[i])) for i in indices.tolist()[:SHOWN]]
        more = ", …" if indices.size > SHOWN else ""
        return ", ".join(names) + more


class AccuracySummary(ConfusionSummary):
    """accuracy's matrix (its value is 1 − the mean of ℓ; this one, TP/n, agrees)."""

    loss = "accuracy"

    def scored(self, m: Margins, present: NDArray[np.bool_]) -> Scored:
        none = np.zeros(0, dtype=np.int64)
        return Scored(float(accuracy(m)), none, np.zeros(0), none)

    def values(self, m: Margins, present: NDArray[np.bool_]) -> F64:
        return accuracy(m)


class BalancedAccuracySummary(ConfusionSummary):
    """Balanced accuracy: the mean recall over the classes that are some row's label."""

    loss = "balanced-accuracy"

    def scored(self, m: Margins, present: NDArray[np.bool_]) -> Scored:
        return balanced_accuracy(m, present, bool(self.params.get("adjusted")))

    def values(self, m: Margins, present: NDArray[np.bool_]) -> F64:
        return balanced_values(m, np.flatnonzero(present), bool(self.params.get("adjusted")))[0]

    def warnings(self) -> list[str]:
        scored = self.score()
        if scored is None:
            return []
        found = []
        if scored.undefined.size:
            found.append(
                f"{self._name()}: {self._classes(scored.undefined)} predicted but never a label "
                "(no true weight): left out of the mean recall, as scikit-learn does "
                "('y_pred contains classes not in y_true')"
            )
        return found

    def _why_undefined(self, scored: Scored) -> tuple[str, str]:
        return (
            "adjusted balanced accuracy needs at least two classes among the labels (chance is 1/1)",
            f"drop {param('adjusted', boolean=True)}",
        )


class MccSummary(ConfusionSummary):
    """Matthews' correlation coefficient of the matrix."""

    loss = "mcc"

    def values(self, m: Margins, present: NDArray[np.bool_]) -> F64:
        return mcc_values(m)[0]

    def scored(self, m: Margins, present: NDArray[np.bool_]) -> Scored:
        value, undefined = mcc(m)
        none = np.zeros(0, dtype=np.int64)
        return Scored(value, none, np.zeros(0), np.flatnonzero(present) if undefined else none)

    def warnings(self) -> list[str]:
        scored = self.score()
        if scored is None or not scored.undefined.size:
            return []
        return [
            f"{self._name()}: undefined (every row has the same true class, or the same predicted "
            "class: 0/0); reported as 0.0, as scikit-learn does"
        ]


class RatioSummary(ConfusionSummary):
    """precision, recall, F_β: a ratio per class, averaged (``average``)."""

    metric: ClassVar[str] = ""

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.average = str(self.params.get("average", "binary"))
        self.zero_division = str(self.params.get("zero_division", "warn"))

    def beta(self) -> float:
        return 1.0

    def positive(self) -> int:
        """The positive class of ``average='binary'``: label 1 (the second class)."""
        return 1

    def scored(self, m: Margins, present: NDArray[np.bool_]) -> Scored:
        return averaged(
            m, present, self.metric, self.average, self.beta(), self.zero_division, self.positive()
        )

    def values(self, m: Margins, present: NDArray[np.bool_]) -> F64:
        classes = averaged_classes(present, self.average, self.positive())
        return averaged_values(m, classes, self.metric, self.average, self.beta(), self.zero_division)[0]

    def warnings(self) -> list[str]:
        """Scikit-learn's UndefinedMetricWarning (zero_division 'warn')."""
        scored = self.score()
        if scored is None or not scored.undefined.size or self.zero_division != "warn":
            return []
        choose = "zero_division='0', '1' or 'nan'" if in_python() else "--zero-division 0, 1 or nan"
        return [
            f"{self._name()}: {self._what()} is ill-defined for {self._where(scored)} "
            f"({self._why()}, so 0/0) and counts as 0.0, as scikit-learn's zero_division='warn' does; "
            f"{choose} chooses (and silences this)"
        ]

    def _why_undefined(self, scored: Scored) -> tuple[str, str]:
        """zero_division nan, and every class averaged is 0/0."""
        return (
            f"{self._what()} is 0/0 for {self._where(scored)} ({self._why()}) and "
            f"{param('zero_division', 'nan')} leaves it undefined",
            f"{param('zero_division', '0')} or 1 gives a number",
        )

    def _what(self) -> str:
        return "F-score" if self.metric == "f-score" else self.metric

    def _why(self) -> str:
        return f"no {MODIFIER[self.metric]} rows"

    def _where(self, scored: Scored) -> str:
        if self.average == "micro":
            return "the micro average"
        if self.average == "binary":
            return f"the positive class {self._classes(scored.undefined)}"
        n = scored.undefined.size
        return f"{n} class{'es' if n > 1 else ''} ({self._classes(scored.undefined)})"


class PrecisionSummary(RatioSummary):
    loss, metric = "precision", "precision"


class RecallSummary(RatioSummary):
    loss, metric = "recall", "recall"


class F1Summary(RatioSummary):
    loss, metric = "f1", "f-score"


class FBetaSummary(RatioSummary):
    loss, metric = "fbeta", "f-score"

    def beta(self) -> float:
        return float(self.params.get("beta", 1.0))
