"""``losscli list`` and ``losscli explain``: pages generated from the registry."""

from __future__ import annotations

import sys

from losscli.cli.options import ColorMode
from losscli.errors import UsageError
from losscli.losses._registry import all_losses, get_loss
from losscli.losses._spec import TASKS, LossSpec
from losscli.render.model import Grid


def show_list(task: str | None, color: ColorMode) -> int:
    from losscli.cli.display import show_grids

    if task is not None and task not in TASKS:
        raise UsageError(f"unknown task '{task}'", f"use one of {', '.join(TASKS)}")
    rows = [
        [s.name, ", ".join(s.aliases), s.task, s.formula + (" ↑" if s.higher_is_better else "")]
        for s in all_losses(task)
    ]
    grid = Grid(
        "losses (↑: higher is better)", ["name", "aliases", "task", "per-sample loss"], rows, [False] * 4
    )
    show_grids([grid], [], color)
    return 0


def explain_text(spec: LossSpec) -> str:
    lines = [f"{spec.name} — {spec.summary}", ""]
    lines += [f"  per-sample:  {spec.formula}   (d = ŷ − y, y label, ŷ prediction)"]
    lines += [
        f"  reported:    {spec.finalize_text if spec.finalize_text != 'mean' else 'Σwℓ / Σw (weighted mean)'}"
    ]
    lines += [f"  task:        {spec.task}; {'higher' if spec.higher_is_better else 'lower'} is better"]
    if spec.aliases:
        lines += [f"  aliases:     {', '.join(spec.aliases)}"]
    lines += ["", "Parameters:"]
    if not spec.params:
        lines += ["  none"]
    for p in spec.params:
        option = (
            f"{p.option}/--no-{p.option[2:]}" if p.type is bool else f"{p.option} {p.type.__name__.upper()}"
        )
        lines += [f"  {option:<28} {p.help} (default {p.default!r})"]
    domain = spec.domain(spec.defaults())
    lines += ["", "Inputs:", f"  columns: {', '.join(spec.inputs)}; weights optional (--weight)"]
    if domain:
        lines += [f"  requires: {', '.join(b.describe() for b in domain)} (with default parameters)"]
    lines += ["", "Conventions:"]
    lines += [f"  - {note}" for note in spec.notes] or ["  - weighted mean Σwℓ/Σw, as scikit-learn"]
    if spec.equivalents:
        lines += ["", "Agrees with:"] + [f"  - {e}" for e in spec.equivalents]
    lines += ["", "Python:", f"  losscli.losses.{spec.name.replace('-', '_')}(y_true, y_pred, ...)"]
    lines += ["", "Example:", f"  {spec.example}"]
    return "\n".join(lines) + "\n"


def show_explain(name: str) -> int:
    sys.stdout.write(explain_text(get_loss(name)))
    return 0
