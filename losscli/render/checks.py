"""``losscli check``'s report as a table, JSON, Markdown or JUnit XML. Never through rich."""

from __future__ import annotations

import json

from losscli import __version__
from losscli.checks import CheckReport
from losscli.render.junit import to_junit
from losscli.render.model import Grid
from losscli.render.text import grid_markdown


def report_grid(report: CheckReport) -> Grid:
    """One row per check: name, file, loss, value, gate, limit, baseline, PASS/FAIL."""
    headers = ["check", "file", "loss", "value", "gate", "limit", "baseline", "result"]
    rows = [
        [
            r.name,
            r.file or "",
            r.loss,
            f"{r.value:.6g}",
            r.kind,
            "" if r.limit is None else f"{r.limit:g}",
            "" if r.baseline is None else f"{r.baseline:.6g}",
            "PASS" if r.passed else "FAIL",
        ]
        for r in report.checks
    ]
    failed = sum(not r.passed for r in report.checks)
    title = f"losscli check: {len(report.checks) - failed} passed, {failed} failed"
    return Grid(title, headers, rows, [False, False, False, True, False, True, True, False])


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
    """The pass/fail table as a GitHub pipe table (a PR comment, ``--summary-file``)."""
    return grid_markdown(report_grid(report))


def report_junit(report: CheckReport) -> str:
    """One JUnit testcase per check (the CI's test view)."""
    return to_junit(report.checks)
