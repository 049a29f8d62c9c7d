"""The per-sample kernel of the thresholded classification metrics (accuracy, F1, MCC …):
ℓ = 1 when a row's predicted class is not its label, else 0.

The predicted class is ``1[p ≥ t]`` for one score column (zero-one's rule: t = 0.5 on
probabilities, 0 on logits, a score equal to t is positive) and the column of the
highest score for K class columns (ties: the first such column, as ``numpy.argmax``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.losses._binary_kernels import predicted_positive

F64 = NDArray[np.float64]


def predicted_class(
    y_pred: F64, threshold: float | None = None, from_logits: bool = False
) -> NDArray[np.int64]:
    """ŷ: ``1[p ≥ t]`` for one score column (n,), ``argmax_c s_c`` for K columns (n, K)."""
    if y_pred.ndim == 2:
        out: NDArray[np.int64] = np.argmax(y_pred, axis=1).astype(np.int64)
    else:
        out = predicted_positive(y_pred, threshold, from_logits).astype(np.int64)
    return out


def misclassified(
    y_true: Any, y_pred: F64, *, threshold: float | None = None, from_logits: bool = False, **value: Any
) -> F64:
    """ℓ = 1[ŷ ≠ y] (:func:`predicted_class`); y is 0/1 (binary) or a class index.
    ``value``: the parameters of the reported value (average, beta, zero_division,
    adjusted), which do not change ℓ."""
    truth = np.asarray(y_true).astype(np.int64)
    out: F64 = (predicted_class(y_pred, threshold, from_logits) != truth).astype(np.float64)
    return out
