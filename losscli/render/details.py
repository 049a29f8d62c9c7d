"""Tables of a loss's details (LossResult.details: a confusion matrix, a reliability
table): each detail key may name a renderer, "module:function" in ``losscli.render``,
called with the result and the detail's value and returning the grids to show after
the summary table. A key without a renderer is shown in JSON only."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from losscli.render.model import Grid
from losscli.results import LossResult

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
        for key, value in (result.details or {}).items():
            if key in RENDERERS:
                grids += [g for g in _renderer(RENDERERS[key])(result, value) if g not in grids]
    return grids
