"""What a results table shows, as plain strings: shared by the rich and plain renderers.

No rich here: the same rows feed a rich table on a terminal and aligned text
in a pipe, so both show the same content. The strings are raw (a column name as
the file spells it); each renderer neutralises them for its medium with
``Grid.map`` and a function of :mod:`losscli.neutralise`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from losscli.results import ConfidenceInterval, EvalResult, LossResult

SPARKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Grid:
    """A titled table of strings; ``numeric[i]`` right-aligns column i."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    footer: str = ""
    drop_first: tuple[str, ...] = ()  # when too wide for a terminal: leave these out first, in order
    wrap: tuple[str, ...] = ()  # columns whose text wraps at spaces (words whole) rather than being cut
    fold: tuple[str, ...] = ()  # columns whose text wraps, a long word folded too (formulas)
    essential: tuple[str, ...] = ()  # never dropped nor cut (default: loss, value, intervals, result)

    def map(self, text: Callable[[str], str]) -> Grid:
        """The same grid with ``text`` applied to every string it shows (title, headers,
        cells, footer): how each renderer neutralises them for its medium."""
        return Grid(
            text(self.title),
            [text(h) for h in self.headers],
            [[text(c) for c in row] for row in self.rows],
            self.numeric,
            text(self.footer),
            self.drop_first,
            self.wrap,
            self.fold,
            self.essential,
        )


def number(x: float) -> str:
    """Six significant digits for people; integers without a decimal point. A fraction
    never reads as 0 or 1 (a probability of 0.9999995 is ``0.9999995``, not certainty);
    other numbers keep six digits (1234.0001 is ``1234``)."""
    if isinstance(x, (int,)) and not isinstance(x, bool):
        return str(x)
    if math.isnan(x):
        return "nan"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.6g}"
    for digits in range(7, 18):
        if text not in ("0", "1", "-0", "-1"):
            break
        text = f"{x:.{digits}g}"
    return text


def count(n: int, people: bool) -> str:
    """A count: ``1,000,000`` for people (tables), ``1000000`` for machines (Markdown)."""
    return f"{n:,}" if people else str(n)


def sample_grid(result: EvalResult, block: Any, title: str, footer: str = "") -> Grid:
    """Per-sample rows in the result's table layout (row or id, inputs, losses)."""
    shown = list(result.layout.table)
    rows = []
    for i in range(len(block)):
        cells = []
        for key, _ in shown:
            value = block.row_ids[i] if key == "row" else block.columns[key][i]
            cells.append(_cell(value))
        rows.append(cells)
    numeric = [key == "row" or block.columns[key].dtype.kind in "iuf" for key, _ in shown]
    return Grid(title, [header for _, header in shown], rows, numeric, footer)


def _cell(value: Any) -> str:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return "" if math.isnan(value) else number(value)
    return str(value)


def head_grid(result: EvalResult) -> Grid | None:
    if result.head is None:
        return None
    left = result.source.rows_used - len(result.head)
    footer = f"… {left} more rows (--rows N or --rows all to show more)" if left > 0 else ""
    return sample_grid(result, result.head, "per-sample losses", footer)


def worst_grid(result: EvalResult) -> Grid | None:
    if result.worst is None:
        return None
    return sample_grid(result, result.worst, f"worst {len(result.worst)} rows by {result.loss_columns[0]}")


SUMMARY_DROP_FIRST = ("sum", "p99", "p90", "p50", "max", "mean", "count")


def summary_grid(result: EvalResult, people: bool = False) -> Grid:
    """One row per loss: the value, then the per-sample statistics. ``mean`` only when
    some loss's value is not the mean of its per-sample losses (rmse, r2, max-error): it
    would repeat the value. ``people``: counts with thousands separators (tables)."""
    with_mean = any(not _same(r.mean, r.value) for r in result.results)
    ci = ci_header([r.ci for r in result.results])
    headers = [
        "loss",
        "value",
        *ci,
        *(["mean"] if with_mean else []),
        "sum",
        "count",
        "p50",
        "p90",
        "p99",
        "max",
    ]
    rows = [_summary_row(r, with_mean, people, bool(ci)) for r in result.results]
    src = result.source
    dropped = f", {count(src.rows_dropped, people)} dropped" if src.rows_dropped else ""
    title = f"{src.path} · {count(src.rows_used, people)} rows{dropped}"
    apart = [r.loss for r in result.results if not _same(r.mean, r.value)]
    footer = (
        f"mean, sum and quantiles are of the per-sample losses ℓ; the value of {', '.join(apart)} is not their mean"
        if apart
        else ""
    )
    return Grid(title, headers, rows, [False] + [True] * (len(headers) - 1), footer, SUMMARY_DROP_FIRST)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def ci_header(intervals: list[ConfidenceInterval | None]) -> list[str]:
    """The interval column's header, ``95% CI``, when there are intervals (else none)."""
    shown = [ci for ci in intervals if ci is not None]
    return [f"{shown[0].level * 100:g}% CI"] if shown else []


def ci_cell(ci: ConfidenceInterval | None) -> str:
    """``low … high``, each number as a table writes it."""
    return "" if ci is None else f"{number(ci.low)} … {number(ci.high)}"


def _summary_row(r: LossResult, with_mean: bool, people: bool, with_ci: bool = False) -> list[str]:
    q = r.quantiles
    name = r.title or r.loss
    return [
        name,
        number(r.value),
        *([ci_cell(r.ci)] if with_ci else []),
        *([number(r.mean)] if with_mean else []),
        number(r.sum),
        count(r.count, people),
    ] + [number(q[k]) for k in ("p50", "p90", "p99", "max")]


def sparkline(r: LossResult, label: str = "") -> str:
    """``min ▁▃█▅▂ max``: per-sample losses in 20 equal-width bins (``label``: whose
    distribution it is, the loss's name by default)."""
    counts = r.histogram
    if not counts or _zero_one(r):
        return ""
    top = max(counts) or 1.0
    bars = "".join(SPARKS[0 if c == 0 else max(1, round(c / top * 8))] for c in counts)
    lo, hi = r.histogram_range
    return f"{label or r.loss} per-sample distribution: {number(lo)} {bars} {number(hi)}"


def sparklines(results: tuple[LossResult, ...] | list[LossResult]) -> list[str]:
    """One bar per distinct per-sample distribution: mse, rmse and r2 share ℓ = d², so
    they share one line (``mse, rmse, r2 per-sample distribution: …``)."""
    shared: dict[tuple[tuple[float, ...], tuple[float, float]], list[LossResult]] = {}
    for r in results:
        shared.setdefault((r.histogram, r.histogram_range), []).append(r)
    lines = (sparkline(same[0], ", ".join(s.loss for s in same)) for same in shared.values())
    return [line for line in lines if line]


def _zero_one(r: LossResult) -> bool:
    """Per-sample losses that are only 0 or 1 (zero-one, top-k-error): a bar says nothing
    the value does not."""
    lo, hi = r.histogram_range
    inner = r.histogram[1:-1]
    return lo == 0.0 and hi == 1.0 and not any(inner)


def check_cells(c: Any) -> list[str]:
    """A gate's value, kind, limit, baseline and PASS/FAIL, as every check table shows them."""
    return [
        number(c.value),
        c.kind,
        "" if c.limit is None else number(c.limit),
        "" if c.baseline is None else number(c.baseline),
        "PASS" if c.passed else "FAIL",
    ]


def checks_grid(checks: Any, why: bool = False) -> Grid:
    """A run's gates: check, value, gate, limit, baseline, result (``why``: and the
    reason, e.g. ``0.512 > max 0.5``, as Markdown shows it)."""
    headers = ["check", "value", "gate", "limit", "baseline", "result", *(["why"] if why else [])]
    rows = [[c.name, *check_cells(c), *([c.detail] if why else [])] for c in checks]
    return Grid("checks", headers, rows, [False, True, False, True, True, False, *([False] if why else [])])


def groups_grid(result: EvalResult) -> Grid | None:
    """--by: one row per (loss, group); with several group columns the key reads
    ``fold=1, sex=F``."""
    groups = [(r, g) for r in result.results for g in (r.groups or ())]
    if not groups:
        return None
    by = result.columns.get("by", "group")
    several = isinstance(by, list)
    ci = ci_header([g.ci for _, g in groups])
    rows = [
        [
            r.title or r.loss,
            ", ".join(f"{k}={v}" for k, v in g.parts.items()) if several else str(g.group),
            number(g.value),
            *([ci_cell(g.ci)] if ci else []),
            str(g.count),
        ]
        for r, g in groups
    ]
    title = f"by {', '.join(by) if several else by}"
    headers = ["loss", "group", "value", *ci, "count"]
    return Grid(title, headers, rows, [False, False] + [True] * (len(headers) - 2))
