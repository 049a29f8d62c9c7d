"""Issue 13 §1, in a real terminal (tmux, ``capture-pane``) at 60, 80, 100 and 120
columns: the loss names and the reported values (the ``-f value`` number, as the table
writes it) appear whole, no number ends in ``…``, no line is wider than the terminal,
and a left-out column is named in a note.

Covered: ``mse``, ``cross-entropy``, ``eval -l mse -l mae -l r2 --by sex``, ``list`` and
``check``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from losscli.render.model import number

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data"
WIDTHS = (60, 80, 100, 120)
COMMANDS = {
    "mse": ["mse", str(DATA / "diabetes_regression.csv")],
    "cross-entropy": ["cross-entropy", str(DATA / "iris_multiclass.csv")],
    "eval": [
        "eval",
        str(DATA / "diabetes_regression.csv"),
        "-l",
        "mse",
        "-l",
        "mae",
        "-l",
        "r2",
        "--by",
        "sex",
    ],
}


def _tables(terminal, losscli_exe: str, args: list[str], width: int) -> str:
    """The tables of ``losscli ARGS --rows 3`` in a terminal ``width`` wide (it must exit 0)."""
    screen = terminal(" ".join([losscli_exe, *args, "--rows", "3"]), width, height=80)
    assert "DONE-0" in screen, screen
    return screen


def _values(run_cli, args: list[str]) -> dict[str, float]:
    """name → value from ``-f value`` (``name<TAB>value`` lines when several)."""
    done = run_cli(*args, "-f", "value")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().split()
    if len(lines) == 1:
        return {args[0]: float(lines[0])}
    pairs = done.stdout.decode().strip().splitlines()
    return {name: float(value) for name, value in (p.split("\t") for p in pairs)}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_values_and_names_are_whole_at_every_width(losscli_exe, run_cli, terminal, command, width):
    args = COMMANDS[command]
    screen = _tables(terminal, losscli_exe, args, width)
    lines = screen.splitlines()
    assert all(len(line) <= width for line in lines), screen
    summary = [line for line in lines if line.startswith("│ ") and "│" in line[1:]]
    for name, value in _values(run_cli, args).items():
        row = next((line for line in summary if line.startswith(f"│ {name} ")), None)
        assert row is not None, f"{name} missing at {width} columns:\n{screen}"
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert cells[0] == name and cells[1] == number(value), (cells, screen)
    table = [line for line in lines if line[:1] in "│┃"]
    assert not any(re.search(r"\d…", line) for line in table), screen
    header = next(line for line in lines if line.startswith("┃ loss "))
    shown = {c.strip() for c in header.strip("┃").split("┃")}
    every = {"loss", "value", "sum", "count", "p50", "p90", "p99", "max"}
    if not every <= shown:  # something was left out: a note says what
        notes = [line for line in lines if line.startswith("not shown, the terminal is too narrow: ")]
        assert notes and all(h in notes[0] for h in every - shown - {"mean"}), screen


@pytest.mark.parametrize("width", WIDTHS)
def test_by_groups_keep_their_group_column(losscli_exe, terminal, width):
    screen = _tables(terminal, losscli_exe, COMMANDS["eval"], width)
    after = screen.split("by sex", 1)[1].splitlines()
    rows = [c.strip() for line in after if line.startswith("│ ") for c in [line.strip("│").split("│")[1]]]
    assert {"F", "M"} <= set(rows), screen


@pytest.mark.parametrize("width", WIDTHS)
def test_list_keeps_every_name_and_alias_whole(losscli_exe, terminal, width):
    """`losscli list` showed `│ … │` for names at 80 columns and `mean-squared-…` for an
    alias: names and aliases are never cut; the formula wraps, and at 60 columns the
    aliases go under the name, in parentheses, rather than the formula being left out."""
    from losscli.losses import all_losses

    screen = terminal(f"{losscli_exe} list", width, height=200, history=300)
    assert "DONE-0" in screen, screen
    cells = {c.strip(" ,") for line in screen.splitlines() for c in re.split(r"[│┃]|, ", line)}
    words = {w for line in screen.splitlines() for w in re.split(r"[\s│┃,()]+", line)}
    for spec in all_losses():
        assert spec.name in cells, (spec.name, screen)
        for alias in spec.aliases:
            assert alias in words, (alias, screen)
    assert "…" not in screen
    header = next(line for line in screen.splitlines() if line.startswith("┃ name"))
    assert "per-sample loss" in header, screen  # the formula is never the column left out
    for fragment in ("ℓ = d²", "ℓ = |d|", "value = √mean", "ℓ = (log1p ŷ − log1p y)²"):
        assert fragment in screen, (fragment, screen)
    assert all(len(line) <= width for line in screen.splitlines()), screen


@pytest.mark.parametrize("width", WIDTHS)
def test_check_shows_value_limit_and_verdict_whole(losscli_exe, terminal, tmp_path, width):
    """`losscli check` at 80 columns showed value, gate, limit, baseline and result as `…`."""
    (tmp_path / "d.csv").write_bytes((DATA / "diabetes_regression.csv").read_bytes())
    (tmp_path / "losscli.toml").write_text(
        '[[check]]\nname = "diabetes-regression-mse-must-stay-below-the-agreed-limit"\n'
        'file = "d.csv"\nloss = "mse"\nmax = 3000\n'
        '[[check]]\nname = "diabetes-regression-mae-must-stay-below-forty-units"\n'
        'file = "d.csv"\nloss = "mae"\nmax = 40\n'
    )
    screen = terminal(f"cd {tmp_path} && {losscli_exe} check", width)
    assert "DONE-1" in screen, screen  # one check fails
    rows = [
        [c.strip() for c in line.strip("│").split("│")]
        for line in screen.splitlines()
        if line.startswith("│ ")
    ]
    assert [r[-1] for r in rows] == ["PASS", "FAIL"], screen
    for row, (loss, limit) in zip(rows, [("mse", "3000"), ("mae", "40")], strict=True):
        assert loss in row and limit in row and not any(c.endswith("…") and c[:1].isdigit() for c in row), (
            screen
        )
    assert all(len(line) <= width for line in screen.splitlines()), screen


# ---- issue 13 §1: per-sample statistics labelled, no per-sample column posing as a loss, one digit rule


def _d2() -> np.ndarray:
    """The sample file's per-sample squared errors (NumPy), in row order."""
    frame = pd.read_csv(DATA / "diabetes_regression.csv")
    return ((frame["pred"] - frame["label"]) ** 2).to_numpy()


def _squeezed(text: str) -> str:
    """``text`` without whitespace: a note compared across the terminal's line wraps."""
    return re.sub(r"\s", "", text)


def _table_rows(lines: list[str], first: str) -> tuple[list[str], list[list[str]]]:
    """The header cells and the rows (cells unstripped) of the first rich table whose
    first column is ``first`` (``row``: the per-sample table; ``loss``: the summary)."""
    at = next(i for i, line in enumerate(lines) if line.startswith(f"┃ {first} "))
    body = []
    for line in lines[at + 2 :]:
        if not line.startswith("│"):
            break
        body.append(line.strip("│").split("│"))
    return [h.strip() for h in lines[at].strip("┃").split("┃")], body


@pytest.mark.parametrize("width", WIDTHS)
def test_r2_and_rmse_show_no_per_sample_column_or_statistics_of_their_own(
    losscli_exe, run_cli, terminal, width
):
    """`eval -l mse -l r2 -l rmse` showed loss_mse, loss_r2, loss_rmse with the same numbers
    and the same mean/sum/quantiles on three rows: now the per-sample table shows mse's
    column only, r2 and rmse rows show their value and count, and a note says their
    per-sample values are the squared error summarised in the mse row."""
    args = ["eval", str(DATA / "diabetes_regression.csv"), "-l", "mse", "-l", "r2", "-l", "rmse"]
    screen = _tables(terminal, losscli_exe, args, width)
    lines = screen.splitlines()
    headers, rows = _table_rows(lines, "row")
    assert headers[-1] == "loss_mse" and not {"loss_r2", "loss_rmse", "squared_error"} & set(headers), screen
    for row, value in zip(rows, _d2(), strict=False):
        assert float(row[-1]) == pytest.approx(value, rel=5e-6)
    summary_headers, summary = _table_rows(lines, "loss")
    by_name = {r[0].strip(): [c.strip() for c in r] for r in summary}
    assert set(by_name) == {"mse", "r2", "rmse"}, screen
    values = _values(run_cli, args)
    for name in ("r2", "rmse"):
        cells = dict(zip(summary_headers, by_name[name], strict=True))
        assert cells["value"] == number(values[name]) and cells["count"] == "442", screen
        assert all(cells[h] == "" for h in summary_headers if h not in ("loss", "value", "count")), screen
    shown = dict(zip(summary_headers, by_name["mse"], strict=True))
    quantile = {"p50": 50, "p90": 90, "p99": 99}
    for q, at in quantile.items():
        if q in shown:  # the sketch's quantile agrees with NumPy's to its rank error
            assert float(shown[q]) == pytest.approx(np.percentile(_d2(), at), rel=0.02), screen
    note = "r2, rmse: not a mean; computed from each sample's squared error, summarised in the mse row"
    assert _squeezed(note) in _squeezed(screen), screen  # the note, however the terminal wrapped it
    assert sum("per-sample distribution" in line for line in lines) == 1  # one bar, named mse
    assert any(line.startswith("mse per-sample distribution") for line in lines), screen


@pytest.mark.parametrize("width", WIDTHS)
def test_rmse_alone_labels_its_per_sample_values_squared_error(losscli_exe, run_cli, terminal, width):
    """rmse's per-sample values are d²: the column is `squared_error`, and the summary has a
    `squared error` row with their mean (= mse), never a `mean` on the rmse row."""
    args = ["rmse", str(DATA / "diabetes_regression.csv")]
    screen = _tables(terminal, losscli_exe, args, width)
    lines = screen.splitlines()
    headers, rows = _table_rows(lines, "row")
    assert headers[-1] == "squared_error", screen
    d2 = _d2()
    for row, value in zip(rows, d2, strict=False):
        assert float(row[-1]) == pytest.approx(value, rel=5e-6)
    summary_headers, summary = _table_rows(lines, "loss")
    named = {r[0].strip(): dict(zip(summary_headers, (c.strip() for c in r), strict=True)) for r in summary}
    assert set(named) == {"rmse", "squared error"}, screen
    assert named["rmse"]["value"] == number(_values(run_cli, args)["rmse"]), screen
    assert float(named["rmse"]["value"]) == pytest.approx(np.sqrt(d2.mean()), rel=5e-6)
    assert named["squared error"]["value"] == "", screen
    if "mean" in summary_headers:
        assert float(named["squared error"]["mean"]) == pytest.approx(d2.mean(), rel=5e-6)
        assert named["rmse"]["mean"] == "", screen
    assert any(line.startswith("squared error per-sample distribution") for line in lines), screen


@pytest.mark.parametrize("width", WIDTHS)
def test_a_column_of_numbers_has_one_digit_rule(losscli_exe, terminal, width):
    """The per-sample table read `2257.46`, `29.794`, `1234`: every number of a column now
    has six significant digits (trailing zeros kept) and the decimal points line up."""
    screen = _tables(terminal, losscli_exe, ["mse", str(DATA / "diabetes_regression.csv")], width)
    headers, rows = _table_rows(screen.splitlines(), "row")
    for column in ("pred", "loss"):
        at = headers.index(column)
        cells = [row[at] for row in rows]
        assert len({cell.index(".") for cell in cells}) == 1, (column, screen)  # points aligned
        for cell in cells:
            digits = cell.strip().replace(".", "").lstrip("0")
            assert len(digits) == 6, (cell, screen)
    loss = [row[headers.index("loss")].strip() for row in rows]
    assert "29.7940" in loss and "1234.00" in loss, screen  # the 29.794 and 1234
    labels = [row[headers.index("label")].strip() for row in rows]
    assert all(label.isdigit() for label in labels), screen  # whole numbers stay whole


@pytest.mark.parametrize("width", WIDTHS)
def test_the_interval_column_is_whole_at_every_width(losscli_exe, run_cli, terminal, width):
    """`--ci` adds a `95% CI` column to the summary and the groups table: at every width it
    is shown, never cut, and each cell is `low … high` with the bounds of `-f json`'s `ci`
    to six significant digits."""
    import json

    args = ["eval", str(DATA / "diabetes_regression.csv"), "-l", "mse", "-l", "r2", "--ci", "--by", "sex"]
    done = run_cli(*args, "-f", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)["results"]
    screen = _tables(terminal, losscli_exe, args, width)
    lines = screen.splitlines()
    assert all(len(line) <= width for line in lines), screen
    headers, summary = _table_rows(lines, "loss")
    assert "95% CI" in headers, screen
    at = headers.index("95% CI")
    expected = {r["loss"]: (r["ci"]["low"], r["ci"]["high"]) for r in found}
    for row in summary:
        low, high = (float(b) for b in row[at].strip().split(" … "))
        name = row[0].strip()
        assert (low, high) == pytest.approx(expected[name], rel=5e-6), screen
    groups = screen.split("by sex", 1)[1].splitlines()
    group_headers = next(line for line in groups if line.startswith("┃ loss "))
    assert "95% CI" in group_headers, screen
    cells = [line.strip("│").split("│") for line in groups if line.startswith("│ ")]
    want = {
        (r["loss"], str(g["group"])): (g["ci"]["low"], g["ci"]["high"]) for r in found for g in r["groups"]
    }
    shown = [h.strip() for h in group_headers.strip("┃").split("┃")]
    for row in cells:
        low, high = (float(b) for b in row[shown.index("95% CI")].strip().split(" … "))
        assert (low, high) == pytest.approx(want[row[0].strip(), row[1].strip()], rel=5e-6), screen
