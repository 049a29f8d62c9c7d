"""Human output: rich tables on a terminal, the same content as aligned text elsewhere.

Rich is used when stdout is a terminal, or ``FORCE_COLOR`` is set, or
``--color always``; rich itself honours ``NO_COLOR`` and ``COLUMNS``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from losscli.cli.options import ColorMode
from losscli.render.model import Grid


def use_rich(color: ColorMode, stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if color is ColorMode.always:
        return True
    forced = os.environ.get("FORCE_COLOR", "") not in ("", "0")
    return forced or bool(getattr(stream, "isatty", lambda: False)())


def show_grids(grids: list[Grid], lines: list[str], color: ColorMode) -> None:
    if use_rich(color):
        from rich.console import Console

        from losscli.render import table

        console = Console(force_terminal=True, no_color=color is ColorMode.never or None, highlight=False)
        for grid in grids:
            table.write_grid(grid, console)
        for line in lines:
            table.write_line(line, console)
        return
    from losscli.render import plain

    for grid in grids:
        plain.write_grid(grid, sys.stdout)
    for line in lines:
        sys.stdout.write(line + "\n")


def show_result(result: Any, color: ColorMode) -> None:
    from losscli.render.model import checks_grid, groups_grid, head_grid, sparkline, summary_grid, worst_grid

    grids = [g for g in (head_grid(result), worst_grid(result)) if g is not None and g.rows]
    grids.append(summary_grid(result))
    if (groups := groups_grid(result)) is not None:
        grids.append(groups)
    if result.checks:
        grids.append(checks_grid(result.checks))
    show_grids(grids, [sparkline(r) for r in result.results], color)
