"""Rich tables for a terminal. The only renderer module that imports rich.

User-supplied text (column names, paths) is first made one printable line
(:func:`losscli.neutralise.line`: no ESC, newline or bidi override reaches the
terminal) and then passed as ``rich.text.Text``, so it is never read as markup.
"""

from __future__ import annotations

from dataclasses import replace
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

    grid = _right_aligned(grid.map(line))
    grid, dropped = _drop_columns(grid, console.width)
    table = Table()
    widest = _widest(grid)
    for i, (header, (least, most)) in enumerate(zip(grid.headers, _widths(grid, console.width), strict=True)):
        wraps, folds = header in grid.wrap, header in grid.fold
        table.add_column(
            Text(_pad(header, widest[i]) if grid.numeric[i] else header),
            justify="left",  # numeric columns come padded (rich's right justify drops their padding)
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


def _right_aligned(grid: Grid) -> Grid:
    """Numeric columns' cells padded on the left to one width: right-aligned, with
    the trailing spaces that align a column's decimal points kept (rich's right
    justification strips them)."""
    widest = _widest(grid)

    def pad(text: str, i: int) -> str:
        return _pad(text, widest[i]) if grid.numeric[i] else text

    return replace(grid, rows=[[pad(c, i) for i, c in enumerate(row)] for row in grid.rows])


def _pad(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal cells."""
    from rich.cells import cell_len

    return " " * (width - cell_len(text)) + text


def _widest(grid: Grid) -> list[int]:
    from rich.cells import cell_len

    def wide(text: str) -> int:
        return max(cell_len(part) for part in text.split("\n"))

    return [max([wide(h), *(wide(row[i]) for row in grid.rows)]) for i, h in enumerate(grid.headers)]


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
    their order, then its ``stack`` columns go under another column's text (``list``'s
    aliases under the name), then columns from the right (never the first or an
    essential one)."""
    dropped: list[str] = []
    while _least(grid) > width:
        droppable = [i for i in range(1, len(grid.headers)) if not _essential(grid, grid.headers[i])]
        declared = [i for name in grid.drop_first for i in droppable if grid.headers[i] == name]
        stackable = [(c, u) for c, u in grid.stack if c in grid.headers and u in grid.headers]
        if not declared and stackable:
            grid = _stacked(grid, *stackable[0])
            continue
        if not droppable:
            break
        gone = declared[0] if declared else droppable[-1]
        dropped.append(grid.headers[gone])
        grid = _without(grid, gone)
    return grid, dropped


def _without(grid: Grid, gone: int) -> Grid:
    keep = [i for i in range(len(grid.headers)) if i != gone]
    return replace(
        grid,
        headers=[grid.headers[i] for i in keep],
        rows=[[row[i] for i in keep] for row in grid.rows],
        numeric=[grid.numeric[i] for i in keep],
    )


def _stacked(grid: Grid, column: str, under: str) -> Grid:
    """``column``'s text on a line of its own, in parentheses, under ``under``'s text
    (``mse`` / ``(l2, mean-squared-error)``); the merged column wraps between words."""
    i, j = grid.headers.index(column), grid.headers.index(under)
    merged = f"{under} ({column})"
    rows = [[*row[:j], row[j] + (f"\n({row[i]})" if row[i] else ""), *row[j + 1 :]] for row in grid.rows]
    headers = [*grid.headers[:j], merged, *grid.headers[j + 1 :]]
    return _without(replace(grid, headers=headers, rows=rows, wrap=(*grid.wrap, merged)), i)


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
