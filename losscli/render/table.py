"""Rich tables for a terminal. The only renderer module that imports rich.

User-supplied text (column names, paths) is first made one printable line
(:func:`losscli.neutralise.line`: no ESC, newline or bidi override reaches the
terminal) and then passed as ``rich.text.Text``, so it is never read as markup.
"""

from __future__ import annotations

from typing import Any

from losscli.neutralise import line
from losscli.render.model import Grid

SHORT = 8  # a text column no wider than this (PASS/FAIL, a gate kind) is never cut


def write_grid(grid: Grid, console: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    grid = grid.map(line)
    widths = _fit_widths(grid, console.width)
    table = Table()
    for header, numeric, (least, most) in zip(grid.headers, grid.numeric, widths, strict=True):
        table.add_column(
            Text(header),
            justify="right" if numeric else "left",
            no_wrap=True,
            min_width=least,
            max_width=most,
        )
    for row in grid.rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(Text(grid.title, style="bold"), soft_wrap=True)  # titles and notes never wrap
    console.print(table)
    if grid.footer:
        console.print(Text(grid.footer, style="dim"), soft_wrap=True)


def _fit_widths(grid: Grid, width: int) -> list[tuple[int | None, int | None]]:
    """(min, max) width per column: numbers and short text (PASS/FAIL) keep their full
    width; when the table is too wide, the long text columns (names, ids) share what is
    left, widest cut first (rich ends a cut cell with …)."""
    widest = [max([len(h), *(len(row[i]) for row in grid.rows)]) for i, h in enumerate(grid.headers)]
    keep = [num or w <= SHORT for num, w in zip(grid.numeric, widest, strict=True)]
    room = width - (3 * len(widest) + 1) - sum(w for w, k in zip(widest, keep, strict=True) if k)
    long = sorted((w, i) for i, (w, k) in enumerate(zip(widest, keep, strict=True)) if not k)
    limits: dict[int, int] = {}
    if sum(w for w, _ in long) > room:
        for n, (w, i) in enumerate(long):
            limits[i] = min(w, max(SHORT, room // (len(long) - n)))
            room -= limits[i]
    return [(w, w) if k else (None, limits.get(i)) for i, (w, k) in enumerate(zip(widest, keep, strict=True))]


def write_line(text: str, console: Any) -> None:
    from rich.text import Text

    console.print(Text(line(text)))
