"""The report's figures, drawn with matplotlib (the ``losscli[report]`` extra) from the
run's result and its bounded plot summaries (:mod:`losscli.report.summary`).

matplotlib is imported inside the functions that draw, and only ``matplotlib.figure``
(no pyplot: no global state, no GUI backend): SVG comes from its SVG backend, PNG from
Agg. Text in figures is SVG text (``svg.fonttype: none``), never parsed as mathtext
(``text.parse_math: False``: a ``$`` in a column name stays a ``$``), control
characters escaped. Each figure is a :class:`Plot`: a file stem, a title, a caption
saying what it shows and how it was made (binned, sampled), and the figure.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from losscli import neutralise
from losscli.render.model import number
from losscli.results import EvalResult, LossResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from losscli.report.summary import Classes, Distribution, Sample, Scores

SCATTER_MAX = 2_000  # sampled points drawn one by one; beyond, a hexbin of the sample
SIZE = (5.6, 3.5)  # inches
STYLE: dict[str, Any] = {
    "svg.fonttype": "none",  # text stays text: searchable, small, no font embedded
    "svg.hashsalt": "losscli",  # the same ids for the same figure: reproducible files
    "text.parse_math": False,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
}
BLUE, ORANGE, GREY = "#2f6db5", "#d9771f", "#888888"
MAX_BARS = 40  # groups or classes a bar chart shows (the table has them all)


@dataclass
class Plot:
    """One figure: ``name`` (a file stem), ``title``, ``caption`` (plain text), the figure
    and whether it is ``wide``."""

    name: str
    title: str
    caption: str
    figure: Figure
    wide: bool = False  # the page gives it a whole row (several panels side by side)

    def svg(self, prefix: str = "") -> str:
        """The figure as an ``<svg>`` element for inline HTML: no XML prolog, no DOCTYPE,
        no namespace URLs (the HTML parser gives inline SVG its namespace), ids prefixed
        with ``prefix`` (several figures share one page), unreferenced ids dropped."""
        with style():
            out = io.StringIO()
            self.figure.savefig(out, format="svg", metadata=_NO_METADATA, bbox_inches="tight")
        return inline_svg(out.getvalue(), prefix)

    def png(self, dpi: int = 110) -> bytes:
        """The figure as PNG (Agg)."""
        with style():
            out = io.BytesIO()
            self.figure.savefig(out, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
        return out.getvalue()

    def svg_file(self) -> str:
        """A standalone SVG file (with its namespaces: a file is not inside HTML)."""
        with style():
            out = io.StringIO()
            self.figure.savefig(out, format="svg", metadata=_NO_METADATA, bbox_inches="tight")
        return out.getvalue()


_NO_METADATA: dict[str, Any] = {"Creator": None, "Date": None, "Format": None, "Type": None}


PX_PER_PT = 1.4  # an inline figure is drawn at most this large: the page's text size, about


def inline_svg(text: str, prefix: str) -> str:
    start = text.index("<svg")
    body = text[start:]
    body = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", body, count=0)
    # fluid width, but never scaled up beyond PX_PER_PT: a narrow figure (a square ROC plot,
    # a small confusion matrix) would otherwise fill its cell with text half again as large
    width = re.search(r'\swidth="([\d.]+)pt"', body)
    if width is not None:
        body = body.replace("<svg", f'<svg style="max-width:{round(float(width.group(1)) * PX_PER_PT)}px"', 1)
    body = re.sub(r'\s(width|height)="[\d.]+pt"', "", body, count=2)
    referenced = set(re.findall(r'(?:href="#|url\(#)([^")]+)', body))
    body = re.sub(
        r'\sid="([^"]+)"', lambda m: f' id="{prefix}{m.group(1)}"' if m.group(1) in referenced else "", body
    )
    body = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', body)
    return re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", body)


@contextmanager
def style() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        yield


def text(value: object) -> str:
    """User text for a figure: one line, control characters escaped, cut to a sane length."""
    return neutralise.cut(neutralise.line(str(value)), 60)


def plain(axis: Any) -> None:
    """Tick labels as plain numbers (``1e-05``, ``100``): a log axis' default labels are
    mathtext, which ``text.parse_math: False`` would show as source."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    axis.set_minor_formatter(FuncFormatter(lambda _v, _pos: ""))


def _vector(bar: Any) -> None:
    """A colour bar drawn as vectors: matplotlib rasterizes one of many colours into an
    embedded PNG, which a page that loads no image at all would show broken."""
    if bar.solids is not None:
        bar.solids.set_rasterized(False)


def new_figure(size: tuple[float, float] = SIZE) -> tuple[Figure, Axes]:
    """A figure of ``size`` inches with one axes, in the house style."""
    figure = figure_of(size)
    with style():
        axes = figure.add_subplot()
    return figure, axes


def figure_of(size: tuple[float, float] = SIZE) -> Figure:
    """An empty figure of ``size`` inches (constrained layout: nothing cut or overlapping)."""
    from matplotlib.figure import Figure

    with style():
        return Figure(figsize=size, layout="constrained")


def plots_for(result: EvalResult) -> list[Plot]:
    """Every plot the result calls for, in the report's order: groups, the task's plots,
    then each loss's per-sample distribution."""
    data = result.plots
    makers: list[Callable[[], Plot | None]] = []
    makers += [lambda r=r: group_bars(r, result) for r in result.results if r.groups]  # type: ignore[misc]
    if data is not None:
        if data.sample is not None:
            makers += [lambda: predicted_vs_actual(data.sample), lambda: residuals(data.sample)]
        if data.scores is not None:
            makers += [
                lambda: roc(data.scores, _value(result, "roc-auc")),
                lambda: precision_recall(data.scores, _value(result, "pr-auc")),
                lambda: reliability(data.scores, _value(result, "ece")),
                lambda: score_histograms(data.scores),
            ]
        if data.classes is not None:
            makers += [
                lambda: confusion(data.classes),
                lambda: per_class_losses(data.classes),
                lambda: top_label_reliability(data.classes),
            ]
        makers += [lambda d=d: loss_distribution(d) for d in data.distributions]  # type: ignore[misc]
    with style():
        made = [maker() for maker in makers]
    return [p for p in made if p is not None]


def _value(result: EvalResult, name: str) -> LossResult | None:
    """The result of loss ``name`` when the run computed it (the exact value a plot may quote)."""
    return next((r for r in result.results if r.loss.partition("(")[0] == name), None)


def stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "plot"


# ---------------------------------------------------------------- every task ----


def loss_distribution(d: Distribution) -> Plot:
    figure, ax = new_figure()
    widths = np.diff(d.edges)
    ax.bar(d.edges[:-1], d.counts, width=widths, align="edge", color=BLUE, edgecolor="white", linewidth=0.3)
    what = d.per_sample.replace("_", " ") if d.per_sample else "per-sample loss"
    if d.log:
        ax.set_xscale("log")
        plain(ax.xaxis)
    ax.set_xlabel(f"{what} ({'log' if d.log else 'linear'} axis)")
    ax.set_ylabel("rows (weighted)" if d.weighted else "rows")
    title = f"distribution of {text(d.loss)}'s per-sample values"
    ax.set_title(title)
    notes = [f"{len(d.counts)} bins"]
    if d.below > 0:
        notes.append(
            f"the first bar also holds the {number(d.below)}{' (weighted)' if d.weighted else ''} rows below its edge"
            " (the lowest 0.1%)"
        )
    if d.log:
        notes.append("log axis: the values are skewed (p99 / p50 ≥ 10)")
        if d.nonpositive > 0:
            notes.append(
                f"{number(d.nonpositive)}{' (weighted)' if d.weighted else ''} rows at 0 are not on the log axis"
            )
    notes.append(
        "from every value" if d.exact else "from the quantile sketch's log buckets (≤ 0.5% relative error)"
    )
    return Plot(f"distribution-{stem(d.loss)}", title, "; ".join(notes) + ".", figure)


def group_bars(r: LossResult, result: EvalResult) -> Plot | None:
    groups = list(r.groups or ())
    if not groups:
        return None
    shown = groups[:MAX_BARS]
    names = [text(", ".join(f"{k}={v}" for k, v in g.parts.items()) if len(g.names) > 1 else g.group)
             for g in shown]  # fmt: skip
    values = np.array([g.value for g in shown])
    figure, ax = new_figure((SIZE[0], max(2.2, 0.5 + 0.28 * len(shown))))
    y = np.arange(len(shown))
    error = None
    if all(g.ci is not None for g in shown):
        low = np.array([g.ci.low for g in shown if g.ci is not None])
        high = np.array([g.ci.high for g in shown if g.ci is not None])
        error = np.vstack([np.maximum(values - low, 0), np.maximum(high - values, 0)])
    ax.barh(y, values, xerr=error, color=BLUE, ecolor="#222222", capsize=3, height=0.6)
    ax.axvline(r.value, color=ORANGE, linestyle="--", linewidth=1.2)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(text(r.title or r.loss))
    by = result.columns.get("by", "group")
    title = f"{text(r.title or r.loss)} by {text(', '.join(by) if isinstance(by, list) else by)}"
    ax.set_title(title)
    caption = "each group's value"
    if error is not None:
        ci = shown[0].ci
        assert ci is not None
        caption += f" with its {ci.level * 100:g}% interval ({ci.method})"
    caption += f"; the dashed line is the whole input's value ({number(r.value)})"
    if len(groups) > len(shown):
        caption += f"; the first {len(shown)} of {len(groups)} groups (the table has them all)"
    return Plot(f"groups-{stem(r.label or r.loss)}", title, caption + ".", figure)


# ---------------------------------------------------------------- regression ----


def _points(ax: Axes, x: Any, y: Any) -> str:
    if x.size <= SCATTER_MAX:
        ax.scatter(x, y, s=6, alpha=0.6, color=BLUE, linewidths=0)
        return "each point a row"
    art = ax.hexbin(x, y, gridsize=40, mincnt=1, bins="log", cmap="Blues", linewidths=0.1)
    figure = ax.get_figure()
    if figure is not None:
        bar = figure.colorbar(art, ax=ax, label="rows in the sample")
        _vector(bar)
        plain(bar.ax.yaxis)
    return f"a hexbin of the sample (more than {SCATTER_MAX:,} points)"


def _sampled(sample: Sample) -> str:
    n = sample.label.size
    if n == sample.total:
        return f"all {n:,} rows"
    return (
        f"a uniform sample of {n:,} of {sample.total:,} rows (the rows with the smallest hash of their"
        " row number: the same for any chunking)"
    )


def predicted_vs_actual(sample: Sample | None) -> Plot | None:
    if sample is None:
        return None
    figure, ax = new_figure()
    how = _points(ax, sample.pred, sample.label)
    lo = float(min(sample.pred.min(), sample.label.min()))
    hi = float(max(sample.pred.max(), sample.label.max()))
    ax.plot([lo, hi], [lo, hi], color=ORANGE, linewidth=1, label="predicted = actual")
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual (label)")
    ax.legend(loc="upper left", fontsize=8)
    title = "predicted vs actual"
    ax.set_title(title)
    return Plot("predicted-vs-actual", title, f"{_sampled(sample)}; {how}.", figure)


def residuals(sample: Sample | None) -> Plot | None:
    if sample is None:
        return None
    figure, ax = new_figure()
    residual = sample.label - sample.pred
    how = _points(ax, sample.pred, residual)
    ax.axhline(0.0, color=ORANGE, linewidth=1)
    ax.set_xlabel("predicted")
    ax.set_ylabel("residual (actual − predicted)")
    title = "residuals vs predicted"
    ax.set_title(title)
    return Plot("residuals", title, f"{_sampled(sample)}; {how}.", figure)


# -------------------------------------------------------------------- binary ----


def _binned(scores: Scores) -> str:
    how = "σ(score) (logits)" if scores.logits else "the score"
    return f"binned: {how} on {scores.positive.size:,} equal bins of [0, 1], thresholds at the bin edges"


def _usable(scores: Scores | None) -> bool:
    return (
        scores is not None and scores.outside == 0 and scores.positive.sum() > 0 and scores.negative.sum() > 0
    )


def _quoted(r: LossResult | None) -> str:
    return f" · {r.title or r.loss} = {number(r.value)} (the loss, exact)" if r is not None else ""


def roc(scores: Scores | None, auc: LossResult | None) -> Plot | None:
    if scores is None or not _usable(scores):
        return None
    from losscli.report.summary import roc_points

    fpr, tpr = roc_points(scores)
    figure, ax = new_figure()
    ax.plot(fpr, tpr, color=BLUE, linewidth=1.5)
    ax.plot([0, 1], [0, 1], color=GREY, linestyle=":", linewidth=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_aspect("equal")
    title = "ROC curve (binned)"
    ax.set_title(title)
    return Plot("roc", title, _binned(scores) + _quoted(auc) + ".", figure)


def precision_recall(scores: Scores | None, auc: LossResult | None) -> Plot | None:
    if scores is None or not _usable(scores):
        return None
    from losscli.report.summary import pr_points

    recall, precision = pr_points(scores)
    figure, ax = new_figure()
    ax.plot(recall, precision, color=BLUE, linewidth=1.5, drawstyle="steps-pre")
    prevalence = scores.positive.sum() / (scores.positive.sum() + scores.negative.sum())
    ax.axhline(prevalence, color=GREY, linestyle=":", linewidth=1, label=f"prevalence {prevalence:.3g}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    title = "precision-recall curve (binned)"
    ax.set_title(title)
    return Plot("precision-recall", title, _binned(scores) + _quoted(auc) + ".", figure)


def _reliability_axes(ax: Axes, weight: Any, hits: Any, confidence: Any, bins: int = 10) -> tuple[int, Any]:
    """Points (mean confidence, observed frequency) of ``bins`` equal display bins."""
    from losscli.report.summary import reliability_points

    mean_c, observed, w = reliability_points(weight, hits, confidence, bins)
    ax.plot([0, 1], [0, 1], color=GREY, linestyle=":", linewidth=1, label="perfectly calibrated")
    ax.plot(mean_c, observed, marker="o", color=BLUE, linewidth=1.5, label="observed")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper left", fontsize=8)
    return bins, w


def reliability(scores: Scores | None, ece: LossResult | None) -> Plot | None:
    if scores is None or not _usable(scores):
        return None
    figure, ax = new_figure()
    weight = scores.positive + scores.negative
    bins, _ = _reliability_axes(ax, weight, scores.positive, scores.score_sum)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed frequency of the positive class")
    title = "reliability diagram (binned)"
    ax.set_title(title)
    caption = f"binned: {bins} equal bins of the predicted probability; empty bins left out" + _quoted(ece)
    return Plot("reliability", title, caption + ".", figure)


def score_histograms(scores: Scores | None) -> Plot | None:
    if scores is None or scores.outside:
        return None
    figure, ax = new_figure()
    bins = 50
    group = scores.positive.size // bins
    edges = np.linspace(0.0, 1.0, bins + 1)
    for counts, colour, name in ((scores.negative, BLUE, "negative"), (scores.positive, ORANGE, "positive")):
        total = counts.sum()
        if total <= 0:
            continue
        shares = counts.reshape(bins, group).sum(axis=1) / total
        ax.stairs(shares, edges, color=colour, linewidth=1.5, label=f"label {name} ({number(total)} rows)")
        ax.stairs(shares, edges, color=colour, alpha=0.15, fill=True)
    ax.set_xlabel("σ(score)" if scores.logits else "predicted probability")
    ax.set_ylabel("share of the class's rows")
    ax.set_xlim(0, 1)
    ax.legend(loc="upper center", fontsize=8)
    title = "score histograms by class"
    ax.set_title(title)
    return Plot("score-histograms", title, f"binned: {bins} equal bins of [0, 1], each class to 1.", figure)


# ---------------------------------------------------------------- multiclass ----


def confusion(classes: Classes | None) -> Plot | None:
    if classes is None:
        return None
    k = len(classes.names)
    size = min(2.4 + 0.45 * k, 9.0)
    figure, ax = new_figure((size + 0.8, size))
    ax.grid(False)
    totals = classes.confusion.sum(axis=1, keepdims=True)
    shares = np.divide(classes.confusion, totals, out=np.zeros_like(classes.confusion), where=totals > 0)
    # pcolormesh, not imshow: an image would be an embedded PNG (the page loads no image)
    art = ax.pcolormesh(np.arange(k + 1) - 0.5, np.arange(k + 1) - 0.5, shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xlim(-0.5, k - 0.5)
    ax.set_ylim(k - 0.5, -0.5)
    ax.set_aspect("equal")
    _vector(figure.colorbar(art, ax=ax, label="share of the true class", shrink=0.8))
    names = [text(n) for n in classes.names]
    ax.set_xticks(range(k), names, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted (arg max)")
    ax.set_ylabel("true label")
    if k <= 15:
        for i in range(k):
            for j in range(k):
                colour = "white" if shares[i, j] > 0.6 else "black"
                ax.text(
                    j, i, number(classes.confusion[i, j]), ha="center", va="center", color=colour, fontsize=8
                )
    title = "confusion matrix"
    ax.set_title(title)
    caption = "rows: true label, columns: the arg-max prediction; cells count rows (weighted), coloured by their share of the row"
    return Plot("confusion-matrix", title, caption + ".", figure)


def per_class_losses(classes: Classes | None) -> Plot | None:
    if classes is None or classes.loss_weight.sum() <= 0:
        return None
    k = min(len(classes.names), MAX_BARS)
    n = len(classes.losses)
    figure, ax = new_figure((SIZE[0], max(2.2, 0.6 + 0.3 * k * max(n, 1) ** 0.5)))
    y = np.arange(k)
    height = 0.8 / n
    for i, loss in enumerate(classes.losses):
        weight = classes.loss_weight[i][:k]
        mean = np.divide(classes.loss_sum[i][:k], weight, out=np.zeros(k), where=weight > 0)
        ax.barh(y + i * height, mean, height=height, label=text(loss))
    ax.set_yticks(y + 0.4 - height / 2, [text(c) for c in classes.names[:k]])
    ax.invert_yaxis()
    ax.set_xlabel("mean per-sample loss over the class's rows")
    figure.legend(loc="outside lower center", ncol=min(n, 3), fontsize=8)
    title = "per-class losses (by true label)"
    ax.set_title(title)
    caption = "the weighted mean of each loss's per-sample values over the rows of each true class"
    if len(classes.names) > k:
        caption += f"; the first {k} of {len(classes.names)} classes"
    return Plot("per-class-losses", title, caption + ".", figure)


def top_label_reliability(classes: Classes | None) -> Plot | None:
    if classes is None or classes.probabilities == "none" or classes.top_weight.sum() <= 0:
        return None
    figure, ax = new_figure()
    bins, _ = _reliability_axes(ax, classes.top_weight, classes.top_correct, classes.top_confidence)
    ax.set_xlabel("mean top-label confidence")
    ax.set_ylabel("accuracy of the top label")
    title = "top-label reliability (binned)"
    ax.set_title(title)
    how = "softmax of the logits" if classes.probabilities == "logits" else "the highest class probability"
    caption = f"binned: {bins} equal bins of the confidence ({how}); empty bins left out"
    return Plot("top-label-reliability", title, caption + ".", figure)


def render_all(plots: Sequence[Plot]) -> list[str]:
    """Every plot as inline SVG (ids prefixed per figure)."""
    return [p.svg(f"f{i}-") for i, p in enumerate(plots)]
