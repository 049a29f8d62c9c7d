"""Rich tables for a terminal. The only renderer module that imports rich.

User-supplied text (column names, paths) is passed as ``rich.text.Text``, so
it is never read as markup.
"""

from __future__ import annotations

from typing import Any

from losscli.render.model import Grid


def write_grid(grid: Grid, console: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table()
    for header, numeric in zip(grid.headers, grid.numeric, strict=True):
        table.add_column(Text(header), justify="right" if numeric else "left", no_wrap=True)
    for row in grid.rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(Text(grid.title, style="bold"), soft_wrap=True)  # titles and notes never wrap
    console.print(table)
    if grid.footer:
        console.print(Text(grid.footer, style="dim"), soft_wrap=True)


def write_line(text: str, console: Any) -> None:
    from rich.text import Text

    console.print(Text(text))
