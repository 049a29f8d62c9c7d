"""Calibration tables: ``ece``'s reliability table (a bar diagram in its last column) and
``brier``'s decomposition, shown after the summary (terminal, plain text, Markdown)."""

from __future__ import annotations

import math
from typing import Any

from losscli.render.model import Cell, Grid, cells, number
from losscli.results import LossResult

WIDTH = 10  # diagram cells: 0 … 1 in 80 eighths
EIGHTHS = " ▏▎▍▌▋▊▉"
FULL, MARK, EMPTY = "█", "◆", "·"
NAMES = ("ECE", "RMSCE", "MCE")  # norms l1, l2, max: their keys in the table, lower-case


def diagram(observed: float | None, confidence: float | None, width: int = WIDTH) -> str:
    """``███▌··◆···``: a bar as long as the observed frequency, ``◆`` in the cell of the mean
    confidence, both on 0 … 1 across ``width`` cells; a calibrated bin's bar ends at the mark."""
    if observed is None or confidence is None:
        return ""
    eighths = round(min(max(observed, 0.0), 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    bar = list((FULL * full + (EIGHTHS[part] if part else "")).ljust(width, EMPTY))
    bar[min(width - 1, math.floor(confidence * width))] = MARK
    return "".join(bar)


def _edges(values: list[float]) -> dict[float, str]:
    """Each edge with the fewest significant digits (at least 3) that keep distinct edges distinct."""
    distinct = sorted(set(values))
    for digits in range(3, 18):
        shown = {v: f"{v:.{digits}g}" for v in distinct}
        if len(set(shown.values())) == len(distinct):
            return shown
    return {v: repr(v) for v in distinct}


def _ranges(bins: list[dict[str, Any]], closed: str) -> list[str]:
    """``[0, 0.0667]``, ``(0.0667, 0.133]`` … (scikit-learn's rule); ``[a, b)`` and ``[1, 1]``
    (torchmetrics')."""
    shown = _edges([b[k] for b in bins for k in ("lower", "upper")])
    texts = []
    for i, b in enumerate(bins):
        lo, hi = shown[b["lower"]], shown[b["upper"]]
        if closed == "left":
            texts.append(f"[{lo}, {hi}]" if b["lower"] == b["upper"] else f"[{lo}, {hi})")
        else:
            texts.append(f"{'[' if i == 0 else '('}{lo}, {hi}]")
    return texts


def reliability_grids(result: LossResult, table: dict[str, Any]) -> list[Grid]:
    """The reliability table: bin, count (and weight when weighted), mean confidence,
    observed frequency, gap and the diagram; ECE, RMSCE and MCE under it."""
    bins = table["bins"]
    weighted = any(b["weight"] != b["count"] for b in bins)
    rows: list[list[Cell]] = [
        [
            text,
            float(b["count"]),
            *([b["weight"]] if weighted else []),
            b["mean_confidence"],
            b["observed"],
            b["gap"],
            diagram(b["observed"], b["mean_confidence"]),
        ]
        for text, b in zip(_ranges(bins, table["closed"]), bins, strict=True)
    ]
    headers = ["bin", "count", *(["weight"] if weighted else []), "confidence", "observed", "gap", "diagram"]
    numeric = [False, True, *([True] if weighted else []), True, True, True, False]
    errors = ", ".join(
        f"{name} {number(table[name.lower()])}" for name in NAMES if table[name.lower()] is not None
    )
    footer = [
        "confidence: the bin's mean confidence; observed: its observed frequency; "
        "gap = confidence − observed (> 0: over-confident)",
        f"diagram: {FULL} observed frequency, {MARK} mean confidence, on 0 … 1 ({EMPTY}: nothing)",
        f"{errors} (over the bins with weight)",
    ]
    title = f"{result.title or result.loss} reliability · {table['n_bins']} {table['strategy']} bins"
    if not bins:
        rows, footer = [], footer[-1:]
    kept = ("bin", "confidence", "observed", "diagram")  # never cut nor dropped; the rest go first
    return [
        Grid(
            title,
            headers,
            cells(rows),
            numeric,
            "\n".join(footer),
            ("weight", "count", "gap"),
            essential=kept,
        )
    ]


def decomposition_grids(result: LossResult, parts: dict[str, Any]) -> list[Grid]:
    """The Brier score's parts, one per row, in the order they add up."""
    terms: list[tuple[str, float | None]] = [
        ("reliability", parts["reliability"]),
        ("− resolution", parts["resolution"]),
        ("+ uncertainty", parts["uncertainty"]),
        ("+ within-bin", parts["within_bin"]),
        (f"= {result.title or result.loss}", result.value),
    ]
    rows: list[list[Cell]] = [[name, value] for name, value in terms]
    title = f"{result.title or result.loss} decomposition · {parts['n_bins']} {parts['strategy']} bins"
    footer = (
        "value = reliability − resolution + uncertainty + within-bin, exactly (Murphy 1973; the "
        "within-bin terms of Stephenson et al. 2008 are 0 when the forecasts in each bin are equal); "
        "the formulas: losscli explain brier"
    )
    return [Grid(title, ["term", "value"], cells(rows), [False, True], footer, essential=("term", "value"))]
