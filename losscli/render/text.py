"""Machine formats of a result: JSON, Markdown, bare values. Never through rich."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

from losscli.errors import DataError
from losscli.neutralise import line, markdown
from losscli.render.model import Grid, checks_grid, groups_grid, number, summary_grid
from losscli.results import EvalResult


def to_json(result: EvalResult) -> str:
    """The SPEC §4 object; NaN/inf are errors before this point, never JSON."""
    payload = result.to_dict()
    _reject_non_finite(payload, "result")
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _reject_non_finite(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise DataError(
            f"the {path} is {value}, which JSON cannot carry", "check the input for extreme values"
        )
    if isinstance(value, dict):
        for k, v in value.items():
            _reject_non_finite(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _reject_non_finite(v, f"{path}[{i}]")


def to_values(result: EvalResult) -> str:
    """One value per line, ``repr`` precision; ``name<TAB>value`` when several."""
    if len(result.results) == 1:
        return f"{result.results[0].value!r}\n"
    return "".join(f"{line(r.label or r.loss)}\t{r.value!r}\n" for r in result.results)


def to_markdown(result: EvalResult) -> str:
    """The summary, the details, the groups and each group's details (the first
    ``result.group_details`` groups'), and the checks when asked for, as GitHub pipe tables."""
    from losscli.render.details import detail_grids, group_detail_grids

    text = grid_markdown(summary_grid(result))
    details = detail_grids(result.results)
    for grid in details:
        text += "\n" + grid_markdown(grid)
    if (groups := groups_grid(result)) is not None:
        text += "\n" + grid_markdown(groups)
    for grid in group_detail_grids(result.results, result.group_details, details):
        text += "\n" + grid_markdown(grid)
    if result.checks:
        text += "\n" + grid_markdown(checks_grid(result.checks, why=True))
    return text


def grid_markdown(grid: Grid) -> str:
    """A Grid as a GitHub pipe table, valid at any width: every string one line with
    pipes and Markdown/HTML syntax escaped (:func:`losscli.neutralise.markdown`)."""
    rows = [[c.strip(" ") if n else c for c, n in zip(row, grid.numeric, strict=True)] for row in grid.rows]
    grid = replace(grid, rows=rows).map(markdown)  # numbers unpadded: the table aligns them
    align = ["---:" if numeric else ":---" for numeric in grid.numeric]
    lines = [f"**{grid.title}**", "", _row(grid.headers), _row(align)]
    lines += [_row(row) for row in grid.rows]
    if grid.footer:
        lines += [line for note in grid.footer.split("\n") for line in ("", note)]
    return "\n".join(lines) + "\n"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


__all__ = ["number", "to_json", "to_markdown", "to_values"]
