"""Tables as plain aligned text for pipes and CI logs: no colour, no box drawing, no wrapping,
no control characters."""

from __future__ import annotations

from typing import TextIO

from losscli import neutralise
from losscli.render.model import Grid


def write_grid(grid: Grid, out: TextIO) -> None:
    """``grid`` as aligned text; every string one printable line (:func:`losscli.neutralise.line`)."""
    grid = grid.map(neutralise.line)
    widths = [len(h) for h in grid.headers]
    for row in grid.rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, grid.numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out.write(f"{grid.title}\n")
    out.write(line(grid.headers) + "\n")
    for row in grid.rows:
        out.write(line(row) + "\n")
    if grid.footer:
        out.write(grid.footer + "\n")
    out.write("\n")


def write_line(text: str, out: TextIO) -> None:
    """One note line (a sparkline), neutralised like the tables."""
    out.write(neutralise.line(text) + "\n")
