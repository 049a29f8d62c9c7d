"""The format tables (issue 12, item 5): every input format is one entry of
``losscli.io.formats.INPUT_FORMATS`` and every output format one entry of
``losscli.render.formats.OUTPUT_FORMATS``; nothing else dispatches on format names.

- The tables list every format the README (and SPEC §4) names, and the CLI's
  ``--format``/``--input-format`` choices are exactly the tables' names.
- Every reader and renderer a table names resolves, with the signature its seam
  declares (the tables name them as ``"module:function"``, which mypy cannot follow).
- Adding a format is one registration (plus its module): shown end to end by
  registering a new input format and a new output format in a fresh interpreter.
- The literal scan (:func:`test_format_names_are_spelled_only_in_the_tables`): under
  ``losscli/``, a string constant equal to a format name appears only in the two table
  modules. Bare string statements (docstrings, attribute docstrings) are not code and
  are skipped; help text never equals a bare name, so it is never counted. Names that
  are also ordinary words of the data model (``value`` and ``table`` are JSON/config keys,
  ``json`` and ``junit`` name options and fields) are counted where a dispatch would
  use them: an operand of ``==``/``!=``, an element of a literal tuple/list/set on the
  right of ``in``/``not in`` (``fmt in ("json", "markdown")``; a key test such as
  ``"value" in payload`` is not a dispatch), or a ``match`` case. Every other format name (``csv``, ``tsv``,
  ``parquet``, ``jsonl``, ``arrow``, ``markdown``) is counted wherever it appears.
  The CLI's enums are built from the tables, so mypy rejects a member by attribute
  (``OutputFormat.json``): members are named by value, through the tables.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from losscli.io.formats import COMPRESSION, INPUT_FORMATS, by_extension, unnamed_reader
from losscli.render.formats import OUTPUT_FORMATS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

TABLE_MODULES = {"losscli/io/formats.py", "losscli/render/formats.py"}
PENDING: set[str] = set()  # modules not yet switched to the tables (none)
WORDS = {"value", "table", "json", "junit"}  # format names that are also keys, fields and option names

SPEC_OUTPUT = ["table", "json", "csv", "tsv", "jsonl", "markdown", "value"]  # SPEC §4's --format table
SPEC_CHECK = ["table", "json", "markdown", "junit"]  # SPEC §5: losscli check --format


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.index("\n## ", start + 1)
    return README[start:end]


# ------------------------------------------------------------------ the tables ----


def test_every_input_format_the_readme_names_is_registered() -> None:
    first = README.split("\n\n")[1]
    listed = re.search(r"from (.+?) or stdin", " ".join(first.split()))
    assert listed is not None, first
    names = [n.strip() for n in listed.group(1).split(",")]
    assert names == ["CSV", "TSV", "Parquet", "JSON Lines", "Arrow"]
    titles = [spec.title for spec in INPUT_FORMATS.values()]
    for name in names:
        assert any(t == name or t.startswith(name + " ") for t in titles), (name, titles)
    assert callable(unnamed_reader())  # stdin, named by nothing: sniffed


def test_every_extension_the_readme_names_is_registered() -> None:
    bullet = _section("Input").split("- **Formats**", 1)[1].split("\n- ", 1)[0]
    formats_part, compressed = bullet.split("text may be compressed")
    extensions = re.findall(r"`(\.\w+)`", formats_part) + re.findall(r"`\.\w+`/`(\.\w+)`", formats_part)
    assert len(set(extensions)) >= 10, extensions
    for ext in set(extensions):
        assert by_extension(ext) is not None, ext
    registered = {e for spec in INPUT_FORMATS.values() for e in spec.extensions}
    assert registered == set(extensions)  # and the README names every one the table has
    for ext in re.findall(r"`(\.\w+)`", compressed.split(")")[0]):
        assert ext in COMPRESSION, ext


def test_every_output_format_of_spec_and_readme_is_registered() -> None:
    rows = [row.split("|")[1] for row in _section("Output").splitlines() if row.startswith("| `")]
    readme_names = [n for row in rows for n in re.findall(r"`(\w+)`", row)]
    assert readme_names == SPEC_OUTPUT
    checks = re.search(
        r"a pass/fail table \(`--format (\w+)`\), `(\w+)`.*?`(\w+)` or `(\w+)`",
        _section("`losscli check`: the checks of a repository").replace("\n", " "),
    )
    assert checks is not None and list(checks.groups()) == SPEC_CHECK
    for name in {*SPEC_OUTPUT, *SPEC_CHECK}:
        assert name in OUTPUT_FORMATS, name
    assert [s.name for s in OUTPUT_FORMATS.values() if s.terminal] == ["table"]
    streaming = {s.name for s in OUTPUT_FORMATS.values() if s.streams}
    assert streaming == {"csv", "tsv", "jsonl"}  # SPEC §4: "streams? yes"
    assert {e for s in OUTPUT_FORMATS.values() for e in s.extensions} >= {".csv", ".tsv", ".parquet"}


def _choices(command: Any, name: str) -> list[str]:
    (param,) = [p for p in command.params if name in p.opts]
    return list(param.type.choices)


def test_the_cli_choices_are_the_tables_names() -> None:
    import typer

    from losscli.cli.app import build_app

    app = typer.main.get_command(build_app())
    results = [s.name for s in OUTPUT_FORMATS.values() if s.terminal or s.result or s.streams]
    checks = [s.name for s in OUTPUT_FORMATS.values() if s.terminal or s.checks]
    for command in ("mse", "cross-entropy", "eval"):
        assert _choices(app.commands[command], "--format") == results == SPEC_OUTPUT
        assert _choices(app.commands[command], "--input-format") == list(INPUT_FORMATS)
    assert _choices(app.commands["check"], "--format") == checks == SPEC_CHECK


def test_the_config_input_format_choices_are_the_table() -> None:
    from losscli.config_types import CHECK_SCHEMA

    assert CHECK_SCHEMA["input_format"].choices == tuple(INPUT_FORMATS)


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_every_registered_reader_and_renderer_resolves_with_its_signature() -> None:
    from losscli.io.types import Reader, UnnamedReader

    reader = _parameters(Reader.__call__)[1:]
    for spec in INPUT_FORMATS.values():
        assert _parameters(spec.open()) == reader, spec.name
    assert _parameters(unnamed_reader()) == _parameters(UnnamedReader.__call__)[1:]
    for spec in OUTPUT_FORMATS.values():
        assert spec.terminal or spec.result or spec.checks or spec.rows, spec.name
        if spec.result:
            assert len(_parameters(spec.render_result())) == 1, spec.name
        if spec.checks:
            assert len(_parameters(spec.render_checks())) == 1, spec.name
        if spec.rows:
            assert _parameters(spec.row_writer())[:2] == ["out", "columns"], spec.name
        assert not (spec.terminal and (spec.result or spec.checks)), spec.name  # the CLI draws it
        assert not spec.streams or spec.rows, spec.name


# ------------------------------------------------- one registration, end to end ----


def _fresh_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(ROOT)]), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_a_new_input_format_is_one_registration(tmp_path: Path) -> None:
    """Pipe-separated text: an entry naming the delimited reader; by extension and by name."""
    rng = np.random.default_rng(12)
    pred, label = rng.normal(size=50), rng.normal(size=50)
    body = "pred|label\n" + "".join(
        f"{p!r}|{y!r}\n" for p, y in zip(pred.tolist(), label.tolist(), strict=True)
    )
    (tmp_path / "preds.psv").write_text(body)
    (tmp_path / "preds.txt").write_text(body)
    run = _fresh_python(
        """
        import sys
        from losscli.io import formats

        formats.INPUT_FORMATS["psv"] = formats.InputFormatSpec(
            "psv", "PSV", "losscli.io.delimited:open_delimited", (".psv",), delimiter="|"
        )
        from typer.testing import CliRunner
        from losscli.cli.app import build_app

        app = build_app()
        for args in (["preds.psv"], ["preds.txt", "--input-format", "psv"]):
            result = CliRunner().invoke(app, ["mse", *args, "-f", "value"])
            sys.stdout.write(result.stdout)
        """,
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    want = float(np.mean((pred - label) ** 2))
    assert [float(v) for v in run.stdout.split()] == pytest.approx([want, want], rel=1e-12)


def test_a_new_output_format_is_one_module_and_one_registration(tmp_path: Path) -> None:
    """An HTML-ish renderer of an EvalResult: its module and its entry; the CLI offers it."""
    (tmp_path / "page.py").write_text(
        "def to_page(result):\n    return f'<p>{result.results[0].value!r}</p>\\n'\n"
    )
    rng = np.random.default_rng(13)
    pred, label = rng.normal(size=40), rng.normal(size=40)
    (tmp_path / "preds.csv").write_text(
        "pred,label\n" + "".join(f"{p!r},{y!r}\n" for p, y in zip(pred.tolist(), label.tolist(), strict=True))
    )
    run = _fresh_python(
        """
        import sys
        from losscli.render import formats

        formats.OUTPUT_FORMATS["page"] = formats.OutputFormatSpec("page", result="page:to_page")
        from typer.testing import CliRunner
        from losscli.cli.app import build_app

        result = CliRunner().invoke(build_app(), ["mae", "preds.csv", "-f", "page"])
        sys.stdout.write(result.stdout)
        check = CliRunner().invoke(build_app(), ["check", "-f", "page"])
        sys.stdout.write(f"check exit {check.exit_code}\\n")
        """,
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    page, check = run.stdout.splitlines()
    assert re.fullmatch(r"<p>(.+)</p>", page)
    assert float(page[3:-4]) == pytest.approx(float(np.mean(np.abs(pred - label))), rel=1e-12)
    assert check == "check exit 2"  # no check renderer: not a `check --format` choice


# ------------------------------------------------------------- the literal scan ----


def _code_strings(tree: ast.AST) -> list[tuple[ast.Constant, bool]]:
    """(string constant, whether a dispatch compares it) for every string of code: bare
    string statements (docstrings) are left out. Compared: an operand of ``==``/``!=``, an
    element of the literal tuple/list/set on the right of ``in``/``not in``, a ``case``."""
    bare = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    compared: set[int] = set()
    for node in ast.walk(tree):
        sides: list[ast.expr] = []
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, (left, right) in zip(node.ops, itertools.pairwise(operands), strict=True):
                if isinstance(op, ast.Eq | ast.NotEq):
                    sides += [left, right]
                elif isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.Tuple | ast.List | ast.Set):
                    sides += [right]  # `fmt in ("json", …)`; not `"value" in payload` (a key test)
        elif isinstance(node, ast.MatchValue):
            sides = [node.value]
        for side in sides:
            items = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
            compared.update(id(item) for item in items)
    return [
        (node, id(node) in compared)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in bare
    ]


def test_format_names_are_spelled_only_in_the_tables() -> None:
    names = set(INPUT_FORMATS) | set(OUTPUT_FORMATS)
    assert names >= WORDS | {"parquet", "csv", "markdown"}
    found = []
    for path in sorted((ROOT / "losscli").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in TABLE_MODULES or rel in PENDING:
            continue
        for node, compared in _code_strings(ast.parse(path.read_text(encoding="utf-8"))):
            if node.value in names and (compared or node.value not in WORDS):
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert found == []


def test_the_scan_finds_what_it_should() -> None:
    """The scan is able to fail: the if-chains the tables replaced are caught."""
    caught = textwrap.dedent(
        """
        '''A docstring naming parquet is fine.'''
        if fmt in ("csv", "tsv"): pass
        if fmt == "json": pass
        kind = {".pq": "parquet"}
        match fmt:
            case "junit": pass
        payload = {"value": 1.0, "table": {}}
        if "value" in payload: pass
        """
    )
    strings = [(n.value, c) for n, c in _code_strings(ast.parse(caught))]
    flagged = [
        v for v, c in strings if v in set(INPUT_FORMATS) | set(OUTPUT_FORMATS) and (c or v not in WORDS)
    ]
    assert sorted(flagged) == ["csv", "json", "junit", "parquet", "tsv"]
    assert "value" not in flagged and "table" not in flagged
