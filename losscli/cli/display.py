"""Human output: rich tables on a terminal, the same content as aligned text elsewhere.

Rich is used when stdout is a terminal, or ``FORCE_COLOR`` is set, or
``--color always``; rich itself honours ``NO_COLOR`` and ``COLUMNS``.

A stream that cannot carry Unicode (``PYTHONIOENCODING=ascii``, a latin-1
locale) gets readable ASCII: rich draws an ASCII box by itself, the symbols
losscli writes (``…``, ``Σ``, ``ŷ``, sparkline bars) are transliterated, and
any other character (a name in Cyrillic) is written as a backslash escape by
:func:`adapt_streams` — never a UnicodeEncodeError.
"""

from __future__ import annotations

import codecs
import os
import sys
from typing import Any, TextIO

from losscli.cli.options import ColorMode
from losscli.render.model import SPARKS, Grid

ASCII_SPARKS = " .:-=+*#@"
ASCII = str.maketrans(
    {
        **dict(zip(SPARKS, ASCII_SPARKS, strict=True)),
        "…": "...",
        "·": "*",
        "—": "--",
        "–": "-",
        "−": "-",
        "↑": "^",
        "↔": "<->",
        "Σ": "sum ",
        "ℓ": "l",
        "ŷ": "yhat",
        "ȳ": "ybar",
        "ε": "eps",
        "α": "alpha",
        "β": "beta",
        "γ": "gamma",
        "δ": "delta",
        "π": "pi",
        "²": "^2",
        "ᶻ": "^z",
        "½": "1/2",
        "×": "x",
        "±": "+/-",
        "√": "sqrt",
        "≠": "!=",
        "≤": "<=",
        "≥": ">=",
        "∈": " in ",
        "∉": " not in ",
        "‖": "||",
    }
)


def unicode_stream(stream: Any) -> bool:
    """Whether ``stream``'s encoding is a UTF (anything else is treated as ASCII-only)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def adapt_streams() -> None:
    """stdout and stderr that cannot carry Unicode write what they cannot encode as
    backslash escapes (``\\u0436``) instead of raising UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not unicode_stream(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def readable(text: str, stream: Any = None, ellipsis: str = "...") -> str:
    """``text`` for ``stream`` (default stdout): unchanged on a UTF stream, else with
    losscli's own symbols in ASCII (``Σwℓ`` → ``sum wl``)."""
    if unicode_stream(stream or sys.stdout) or text.isascii():
        return text
    return text.replace(" · ", " - ").replace("…", ellipsis).translate(ASCII)


def use_rich(color: ColorMode, stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if color is ColorMode.always:
        return True
    forced = os.environ.get("FORCE_COLOR", "") not in ("", "0")
    return forced or bool(getattr(stream, "isatty", lambda: False)())


class _Readable:
    """A text stream that writes through :func:`readable` (for an ASCII-only stdout):
    rich sees its encoding, so it also draws an ASCII box."""

    def __init__(self, stream: TextIO, ellipsis: str = "...") -> None:
        self.stream, self.ellipsis = stream, ellipsis
        self.encoding = getattr(stream, "encoding", None) or "ascii"

    def write(self, text: str) -> int:
        return self.stream.write(readable(text, self.stream, self.ellipsis))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self.stream.fileno()


def human_stdout(ellipsis: str = "...") -> Any:
    """stdout for people: itself on a UTF stream, else one that transliterates (in a rich
    table a cut cell's ``…`` becomes ``ellipsis``: one character keeps the columns aligned)."""
    adapt_streams()
    return sys.stdout if unicode_stream(sys.stdout) else _Readable(sys.stdout, ellipsis)


def show_grids(grids: list[Grid], lines: list[str], color: ColorMode) -> None:
    if use_rich(color):
        out = human_stdout(ellipsis="~")
        from rich.console import Console

        from losscli.cli import table

        console = Console(
            file=out, force_terminal=True, no_color=color is ColorMode.never or None, highlight=False
        )
        for grid in grids:
            table.write_grid(grid, console)
        for line in lines:
            table.write_line(line, console)
        return
    from losscli.render import plain

    out = human_stdout()
    for grid in grids:
        plain.write_grid(grid, out)
    for line in lines:
        plain.write_line(line, out)


def write_text(text: str) -> None:
    """A page of losscli's own text (``explain``) on stdout, readable on any encoding."""
    human_stdout().write(text)


def show_result(result: Any, color: ColorMode) -> None:
    from losscli.render.details import detail_grids, group_detail_grids
    from losscli.render.model import checks_grid, groups_grid, head_grid, sparklines, summary_grid, worst_grid

    grids = [g for g in (head_grid(result), worst_grid(result)) if g is not None and g.rows]
    grids.append(summary_grid(result, people=True))
    details = detail_grids(result.results)
    grids += details
    if (groups := groups_grid(result, people=True)) is not None:
        grids.append(groups)
    grids += group_detail_grids(result.results, result.group_details, details)
    if result.checks:
        grids.append(checks_grid(result.checks))
    show_grids(grids, sparklines(result.results), color)
