"""Tables of a loss's details (LossResult.details: a confusion matrix, a reliability
table): each detail key may name a renderer, "module:function" in ``losscli.render``,
called with the result and the detail's value and returning the grids to show after
the summary table. A key without a renderer is shown in JSON only.

``--by``: each group's details (GroupResult.details, of the group's rows) go through
the same renderers, in tables titled with the group (``sex=F · …``), for the first
``--group-details`` groups (:func:`group_detail_grids`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import Any

from losscli.render.model import Grid
from losscli.results import GROUP_DETAILS, GroupResult, LossResult

#: detail key → "module:function"(result, value) -> list[Grid]
RENDERERS: dict[str, str] = {}
RENDERERS["one_vs_rest"] = "ranking:one_vs_rest"
RENDERERS["one_vs_one"] = "ranking:one_vs_one"
RENDERERS["levels"] = "forecasts:per_level"  # quantile with several columns
RENDERERS["mean_width"] = "forecasts:interval"  # interval-score, coverage
RENDERERS["reliability"] = "calibration:reliability_grids"
RENDERERS["decomposition"] = "calibration:decomposition_grids"
RENDERERS["confusion_matrix"] = "thresholds:confusion_grids"


def _renderer(ref: str) -> Callable[[LossResult, Any], list[Grid]]:
    module, _, name = ref.partition(":")
    found: Callable[[LossResult, Any], list[Grid]] = getattr(
        importlib.import_module(f"losscli.render.{module}"), name
    )
    return found


def detail_grids(results: Sequence[LossResult]) -> list[Grid]:
    """The grids of every result's rendered details, in result order; a grid equal to
    one already shown (f1 and precision of one run: the same confusion matrix) once."""
    grids: list[Grid] = []
    for result in results:
        grids += [g for g in _rendered(result) if g not in grids]
    return grids


def _rendered(result: LossResult) -> list[Grid]:
    return [
        grid
        for key, value in (result.details or {}).items()
        if key in RENDERERS
        for grid in _renderer(RENDERERS[key])(result, value)
    ]


def group_detail_grids(
    results: Sequence[LossResult], limit: int | None = GROUP_DETAILS, shown: Sequence[Grid] = ()
) -> list[Grid]:
    """``--by``: each group's detail tables, drawn as the whole input's are but of the
    group's rows, group by group in the groups' order (within a group, loss by loss),
    each titled with its group: ``sex=F · brier decomposition · 10 uniform bins``.

    - Only the first ``limit`` groups (None: every group); the last table's footer says
      how many more there are and where (``-f json`` holds every group's details).
    - A footer line already under a table in ``shown`` (the whole input's) or an earlier
      group's (a legend, a formula) is not repeated; a table equal to one already in the
      group (f1 and precision: one confusion matrix) is shown once."""
    groups: dict[Hashable, list[tuple[LossResult, GroupResult]]] = {}
    for result in results:
        for group in result.groups or ():
            if any(key in RENDERERS for key in group.details or {}):
                groups.setdefault(group.group, []).append((result, group))
    keys = list(groups)[:limit] if limit is not None else list(groups)
    said = {line for grid in shown for line in grid.footer.split("\n") if line}
    grids: list[Grid] = []
    for key in keys:
        own: list[Grid] = []
        for result, group in groups[key]:
            for grid in _rendered(_as_result(result, group)):
                lines = [line for line in grid.footer.split("\n") if line and line not in said]
                said.update(lines)
                titled = replace(grid, title=f"{_heading(group)} · {grid.title}", footer="\n".join(lines))
                own += [titled] if titled not in own else []
        grids += own
    left = len(groups) - len(keys)
    if left and grids:
        more = "1 more group's" if left == 1 else f"{left:,} more groups'"
        note = f"… {more} detail tables are in -f json (--group-details all shows them here)"
        grids[-1] = replace(grids[-1], footer="\n".join(filter(None, [grids[-1].footer, note])))
    return grids


def _as_result(result: LossResult, group: GroupResult) -> LossResult:
    """The group as a result of its own, for the renderers: its value, rows and details."""
    return replace(
        result,
        value=group.value,
        count=group.count,
        weight_sum=group.weight_sum,
        details=group.details,
        groups=None,
        ci=group.ci,
        dummy=group.dummy,
    )


def _heading(group: GroupResult) -> str:
    """``sex=F``; ``fold=1, sex=F`` with several group columns."""
    return ", ".join(f"{column}={value}" for column, value in group.parts.items())
