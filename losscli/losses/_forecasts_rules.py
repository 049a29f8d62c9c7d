"""What the forecast losses take of their prediction columns, decided before a row is read
(``LossSpec.shape_rule``: (params, PredShape) -> derived kernel parameters, or UsageError).

Quantile levels from column names — the number the name ends with:

- with a decimal point, it is the level: ``q0.05``, ``q_0.95``, ``quantile_.9``;
- digits only, they are the decimals after "0.": ``q05`` = 0.05, ``q95`` = 0.95,
  ``q50`` = 0.5, ``q975`` = 0.975, ``q025`` = 0.025; a single digit (``q5``: 0.5 or
  5%?) is ambiguous and refused;
- every level lies strictly between 0 and 1, and no two columns share one.

A name without such a number, or any of the above broken, is exit 2 naming the column;
``--levels`` gives the levels instead, one per column in ``--pred``'s order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from losscli.errors import UsageError
from losscli.neutralise import listing, quote
from losscli.options import spelled
from losscli.spec import PredShape
from losscli.spelling import param

TRAILING_NUMBER = re.compile(r"(\d*\.\d+|\d+)$")
GAUSSIAN = ("std", "var")


def level_of(name: str) -> float:
    """A quantile level read from a column name (the module's rule); UsageError if none."""
    found = TRAILING_NUMBER.search(name.strip())
    hint = f"name it like q0.05 or q05, or give {param('levels')}"
    if found is None:
        raise UsageError(
            f"cannot read a quantile level from column {quote(name)}: no number at its end", hint
        )
    text = found.group(1)
    if "." not in text and len(text) < 2:
        raise UsageError(
            f"column {quote(name)}: a single digit is ambiguous as a quantile level (0.{text} or 0.0{text}?)",
            hint,
        )
    level = float(text) if "." in text else float("0." + text)
    if not 0.0 < level < 1.0:
        raise UsageError(f"column {quote(name)}: quantile level {level:g} is not between 0 and 1", hint)
    return level


def parse_levels(text: str) -> tuple[float, ...]:
    """``"0.05,0.5,0.95"`` (commas, semicolons or spaces) → (0.05, 0.5, 0.95); ValueError
    with what is wrong."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not parts:
        raise ValueError("must list at least one level")
    try:
        levels = tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError("must be numbers separated by commas, e.g. 0.05,0.5,0.95") from None
    bad = [x for x in levels if not (math.isfinite(x) and 0.0 < x < 1.0)]
    if bad:
        raise ValueError(f"must each be between 0 and 1 (not {bad[0]:g})")
    if len(set(levels)) != len(levels):
        raise ValueError("must not repeat a level")
    return levels


def levels_constraint(value: Any) -> str | None:
    """``Param.constraint`` of ``--levels``."""
    if not isinstance(value, str):
        return "must be a list of levels, e.g. 0.05,0.5,0.95"
    try:
        parse_levels(value)
    except ValueError as exc:
        return str(exc)
    return None


def quantile_shape(params: Mapping[str, Any], shape: PredShape) -> dict[str, Any]:
    """One column: its level is ``--alpha`` (or the one ``--levels`` value). Several:
    one level per column, from ``--levels`` (in column order) or from the names."""
    given = parse_levels(params["levels"]) if params.get("levels") else None
    alpha = params["alpha"]
    if shape.k == 1:
        if given is None:
            return {"quantile_levels": (alpha,)}
        if alpha != 0.5:
            raise UsageError(f"give the level once: {param('alpha')} or {param('levels')}, not both")
        if len(given) != 1:
            raise UsageError(f"{param('levels')} lists {len(given)} levels for 1 prediction column")
        return {"quantile_levels": given}
    if alpha != 0.5:
        raise UsageError(
            f"{param('alpha')} is the level of one quantile column; {shape.k} columns take theirs "
            f"from their names or {param('levels')}",
        )
    if given is not None:
        if len(given) != shape.k:
            raise UsageError(
                f"{param('levels')} lists {len(given)} levels for {shape.k} prediction columns",
                "give one level per column, in the order of the columns",
            )
        return {"quantile_levels": given}
    if shape.names is None:
        raise UsageError(
            f"{shape.k} quantile columns need their levels: give {param('levels')} (one per column)"
        )
    levels = tuple(level_of(name) for name in shape.names)
    _distinct(levels, shape.names)
    return {"quantile_levels": levels}


def _distinct(levels: tuple[float, ...], names: Sequence[str]) -> None:
    seen: dict[float, str] = {}
    for level, name in zip(levels, names, strict=True):
        if level in seen:
            raise UsageError(
                f"columns {quote(seen[level])} and {quote(name)} are both quantile level {level:g}",
                f"give each column its own level, or {param('levels')}",
            )
        seen[level] = name


def crps_shape(params: Mapping[str, Any], shape: PredShape) -> dict[str, Any]:
    """A Gaussian forecast when ``--std`` or ``--var`` is given (one mean column), else an
    ensemble: at least 2 member columns (a single column is never read as an ensemble
    of one, so a forgotten ``--std`` cannot pass for one; a (n, 1) array in Python can)."""
    gaussian = [role for role in GAUSSIAN if role in shape.roles]
    if len(gaussian) > 1:
        raise UsageError(f"crps takes {spelled('std')} or {spelled('var')}, not both")
    if gaussian:
        if shape.k != 1:
            names = f" ({listing(list(shape.names), limit=4)})" if shape.names else ""
            raise UsageError(
                f"crps of a Gaussian forecast ({spelled(gaussian[0])}) takes one mean column, "
                f"not {shape.k}{names}",
                f"for an ensemble, leave out {spelled(gaussian[0])}; for a Gaussian, name its mean with "
                f"{spelled('pred', 'COL', placeholder=True)}",
            )
        if params["estimator"] != "nrg":
            raise UsageError(
                f"{param('estimator')} is for an ensemble: a Gaussian forecast's CRPS is exact",
                f"leave out {param('estimator')}",
            )
        return {}
    if not shape.matrix:
        column = f" ({quote(shape.names[0])})" if shape.names else ""
        raise UsageError(
            f"crps needs a Gaussian forecast (its mean with {spelled('std', 'COL', placeholder=True)} or "
            f"{spelled('var', 'COL', placeholder=True)}) or an ensemble of at least 2 members, "
            f"but the prediction is one column{column}",
            f"give the standard deviation ({spelled('std')}) or the members, "
            f"e.g. {spelled('pred', quote('member_*'), placeholder=True)}",
        )
    if shape.k < 2 and params["estimator"] == "fair":
        raise UsageError(
            "the fair estimator needs at least 2 members (its spread term divides by m(m − 1))",
            f"use {param('estimator', 'nrg')} for one member",
        )
    return {}


def ordered_interval(inputs: Mapping[str, Any], params: Mapping[str, Any], ignored: Any = None) -> Any:
    """``LossSpec.input_rule`` of interval losses: each row's lower bound <= its upper bound."""
    from losscli.losses.validation import RowIssue

    bad = inputs["lower"] > inputs["upper"]
    if not bad.any():
        return None
    first = int(bad.argmax())
    return RowIssue(
        "lower",
        bad,
        "be <= the upper bound",
        "an interval runs from its lower to its upper bound: are the two columns swapped?",
        f"its upper bound is {float(inputs['upper'][first]):g}",
    )
