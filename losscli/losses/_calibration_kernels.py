"""Calibration, row by row: each row's confidence c and outcome a, and the bin c falls in.

- binary (the positive class, as torchmetrics' ``BinaryCalibrationError`` and
  scikit-learn's ``calibration_curve``): c = p, a = y;
- multiclass, top-label (torchmetrics' ``MulticlassCalibrationError``): c = max_k p_k,
  a = 1[argmax_k p_k = y], ties going to the first class (NumPy's argmax).

Logits (``from_logits``) become probabilities first: σ(x), or softmax over the row.

Bins (edges e_0 = 0 < … < e_n = 1, or the confidences' quantiles):

- scikit-learn's rule (the default): bin k holds e_k < c ≤ e_{k+1}, the first bin
  [0, e_1]; uniform edges are ``np.linspace(0, 1, n + 1)``, quantile edges
  ``np.percentile(c, np.linspace(0, 1, n + 1) * 100)`` — ``calibration_curve`` exactly;
- torchmetrics' rule (``--compat torch``, uniform only): bin k holds e_k ≤ c < e_{k+1}
  with torch.linspace's edges (the upper half counted down from 1), and a confidence of
  exactly 1 in a bin of its own, [1, 1] (torchmetrics issue #3510).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def probabilities(y_pred: F64, from_logits: bool) -> F64:
    """p as given, or σ(x) for one column, softmax(x) across a row for K columns."""
    if not from_logits:
        return y_pred
    if y_pred.ndim == 1:
        out: F64 = 1.0 / (1.0 + np.exp(-y_pred))
        return out
    shifted = np.exp(y_pred - y_pred.max(axis=1, keepdims=True))
    soft: F64 = shifted / shifted.sum(axis=1, keepdims=True)
    return soft


def confidence_and_outcome(y_true: Any, y_pred: F64, from_logits: bool = False) -> tuple[F64, F64]:
    """(c, a): binary c = p, a = y; top-label c = max p, a = 1[argmax p = y]."""
    p = probabilities(y_pred, from_logits)
    if p.ndim == 1:
        return p, np.asarray(y_true, dtype=np.float64)
    top = np.argmax(p, axis=1)
    confidence: F64 = p[np.arange(p.shape[0]), top]
    return confidence, (top == y_true).astype(np.float64)


def calibration_gap(y_true: Any, y_pred: F64, *, from_logits: bool = False, **_binning: Any) -> F64:
    """ℓ = c − a: the row's confidence minus its outcome (a bin's gap is its mean)."""
    c, a = confidence_and_outcome(y_true, y_pred, from_logits)
    return c - a


def uniform_edges(n: int, binning: str | None = None) -> F64:
    """n + 1 equal-width edges on [0, 1]: NumPy's linspace (scikit-learn), or torch's
    (``binning="torch"``: i·(1/n) for i < (n + 1) // 2, else 1 − (n − i)·(1/n))."""
    if binning != "torch":
        return np.linspace(0.0, 1.0, n + 1)
    step = 1.0 / n
    i = np.arange(n + 1, dtype=np.float64)
    out: F64 = np.where(np.arange(n + 1) < (n + 1) // 2, i * step, 1.0 - (n - i) * step)
    return out


def quantile_edges(confidences: F64, n: int) -> F64:
    """The confidences' quantiles at 0, 1/n, …, 1: scikit-learn's own call."""
    out: F64 = np.percentile(confidences, np.linspace(0, 1, n + 1) * 100)
    return out


def bin_index(c: F64, edges: F64, binning: str | None = None) -> I64:
    """Each confidence's bin among uniform ``edges``: scikit-learn's rule (e_k < c ≤ e_{k+1};
    the first bin from 0), 0 … n − 1, as ``np.searchsorted(edges[1:-1], c, side="left")``;
    or torch's (e_k ≤ c < e_{k+1}), 0 … n with n for c = 1, as ``np.searchsorted(edges, c,
    side="right") − 1``. Found as ⌈c·n⌉ − 1 (torch: ⌊c·n⌋), which is exact for a c·n more
    than 1e-6 from a whole number (edges and product are within 1e-11 of k/n and c·n); the
    rows closer than that to an edge are placed by a binary search."""
    n = edges.size - 1
    x = c * n
    torch = binning == "torch"
    found = np.floor(x) if torch else np.ceil(x) - 1.0
    np.clip(found, 0, n if torch else n - 1, out=found)
    index = found.astype(np.int64)
    near = np.abs(x - np.rint(x)) < 1e-6
    if near.any():
        close = c[near]
        index[near] = (
            np.searchsorted(edges, close, side="right") - 1 if torch else searched_bin_index(close, edges)
        )
    return index


def searched_bin_index(c: F64, edges: F64) -> I64:
    """scikit-learn's rule by binary search, for edges of any spacing (quantiles)."""
    return np.searchsorted(edges[1:-1], c, side="left").astype(np.int64)
