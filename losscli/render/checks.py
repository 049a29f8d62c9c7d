"""``losscli check``'s report as a table, JSON, Markdown or JUnit XML. Never through rich."""

from __future__ import annotations

import json
import math

from losscli.checks import CheckReport, CheckResult
from losscli.render.junit import to_junit
from losscli.render.model import Cell, Grid, cells, check_cells
from losscli.render.text import grid_markdown
from losscli.version import __version__


def report_grid(report: CheckReport, why: bool = False) -> Grid:
    """One row per check: name, file, loss, value, skill (``--vs-dummy``), gate, limit,
    baseline, PASS/FAIL (and
    with ``why``, the reason: ``0.512 > max 0.5``). A limit or baseline column no check
    has is left out (it would be empty); in a narrow terminal the file, then the gate,
    go before anything is cut."""
    headers = [
        "check",
        "file",
        "loss",
        "value",
        "skill",
        "gate",
        "limit",
        "baseline",
        "result",
        *(["why"] if why else []),
    ]
    rows: list[list[Cell]] = [
        [r.name, r.file or "", r.loss, *_with_skill(check_cells(r), r), *([r.detail] if why else [])]
        for r in report.checks
    ]
    keep = [
        i
        for i, h in enumerate(headers)
        if h not in ("limit", "baseline", "skill") or any(row[i] is not None for row in rows)
    ]
    numeric = [False, False, False, True, True, False, True, True, False, False]
    failed = sum(not r.passed for r in report.checks)
    title = f"losscli check: {len(report.checks) - failed} passed, {failed} failed"
    return Grid(
        title,
        [headers[i] for i in keep],
        cells([[row[i] for i in keep] for row in rows]),
        [numeric[i] for i in keep],
        drop_first=("file", "gate"),
    )


def _with_skill(shown: list[Cell], check: CheckResult) -> list[Cell]:
    """The value, then the skill against the dummy (blank without one; ``undefined`` for
    constant labels; a min-skill gate's value is its skill), then the rest."""
    if check.dummy is None or check.kind == "min-skill":
        skill: Cell = None
    else:
        skill = "undefined" if math.isnan(check.dummy.skill) else check.dummy.skill
    return [shown[0], skill, *shown[1:]]


def report_json(report: CheckReport) -> str:
    """``{"losscli_version", "config", "checks": [...], "passed"}`` (SPEC §8)."""
    payload = {
        "losscli_version": __version__,
        "config": report.config,
        "checks": [r.to_check_dict() for r in report.checks],
        "passed": report.passed,
    }
    return json.dumps(payload, indent=2, allow_nan=False) + "\n"


def report_markdown(report: CheckReport) -> str:
    """The pass/fail table as a GitHub pipe table (a PR comment, ``--summary-file``), with
    why each check passed or failed."""
    return grid_markdown(report_grid(report, why=True))


def report_junit(report: CheckReport) -> str:
    """One JUnit testcase per check (the CI's test view)."""
    return to_junit(report.checks)
