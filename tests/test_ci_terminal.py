"""``--ci`` and ``compare`` in a real terminal (tmux ``capture-pane``) at 60, 80, 100 and
120 columns: the interval is never cut nor left out (SPEC §4: "the reported value (and
interval) … are never cut"), its two numbers are the JSON's to six significant digits,
and no line is wider than the terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIABETES = ROOT / "sample_data" / "diabetes_regression.csv"
WIDTHS = (60, 80, 100, 120)
NUMBER = r"[-+]?\d[\d.]*(?:e[-+]?\d+)?"


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("│").split("│")]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_interval_column_is_whole_at_every_width(losscli_exe, run_cli, terminal, width):
    args = ["eval", str(DIABETES), "-l", "mse", "-l", "r2", "--ci"]
    screen = terminal(" ".join([losscli_exe, *args, "--rows", "3"]), width, height=80)
    assert "DONE-0" in screen, screen
    lines = screen.splitlines()
    assert all(len(line) <= width for line in lines), screen
    header = next(line for line in lines if line.startswith("┃ loss "))
    headers = [c.strip() for c in header.strip().strip("┃").split("┃")]
    assert "95% CI" in headers, screen
    at = headers.index("95% CI")
    doc = json.loads(run_cli(*args, "-f", "json").stdout)
    for result in doc["results"]:
        row = next(line for line in lines if line.startswith(f"│ {result['loss']} "))
        low, high = (float(x) for x in re.findall(NUMBER, _cells(row)[at]))
        assert low == pytest.approx(result["ci"]["low"], rel=5e-6), screen
        assert high == pytest.approx(result["ci"]["high"], rel=5e-6), screen


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_keeps_model_difference_and_verdict_at_every_width(losscli_exe, terminal, write_file, width):
    rows = "".join(
        f"{i % 7},{(i % 7) + 0.5 * ((i * 37) % 11 - 5) / 5},{(i % 7) + ((i * 53) % 13 - 6) / 6}\n"
        for i in range(300)
    )
    path = write_file("m.csv", "label,pred_old,pred_new\n" + rows)
    screen = terminal(f"{losscli_exe} compare {path} --pred pred_old,pred_new -l mse", width, height=40)
    assert "DONE-" in screen, screen
    lines = screen.splitlines()
    assert all(len(line) <= width for line in lines), screen
    row = next(line for line in lines if line.startswith("│ pred_new "))
    cells = _cells(row)
    assert cells[-1] in ("worse", "better", "no significant difference"), screen
    header = next(line for line in lines if line.startswith("┃ model "))
    headers = [c.strip() for c in header.strip().strip("┃").split("┃")]
    assert {"model", "Δ 95% CI", "verdict"} <= set(headers), screen  # the answer: never left out
    missing = {"value", "Δ", "95% CI", "p", "rows won"} - set(headers)
    if missing:  # left out for width, by priority, and said so
        note = " ".join(line for line in lines if "not shown" in line or "json)" in line)
        assert all(h in note for h in missing), screen
    if width >= 100:
        assert {"value", "Δ", "Δ 95% CI", "verdict"} <= set(headers), screen
    assert not any(re.search(r"\d…", line) for line in lines if line[:1] in "│┃"), screen
