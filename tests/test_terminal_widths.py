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


def test_a_fraction_never_reads_as_certainty():
    assert number(0.9999995) == "0.9999995"
    assert number(1e-7 / 3) == "3.33333e-08"
    assert number(0.0000004) == "4e-07"
    assert number(1234.0001) == "1234" and number(2978.6929) == "2978.69"  # six digits otherwise
    assert number(1.0) == "1" and number(0.5) == "0.5"


@pytest.mark.parametrize("width", WIDTHS)
def test_list_keeps_every_name_and_alias_whole(losscli_exe, terminal, width):
    """`losscli list` showed `│ … │` for names at 80 columns and `mean-squared-…` for an
    alias: names and aliases are never cut; the formula wraps (at 80 and wider)."""
    from losscli.losses import all_losses

    screen = terminal(f"{losscli_exe} list", width, height=200, history=300)
    assert "DONE-0" in screen, screen
    cells = {c.strip(" ,") for line in screen.splitlines() for c in re.split(r"[│┃]|, ", line)}
    words = {w for line in screen.splitlines() for w in re.split(r"[\s│┃,]+", line)}
    for spec in all_losses():
        assert spec.name in cells, (spec.name, screen)
        for alias in spec.aliases:
            assert alias in words, (alias, screen)
    assert "…" not in screen
    if width >= 80:
        assert "ℓ = d²" in screen


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
