"""``compare``'s figures (the ``losscli[report]`` extra): per loss, each model's value with
its interval beside its paired difference to the reference; per loss and model, the
distribution of the per-row differences (model − reference).

Every number drawn is the comparison's (:class:`losscli.results.CompareResult`: the
same as ``compare -f json``), but the histograms, which come from the bounded summary
gathered in the same pass (:class:`losscli.report.summary.Differences`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from losscli.render.comparison import p_text
from losscli.render.model import number
from losscli.report.figures import (
    BLUE,
    GREY,
    ORANGE,
    SIZE,
    Plot,
    figure_of,
    new_figure,
    plain,
    stem,
    style,
    text,
)
from losscli.report.summary import SKEWED
from losscli.results import CompareResult, LossResult, ModelComparison

if TYPE_CHECKING:
    from losscli.report.summary import Differences

GREEN, RED = "#1a7f37", "#cf222e"
VERDICT_COLOURS = {"better": GREEN, "worse": RED}


def comparison_plots(result: CompareResult) -> list[Plot]:
    """Per loss: the values-and-differences chart, then each model's differences."""
    plots = []
    with style():
        for loss in losses(result):
            plots.append(model_values(result, loss))
            plots += [difference_histogram(d) for d in result.plots or () if d.loss == loss]
    return plots


def losses(result: CompareResult) -> list[str]:
    """The compared losses, in order (as every output names them: ``fbeta(beta=2)``)."""
    return list(dict.fromkeys(c.loss for c in result.comparisons))


def loss_results(result: CompareResult, loss: str) -> list[LossResult]:
    """Each model's result on ``loss``, in the models' order."""
    return [next(r for r in run.results if (r.label or r.loss) == loss) for run in result.runs]


def model_values(result: CompareResult, loss: str) -> Plot:
    """Left: each model's value with its interval (the reference in orange, its value
    dashed); right: each other model's Δ = model − reference with the paired interval,
    coloured by the verdict, with its p-value."""
    found = loss_results(result, loss)
    ours = {c.model: c for c in result.comparisons if c.loss == loss}
    k = len(result.models)
    figure = figure_of((SIZE[0] * 2, max(2.0, 1.1 + 0.42 * k)))
    with style():
        left, right = figure.subplots(1, 2, sharey=True)
    y = np.arange(k)
    names = [text(m) + (" (ref)" if m == result.reference else "") for m in result.models]
    for i, (model, r) in enumerate(zip(result.models, found, strict=True)):
        colour = ORANGE if model == result.reference else BLUE
        left.errorbar(r.value, i, xerr=_error(r.value, r.ci), fmt="o", color=colour, ecolor=colour, capsize=4)
    reference = found[result.models.index(result.reference)]
    left.axvline(reference.value, color=ORANGE, linestyle="--", linewidth=1)
    left.set_yticks(y, names)
    left.set_ylim(k - 0.5, -0.5)
    level = _level(found)
    left.set_xlabel(f"{text(loss)} ({level} interval)" if level else text(loss))
    left.set_title("each model's value", fontsize=9)
    right.axvline(0.0, color=GREY, linewidth=1)
    for i, model in enumerate(result.models):
        c = ours.get(model)
        if c is None:
            continue
        colour = VERDICT_COLOURS.get(c.verdict, GREY)
        right.errorbar(c.difference, i, xerr=_error(c.difference, c.ci), fmt="s", color=colour, ecolor=colour,
                       capsize=4)  # fmt: skip
        right.annotate(
            f"{c.verdict}, p {_p(c)}", (c.difference, i), xytext=(0, 7), textcoords="offset points",
            ha="center", va="bottom", fontsize=7.5, color=colour,
        )  # fmt: skip
    right.margins(x=0.25)
    right.set_xlabel(f"Δ = model − {text(result.reference)} (paired {level} interval)")
    right.set_title("difference to the reference", fontsize=9)
    title = f"{text(loss)}: models compared on the same rows"
    figure.suptitle(title, fontsize=10)
    caption = (
        f"left: each model's value with its {level} interval, the reference {result.reference}'s value"
        f" dashed; right: each model's difference to it with the paired {level} interval (the same"
        " resampled rows for both models), green when significantly better, red when significantly worse,"
        " grey when not significant"
    )
    if result.adjusted:
        caption += "; p-values Holm-adjusted over the models"
    return Plot(f"models-{stem(loss)}", title, caption + ".", figure, wide=True)


def _error(value: float, ci: object) -> list[list[float]] | None:
    low, high = getattr(ci, "low", None), getattr(ci, "high", None)
    if low is None or high is None:
        return None
    return [[max(value - low, 0.0)], [max(high - value, 0.0)]]


def _level(found: list[LossResult]) -> str:
    ci = next((r.ci for r in found if r.ci is not None), None)
    return "" if ci is None else f"{ci.level * 100:g}%"


def _p(c: ModelComparison) -> str:
    shown = p_text(c.p_value)
    return shown if shown.startswith("<") else f"= {shown}"


def difference_histogram(d: Differences) -> Plot:
    """The per-row differences' histogram, 0 marked, the side where the model is
    better said on the axes."""
    figure, ax = new_figure()
    widths = np.diff(d.edges)
    ax.bar(d.edges[:-1], d.counts, width=widths, align="edge", color=BLUE, edgecolor="white", linewidth=0.3)
    ax.axvline(0.0, color=ORANGE, linewidth=1.2)
    what = d.per_sample.replace("_", " ") if d.per_sample else "per-sample loss"
    model, reference = text(d.model), text(d.reference)
    axis = ""
    if d.linear > 0:
        ax.set_xscale("symlog", linthresh=d.linear, linscale=1.0)
        ax.set_xticks(symlog_ticks(float(d.edges[0]), float(d.edges[-1]), d.linear))
        plain(ax.xaxis)
        axis = " (symmetric log axis)"
    ax.set_xlabel(f"{model} − {reference}: difference of each row's {what}{axis}")
    ax.set_ylabel("rows (weighted)" if d.weighted else "rows")
    lower, higher = ("worse", "better") if d.higher_is_better else ("better", "worse")
    ax.text(0.01, 0.97, f"← {model} {lower}", transform=ax.transAxes, ha="left", va="top", fontsize=8,
            color=GREY)  # fmt: skip
    ax.text(0.99, 0.97, f"{model} {higher} →", transform=ax.transAxes, ha="right", va="top", fontsize=8,
            color=GREY)  # fmt: skip
    ax.set_ylim(0, max(float(d.counts.max()), 1.0) * 1.22)  # room for the two labels
    title = f"{text(d.loss)}: per-row differences, {model} − {reference}"
    ax.set_title(title)
    notes = [f"each row's {what} under {d.model} minus under {d.reference}", f"{len(d.counts)} bins"]
    if d.linear > 0:
        notes.append(
            f"symmetric log axis, linear within ±{number(d.linear)} (the median |difference|): the"
            f" differences are skewed (the 0.5% or 99.5% quantile is ≥ {SKEWED:g}× it away from 0)"
        )
    if d.below > 0:
        notes.append(f"the first bar also holds the {_rows(d.below, d.weighted)} below its edge")
    if d.above > 0:
        notes.append(f"the last bar also holds the {_rows(d.above, d.weighted)} above its edge")
    notes.append(
        "from every difference" if d.exact else "from a quantile sketch's log buckets (≤ 0.5% relative error)"
    )
    return Plot(f"differences-{stem(d.loss)}-{stem(d.model)}", title, "; ".join(notes) + ".", figure)


def _rows(weight: float, weighted: bool) -> str:
    return f"{number(weight)} (weighted) rows" if weighted else f"{number(weight)} row{'s' * (weight != 1)}"


def symlog_ticks(lo: float, hi: float, t: float) -> list[float]:
    """0 and the powers of ten from ±t outwards (matplotlib's own locator also marks the
    decades inside ±t, where their labels run into each other), every other one when
    more than 5 a side."""
    first = int(np.ceil(np.log10(t)))
    ticks = [0.0]
    for sign, end in ((-1.0, -lo), (1.0, hi)):
        if end <= 0:
            continue
        powers = [10.0**k for k in range(first, int(np.floor(np.log10(end))) + 1)]
        step = 2 if len(powers) > 5 else 1
        ticks += [sign * x for x in powers[::-1][::step]]
    return sorted(ticks)
