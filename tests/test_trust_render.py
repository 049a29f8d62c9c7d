"""Issue 11, "Secrets and terminal injection": user-controlled text (check names, column
names, ``--id``/``--by`` values, file names) is neutralised for where it goes; output
degrades on an ASCII-only stream; hints never echo file content beyond a few parsed
header names, each cut short.

Expected forms are written out here from the rule (a control character shows as its
Python escape), never taken from losscli's output.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ESC = "\x1b"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colours rich itself writes with --color always
# Check names from a hostile config: a forged verdict line, cursor-up + erase-line, a bare CR,
# bidi overrides and isolates, Unicode line/paragraph separators, a NUL, rich markup, Markdown
# and HTML syntax.
HOSTILE_CHECKS = [
    "x\nPASS forged",
    "\x1b[1A\x1b[2Kok",
    "cr\rPASS over",
    "bidi\u202egnp.exe\u202c",
    "iso\u2066late\u2069",
    "ls\u2028ps\u2029end",
    "nul\x00byte",
    "[bold red]markup[/]",
    "pipe|cell `code` <b>tag</b>",
    "# heading *em* _u_ [link](http://x) $m$",
    "café ✓",
]
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def visible(text: str) -> str:
    """The rule, written independently of losscli: every character ``str.isprintable``
    rejects becomes its Python escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (every non-ASCII or control character escaped)."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c.isascii() and c.isprintable():
            out.append(c)
        else:
            out.append(f"\\u{ord(c):04x}")
    return '"' + "".join(out) + '"'


@pytest.fixture
def hostile_project(tmp_path: Path, write_file: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A config whose checks have hostile names and all fail (mse 1.0 > max 0.1)."""
    write_file("d.csv", "pred,label\n1,2\n3,2\n")
    body = "".join(
        f'[[check]]\nname = {toml_string(name)}\nfile = "d.csv"\nloss = "mse"\nmax = 0.1\n\n'
        for name in HOSTILE_CHECKS
    )
    write_file("losscli.toml", body)
    monkeypatch.chdir(tmp_path)
    return HOSTILE_CHECKS


def markdown_cells(row: str) -> list[str]:
    """The cells of a GitHub pipe-table row: split at pipes not escaped by a backslash."""
    assert row.startswith("| ") and row.endswith(" |"), row
    cells = re.findall(r"((?:\\.|[^|\\])*)\|", row[1:])
    return [cell.strip() for cell in cells]


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Each pipe table of a Markdown document, as rows of cells."""
    tables: list[list[list[str]]] = []
    previous = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            tables.append([])
        if is_row:
            tables[-1].append(markdown_cells(line))
        previous = is_row
    return tables


def unescape_markdown(cell: str) -> str:
    """What GitHub shows for a cell: backslash escapes and the three entities undone."""
    text = re.sub(r"\\(.)", r"\1", cell)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def controls(text: str) -> set[str]:
    """Control and format characters other than the line end."""
    return {c for c in text if c != "\n" and not c.isprintable()}


# ============================================================ verdicts and checks ====


def test_check_verdict_lines_stay_one_line_each(cli: Any, hostile_project: list[str]) -> None:
    result = cli("check")
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(hostile_project), result.stderr
    assert all(line.startswith("FAIL ") for line in lines), result.stderr
    assert not any(line.startswith("PASS") for line in lines)
    assert not controls(result.stderr), controls(result.stderr)
    for name, line in zip(hostile_project, lines, strict=True):
        assert line.startswith(f"FAIL {visible(name)} "), (line, visible(name))


def test_issue_example_config(
    cli: Any, write_file: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's two names, spelled in the config as the issue spells them."""
    write_file("d.csv", "pred,label\n1,2\n")
    write_file(
        "losscli.toml",
        '[[check]]\nname = "x\\nPASS forged"\nfile = "d.csv"\nloss = "mse"\nmax = 0.1\n\n'
        '[[check]]\nname = "\\u001b[1A\\u001b[2Kok"\nfile = "d.csv"\nloss = "mse"\nmax = 0.1\n',
    )
    monkeypatch.chdir(tmp_path)
    result = cli("check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "FAIL x\\nPASS forged 1 > max 0.1",
        "FAIL \\x1b[1A\\x1b[2Kok 1 > max 0.1",
    ]
    assert ESC not in result.stdout + result.stderr


def test_check_table_plain_one_row_per_check(cli: Any, hostile_project: list[str]) -> None:
    result = cli("check")
    assert ESC not in result.stdout and not controls(result.stdout)
    rows = [line for line in result.stdout.splitlines() if line.rstrip().endswith("FAIL")]
    assert len(rows) == len(hostile_project)
    for name, row in zip(hostile_project, rows, strict=True):
        assert row.startswith(visible(name)), (row, visible(name))


def test_check_table_rich_never_reads_markup(cli: Any, hostile_project: list[str]) -> None:
    result = cli("check", "--color", "always", env={"COLUMNS": "200"})
    text = SGR.sub("", result.stdout)
    assert ESC not in text and not controls(text)
    assert "[bold red]markup[/]" in text  # shown as written, not as red bold "markup"
    assert "\\x1b[1A\\x1b[2Kok" in text


def test_check_junit_is_well_formed_xml(cli: Any, hostile_project: list[str], tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    result = cli("check", "--format", "junit", "--junit", junit)
    assert result.exit_code == 1, result.stderr
    for text in (result.stdout, junit.read_text(encoding="utf-8")):
        assert not XML_FORBIDDEN.search(text)
        root = ET.fromstring(text.encode())
        cases = root.findall(".//testcase")
        assert [c.get("name") for c in cases] == [visible(n) for n in hostile_project]
        for case, name in zip(cases, hostile_project, strict=True):
            failure = case.find("failure")
            assert failure is not None
            assert failure.get("message", "").startswith(visible(name) + ": ")


def test_check_markdown_is_a_valid_pipe_table(cli: Any, hostile_project: list[str]) -> None:
    result = cli("check", "--format", "markdown")
    assert result.exit_code == 1
    assert ESC not in result.stdout and not controls(result.stdout)
    lines = result.stdout.splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + len(hostile_project)  # header, alignment, one row per check
    assert {len(markdown_cells(line)) for line in table} == {8}  # no baseline column: no check has one
    assert "<b>" not in result.stdout and "<" not in result.stdout  # no raw HTML
    for name, row in zip(hostile_project, table[2:], strict=True):
        cells = markdown_cells(row)
        assert unescape_markdown(cells[0]) == visible(name)
        assert cells[-2] == "FAIL" and " max " in cells[-1]  # the verdict, then why


def test_check_json_keeps_the_name_verbatim(cli: Any, hostile_project: list[str]) -> None:
    result = cli("check", "--format", "json")
    assert ESC not in result.stdout  # JSON escapes control characters itself
    data = json.loads(result.stdout)
    assert [c["name"] for c in data["checks"]] == hostile_project


def test_summary_file_markdown_from_check(cli: Any, hostile_project: list[str], tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = cli("check", "--summary-file", summary)
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert not controls(text)
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert {len(markdown_cells(line)) for line in table} == {8}  # no baseline column; a why column


# ====================================================== --id, --by, file names ====

HOSTILE_IDS = ["\x1b[31mred", "tab\there", "new\nline", 'q"uote', "back\\slash", "cr\rret", "\u202eevil"]
HOSTILE_GROUPS = ["\x1b[2Kerase", "g|pipe", "\u2028sep"]


@pytest.fixture
def hostile_csv(tmp_path: Path) -> tuple[str, list[str], list[str], np.ndarray]:
    """A CSV (written by Python's csv module, RFC 4180) with hostile ids and groups."""
    n = len(HOSTILE_IDS)
    pred = np.arange(n, dtype=float)
    label = pred[::-1].copy()
    groups = [HOSTILE_GROUPS[i % len(HOSTILE_GROUPS)] for i in range(n)]
    path = tmp_path / "hostile.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "pred", "label", "grp"])
        for row in zip(HOSTILE_IDS, pred, label, groups, strict=True):
            writer.writerow(row)
    return str(path), HOSTILE_IDS, groups, (pred - label) ** 2


def test_table_escapes_ids_and_groups(cli: Any, hostile_csv: Any) -> None:
    path, ids, groups, _ = hostile_csv
    for color in ("never", "always"):
        result = cli("mse", path, "--id", "id", "--by", "grp", "--color", color, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.stderr
        text = SGR.sub("", result.stdout)
        assert ESC not in text and not controls(text), controls(text)
        for value in ids + groups:
            assert visible(value) in text, visible(value)


def test_markdown_escapes_groups(cli: Any, hostile_csv: Any) -> None:
    path, _, groups, _ = hostile_csv
    result = cli("mse", path, "--by", "grp", "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    assert not controls(result.stdout)
    summary, by_group = markdown_tables(result.stdout)
    assert {len(row) for row in summary} == {8}  # no mean column: it would repeat mse's value
    assert {len(row) for row in by_group} == {4}
    shown = sorted(unescape_markdown(row[1]) for row in by_group[2:])
    assert shown == sorted(visible(g) for g in set(groups))


def test_json_and_jsonl_keep_values_verbatim(cli: Any, hostile_csv: Any) -> None:
    path, ids, groups, sq = hostile_csv
    result = cli("mse", path, "--by", "grp", "-f", "json")
    assert result.exit_code == 0 and ESC not in result.stdout
    data = json.loads(result.stdout)
    assert sorted(g["group"] for g in data["results"][0]["groups"]) == sorted(set(groups))
    result = cli("mse", path, "--id", "id", "-f", "jsonl")
    assert result.exit_code == 0 and ESC not in result.stdout
    objects = [json.loads(line) for line in result.stdout.split("\n") if line]
    assert [o["id"] for o in objects] == ids
    np.testing.assert_allclose([o["loss"] for o in objects], sq)


def unescape_tsv(field: str) -> str:
    """The linear-TSV escapes, undone (written here from the documented rule)."""
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[m.group(1)], field)


def check_tsv(text: str, ids: list[str], sq: np.ndarray) -> None:
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == len(ids) + 2, lines
    rows = [line.split("\t") for line in lines[:-1]]
    assert {len(r) for r in rows} == {4}, rows
    assert rows[0] == ["id", "pred", "label", "loss"]
    assert [unescape_tsv(r[0]) for r in rows[1:]] == ids
    np.testing.assert_allclose([float(r[3]) for r in rows[1:]], sq)


def test_tsv_escapes_tabs_newlines_and_quotes(cli: Any, hostile_csv: Any, tmp_path: Path) -> None:
    path, ids, _, sq = hostile_csv
    result = cli("mse", path, "--id", "id", "-f", "tsv")
    assert result.exit_code == 0, result.stderr
    check_tsv(result.stdout, ids, sq)
    out = tmp_path / "x.tsv"
    result = cli("mse", path, "--id", "id", "-o", out, "-f", "value")
    assert result.exit_code == 0, result.stderr
    check_tsv(out.read_bytes().decode("utf-8"), ids, sq)


def test_csv_quotes_per_rfc4180(cli: Any, hostile_csv: Any, tmp_path: Path) -> None:
    path, ids, _, sq = hostile_csv
    for text in (cli("mse", path, "--id", "id", "-f", "csv").stdout, None):
        if text is None:
            out = tmp_path / "x.csv"
            assert cli("mse", path, "--id", "id", "-o", out, "-f", "value").exit_code == 0
            text = out.read_bytes().decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == ["id", "pred", "label", "loss"]
        assert [r[0] for r in rows[1:]] == ids
        np.testing.assert_allclose([float(r[3]) for r in rows[1:]], sq)


def test_tsv_header_names_are_escaped(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text('"p\tred","la\nbel"\n1,2\n3,5\n', encoding="utf-8")
    result = cli("mse", path, "--pred", "p\tred", "--label", "la\nbel", "-f", "tsv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0].split("\t") == ["row", "p\\tred", "la\\nbel", "loss"]
    assert [line.split("\t")[3] for line in lines[1:3]] == ["1", "4"]


def test_hostile_file_name_in_the_table_title(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "a\x1b[2K\nb.csv"
    path.write_text("pred,label\n1,2\n", encoding="utf-8")
    for color in ("never", "always"):
        result = cli("mse", path, "--color", color)
        assert result.exit_code == 0, result.stderr
        text = SGR.sub("", result.stdout)
        assert ESC not in text and not controls(text)
        assert "a\\x1b[2K\\nb.csv" in text


def test_hostile_header_name_in_a_hint_is_escaped(cli: Any, expect_error: Any, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text('"\x1b[31mp\u202ered",label\n1,2\n', encoding="utf-8")
    err = expect_error(cli("mse", path), "\\x1b[31mp\\u202ered")
    assert ESC not in err and "\u202e" not in err


# ============================================================ the renderers, whole ====


def renderer_outputs() -> dict[str, str]:
    """Every renderer of the package, fed a grid / checks / rows whose every string is hostile."""
    from rich.console import Console

    from losscli.accumulate.rows import RowBlock
    from losscli.checks import CheckReport, CheckResult
    from losscli.cli import table
    from losscli.render import checks, junit, plain, text
    from losscli.render.model import Grid
    from losscli.render.samples import csv_writer, tsv_writer

    bad = "".join(HOSTILE_CHECKS)
    grid = Grid(bad, [bad, "n"], [[bad, "1"], [bad + "2", "2"]], [False, True], footer=bad)
    out: dict[str, str] = {}
    buf = io.StringIO()
    plain.write_grid(grid, buf)
    plain.write_line(bad, buf)
    out["plain"] = buf.getvalue()
    console = Console(file=io.StringIO(), force_terminal=True, width=100, highlight=False)
    table.write_grid(grid, console)
    table.write_line(bad, console)
    out["rich"] = SGR.sub("", console.file.getvalue())
    out["markdown"] = text.grid_markdown(grid)
    check = CheckResult(bad, bad, "max", 0.1, 1.0, None, False, bad, file=bad)
    out["junit"] = junit.to_junit([check], suite=bad)
    out["verdict"] = check.verdict_line()
    report = CheckReport(bad, [check])
    out["check_markdown"] = checks.report_markdown(report)
    out["check_junit"] = checks.report_junit(report)
    out["check_json"] = checks.report_json(report)
    block = RowBlock(np.arange(2), {"id": np.array([bad, bad], dtype=object)})
    for name, make in (("tsv", tsv_writer), ("csv", csv_writer)):
        sink = io.BytesIO()
        writer = make(sink, [("id", bad)])
        writer(block)
        writer.close()
        out[name] = sink.getvalue().decode("utf-8")
    return out


def test_every_renderer_neutralises_every_string() -> None:
    out = renderer_outputs()
    media = ("plain", "rich", "markdown", "junit", "verdict", "check_markdown", "check_junit", "check_json")
    for medium in media:
        assert ESC not in out[medium] and not controls(out[medium]), (medium, controls(out[medium]))
    assert out["verdict"].count("\n") == 0
    ET.fromstring(out["junit"].encode())
    ET.fromstring(out["check_junit"].encode())
    assert json.loads(out["check_json"])["checks"][0]["name"] == "".join(HOSTILE_CHECKS)  # verbatim, escaped
    assert "<" not in out["markdown"] and "<" not in out["check_markdown"]
    assert {len(markdown_cells(line)) for line in out["markdown"].splitlines() if line.startswith("|")} == {2}
    rows = out["tsv"].split("\n")
    assert len(rows) == 4 and rows[-1] == "" and all("\t" not in r and "\r" not in r for r in rows[:-1])
    assert list(csv.reader(io.StringIO(out["csv"], newline="")))[1] == ["".join(HOSTILE_CHECKS)]


def test_the_walk_covers_every_renderer() -> None:
    """A new public renderer function must join :func:`renderer_outputs` (or this test fails)."""
    import inspect

    import losscli.cli.table
    import losscli.render.checks
    import losscli.render.junit
    import losscli.render.plain
    import losscli.render.samples
    import losscli.render.text

    walked = {
        "plain.write_grid", "plain.write_line", "table.write_grid", "table.write_line",
        "text.grid_markdown", "junit.to_junit", "samples.DelimitedWriter",
        "samples.csv_writer", "samples.tsv_writer",
        "checks.report_grid", "checks.report_markdown", "checks.report_junit", "checks.report_json",
        # the JSON renderers escape by themselves (json.dumps), checked through the CLI above
        "text.to_json", "text.to_markdown", "text.to_values", "samples.JsonLinesWriter",
        # Parquet holds text as typed data, not a text medium: nothing to neutralise
        "samples.ParquetRowWriter",
    }  # fmt: skip
    modules = [losscli.render.junit, losscli.render.plain, losscli.render.samples]
    modules += [losscli.cli.table, losscli.render.text, losscli.render.checks]
    found = {
        f"{module.__name__.rsplit('.', 1)[1]}.{name}"
        for module in modules
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    }
    assert found <= walked, found - walked


def test_tsv_scalar_and_array_escape_alike() -> None:
    import pyarrow as pa

    from losscli.neutralise import tsv, tsv_array

    values = ["a\tb", "c\nd", "e\\f", "g\rh", '"', "\\t", "", "plain"]
    assert tsv_array(pa.array(values)).to_pylist() == [tsv(v) for v in values]
    assert [unescape_tsv(tsv(v)) for v in values] == values


# ============================================================ terminal widths ====


@pytest.mark.parametrize("width", [60, 80, 120])
def test_rich_table_at_width_has_no_raw_escape_or_extra_line(
    cli: Any, hostile_csv: Any, hostile_project: list[str], width: int
) -> None:
    """The hostile run renders exactly as a run whose names are already the visible text."""
    path, ids, _, _ = hostile_csv
    env = {"COLUMNS": str(width)}
    hostile = cli("check", "--color", "always", env=env)
    body = "".join(
        f'[[check]]\nname = {toml_string(visible(name))}\nfile = "d.csv"\nloss = "mse"\nmax = 0.1\n\n'
        for name in hostile_project
    )
    Path("losscli.toml").write_text(body, encoding="utf-8")
    benign = cli("check", "--color", "always", env=env)
    assert hostile.stdout == benign.stdout
    assert hostile.stderr == benign.stderr
    text = SGR.sub("", hostile.stdout)
    assert ESC not in text and not controls(text)
    table_lines = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert all(len(line) <= width for line in table_lines), max(map(len, table_lines))
    result = cli("mse", path, "--id", "id", "--by", "grp", "--color", "always", env=env)
    text = SGR.sub("", result.stdout)
    assert ESC not in text and not controls(text)
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == len(ids) + 1 + 3  # per-sample rows, the summary row, three groups


def test_real_terminal_shows_both_fail_lines(
    losscli_exe: str, hostile_project: list[str], terminal: Any
) -> None:
    """In a real terminal (tmux), ESC[1A ESC[2K in a check name cannot erase a FAIL line."""
    screen = terminal(f"{losscli_exe} check", 100, joined=True)
    assert "DONE-1" in screen, screen
    fails = [line for line in screen.splitlines() if line.startswith("FAIL ")]
    assert len(fails) == len(hostile_project), screen
    assert "FAIL \\x1b[1A\\x1b[2Kok" in screen
    assert not any(line.startswith("PASS") for line in screen.splitlines())


# ============================================================ ASCII-only streams ====


def run_ascii(
    exe: str, *args: Any, encoding: str = "ascii", cwd: Path | None = None, columns: int = 80
) -> Any:
    """A real process whose stdout and stderr are ASCII-only (``PYTHONIOENCODING``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    env.update(PYTHONIOENCODING=encoding, COLUMNS=str(columns))
    return subprocess.run(
        [exe, *map(str, args)], capture_output=True, env=env, timeout=60, check=False, cwd=cwd
    )


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["mse", "{sample}"], "mse"),
        (["mse", "{sample}", "--color", "always"], "mse"),
        (["mse", "{sample}", "--by", "sex", "-f", "markdown"], "| mse |"),
        (["explain", "mse"], "mean squared error"),
        (["explain", "huber"], "huber"),
        (["list"], "cross-entropy"),
    ],
    ids=["table", "rich", "markdown", "explain", "explain-huber", "list"],
)
def test_ascii_stdout_degrades_readably(
    losscli_exe: str, sample_csv: str, args: list[str], needle: str, encoding: str
) -> None:
    result = run_ascii(losscli_exe, *(a.replace("{sample}", sample_csv) for a in args), encoding=encoding)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    # people's output is ASCII even on latin-1 (losscli's symbols transliterated); Markdown is data
    out = result.stdout.decode(encoding if "markdown" in args else "ascii")
    assert needle in out
    assert result.stderr == b""


def test_ascii_explain_is_readable(losscli_exe: str) -> None:
    out = run_ascii(losscli_exe, "explain", "mse").stdout.decode("ascii")
    assert "sum wl / sum w" in out and "yhat" in out and "\\u" not in out


def test_ascii_check_table_and_markdown(losscli_exe: str, hostile_project: list[str], tmp_path: Path) -> None:
    for args in ([], ["--format", "markdown"], ["--color", "always"]):
        result = run_ascii(losscli_exe, "check", *args, cwd=tmp_path, columns=200)
        assert result.returncode == 1, result.stderr.decode(errors="replace")
        out, err = result.stdout.decode("ascii"), result.stderr.decode("ascii")
        assert len(err.splitlines()) == len(hostile_project)
        assert all(line.startswith("FAIL ") for line in err.splitlines())
        assert "FAIL caf\\xe9 \\u2713 " in err  # a name the stream cannot encode, escaped
        assert "FAIL" in out and ESC not in SGR.sub("", out)


def test_ascii_stream_with_a_non_ascii_column(losscli_exe: str, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("прогноз,label\n1,2\n3,3\n", encoding="utf-8")
    result = run_ascii(losscli_exe, "mse", path, "--pred", "прогноз")
    assert result.returncode == 0, result.stderr
    assert "\\u043f\\u0440" in result.stdout.decode("ascii")  # the name, escaped, not lost
    result = run_ascii(losscli_exe, "mse", path, "--pred", "жук")
    assert result.returncode == 2
    err = result.stderr.decode("ascii").splitlines()
    assert len(err) <= 2 and err[0].startswith("losscli: error: ") and "\\u0436" in err[0]


# ============================================================ hints and secrets ====

SECRET = "ghp_" + "s3cr3tT0k3nV4lu3" * 2


def short_error(result: Any, limit: int = 600) -> str:
    err = result.stderr if isinstance(result.stderr, str) else result.stderr.decode("utf-8", "replace")
    code = result.exit_code if hasattr(result, "exit_code") else result.returncode
    assert code == 2, err[:2000]
    lines = err.splitlines()
    assert 1 <= len(lines) <= 2 and lines[0].startswith("losscli: error: "), err[:2000]
    assert len(err) <= limit, (len(err), err[:2000])
    assert "Traceback" not in err
    return err


def test_config_pointing_at_proc_environ_does_not_print_the_environment(
    losscli_exe: str, tmp_path: Path
) -> None:
    (tmp_path / "losscli.toml").write_text(
        '[[check]]\nfile = "/proc/self/environ"\nloss = "mse"\nmax = 0.1\n', encoding="utf-8"
    )
    env = {**os.environ, "SECRET_TOKEN": SECRET}
    for args in (["check"], ["mse", "/proc/self/environ"]):
        result = subprocess.run(
            [losscli_exe, *args], capture_output=True, env=env, cwd=tmp_path, timeout=60, check=False
        )
        err = short_error(result)
        assert SECRET not in err and "SECRET_TOKEN" not in err and "PATH=" not in err


@pytest.mark.parametrize(
    "header",
    [
        f"SECRET_TOKEN={SECRET}",
        f"id,SECRET_TOKEN={SECRET},API_KEY={SECRET}",
        f"SECRET_TOKEN={SECRET}\tHOME=/root",
    ],
    ids=["one-assignment", "csv-of-assignments", "tsv-of-assignments"],
)
def test_env_dump_header_shows_names_not_values(
    cli: Any, expect_error: Any, write_file: Any, header: str
) -> None:
    path = write_file("env.txt", header + "\nHOME=/root\nUSER=me\n")
    err = expect_error(cli("mse", path))
    assert SECRET not in err and "ghp_" not in err
    assert "'SECRET_TOKEN=…'" in err


def test_a_200kb_header_name_is_not_echoed(cli: Any, write_file: Any) -> None:
    for size in (100_000, 200_000):
        path = write_file(f"wide{size}.csv", "a" * size + ",label\n1,2\n")
        err = short_error(cli("mse", path))
        assert "a" * 50 not in err


def test_nul_bytes_in_the_header_are_not_echoed(cli: Any, write_file: Any) -> None:
    path = write_file("nul.csv", b"SECRET_TOKEN=" + SECRET.encode() + b"\x00PATH=/bin,x\n1,2\n")
    err = short_error(cli("mse", path))
    assert SECRET not in err and "PATH" not in err


def test_ten_thousand_columns_hint_is_short(cli: Any, write_file: Any) -> None:
    names = [f"c{i}" for i in range(10_000)]
    path = write_file("many.csv", ",".join(names) + "\n" + ",".join("1" * 10_000) + "\n")
    err = short_error(cli("mse", path))
    shown = re.findall(r"'(c\d+)'", err)
    assert 1 <= len(shown) <= 8 and shown == names[: len(shown)]
    assert f"({10_000 - len(shown)} more)" in err


def test_long_names_are_cut_in_hints(cli: Any, write_file: Any) -> None:
    long_names = [f"{'x' * 300}{i}" for i in range(3)] + [f"{'y' * 100}{i}" for i in range(3)]
    path = write_file("long.csv", ",".join(long_names) + "\n" + ",".join("1" * 6) + "\n")
    err = short_error(cli("mse", path, "--pred", "nope", "--label", "nope2"))
    assert "x" * 41 not in err and "y" * 41 not in err
    path = write_file("long2.csv", ",".join(long_names[3:]) + "\n1,2,3\n")
    err = short_error(cli("mse", path, "--pred", "y" * 100 + "9", "--label", "y" * 100 + "0"))
    assert "did you mean" in err and "y" * 41 not in err and "…" in err


def test_a_long_wanted_name_is_cut(cli: Any, write_file: Any) -> None:
    path = write_file("d.csv", "pred,label\n1,2\n")
    err = short_error(cli("mse", path, "--pred", "q" * 100_000))
    assert "q" * 41 not in err


def test_a_repeated_column_name_lists_few_positions(cli: Any, write_file: Any) -> None:
    path = write_file("dup.csv", ",".join(["pred"] * 500 + ["label"]) + "\n" + ",".join("1" * 501) + "\n")
    err = short_error(cli("mse", path, "--pred", "pred"))
    assert "appears 500 times" in err and "#1, #2" in err and "#500," not in err


@pytest.mark.parametrize(
    ("loss", "header", "row"),
    [
        ("log-loss", "pred,label", "0.5,{cell}\n0.5,1\n"),
        ("cross-entropy", "prob_a,prob_b,label", "0.5,0.5,{cell}\n0.5,0.5,a\n"),
    ],
    ids=["binary-label", "class-label"],
)
def test_a_100kb_bad_cell_is_cut(cli: Any, write_file: Any, loss: str, header: str, row: str) -> None:
    cell = "z" * 100_000
    path = write_file("bad.csv", header + "\n" + row.format(cell=cell))
    err = short_error(cli(loss, path))
    assert "z" * 41 not in err and "'" + "z" * 40 + "…'" in err


def test_a_100kb_loss_name_from_the_command_line_or_a_config_is_cut(
    cli: Any, write_file: Any, tmp_path: Path
) -> None:
    """``unknown loss '<100 KB>'`` was echoed whole, also from a config's ``loss =`` (an
    untrusted pull request's file in the CI log)."""
    name = "m" * 100_000
    path = write_file("in.csv", "pred,label\n1,2\n")
    err = short_error(cli("eval", path, "-l", name))
    assert "m" * 41 not in err and "unknown loss '" + "m" * 40 + "…'" in err
    config = tmp_path / "losscli.toml"
    config.write_text(f'[[check]]\nname = "c"\nfile = "in.csv"\nloss = "{name}"\nmax = 1\n')
    err = short_error(cli("check", config))
    assert "m" * 41 not in err


def test_every_error_line_is_bounded_whatever_a_message_quotes(cli: Any, write_file: Any) -> None:
    """The boundary keeps each error and hint line to 1,000 characters (its start and
    end, and how much was left out), whichever message quotes what: ``--rows <100 KB>``,
    ``--delimiter <100 KB>``, ``--max mse=<100 KB>``."""
    path = write_file("in.csv", "pred,label\n1,2\n")
    junk = "9x" * 50_000
    for args in (
        ["mse", path, "--rows", junk],
        ["mse", path, "-d", junk],
        ["eval", path, "-l", "mse", "--max", f"mse={junk}"],
    ):
        err = short_error(cli(*args), limit=2_300)
        assert all(len(line) <= 1_000 + len("losscli: error: ") for line in err.splitlines()), err[:300]


def test_a_long_column_name_in_a_row_error_is_cut(cli: Any, write_file: Any) -> None:
    name = "w" * 300
    path = write_file("n.csv", f"pred,{name}\n1,\n")
    err = short_error(cli("mse", path, "--label", name))
    assert "w" * 41 not in err and "row 1" in err


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_narrow_terminal_drops_columns_never_cuts_numbers(
    cli: Any, sample_csv: str, sq_err: np.ndarray, width: int
) -> None:
    """SPEC §4: the loss, its value and the verdict are never cut; lower-priority columns are
    left out with a one-line note naming them."""
    result = cli(
        "mse", sample_csv, "--rows", "0", "--max", "1", "--color", "always", env={"COLUMNS": str(width)}
    )
    assert result.exit_code == 1
    lines = SGR.sub("", result.stdout).splitlines()
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert all(len(line) <= width for line in table)
    summary = next(line for line in table if line.startswith("│ mse "))
    cells = [c.strip() for c in summary.strip("│").split("│")]
    assert cells[:2] == ["mse", f"{sq_err.mean():.6g}"]
    assert not any(c.endswith("…") for c in cells)
    verdict = next(line for line in table if "FAIL" in line)
    assert [c.strip() for c in verdict.strip("│").split("│")][-1] == "FAIL"
    headers = ["loss", "value", "sum", "count", "p50", "p90", "p99", "max"]  # mean would repeat value
    notes = [line for line in lines if line.startswith("not shown, the terminal is too narrow: ")]
    left_out = [h for note in notes[:1] for h in note.split(": ", 1)[1].split(" (")[0].split(", ")]
    header = next(line for line in table if line.startswith("┃ loss "))
    shown = [c.strip() for c in header.strip("┃").split("┃")]
    assert sorted(shown + left_out) == sorted(headers) and not set(shown) & set(left_out)
    assert shown == [h for h in headers if h in shown]  # in their order
    priority = ["sum", "p99", "p90", "p50", "max", "count"]  # what goes first when space is short
    assert left_out == priority[: len(left_out)]
