"""``check --report``: a config's checks as one self-contained HTML page (the same shell,
policy and escaping as ``losscli report``'s, :mod:`losscli.report.html`).

Sections: the verdict and every check, failures first, with its value, interval
(``--ci``/``ci``), skill, gate, limit, baseline and why; then each evaluated file (one
read of a file shared by its checks): its rows, each check's groups (``by``) and the
plots its checks' runs call for (:func:`losscli.report.figures.plots_for`), a plot that
two checks of one file would draw alike (the same columns) shown once. Every number is
the checks' and runs' results: the same as ``check --format json``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace

from losscli.checks import CheckReport
from losscli.render.checks import report_grid
from losscli.render.model import Grid, ci_cells, ci_header, count, groups_grid
from losscli.report.figures import Plot, plots_for, stem
from losscli.report.html import checks_section, esc, figures, page, table, warnings_section
from losscli.results import EvalResult
from losscli.version import __version__

Run = tuple[str, str, EvalResult]  # (file as shown, its read options as JSON, the check's run)
FilePlot = tuple[str, Plot]  # (file as shown, a plot of it)


def check_plots(runs: Sequence[Run]) -> list[FilePlot]:
    """Each file's plots in config order, each with its file, named ``<file stem>-<plot>``
    (unique in a ``--plots`` folder) and titled with the file. A plot two checks of a
    file draw alike (the same SVG: the same columns and rows) is kept once, with the
    longer caption (one that quotes an exact value, e.g. roc-auc's)."""
    kept: dict[tuple[str, str], tuple[str, Plot]] = {}
    for file, _, result in runs:
        for plot in plots_for(result):
            key = (file, hashlib.sha256(plot.svg_file().encode("utf-8")).hexdigest())
            held = kept.get(key)
            if held is None:
                kept[key] = (file, replace(plot, title=f"{file} · {plot.title}"))
            elif len(plot.caption) > len(held[1].caption):
                kept[key] = (file, replace(held[1], caption=plot.caption))
    names: set[str] = set()
    out = []
    for file, plot in kept.values():
        base = f"{stem(re.sub(r'[.][^./]*$', '', file.rsplit('/', 1)[-1]))}-{plot.name}"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.add(name)
        out.append((file, replace(plot, name=name)))
    return out


def check_html(
    report: CheckReport, runs: Sequence[Run], plots: Sequence[FilePlot], svgs: Sequence[str]
) -> str:
    """The whole page; ``plots`` are :func:`check_plots` of ``runs``, ``svgs`` them as SVG."""
    sections = [checks_section(report.checks, checks_grid(report))]
    for file in dict.fromkeys(file for file, _, _ in runs):
        mine = [r for f, _, r in runs if f == file]
        shown = [(p, svg) for (f, p), svg in zip(plots, svgs, strict=True) if f == file]
        sections.append(_file_section(file, mine, shown))
    warnings = dict.fromkeys(w for _, _, r in runs for w in r.warnings)
    sections.append(warnings_section(list(warnings)))
    footer = [
        f"Made by losscli {esc(__version__)}. The numbers are the checks' results (the same as"
        " losscli check --format json); the plots are drawn from bounded summaries gathered in the"
        " same pass over each file: binned curves, histograms and a uniform sample of rows."
    ]
    files = len(dict.fromkeys(f for f, _, _ in runs))
    meta = (
        f"config <b>{esc(report.config)}</b> · {len(report.checks)} checks of {files}"
        f" file{'s' * (files != 1)} · losscli {esc(__version__)}"
    )
    return page(f"losscli check · {report.config}", "losscli check", meta, sections, footer)


def checks_grid(report: CheckReport) -> Grid:
    """Every check, failures first (stable): ``check``'s table with the reasons, and the
    value's interval beside it when a check has one."""
    ordered = CheckReport(report.config, sorted(report.checks, key=lambda c: c.passed))
    grid = report_grid(ordered, why=True)
    intervals = [c.ci for c in ordered.checks]
    header = ci_header(intervals)
    if not header:
        return grid
    at = grid.headers.index("value") + 1
    cells = ci_cells(intervals)
    return replace(
        grid,
        headers=[*grid.headers[:at], *header, *grid.headers[at:]],
        rows=[[*row[:at], cell, *row[at:]] for row, cell in zip(grid.rows, cells, strict=True)],
        numeric=[*grid.numeric[:at], True, *grid.numeric[at:]],
    )


def _file_section(file: str, runs: list[EvalResult], shown: list[tuple[Plot, str]]) -> str:
    """A file's heading, its rows (each distinct way its checks read it), its checks'
    groups and its plots."""
    rows = []
    for src in dict.fromkeys(
        (r.source.format, r.source.rows_used, r.source.rows, r.source.rows_dropped) for r in runs
    ):
        fmt, used, total, dropped = src
        rows.append(
            f"{fmt} · {count(used, True)} rows used of {count(total, True)}"
            + (f", {count(dropped, True)} dropped" if dropped else "")
        )
    losses = ", ".join(dict.fromkeys(r.label or r.loss for run in runs for r in run.results))
    parts = [f"<h2>{esc(file)}</h2>", f'<p class="meta">{esc("; ".join(rows))} · checked: {esc(losses)}</p>']
    for run in runs:
        groups = groups_grid(run, people=True)
        if groups is not None:
            parts.append(table(groups))
    if shown:
        parts.append(figures([p for p, _ in shown], [s for _, s in shown]))
    return "".join(parts)
