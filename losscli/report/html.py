"""The report as one self-contained HTML page: inline CSS, figures as inline SVG, no
script, font, image or stylesheet from anywhere (a Content-Security-Policy of
``default-src 'none'`` says so to the browser too), every text escaped.

The numbers are the result's (:class:`losscli.results.EvalResult`: the same as
``-f json``), shown through the same grids as the terminal and Markdown tables
(:mod:`losscli.render.model`); the figures are :mod:`losscli.report.figures`'.
Sections: the headline (each loss's value, its interval with ``--ci``, rows, the input,
losscli's version), the checks (failures first), the summary and detail tables, the
groups (``--by``), the plots, the worst rows (``--worst K``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from losscli import neutralise
from losscli.render.model import (
    Grid,
    checks_grid,
    ci_cell,
    count,
    groups_grid,
    number,
    summary_grid,
    worst_grid,
)
from losscli.report.figures import Plot
from losscli.results import EvalResult, LossResult
from losscli.version import __version__

if TYPE_CHECKING:
    from losscli.checks import CheckResult

CSS = """
:root{--ink:#1d2430;--muted:#5b6573;--line:#dde2e8;--bg:#f6f8fa;--pass:#1a7f37;--fail:#cf222e}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:#fff}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.meta{color:var(--muted);margin:0 0 16px;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:180px;background:var(--bg)}
.card .name{color:var(--muted);font-size:13px;overflow-wrap:anywhere}
.card .value{font-size:26px;font-weight:600;font-variant-numeric:tabular-nums}
.card .ci,.card .rows{color:var(--muted);font-size:12px}
.verdict{display:inline-block;border-radius:6px;padding:6px 12px;font-weight:600;margin:4px 0 12px;color:#fff}
.verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}
table{border-collapse:collapse;margin:6px 0 4px;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0;overflow-wrap:anywhere}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td.n{text-align:right;white-space:nowrap}
td.FAIL{color:var(--fail);font-weight:700}td.PASS{color:var(--pass);font-weight:600}
.scroll{overflow-x:auto;max-width:100%}
.note{color:var(--muted);font-size:12px;margin:2px 0 10px;white-space:pre-line}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:18px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff}
figure svg{width:100%;height:auto;display:block;margin:0 auto}
figure.wide{grid-column:1/-1}
figcaption{color:var(--muted);font-size:12px;margin-top:4px}
footer{margin-top:32px;color:var(--muted);font-size:12px}
.loss{margin:0 0 16px}.loss h3{font-size:14px;margin:10px 0 6px;overflow-wrap:anywhere}
.card.ref{border-color:#d9771f}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;margin-top:6px;font-size:12px;font-weight:600;color:#fff;background:#6e7781}
.badge.better{background:var(--pass)}.badge.worse{background:var(--fail)}
"""

POLICY = "default-src 'none'; style-src 'unsafe-inline'"
WIDE = ' class="wide"'  # a figure given a whole row of the grid


def esc(text: object) -> str:
    """Text for HTML: markup escaped, control characters made visible (one line)."""
    return html.escape(neutralise.line(str(text)), quote=True)


def to_html(result: EvalResult, plots: Sequence[Plot], svgs: Sequence[str], notes: Sequence[str] = ()) -> str:
    """The whole page (see the module docstring); ``svgs`` are ``plots`` as inline SVG."""
    parts = [_headline(result)]
    if result.checks:
        parts.append(checks_section(result.checks))
    parts.append("<h2>Summary</h2>" + table(summary_grid(result, people=True)))
    from losscli.render.details import detail_grids

    for grid in detail_grids(result.results):
        parts.append(table(grid))
    groups = groups_grid(result, people=True)
    if groups is not None:
        parts.append("<h2>Groups</h2>" + table(groups))
    if plots:
        parts.append("<h2>Plots</h2>" + figures(plots, svgs))
    worst = worst_grid(result)
    if worst is not None:
        parts.append("<h2>Worst rows</h2>" + table(worst))
    parts.append(warnings_section(result.warnings))
    footer = [
        f"Made by losscli {esc(__version__)}. The numbers are the run's results (the same as -f json);"
        " the plots are drawn from bounded summaries gathered in the same pass over the data:"
        " binned curves, histograms and a uniform sample of rows.",
        *(esc(n) for n in notes),
    ]
    return page(f"losscli report · {result.source.path}", "losscli report", _meta(result), parts, footer)


def page(title: str, heading: str, meta: str, sections: Sequence[str], footer: Sequence[str]) -> str:
    """The page around ``sections`` (HTML): the head with its policy and style, the
    heading, the ``meta`` line (HTML) and the ``footer`` lines (HTML)."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
            f"<header><h1>{esc(heading)}</h1>",
            f'<p class="meta">{meta}</p></header>',
            *(s for s in sections if s),
            "<footer>" + "<br>".join(footer) + "</footer></body></html>\n",
        ]
    )


def warnings_section(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    return "<h2>Warnings</h2>" + "".join(f'<p class="note">{esc(w)}</p>' for w in warnings)


def _meta(result: EvalResult) -> str:
    src = result.source
    dropped = f", {count(src.rows_dropped, True)} dropped" if src.rows_dropped else ""
    columns = ", ".join(
        f"{role} " + ", ".join(f"'{n}'" for n in (name if isinstance(name, list) else [name]))
        for role, name in result.columns.items()
        if name not in (None, [])
    )
    return (
        f"input <b>{esc(src.path)}</b> ({esc(src.format)}) · {esc(count(src.rows_used, True))} rows used"
        f" of {esc(count(src.rows, True))}{esc(dropped)} · columns: {esc(columns)} · losscli {esc(__version__)}"
    )


def _headline(result: EvalResult) -> str:
    cards = [_card(r) for r in result.results]
    return '<section class="cards" id="headline">' + "".join(cards) + "</section>"


def _card(r: LossResult) -> str:
    lines = [
        f'<div class="name">{esc(r.title or r.loss)}{" (higher is better)" if r.higher_is_better else ""}</div>',
        f'<div class="value">{esc(number(r.value))}</div>',
    ]
    if r.ci is not None:
        lines.append(
            f'<div class="ci">{r.ci.level * 100:g}% CI {esc(ci_cell(r.ci))}'
            f" ({esc(r.ci.method)}, {r.ci.resamples} resamples)</div>"
        )
    if r.dummy is not None:
        lines.append(
            f'<div class="ci">skill {esc(number(r.dummy.skill))} vs {esc(r.dummy.strategy)} dummy</div>'
        )
    lines.append(f'<div class="rows">{esc(count(r.count, True))} rows</div>')
    return '<div class="card">' + "".join(lines) + "</div>"


def checks_section(checks: Sequence[CheckResult], grid: Grid | None = None) -> str:
    """The gates: a PASS/FAIL verdict, then the checks failures first (``grid``: the
    checks' table when not :func:`losscli.render.model.checks_grid`'s)."""
    ordered = sorted(checks, key=lambda c: c.passed)  # failures first, stable
    failed = sum(not c.passed for c in ordered)
    verdict = (
        f'<div class="verdict fail">FAIL: {failed} of {len(ordered)} checks failed</div>'
        if failed
        else f'<div class="verdict pass">PASS: all {len(ordered)} checks passed</div>'
    )
    shown = checks_grid(ordered, why=True) if grid is None else grid
    return "<h2>Checks</h2>" + verdict + table(_filled(shown), marks=True)


def _filled(grid: Grid) -> Grid:
    """The grid without the columns no row fills (a limit column when every gate is a
    baseline's)."""
    keep = [i for i in range(len(grid.headers)) if any(row[i].strip() for row in grid.rows)]
    if len(keep) == len(grid.headers):
        return grid
    return replace(
        grid,
        headers=[grid.headers[i] for i in keep],
        rows=[[row[i] for i in keep] for row in grid.rows],
        numeric=[grid.numeric[i] for i in keep],
    )


def table(grid: Grid, marks: bool = False) -> str:
    """A grid as an HTML table (numbers right-aligned; ``marks``: PASS/FAIL cells coloured)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in grid.headers)
    rows = []
    for row in grid.rows:
        cells = []
        for text, numeric in zip(row, grid.numeric, strict=True):
            shown = text.strip(" ") if numeric else text
            kind = "n" if numeric else (shown if marks and shown in ("PASS", "FAIL") else "")
            attr = f' class="{kind}"' if kind else ""
            cells.append(f"<td{attr}>{esc(shown)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{html.escape(_lines(grid.footer))}</p>' if grid.footer else ""
    return (
        f'<div class="scroll"><table><caption>{esc(grid.title)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{note}"
    )


def _lines(text: str) -> str:
    return "\n".join(neutralise.line(t) for t in text.split("\n"))


def figures(plots: Sequence[Plot], svgs: Sequence[str]) -> str:
    out = []
    for plot, svg in zip(plots, svgs, strict=True):
        out.append(
            f'<figure id="plot-{esc(plot.name)}"{WIDE if plot.wide else ""} aria-label="{esc(plot.title)}">{svg}'
            f"<figcaption>{esc(plot.caption)}</figcaption></figure>"
        )
    return '<div class="plots">' + "".join(out) + "</div>"
