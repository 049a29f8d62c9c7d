"""The Brier score's Murphy decomposition written out from the rows (a test reference,
shared by test_calibration.py and test_group_details.py; not collected as tests)."""

from __future__ import annotations

import numpy as np


def murphy_parts(y: np.ndarray, p: np.ndarray, w: np.ndarray, edges: np.ndarray) -> dict[str, float]:
    """Reliability, resolution, uncertainty and the within-bin variance and covariance,
    bin by bin from the rows, with scikit-learn's binning rule (e_k < p ≤ e_{k+1}, the
    first bin from 0)."""
    index = np.searchsorted(edges[1:-1], p, side="left")
    total, base = w.sum(), np.average(y, weights=w)
    parts = dict.fromkeys(("reliability", "resolution", "within_bin_variance", "within_bin_covariance"), 0.0)
    for b in range(edges.size - 1):
        rows = (index == b) & (w > 0)
        if not rows.any():
            continue
        wb, pb, yb = w[rows], p[rows], y[rows]
        p_bar, y_bar = np.average(pb, weights=wb), np.average(yb, weights=wb)
        parts["reliability"] += wb.sum() * (p_bar - y_bar) ** 2 / total
        parts["resolution"] += wb.sum() * (y_bar - base) ** 2 / total
        parts["within_bin_variance"] += np.sum(wb * (pb - p_bar) ** 2) / total
        parts["within_bin_covariance"] += np.sum(wb * (pb - p_bar) * (yb - y_bar)) / total
    parts["uncertainty"] = base * (1 - base)
    parts["base_rate"] = base
    return parts
