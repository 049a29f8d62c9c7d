"""Calibration summaries (``LossSpec.state``): per-bin sums for ``ece`` and the Brier
score's decomposition, mergeable across chunks, ``--by`` groups and Dask partitions.

Per bin b, over the rows with weight w > 0 (confidence c, outcome a: see
:mod:`losscli.losses._calibration_kernels`): the row count n_b and the sums
W_b = Σw, C_b = Σw·c, A_b = Σw·a (and, for the decomposition, Σw·d², Σw·d·a with d the
distance of c from its bin's middle), summed in blocks of 4,096 rows aligned to the
stream's first row (``np.bincount``: row by row, in order), 64 blocks' sums summed in
order, and those sums combined exactly — as :class:`~losscli.accumulate.sketch.BlockSum`
does for one sum — so any chunking gives the same bits.

``--strategy uniform`` streams: the edges are known before the first row. ``--strategy
quantile`` cannot: its edges are quantiles of every confidence. It keeps the rows
(c as float64, a as one byte, w as float64 when weighted: 9 bytes a row, 17 with
weights) and bins them when the value is asked for — exactly scikit-learn's edges, no
sketch, no approximation — up to :data:`QUANTILE_ROW_LIMIT` rows per summary (the
file's, and each ``--by`` group's); one row more is exit 2, never an estimate.

``--ci`` and ``compare`` on ``ece`` (``LossSpec.interval = "sums"``): over uniform bins the
value is a function of the per-bin sums W_b, C_b, A_b (:func:`calibration_errors`), so a
row's statistics are w, w·c, w·a in its bin's three columns, summed per bootstrap unit,
and a resample's value is the same function of the resampled sums. Quantile bins have no
interval: their edges are the data's own quantiles, which a resample would move.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.accumulate.sketch import ExactSum
from losscli.losses._calibration_kernels import (
    bin_index,
    confidence_and_outcome,
    quantile_edges,
    searched_bin_index,
    uniform_edges,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Rows = tuple[F64, NDArray[np.bool_], F64 | None]  # c, a, w (None: 1 each)
QUANTILE_ROW_LIMIT = 10_000_000
BLOCK = 1 << 12  # rows summed by one bincount (a summary keeps fewer waiting)
GROUP = 64  # blocks' sums summed by NumPy, then added exactly
SPAN = 64  # blocks binned at once at most (temporaries of a quarter million rows)
NORMS = {"l1": "ECE", "l2": "RMSCE", "max": "MCE"}
PARTS = (
    "reliability",
    "resolution",
    "uncertainty",
    "within_bin_variance",
    "within_bin_covariance",
    "base_rate",
)


class BinnedSums:
    """Per-bin row counts and exact sums of w, w·c, w·a (``moments``: also w·d², w·d·a, with
    d = c − m_b and m_b the middle of c's bin) over fixed ``edges``.

    Rows wait in a buffer until they fill a block of :data:`BLOCK` rows (counted from the
    first row); a full block's sums per bin (``np.bincount``, row by row) wait in ``level1``
    until :data:`GROUP` blocks are summed (NumPy, in block order) and added exactly, per
    quantity and bin, to an :class:`ExactSum`; what waits joins them when the totals are
    read. So the sums depend on the rows and their order only, never on the chunks, and a
    ``--by`` group of a few rows costs its rows. Rows without weights count 1 each in Σw."""

    def __init__(
        self, edges: F64, bins: int, binning: str | None, moments: bool, search: bool = False
    ) -> None:
        self.edges, self.binning, self.search = edges, binning, search
        self.rows: I64 = np.zeros(bins, dtype=np.int64)  # rows in full blocks
        self.unweighted: I64 = np.zeros(bins, dtype=np.int64)  # of which without weights
        self.quantities = 5 if moments else 3
        self.middle = np.r_[(edges[:-1] + edges[1:]) / 2, [1.0] * (bins - edges.size + 1)]  # (torch: [1, 1])
        self.exact: dict[tuple[int, int], ExactSum] = {}  # (quantity, bin) → the summed groups' sum
        self.level1: F64 | None = None  # (< GROUP, Q, bins): whole blocks' sums not yet in a group
        self.pending: list[Rows] = []
        self.held = 0

    def add(self, c: F64, a: NDArray[np.bool_], w: F64 | None) -> None:
        """Rows in stream order (``c`` may be the caller's array: it is copied if kept)."""
        start, n = 0, c.size
        if self.held:  # first fill the open block
            start = min(BLOCK - self.held, n)
            self._keep(c[:start], a[:start], None if w is None else w[:start])
            if self.held == BLOCK:
                self._blocks(self._pending())
                self.pending, self.held = [], 0
        while n - start >= BLOCK:
            stop = start + min((n - start) // BLOCK, SPAN) * BLOCK
            self._blocks((c[start:stop], a[start:stop], None if w is None else w[start:stop]))
            start = stop
        if start < n:
            self._keep(c[start:], a[start:], None if w is None else w[start:])

    def _keep(self, c: F64, a: NDArray[np.bool_], w: F64 | None) -> None:
        self.pending.append((c.copy(), a.copy(), None if w is None else w.copy()))
        self.held += c.size

    def _pending(self) -> Rows:
        """The buffered rows as one (c, a, w)."""
        if len(self.pending) == 1:
            return self.pending[0]
        weighted = any(p[2] is not None for p in self.pending)
        return (
            np.concatenate([p[0] for p in self.pending]),
            np.concatenate([p[1] for p in self.pending]),
            np.concatenate([np.ones(p[0].size) if p[2] is None else p[2] for p in self.pending])
            if weighted
            else None,
        )

    def index(self, c: F64) -> I64:
        """Each confidence's bin."""
        return searched_bin_index(c, self.edges) if self.search else bin_index(c, self.edges, self.binning)

    def _sums(self, rows: Rows, blocks: int) -> tuple[I64, F64]:
        """(row counts per bin, sums (Q, blocks, bins)) of ``rows`` cut into ``blocks`` equal blocks."""
        c, a, w = rows
        bins = self.rows.size
        index = self.index(c)
        key = index if blocks == 1 else index + bins * (np.arange(c.size) // (c.size // blocks))
        af = a.astype(np.float64)
        wc, wa = (c, af) if w is None else (w * c, w * af)
        columns: list[F64 | None] = [w, wc, wa]
        if self.quantities == 5:  # about each bin's middle m: no cancellation in Σw(c − c̄)²
            d = c - self.middle[index]
            wd = d if w is None else w * d
            columns += [wd * d, wd * af]
        sums = np.zeros((self.quantities, blocks * bins))
        for q, column in enumerate(columns):
            if column is not None:
                sums[q] = np.bincount(key, weights=column, minlength=blocks * bins)
        return np.bincount(index, minlength=bins), sums.reshape(self.quantities, blocks, bins)

    def _blocks(self, rows: Rows) -> None:
        """Whole blocks: their per-bin sums wait in ``level1`` until GROUP of them are summed
        (NumPy, in block order) and that sum is added exactly."""
        counts, sums = self._sums(rows, rows[0].size // BLOCK)
        self.rows += counts
        if rows[2] is None:
            self.unweighted += counts
        level1 = sums.transpose(1, 0, 2)  # (blocks, Q, bins)
        if self.level1 is not None:
            level1 = np.concatenate([self.level1, level1])
        whole = level1.shape[0] // GROUP
        for g in range(whole):
            self._exact(level1[g * GROUP : (g + 1) * GROUP].sum(axis=0))
        self.level1 = level1[whole * GROUP :].copy() if level1.shape[0] > whole * GROUP else None

    def _exact(self, sums: F64) -> None:
        """(Q, bins) sums added exactly to the per-(quantity, bin) totals."""
        for q, b in zip(*np.nonzero(sums), strict=True):
            key = (int(q), int(b))
            total = self.exact.get(key)
            if total is None:
                total = self.exact[key] = ExactSum()
            total.add(float(sums[q, b]))

    def _open(self) -> tuple[I64, I64, F64]:
        """(rows, unweighted rows, (Q, bins) sums) of what is not yet in the exact sums: the
        waiting blocks' sums (summed in block order) and the buffered rows' (one bincount)."""
        rows, unweighted = np.zeros_like(self.rows), np.zeros_like(self.rows)
        out = np.zeros((self.quantities, self.rows.size))
        if self.pending:
            held = self._pending()
            rows, out = self._sums(held, 1)
            out = out[:, 0, :]
            if held[2] is None:
                unweighted = rows
        if self.level1 is not None:
            out = out + self.level1.sum(axis=0)
        return rows, unweighted, out

    def settle(self) -> None:
        """Everything into the exact sums (before a merge: Dask partitions combine exactly,
        not in the stream's blocks, so to rounding)."""
        rows, unweighted, open_sums = self._open()
        self.rows += rows
        self.unweighted += unweighted
        self._exact(open_sums)
        self.pending, self.held, self.level1 = [], 0, None

    def merge(self, other: BinnedSums) -> None:
        self.settle()
        other.settle()
        self.rows += other.rows
        self.unweighted += other.unweighted
        for key, theirs in other.exact.items():
            self.exact.setdefault(key, ExactSum()).merge(theirs)

    def totals(self) -> tuple[I64, F64]:
        """(rows, (Q, bins) sums: Σw, Σw·c, Σw·a (, Σw·d², Σw·d·a)) of every row so far."""
        rows, unweighted, out = self._open()
        rows, unweighted = rows + self.rows, unweighted + self.unweighted
        for (q, b), total in self.exact.items():
            exact = ExactSum()
            exact.merge(total)
            exact.add(float(out[q, b]))
            out[q, b] = exact.value
        out[0] += unweighted
        return rows, out


@dataclass(frozen=True)
class Bins:
    """The bins of a run: bounds, row counts and sums W, C, A (, Σw·c², Σw·c·a) per bin."""

    lower: F64
    upper: F64
    rows: I64
    sums: F64  # (Q, bins)
    closed: str  # "right": (lower, upper], the first [0, upper]; "left": [lower, upper)
    middle: F64  # m_b: the moments Σw·d², Σw·d·a are about it (d = c − m_b)

    @property
    def weight(self) -> F64:
        out: F64 = self.sums[0]
        return out

    @property
    def filled(self) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = self.weight > 0
        return out

    def means(self, q: int) -> F64:
        """Σw·x / Σw per bin (NaN in an empty bin)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            out: F64 = np.where(self.filled, self.sums[q] / self.weight, np.nan)
        return out


class Calibration:
    """Per-bin sums of (c, a) for a loss's bins (``bins``, ``strategy``, ``binning``)."""

    moments = False  # also Σw·c² and Σw·c·a (the Brier decomposition)

    def __init__(self, params: Mapping[str, Any]) -> None:
        from losscli.errors import UsageError
        from losscli.options import spelled
        from losscli.spelling import param

        self.n = int(params.get("bins", 15))
        self.strategy = str(params.get("strategy", "uniform"))
        self.binning: str | None = params.get("binning")
        self.from_logits = bool(params.get("from_logits", False))
        self.top_label = False
        if self.binning == "torch" and self.strategy == "quantile":
            torch = spelled("compat", "torch")
            raise UsageError(
                f"{torch} reproduces torchmetrics' uniform bins; torchmetrics has no "
                f"{param('strategy', 'quantile')}",
                f"drop {torch}, or use {param('strategy', 'uniform')}",
            )
        self.binned: BinnedSums | None = None  # uniform bins: summed as the rows come
        if self.strategy == "uniform":
            edges = uniform_edges(self.n, self.binning)
            self.binned = BinnedSums(edges, self.n + (self.binning == "torch"), self.binning, self.moments)
        self.kept: list[Rows] = []  # quantile bins: every row, until the edges are known
        self.held = 0
        self._bins: Bins | None = None

    # -- the Summary protocol ------------------------------------------------------------------

    def update(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> None:
        c, a = confidence_and_outcome(inputs["y_true"], inputs["y_pred"], self.from_logits)
        self.top_label |= inputs["y_pred"].ndim == 2
        w = weights
        if w is not None and not (keep := w > 0).all():
            c, a, w = c[keep], a[keep], w[keep]
        if c.size == 0:
            return
        self._bins = None
        if self.binned is not None:
            self.binned.add(c, a.astype(bool), w)
            return
        self.kept.append((np.array(c, dtype=np.float64), a.astype(bool), None if w is None else w.copy()))
        self._count(c.size)

    def merge(self, other: Any) -> None:
        assert isinstance(other, Calibration)
        self._bins = None
        self.top_label |= other.top_label
        if self.binned is not None and other.binned is not None:
            self.binned.merge(other.binned)
            return
        self.kept += other.kept
        self._count(other.held)

    # -- bins ----------------------------------------------------------------------------------

    def _count(self, rows: int) -> None:
        from losscli.errors import DataError
        from losscli.spelling import param

        self.held += rows
        if self.held > QUANTILE_ROW_LIMIT:
            raise DataError(
                f"{param('strategy', 'quantile')} keeps every row's confidence to place the bin edges "
                f"exactly, and this input has more than {QUANTILE_ROW_LIMIT:,} rows (with weight > 0)",
                f"use {param('strategy', 'uniform')} (it streams in constant memory), "
                "or evaluate a sample of the rows",
            )

    def bins(self) -> Bins:
        """The bins with their sums (quantile edges are found here, from the kept rows)."""
        if self._bins is None:
            self._bins = self._quantile() if self.binned is None else self._uniform(self.binned)
        return self._bins

    def _uniform(self, binned: BinnedSums) -> Bins:
        lower, upper = binned.edges[:-1], binned.edges[1:]
        if self.binning == "torch":  # torchmetrics' bin of a confidence of exactly 1
            lower, upper = np.r_[lower, 1.0], np.r_[upper, 1.0]
        closed = "left" if self.binning == "torch" else "right"
        return Bins(lower, upper, *binned.totals(), closed, binned.middle)

    def _quantile(self) -> Bins:
        """Edges at the kept confidences' quantiles, then the rows binned in their order."""
        if not self.kept:
            empty = np.zeros(0)
            q = 5 if self.moments else 3
            return Bins(empty, empty, np.zeros(0, dtype=np.int64), np.zeros((q, 0)), "right", empty)
        if len(self.kept) > 1:  # one copy of the rows from here on
            weighted = any(k[2] is not None for k in self.kept)
            self.kept = [
                (
                    np.concatenate([k[0] for k in self.kept]),
                    np.concatenate([k[1] for k in self.kept]),
                    np.concatenate([np.ones(k[0].size) if k[2] is None else k[2] for k in self.kept])
                    if weighted
                    else None,
                )
            ]
        c, a, w = self.kept[0]
        edges = quantile_edges(c, self.n)
        binned = BinnedSums(edges, self.n, None, self.moments, search=True)
        binned.add(c, a, w)
        return Bins(edges[:-1], edges[1:], *binned.totals(), "right", binned.middle)

    def errors(self) -> dict[str, float]:
        """ECE (l1), RMSCE (l2) and MCE (max) over the bins (NaN without weight):
        :func:`calibration_errors` of the bins' sums."""
        bins = self.bins()
        found = calibration_errors(bins.sums[0], bins.sums[1], bins.sums[2])
        return {norm: float(error) for norm, error in found.items()}

    def table(self) -> list[dict[str, Any]]:
        """Per bin: bounds, rows, weight, mean confidence, observed frequency, gap (None when empty)."""
        bins = self.bins()
        conf, observed = bins.means(1), bins.means(2)
        return [
            {
                "lower": float(bins.lower[b]),
                "upper": float(bins.upper[b]),
                "count": int(bins.rows[b]),
                "weight": float(bins.weight[b]),
                "mean_confidence": _number(conf[b]),
                "observed": _number(observed[b]),
                "gap": _number(conf[b] - observed[b]),
            }
            for b in range(bins.rows.size)
        ]


def calibration_errors(weight: F64, conf: F64, observed: F64) -> dict[str, F64]:
    """ECE (l1), RMSCE (l2) and MCE (max) from per-bin sums along the last axis (any
    leading axes: the bootstrap's resamples): W_b = Σw, C_b = Σw·c, A_b = Σw·a. Over the
    bins with W_b > 0, gap_b = C_b/W_b − A_b/W_b and share_b = W_b / Σ W:
    ECE = Σ share_b·|gap_b|, RMSCE = √(Σ share_b·gap_b²), MCE = max |gap_b|; NaN without weight."""
    filled = weight > 0
    w = np.where(filled, weight, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(filled, weight, 1.0)
        gap = np.where(filled, conf / safe - observed / safe, 0.0)
        share = w / w.sum(axis=-1, keepdims=True)
        size = np.abs(gap)
        errors = {
            "l1": (share * size).sum(axis=-1),
            "l2": np.sqrt((share * gap * gap).sum(axis=-1)),
            "max": np.where(filled, size, 0.0).max(axis=-1, initial=0.0),
        }
    some = w.sum(axis=-1) > 0
    return {norm: np.where(some, error, math.nan) for norm, error in errors.items()}


def _number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


class Reliability(Calibration):
    """``ece``: the calibration error in the loss's norm, and the reliability table."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.norm = str(params.get("norm", "l1"))
        # --ci: a row's w, w·c, w·a in its bin's columns (W_1 … W_B, C_1 …, A_1 …)
        bins = self.binned.rows.size if self.binned is not None else self.n
        self.width = 3 * bins

    def value(self) -> float:
        return self.errors()[self.norm]

    # -- --ci and compare (LossSpec.interval "sums") --------------------------------------------

    def no_interval(self) -> str:
        """Quantile bins (the edges are the data's quantiles, not fixed before the rows) and
        MCE (a maximum over bins: its bootstrap misses the truth where bins' gaps are close)."""
        from losscli.spelling import param

        if self.binned is None:
            return (
                f"with {param('strategy', 'quantile')} the bin edges are the confidences' own quantiles, "
                "which every bootstrap resample would move, so the value is not a function of fixed "
                f"per-bin sums; {param('strategy', 'uniform')} has an interval"
            )
        if self.norm == "max":
            return (
                f"{param('norm', 'max')} (MCE) is the largest bin's gap, a maximum over bins: not a smooth "
                "function of the bins' sums, and its bootstrap interval misses the truth far more often than "
                f"it says when bins' gaps are close; {param('norm', 'l1')} or l2 has an interval"
            )
        return ""

    def unit_columns(self, inputs: Mapping[str, Any], weights: F64 | None, losses: F64) -> list[F64 | None]:
        """Each row's w, w·c and w·a in its bin's three columns (0 elsewhere)."""
        assert self.binned is not None, "quantile bins have no interval (no_interval)"
        c, a = confidence_and_outcome(inputs["y_true"], inputs["y_pred"], self.from_logits)
        c = np.asarray(c, dtype=np.float64)
        n, bins = c.size, self.width // 3
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        index, rows = self.binned.index(c), np.arange(n)
        out = np.zeros((3, bins, n))
        out[0, index, rows] = w
        out[1, index, rows] = w * c
        out[2, index, rows] = w * np.asarray(a, dtype=np.float64)
        return list(out.reshape(3 * bins, n))

    def resampled(self, sums: F64) -> F64:
        """The calibration error in the loss's norm of each row of summed per-bin
        statistics (B × 3·bins)."""
        bins = self.width // 3
        found = calibration_errors(sums[:, :bins], sums[:, bins : 2 * bins], sums[:, 2 * bins :])
        return found[self.norm]

    def details(self) -> dict[str, Any]:
        errors = self.errors()
        return {
            "reliability": {
                "confidence": "top-label: max probability; correct when its class is the label"
                if self.top_label
                else "the positive class's probability; observed: the share of positive labels",
                "strategy": self.strategy,
                "n_bins": self.n,
                "closed": self.bins().closed,
                "norm": self.norm,
                "ece": _number(errors["l1"]),
                "rmsce": _number(errors["l2"]),
                "mce": _number(errors["max"]),
                "bins": self.table(),
            }
        }


class BrierDecomposition(Calibration):
    """``brier``: Murphy's (1973) decomposition over the bins, with the within-bin terms
    that make it add up to the Brier score (Stephenson, Coelho & Jolliffe 2008).

    With W = Σw, p̄_b, ȳ_b the bin's mean forecast and outcome, ȳ the base rate:

    - reliability = Σ_b W_b (p̄_b − ȳ_b)² / W
    - resolution  = Σ_b W_b (ȳ_b − ȳ)² / W
    - uncertainty = ȳ(1 − ȳ)
    - within-bin  = Σ_b Σ_{i∈b} w_i [(p_i − p̄_b)² − 2(p_i − p̄_b)(y_i − ȳ_b)] / W

    brier = reliability − resolution + uncertainty + within-bin, exactly (to rounding);
    Murphy's three terms alone add up to it only when the forecasts in each bin are equal
    (then within-bin = 0)."""

    moments = True

    def parts(self) -> dict[str, float]:
        bins = self.bins()
        filled = bins.filled
        w, p_sum, y_sum, d2_sum, dy_sum = (s[filled] for s in bins.sums)
        total = math.fsum(w.tolist())
        if total <= 0:
            return dict.fromkeys(PARTS, math.nan)
        p_bar, y_bar = p_sum / w, y_sum / w
        d_bar = p_bar - bins.middle[filled]  # Σw(p − p̄)² = Σw·d² − W·d̄², Σw(p − p̄)(y − ȳ) = Σw·d·y − d̄·Σw·y
        base = math.fsum(y_sum.tolist()) / total
        return {
            "reliability": math.fsum((w * (p_bar - y_bar) ** 2).tolist()) / total,
            "resolution": math.fsum((w * (y_bar - base) ** 2).tolist()) / total,
            "uncertainty": base * (1.0 - base),
            "within_bin_variance": math.fsum((d2_sum - w * d_bar * d_bar).tolist()) / total,
            "within_bin_covariance": math.fsum((dy_sum - d_bar * y_sum).tolist()) / total,
            "base_rate": base,
        }

    def value(self) -> float:
        """The Brier score from the parts: reliability − resolution + uncertainty + within-bin."""
        parts = self.parts()
        return (
            parts["reliability"]
            - parts["resolution"]
            + parts["uncertainty"]
            + parts["within_bin_variance"]
            - 2.0 * parts["within_bin_covariance"]
        )

    def details(self) -> dict[str, Any]:
        parts = self.parts()
        within = parts["within_bin_variance"] - 2.0 * parts["within_bin_covariance"]
        return {
            "decomposition": {
                "method": "Murphy (1973) over the bins, plus the within-bin terms of Stephenson et al. "
                "(2008): value = reliability - resolution + uncertainty + within_bin",
                "strategy": self.strategy,
                "n_bins": self.n,
                "reliability": _number(parts["reliability"]),
                "resolution": _number(parts["resolution"]),
                "uncertainty": _number(parts["uncertainty"]),
                "within_bin": _number(within),
                "within_bin_variance": _number(parts["within_bin_variance"]),
                "within_bin_covariance": _number(parts["within_bin_covariance"]),
                "base_rate": _number(parts["base_rate"]),
            }
        }
