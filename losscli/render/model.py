"""What a results table shows, as plain strings: shared by the rich and plain renderers.

No rich here: the same rows feed a rich table on a terminal and aligned text
in a pipe, so both show the same content. The strings are raw (a column name as
the file spells it); each renderer neutralises them for its medium with
``Grid.map`` and a function of :mod:`losscli.neutralise`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from losscli.results import ConfidenceInterval, DummyScore, EvalResult, LossResult

SPARKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Grid:
    """A titled table of strings; ``numeric[i]`` right-aligns column i."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    footer: str = ""  # notes under the table, one per line
    drop_first: tuple[str, ...] = ()  # when too wide for a terminal: leave these out first, in order
    wrap: tuple[str, ...] = ()  # columns whose text wraps at spaces (words whole) rather than being cut
    fold: tuple[str, ...] = ()  # columns whose text wraps, a long word folded too (formulas)
    essential: tuple[str, ...] = ()  # never dropped nor cut (default: loss, value, intervals, result)
    stack: tuple[tuple[str, str], ...] = ()  # (column, under): too wide, it goes under that column's text

    def map(self, text: Callable[[str], str]) -> Grid:
        """The same grid with ``text`` applied to every string it shows (title, headers,
        cells, each line of the footer): how each renderer neutralises them for its medium."""
        return Grid(
            text(self.title),
            [text(h) for h in self.headers],
            [[text(c) for c in row] for row in self.rows],
            self.numeric,
            "\n".join(text(note) for note in self.footer.split("\n")),
            self.drop_first,
            self.wrap,
            self.fold,
            self.essential,
            self.stack,
        )


SIGNIFICANT = 6  # digits of every number a table shows
FIXED = (1e-4, 1e6)  # a column is written 0.0123457 … 123457 when all its numbers lie in this range


def numbers(values: Sequence[float | int | None]) -> list[str]:
    """One column of a table, by one rule:

    - a column of whole numbers (labels, counts, 0/1 losses) is written as integers;
    - otherwise every number has :data:`SIGNIFICANT` significant digits, trailing zeros
      kept (``1234.00``, ``29.7940``), in fixed notation when every nonzero number of the
      column lies in :data:`FIXED`, else the whole column in scientific notation
      (``1.31658e+06``); exact zero is ``0``;
    - a fraction (0 < |x| < 1) never reads as 0 or 1: it gets the digits it needs
      (0.9999995 is ``0.9999995``, not ``1.00000``);
    - the column is aligned on the decimal point: each text is padded to the same
      width, so right-aligning the cells keeps the points in one line;
    - blank (None) stays blank; NaN is ``nan``. Nothing is ever cut.
    """
    shown = [v for v in values if v is not None and not _nan(v)]
    if all(_whole(v) for v in shown):
        texts = ["" if v is None else "nan" if _nan(v) else str(int(v)) for v in values]
    else:
        low, high = FIXED
        fixed = all(v == 0 or low <= abs(v) < high for v in shown if math.isfinite(v))
        texts = ["" if v is None else _digits(float(v), fixed) for v in values]
    return _aligned(texts)


def _nan(v: float | int) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _whole(v: float | int) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return math.isfinite(v) and v.is_integer() and abs(v) < 1e15


def _digits(x: float, fixed: bool) -> str:
    """``x`` with SIGNIFICANT digits (more for a fraction that would read 0 or ±1)."""
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    for digits in range(SIGNIFICANT, 18):
        if fixed:  # decimals for ``digits`` significant ones: 29.794 → 29.7940, 1233.998 → 1234.00
            decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
            text = f"{x:.{decimals}f}"
        else:
            text = f"{x:.{digits - 1}e}"
        if not abs(x) < 1 or float(text) not in (0.0, 1.0, -1.0):
            break
    return text


def _aligned(texts: list[str]) -> list[str]:
    """Pad each text so the decimal points (or the ends of whole numbers) line up; a
    text that is not a number (``nan``) is right-aligned."""
    parts = [_split(t) if t[-1:].isdigit() else ("", "") for t in texts]
    left = max((len(a) for a, _ in parts), default=0)
    right = max((len(b) for _, b in parts), default=0)
    width = max([left + right, *(len(t) for t in texts)])
    return [
        "" if not t else (a.rjust(left) + b.ljust(right) if t[-1:].isdigit() else t).rjust(width)
        for t, (a, b) in zip(texts, parts, strict=True)
    ]


def _split(text: str) -> tuple[str, str]:
    """(the digits before the decimal point, the rest): ``1.31658e+06`` → (``1``, ``.31658e+06``)."""
    for mark in (".", "e"):
        if mark in text:
            at = text.index(mark)
            return text[:at], text[at:]
    return text, ""


def number(x: float) -> str:
    """One number as a table writes it (:func:`numbers` of a one-number column)."""
    return numbers([x])[0]


def count(n: int, people: bool) -> str:
    """A count: ``1,000,000`` for people (tables), ``1000000`` for machines (Markdown)."""
    return f"{n:,}" if people else str(n)


Cell = str | float | None  # a table cell before formatting: text, a number, or blank


def cells(rows: list[list[Cell]]) -> list[list[str]]:
    """Rows of cells as text: the numbers of each column through :func:`numbers` (one
    rule per column, aligned on the decimal point); text as it is; None blank."""
    if not rows:
        return []
    columns: list[list[str]] = []
    for column in zip(*rows, strict=True):
        formatted = iter(numbers([c for c in column if not isinstance(c, str)]))
        columns.append([c if isinstance(c, str) else next(formatted) for c in column])
    return [list(row) for row in zip(*columns, strict=True)]


def sample_grid(result: EvalResult, block: Any, title: str, footer: str = "") -> Grid:
    """Per-sample rows in the result's table layout (row or id, inputs, losses)."""
    shown = list(result.layout.table)
    rows = []
    for i in range(len(block)):
        row: list[Cell] = []
        for key, _ in shown:
            value = block.row_ids[i] if key == "row" else block.columns[key][i]
            row.append(_cell(value))
        rows.append(row)
    numeric = [key == "row" or block.columns[key].dtype.kind in "iuf" for key, _ in shown]
    return Grid(title, [header for _, header in shown], cells(rows), numeric, footer)


def _cell(value: Any) -> Cell:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int):
        return float(value) if abs(value) < 2**53 else str(value)
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
    lowest = " (lowest)" if getattr(result.layout, "worst_low", False) else ""
    return sample_grid(
        result, result.worst, f"worst {len(result.worst)} rows by {result.layout.worst}{lowest}"
    )


SUMMARY_DROP_FIRST = ("sum", "p99", "p90", "p50", "max", "mean", "count")
QUANTILES = ("p50", "p90", "p99", "max")


def words(per_sample: str) -> str:
    """A per-sample quantity for people: ``squared_error`` → ``squared error``."""
    return per_sample.replace("_", " ")


def summary_grid(result: EvalResult, people: bool = False) -> Grid:
    """One row per loss, each thing said once:

    - a loss whose value is the mean of its per-sample losses ℓ: the value, then the sum,
      count and quantiles of ℓ (no ``mean``: it is the value);
    - a loss whose value is not (rmse, r2, rmsle, max-error: ``LossResult.per_sample``
      names ℓ): the value and count only; ℓ's statistics are in a row named for what ℓ
      is (``squared error``: mean, sum, count, quantiles), once, or, when a loss of the
      table has the same ℓ (mse for rmse and r2), in that loss's row; the footer says which;
    - with ``--ci``, the interval of each value after it (``95% CI``: ``low … high``);
    - with ``--vs-dummy``, the skill and the dummy's loss after them (``skill``, ``dummy``),
      and a note of what the dummy predicts.

    ``people``: counts with thousands separators (tables)."""
    own = [r for r in result.results if not r.per_sample]
    shared: dict[str, list[LossResult]] = {}
    for r in result.results:
        if r.per_sample:
            shared.setdefault(r.per_sample, []).append(r)
    carrier = {q: next((o for o in own if _same_stats(o, rs[0])), None) for q, rs in shared.items()}
    with_mean = any(c is None for c in carrier.values())
    ci = ci_header([r.ci for r in result.results])
    intervals = ci_cells([r.ci for r in result.results]) if ci else []
    skill = skill_headers([r.dummy for r in result.results])
    rows: list[list[Cell]] = []
    for i, r in enumerate(result.results):
        stats: list[Cell] = [r.sum, *(r.quantiles[k] for k in QUANTILES)]
        if r.per_sample:
            stats = [None] * len(stats)
        value: list[Cell] = [r.value, *intervals[i : i + 1], *(skill_cells(r.dummy) if skill else [])]
        rows.append(_summary_row(r.title or r.loss, value, None, stats, count(r.count, people), with_mean))
    for q, rs in shared.items():
        if carrier[q] is None:
            r = rs[0]
            stats = [r.sum, *(r.quantiles[k] for k in QUANTILES)]
            value = [None, *([""] if ci else []), *(["", None] if skill else [])]
            rows.append(_summary_row(words(q), value, r.mean, stats, count(r.count, people), with_mean))
    headers = ["loss", "value", *ci, *skill, *(["mean"] if with_mean else []), "sum", "count", *QUANTILES]
    src = result.source
    dropped = f", {count(src.rows_dropped, people)} dropped" if src.rows_dropped else ""
    title = f"{src.path} · {count(src.rows_used, people)} rows{dropped}"
    notes = [_computed_from(q, rs, carrier[q]) for q, rs in shared.items()]
    footer = "\n".join(notes + dummy_notes(result.results))
    numeric = [False] + [True] * (len(headers) - 1)
    essential = ("loss", "value", *ci, "skill") if skill else ()  # skill is never dropped nor cut
    return Grid(title, headers, cells(rows), numeric, footer, SUMMARY_DROP_FIRST, essential=essential)


def skill_headers(dummies: Sequence[DummyScore | None]) -> list[str]:
    """``skill`` and ``dummy`` (the dummy's loss) when there is a dummy (else none)."""
    return ["skill", "dummy"] if any(d is not None for d in dummies) else []


def skill_cells(dummy: DummyScore | None) -> list[Cell]:
    """The skill (``undefined`` when the labels are constant) and the dummy's loss."""
    if dummy is None:
        return ["", None]
    return [
        "undefined" if math.isnan(dummy.skill) else dummy.skill,
        None if math.isnan(dummy.value) else dummy.value,
    ]


def dummy_notes(results: Sequence[LossResult]) -> list[str]:
    """One note per distinct dummy: ``mse, mae: dummy = the loss of always predicting the
    label mean 152.133; skill = 1 − value / dummy``."""
    said: dict[str, list[str]] = {}
    for r in results:
        if r.dummy is not None:
            said.setdefault(predicting(r.dummy), []).append(r.title or r.loss)
    grouped = " (each group's own in the groups table)" if any(r.groups for r in results) else ""
    return [
        f"{', '.join(names)}: dummy = the loss of always predicting {what}{grouped}; skill = 1 − value / dummy"
        for what, names in said.items()
    ]


def predicting(dummy: DummyScore) -> str:
    """What the dummy predicts, for people: ``the label mean 152.133``, ``the class prior
    P(1) = 0.372583, as the logit −0.521``, ``the class prior (0.333333, 0.333333, …)``."""
    shown = dummy.prediction
    if dummy.strategy != "prior":
        return f"the label {dummy.strategy}" + (
            f" {number(shown).strip()}" if isinstance(shown, float) else ""
        )
    if shown is None:
        text = "the class prior"
    elif isinstance(shown, tuple):
        parts = [number(p).strip() for p in shown[:6]]
        text = f"the class prior ({', '.join(parts)}{', …' if len(shown) > 6 else ''})"
    else:
        text = f"the class prior P(1) = {number(shown).strip()}"
    return text + (f", {dummy.given}" if dummy.given else "")


def _summary_row(
    name: str, value: list[Cell], mean: Cell, stats: list[Cell], counted: str, with_mean: bool
) -> list[Cell]:
    """loss, value, [CI], [mean], sum, count, p50, p90, p99, max (``value``: the value and
    its interval cell with ``--ci``; ``stats``: sum then quantiles)."""
    return [name, *value, *([mean] if with_mean else []), stats[0], counted, *stats[1:]]


def _computed_from(q: str, losses: list[LossResult], carrier: LossResult | None) -> str:
    """The footer for the losses computed from per-sample ``q``: where its statistics are,
    and for a loss with its own summary (f1's confusion matrix, roc-auc's ranks) that its
    value comes from that summary, not from ``q``."""
    row = carrier.title or carrier.loss if carrier is not None else words(q)
    lines = []
    if plain := [r.title or r.loss for r in losses if r.details is None]:
        lines.append(
            f"{', '.join(plain)}: not a mean; computed from each sample's {words(q)}, summarised in the {row} row"
        )
    if summarised := [r.title or r.loss for r in losses if r.details is not None]:
        whose = "its" if len(summarised) == 1 else "their"
        lines.append(
            f"{', '.join(summarised)}: not a mean; computed from {whose} own summary of the rows, "
            f"not from the {row} row"
        )
    return "\n".join(lines)


def _same_stats(a: LossResult, b: LossResult) -> bool:
    """The same per-sample values as far as the table shows them (mse and r2 share d²)."""
    return (
        _same(a.mean, b.mean)
        and _same(a.sum, b.sum)
        and a.count == b.count
        and all(_same(a.quantiles[k], b.quantiles[k]) for k in QUANTILES)
        and a.histogram == b.histogram
    )


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def ci_header(intervals: Sequence[ConfidenceInterval | None]) -> list[str]:
    """The interval column's header, ``95% CI``, when there are intervals (else none)."""
    shown = [ci for ci in intervals if ci is not None]
    return [f"{shown[0].level * 100:g}% CI"] if shown else []


def ci_cells(intervals: Sequence[ConfidenceInterval | None]) -> list[str]:
    """An interval column: ``low … high`` per row, every bound of the column written by
    one rule (:func:`numbers` of all lows and highs together: the same significant
    digits, fixed or scientific for the whole column), each bound without the padding
    that aligns decimal points (two aligned bounds in one cell would double its width);
    blank where a row has no interval."""
    bounds = [
        b.strip() for b in numbers([b for ci in intervals if ci is not None for b in (ci.low, ci.high)])
    ]
    texts = iter(zip(bounds[0::2], bounds[1::2], strict=True))
    return ["" if ci is None else "{} … {}".format(*next(texts)) for ci in intervals]


def ci_cell(ci: ConfidenceInterval | None) -> str:
    """One interval alone, ``low … high`` (:func:`ci_cells` of a one-row column)."""
    return ci_cells([ci])[0]


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
    """One bar per distinct per-sample distribution, named for whose it is: the losses
    whose value is its mean (``mse``), else what it is (``squared error``, behind rmse
    and r2): ``mse, rmse, r2`` share one bar, named ``mse``."""
    shared: dict[tuple[tuple[float, ...], tuple[float, float]], list[LossResult]] = {}
    for r in results:
        shared.setdefault((r.histogram, r.histogram_range), []).append(r)
    lines = (sparkline(same[0], _whose(same)) for same in shared.values())
    return [line for line in lines if line]


def _whose(same: list[LossResult]) -> str:
    own = [r.loss for r in same if not r.per_sample]
    return ", ".join(own or dict.fromkeys(words(r.per_sample) for r in same))


def _zero_one(r: LossResult) -> bool:
    """Per-sample losses that are only 0 or 1 (zero-one, top-k-error): a bar says nothing
    the value does not."""
    lo, hi = r.histogram_range
    inner = r.histogram[1:-1]
    return lo == 0.0 and hi == 1.0 and not any(inner)


def check_cells(c: Any) -> list[Cell]:
    """A gate's value, kind, limit, baseline and PASS/FAIL, as every check table shows
    them (numbers formatted per column by :func:`cells`)."""
    return [c.value, c.kind, c.limit, c.baseline, "PASS" if c.passed else "FAIL"]


def checks_grid(checks: Any, why: bool = False) -> Grid:
    """A run's gates: check, value, gate, limit, baseline, result (``why``: and the
    reason, e.g. ``0.512 > max 0.5``, as Markdown shows it)."""
    headers = ["check", "value", "gate", "limit", "baseline", "result", *(["why"] if why else [])]
    rows = [[c.name, *check_cells(c), *([c.detail] if why else [])] for c in checks]
    numeric = [False, True, False, True, True, False, *([False] if why else [])]
    return Grid("checks", headers, cells(rows), numeric)


def groups_grid(result: EvalResult, people: bool = False) -> Grid | None:
    """--by: one row per (loss, group); with several group columns the key reads
    ``fold=1, sex=F``. ``people``: counts with thousands separators (tables)."""
    groups = [(r, g) for r in result.results for g in (r.groups or ())]
    if not groups:
        return None
    by = result.columns.get("by", "group")
    several = isinstance(by, list)
    ci = ci_header([g.ci for _, g in groups])
    intervals = ci_cells([g.ci for _, g in groups]) if ci else []
    skill = skill_headers([g.dummy for _, g in groups])
    rows: list[list[Cell]] = [
        [
            r.title or r.loss,
            ", ".join(f"{k}={v}" for k, v in g.parts.items()) if several else str(g.group),
            g.value,
            *intervals[i : i + 1],
            *(skill_cells(g.dummy) if skill else []),
            count(g.count, people),
        ]
        for i, (r, g) in enumerate(groups)
    ]
    title = f"by {', '.join(by) if several else by}"
    headers = ["loss", "group", "value", *ci, *skill, "count"]
    essential = ("loss", "group", "value", *ci, "skill") if skill else ()
    return Grid(
        title, headers, cells(rows), [False, False] + [True] * (len(headers) - 2), essential=essential
    )
