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
FOLDED = 16  # the narrowest a folding column (a formula) is drawn
ESSENTIAL = ("loss", "value", "result", "name")  # never dropped nor cut (nor loss_<name>)


def write_grid(grid: Grid, console: Any) -> None:
    """``grid`` as a rich table that fits ``console.width``: numbers and verdicts are never
    cut; long names are cut with …; when even that is too wide, lower-priority columns
    (from the right) are left out and a one-line note names them."""
    from rich.table import Table
    from rich.text import Text

    grid = grid.map(line)
    grid, dropped = _drop_columns(grid, console.width)
    table = Table()
    for header, numeric, (least, most) in zip(
        grid.headers, grid.numeric, _widths(grid, console.width), strict=True
    ):
        wraps, folds = header in grid.wrap, header in grid.fold
        table.add_column(
            Text(header),
            justify="right" if numeric else "left",
            no_wrap=not (wraps or folds),
            overflow="fold" if folds else "ellipsis",
            min_width=_longest_word(grid, header) if wraps else FOLDED if folds else least,
            max_width=None if wraps or folds else most,
        )
    for row in grid.rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(Text(grid.title, style="bold"), soft_wrap=True)  # titles and notes never wrap
    console.print(table)
    if dropped:
        note = f"not shown, the terminal is too narrow: {', '.join(dropped)} (widen it, or use -f json)"
        console.print(Text(note, style="dim"), soft_wrap=True)
    if grid.footer:
        console.print(Text(grid.footer, style="dim"), soft_wrap=True)


def _widest(grid: Grid) -> list[int]:
    from rich.cells import cell_len

    return [max([cell_len(h), *(cell_len(row[i]) for row in grid.rows)]) for i, h in enumerate(grid.headers)]


def _longest_word(grid: Grid, header: str) -> int:
    """The widest word of a wrapping column (it wraps between words, never inside one)."""
    from rich.cells import cell_len

    i = grid.headers.index(header)
    words = [w for row in grid.rows for w in row[i].split()] + header.split()
    return max((cell_len(w) for w in words), default=1)


def _kept(grid: Grid, widest: list[int]) -> list[bool]:
    """Columns shown whole: numbers, short text, and the essential columns (a loss's
    name, as ``cross-entropy``, is never ``cross-entro…``)."""
    return [  # a column the grid would rather drop than cut (drop_first) is whole while shown
        num or w <= SHORT or _essential(grid, h) or h in grid.drop_first
        for num, w, h in zip(grid.numeric, widest, grid.headers, strict=True)
    ]


def _least(grid: Grid) -> int:
    """The narrowest this grid can be drawn: kept columns whole, long ones at SHORT."""
    widest = _widest(grid)
    cells = [
        _longest_word(grid, h)
        if h in grid.wrap
        else min(w, FOLDED)
        if h in grid.fold
        else w
        if k
        else min(w, SHORT)
        for w, k, h in zip(widest, _kept(grid, widest), grid.headers, strict=True)
    ]
    return 3 * len(cells) + 1 + sum(cells)


def _drop_columns(grid: Grid, width: int) -> tuple[Grid, list[str]]:
    """Leave out columns until it fits: the grid's declared ``drop_first`` columns in
    their order, then from the right (never the first or an essential one)."""
    keep = list(range(len(grid.headers)))
    dropped: list[str] = []
    current = grid
    while _least(current) > width:
        droppable = [i for i in keep[1:] if not _essential(grid, grid.headers[i])]
        if not droppable:
            break
        declared = [i for name in grid.drop_first for i in droppable if grid.headers[i] == name]
        gone = declared[0] if declared else droppable[-1]
        keep.remove(gone)
        dropped.append(grid.headers[gone])
        current = Grid(
            grid.title,
            [grid.headers[i] for i in keep],
            [[row[i] for i in keep] for row in grid.rows],
            [grid.numeric[i] for i in keep],
            grid.footer,
            grid.drop_first,
            grid.wrap,
            grid.fold,
            grid.essential,
        )
    return current, dropped


def _essential(grid: Grid, header: str) -> bool:
    """Never dropped nor cut: the grid's own list, else the loss, its value and interval."""
    if grid.essential:
        return header in grid.essential
    return header in ESSENTIAL or header.startswith("loss_") or header.endswith("% CI")


def _widths(grid: Grid, width: int) -> list[tuple[int | None, int | None]]:
    """(min, max) width per column: kept columns at their full width; the long text
    columns (names, ids) share what is left, widest cut first (rich ends a cut cell with …)."""
    widest = _widest(grid)
    kept = _kept(grid, widest)
    room = width - (3 * len(widest) + 1) - sum(w for w, k in zip(widest, kept, strict=True) if k)
    long = sorted((w, i) for i, (w, k) in enumerate(zip(widest, kept, strict=True)) if not k)
    limits: dict[int, int] = {}
    if sum(w for w, _ in long) > room:
        for n, (w, i) in enumerate(long):
            limits[i] = min(w, max(SHORT, room // (len(long) - n)))
            room -= limits[i]
    return [(w, w) if k else (None, limits.get(i)) for i, (w, k) in enumerate(zip(widest, kept, strict=True))]


def write_line(text: str, console: Any) -> None:
    from rich.text import Text

    console.print(Text(line(text)))
