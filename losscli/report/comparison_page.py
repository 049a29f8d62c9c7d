"""``compare --report``: the comparison as one self-contained HTML page (the same shell,
policy and escaping as ``losscli report``'s, :mod:`losscli.report.html`).

Sections: the headline (per loss: the reference's value and interval, then each model's
value and interval, its Δ with the paired interval, p and the verdict), the gates
(failures first), the comparison tables (the terminal's and Markdown's grids), the
plots (:mod:`losscli.report.comparison_figures`). Every number is the
:class:`losscli.results.CompareResult`'s: the same as ``compare -f json``.
"""

from __future__ import annotations

from collections.abc import Sequence

from losscli.render.comparison import comparison_grids, p_text, signed
from losscli.render.model import ci_cell, count, number
from losscli.report.comparison_figures import loss_results, losses
from losscli.report.figures import Plot
from losscli.report.html import checks_section, esc, figures, page, table, warnings_section
from losscli.results import CompareResult, LossResult, ModelComparison
from losscli.version import __version__


def comparison_html(result: CompareResult, plots: Sequence[Plot], svgs: Sequence[str]) -> str:
    """The whole page; ``svgs`` are ``plots`` as inline SVG."""
    sections = [headline(result)]
    if result.checks:
        sections.append(checks_section(result.checks))
    sections.append("<h2>Comparison</h2>" + "".join(table(g) for g in comparison_grids(result)))
    if plots:
        sections.append("<h2>Plots</h2>" + figures(plots, svgs))
    warnings = dict.fromkeys(w for run in result.runs for w in run.warnings)
    sections.append(warnings_section(list(warnings)))
    footer = [
        f"Made by losscli {esc(__version__)}. The numbers are the comparison's (the same as"
        " losscli compare -f json); the distributions of per-row differences are drawn from a"
        " bounded summary (a quantile sketch) gathered in the same pass over the data."
    ]
    path = result.runs[0].source.path
    return page(f"losscli compare · {path}", "losscli compare", _meta(result), sections, footer)


def _meta(result: CompareResult) -> str:
    src = result.runs[0].source
    dropped = f", {count(src.rows_dropped, True)} dropped" if src.rows_dropped else ""
    unmatched = f", {count(result.unmatched, True)} not in every file" if result.unmatched else ""
    models = ", ".join(f"'{m}'" for m in result.models)
    adjusted = " · p-values Holm-adjusted over the models" if result.adjusted else ""
    return (
        f"input <b>{esc(src.path)}</b> ({esc(src.format)}) · {esc(count(src.rows_used, True))} rows used"
        f" of {esc(count(src.rows, True))}{esc(dropped + unmatched)} · models: {esc(models)} · reference"
        f" <b>{esc(result.reference)}</b>{esc(adjusted)} · losscli {esc(__version__)}"
    )


def headline(result: CompareResult) -> str:
    """Per loss, a row of cards: the reference first, then each model against it."""
    rows = []
    for loss in losses(result):
        found = loss_results(result, loss)
        ours = {c.model: c for c in result.comparisons if c.loss == loss}
        pairs = list(zip(result.models, found, strict=True))
        pairs.sort(key=lambda pair: pair[0] != result.reference)  # the reference first (stable)
        cards = [_card(m, r, ours.get(m), m == result.reference) for m, r in pairs]
        reference = found[result.models.index(result.reference)]
        better = " (higher is better)" if reference.higher_is_better else ""
        rows.append(
            f'<div class="loss"><h3>{esc(loss)}{better} · {esc(count(reference.count, True))} rows, paired</h3>'
            f'<div class="cards">{"".join(cards)}</div></div>'
        )
    return '<section id="headline">' + "".join(rows) + "</section>"


def _card(model: str, r: LossResult, c: ModelComparison | None, reference: bool) -> str:
    lines = [
        f'<div class="name">{esc(model)}{" · reference" if reference else ""}</div>',
        f'<div class="value">{esc(number(r.value))}</div>',
    ]
    if r.ci is not None:
        lines.append(f'<div class="ci">{r.ci.level * 100:g}% CI {esc(ci_cell(r.ci))}</div>')
    if c is not None:
        level = f"{c.ci.level * 100:g}%"
        lines.append(
            f'<div class="ci">Δ {esc(signed(c.difference))} (paired {level} CI {esc(signed(c.ci.low))} …'
            f" {esc(signed(c.ci.high))})</div>"
        )
        p = p_text(c.p_value)
        won = "" if c.win_rate is None else f" · rows won {c.win_rate:.1%}"
        lines.append(f'<div class="ci">p {esc(p if p.startswith("<") else "= " + p)}{esc(won)}</div>')
        kind = {"better": "better", "worse": "worse"}.get(c.verdict, "same")
        lines.append(f'<div class="badge {kind}">{esc(c.verdict)}</div>')
    return f'<div class="card{" ref" if reference else ""}">' + "".join(lines) + "</div>"
