"""A result into a report: the plots it calls for, drawn, and the page around them."""

from __future__ import annotations

from losscli.errors import UsageError
from losscli.results import EvalResult

INSTALL = "pip install 'losscli[report]'"


def require_matplotlib(what: str = "losscli report") -> None:
    """Exit 2 (before any input is read) when the ``report`` extra is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(f"{what} draws its plots with matplotlib, which is not installed", INSTALL) from None


def report_html(result: EvalResult) -> str:
    """The self-contained HTML report of ``result`` (:mod:`losscli.report.html`)."""
    from losscli.report.figures import plots_for, render_all
    from losscli.report.html import to_html

    plots = plots_for(result)
    return to_html(result, plots, render_all(plots))
