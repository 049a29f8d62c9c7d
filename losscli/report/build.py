"""A result into a report: the plots it calls for, drawn, and the page around them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from losscli.errors import UsageError
from losscli.results import CompareResult, EvalResult

if TYPE_CHECKING:
    from losscli.checks import CheckReport
    from losscli.output.folder import StagedFolder
    from losscli.output.plan import Output, OutputPlan
    from losscli.report.figures import Plot

INSTALL = "pip install 'losscli[report]'"


def require_matplotlib(what: str = "losscli report") -> None:
    """Exit 2 (before any input is read) when the ``report`` extra is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(f"{what} draws its plots with matplotlib, which is not installed", INSTALL) from None


def plan_report(
    outputs: OutputPlan, what: str, page: str | None, plots: str | None
) -> tuple[Output | None, StagedFolder | None]:
    """``--report FILE`` and ``--plots DIR`` (``compare``, ``check``) planned with the
    run's other outputs, matplotlib found first: all before any input is read."""
    if page is None and plots is None:
        return None, None
    from losscli.output.folder import plan_folder

    require_matplotlib(what)
    return outputs.add("--report", page), plan_folder(outputs, "--plots", plots)


def draw(result: EvalResult) -> list[Plot]:
    """Every plot the result calls for (:func:`losscli.report.figures.plots_for`)."""
    from losscli.report.figures import plots_for

    return plots_for(result)


def report_html(result: EvalResult, plots: list[Plot] | None = None) -> str:
    """The self-contained HTML report of ``result`` (:mod:`losscli.report.html`)."""
    from losscli.report.figures import render_all
    from losscli.report.html import to_html

    plots = draw(result) if plots is None else plots
    return to_html(result, plots, render_all(plots))


def plot_files(result: EvalResult, plots: list[Plot]) -> list[tuple[str, bytes]]:
    """``--plots DIR``: each plot as NAME.svg and NAME.png, and ``summary.md``: the
    summary tables (as ``-f markdown``) and each plot as an image with its caption."""
    from losscli.neutralise import markdown
    from losscli.render.text import to_markdown

    return folder_files(f"losscli report: {markdown(result.source.path)}", to_markdown(result), plots)


def folder_files(heading: str, summary: str, plots: list[Plot]) -> list[tuple[str, bytes]]:
    """Each plot as NAME.svg and NAME.png, and ``summary.md``: ``## heading``, the
    ``summary`` (Markdown), then each plot as an image with its title and caption."""
    from losscli.neutralise import markdown

    files: list[tuple[str, bytes]] = []
    lines = [f"## {heading}", "", summary]
    for plot in plots:
        files.append((f"{plot.name}.svg", plot.svg_file().encode("utf-8")))
        files.append((f"{plot.name}.png", plot.png()))
        title = markdown(plot.title)
        lines += [f"### {title}", "", f"![{title}]({plot.name}.png)", "", markdown(plot.caption), ""]
    files.append(("summary.md", "\n".join(lines).encode("utf-8")))
    return files


def comparison_plots(result: CompareResult) -> list[Plot]:
    """``compare``'s plots (:mod:`losscli.report.comparison_figures`)."""
    from losscli.report.comparison_figures import comparison_plots as drawn

    return drawn(result)


def comparison_report(result: CompareResult, plots: list[Plot]) -> str:
    """``compare --report``'s page (:mod:`losscli.report.comparison_page`)."""
    from losscli.report.comparison_page import comparison_html
    from losscli.report.figures import render_all

    return comparison_html(result, plots, render_all(plots))


def comparison_files(result: CompareResult, plots: list[Plot]) -> list[tuple[str, bytes]]:
    """``compare --plots DIR``: the plots and a ``summary.md`` with the comparison tables."""
    from losscli.neutralise import markdown
    from losscli.render.comparison import comparison_markdown

    heading = f"losscli compare: {markdown(result.runs[0].source.path)}"
    return folder_files(heading, comparison_markdown(result), plots)


def check_plots(runs: list[tuple[str, str, EvalResult]]) -> list[tuple[str, Plot]]:
    """``check``'s plots: each evaluated file's, with the file (:mod:`losscli.report.check_page`)."""
    from losscli.report.check_page import check_plots as drawn

    return drawn(runs)


def check_report(
    report: CheckReport, runs: list[tuple[str, str, EvalResult]], plots: list[tuple[str, Plot]]
) -> str:
    """``check --report``'s page (:mod:`losscli.report.check_page`)."""
    from losscli.report.check_page import check_html
    from losscli.report.figures import render_all

    return check_html(report, runs, plots, render_all([p for _, p in plots]))


def check_files(report: CheckReport, plots: list[tuple[str, Plot]]) -> list[tuple[str, bytes]]:
    """``check --plots DIR``: the plots and a ``summary.md`` with the checks' table."""
    from losscli.neutralise import markdown
    from losscli.render.checks import report_markdown

    heading = f"losscli check: {markdown(report.config)}"
    return folder_files(heading, report_markdown(report), [p for _, p in plots])
