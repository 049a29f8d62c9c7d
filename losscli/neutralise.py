"""User-controlled text made safe for the medium it goes to: one function per medium.

Column names, check names, loss labels, group values, ids and file names come
from files and configs losscli does not control (a config from an untrusted
pull request, a CSV header). Every renderer passes each string it writes
through the function for its medium:

- :func:`line` — a terminal, a CI log, a verdict or error line on stderr: one
  line, no control characters. Everything ``str.isprintable`` rejects (ESC,
  CR, newline, tab, U+2028/2029, the bidi overrides U+202A–202E/U+2066–2069,
  zero-width and other format characters, lone surrogates from undecodable
  bytes) is written as a visible escape (``\\n``, ``\\x1b``, ``\\u202e``).
  Rich never reads the result as markup: the rich renderer passes it as
  ``rich.text.Text``.
- :func:`markdown` — a GitHub pipe-table cell or title: one line (as
  :func:`line`), with ``|``, backslashes and Markdown/HTML syntax escaped, so
  the table keeps its columns and nothing renders as a link, tag or math.
- :func:`xml` — an XML 1.0 attribute or text node: one line (as :func:`line`),
  which leaves no character XML 1.0 forbids; ElementTree escapes ``& < > "``.
- :func:`tsv` — a TSV field: TSV has no quoting, so backslash, tab, newline
  and CR are written as ``\\\\``, ``\\t``, ``\\n``, ``\\r`` (reversible; other
  characters verbatim). :func:`tsv_array` is the same for a pyarrow array.
  CSV needs no function here: its writers quote per RFC 4180 and keep the
  data verbatim.

For messages (errors and hints), :func:`quote` shows one name or cell cut to a
sane length, and :func:`listing` lists at most a few header names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

MAX_SHOWN = 8  # header names listed in a hint
MAX_CHARS = 40  # characters of one name or cell in a message
PLAUSIBLE_NAME = 256  # a longer "name" is not a header: hints do not list it

# Python's own escapes for the common controls; \xNN, \uNNNN or \UNNNNNNNN for the rest.
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# An environment-style assignment (``TOKEN=ghp_…``): a hint shows the name, never the value.
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S.*)", re.DOTALL)
_MARKDOWN = {
    "\\": "\\\\",
    "|": "\\|",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "~": "\\~",
    "[": "\\[",
    "]": "\\]",
    "$": "\\$",
    "#": "\\#",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
}
_MARKDOWN_TABLE = str.maketrans(_MARKDOWN)


def _escape(c: str) -> str:
    if c in _SHORT:
        return _SHORT[c]
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte kept by surrogateescape: show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def line(text: str) -> str:
    """``text`` as one printable line for a terminal or a log (idempotent)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def markdown(text: str) -> str:
    """``text`` as a Markdown pipe-table cell (or a title): one line, nothing structural."""
    return line(text).translate(_MARKDOWN_TABLE)


def xml(text: str) -> str:
    """``text`` for an XML 1.0 attribute or text node: one line, no forbidden character."""
    return line(text)


def tsv(text: str) -> str:
    """``text`` as a TSV field: ``\\`` ``\\t`` ``\\n`` ``\\r`` escaped, so the row keeps its columns."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def tsv_array(array: Any) -> Any:
    """:func:`tsv` over a pyarrow string array, other arrays unchanged (``Any``: pyarrow
    has no type stubs)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array
    for plain, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        array = pc.replace_substring(array, pattern=plain, replacement=escaped)
    return array


def csv_array(array: Any) -> Any:
    """RFC 4180 over a pyarrow string array: a value holding a comma, a double quote, CR
    or LF is enclosed in double quotes with each quote doubled; any other value verbatim."""
    import pyarrow.compute as pc

    from losscli.io.arrow_build import text_scalar

    needs = pc.match_substring_regex(array, pattern='[",\r\n]')
    if not pc.any(needs).as_py():
        return array
    quote = text_scalar('"')
    quoted = pc.binary_join_element_wise(
        quote, pc.replace_substring(array, '"', '""'), quote, text_scalar("")
    )
    return pc.if_else(needs, quoted, array)


def cut(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` as one line (:func:`line`), at most ``limit`` characters, then ``…``.
    Reads no more of ``text`` than it shows (a 100 KB cell costs nothing)."""
    out: list[str] = []
    size = 0
    for c in text:
        piece = c if c.isprintable() else _escape(c)
        if size + len(piece) > limit:
            return "".join(out) + "…"
        out.append(piece)
        size += len(piece)
    return "".join(out)


def quote(text: str, limit: int = MAX_CHARS) -> str:
    """One name or cell for a message: ``'text'``, one line, cut to ``limit`` characters."""
    return f"'{cut(text, limit)}'"


def quote_cell(value: Any, limit: int = MAX_CHARS) -> str:
    """A cell's value for a message: strings as :func:`quote`, numbers as their ``repr``."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value[: limit * 4]).decode("utf-8", "backslashreplace")
    if isinstance(value, str):
        return quote(value, limit)
    return cut(repr(value), limit)


def plausible_header(header: Sequence[str]) -> bool:
    """Whether ``header`` looks like column names: no NUL byte (a NUL-separated
    environment, a binary file) and no name longer than :data:`PLAUSIBLE_NAME`."""
    return all(len(name) <= PLAUSIBLE_NAME and "\x00" not in name for name in header)


def shown_name(name: str, limit: int = MAX_CHARS) -> str:
    """A header name for a hint: :func:`quote`, and ``NAME=value`` shown as ``'NAME=…'``."""
    assignment = _ASSIGNMENT.fullmatch(name)
    if assignment:
        return f"'{cut(assignment.group(1), limit)}=…'"
    return quote(name, limit)


def listing(header: Sequence[str], limit: int = MAX_SHOWN) -> str:
    """At most ``limit`` header names for a hint, each cut short, then ``… (N more)``;
    a header that is not plausible (:func:`plausible_header`) is described, never echoed."""
    if not plausible_header(header):
        return f"not shown: {NOT_A_HEADER}"
    shown = ", ".join(shown_name(name) for name in header[:limit])
    more = f", … ({len(header) - limit} more)" if len(header) > limit else ""
    return f"{shown}{more}"


NOT_A_HEADER = f"the first line holds NUL bytes or a name over {PLAUSIBLE_NAME} characters"
