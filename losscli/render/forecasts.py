"""Tables of the forecast losses' details (losscli.render.details): the pinball loss per
quantile level (and the weighted interval score), and an interval's coverage and width."""

from __future__ import annotations

from typing import Any

from losscli.render.model import Grid, numbers
from losscli.results import LossResult


def per_level(result: LossResult, levels: Any) -> list[Grid]:
    """``quantile`` with several columns: level | pinball, one row per column; the WIS
    (when the levels pair up around a median) in the footer."""
    details = result.details or {}
    shown = [
        [level, value]
        for level, value in zip(
            numbers([float(x["level"]) for x in levels]),
            numbers([float(x["value"]) for x in levels]),
            strict=True,
        )
    ]
    footer = [f"mean over the {len(levels)} levels: {numbers([result.value])[0]} (the value)"]
    if details.get("wis") is not None:
        alphas = ", ".join(numbers([float(a) for a in details.get("interval_alphas", [])]))
        footer.append(
            f"weighted interval score: {numbers([float(details['wis'])])[0]} "
            f"(central intervals α = {alphas} and the median)"
        )
    title = f"{result.title or result.loss}: pinball loss per level"
    return [
        Grid(
            title,
            ["level", "pinball"],
            shown,
            [True, True],
            "\n".join(footer),
            essential=("level", "pinball"),
        )
    ]


def interval(result: LossResult, width: Any) -> list[Grid]:
    """interval-score, coverage: nominal | coverage | below | above | mean width."""
    d = result.details or {}
    nominal = "" if d.get("nominal") is None else numbers([float(d["nominal"])])[0]
    shares = numbers([float(d["coverage"]), float(d["below"]), float(d["above"])])
    row = [nominal, *shares, numbers([float(width)])[0]]
    footer = "" if d.get("nominal") is not None else "nominal: give --alpha (the interval is 1 − α)"
    return [
        Grid(
            f"{result.title or result.loss}: interval",
            ["nominal", "coverage", "below", "above", "mean width"],
            [row],
            [True] * 5,
            footer,
            drop_first=("below", "above"),  # a narrow terminal keeps the level, coverage and width
            essential=("nominal", "coverage", "mean width"),
        )
    ]
