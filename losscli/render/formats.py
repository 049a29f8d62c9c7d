"""The output formats: one table, format name → what renders it and what it needs.

``--format`` of the loss commands and ``eval``, ``losscli check --format`` and ``-o FILE``
(by extension) all look formats up here; the CLI's choices are this table's names. A
renderer is named as ``"module:function"`` and imported only when it is used; this module
imports no renderer (and none imports it), so it costs nothing at start-up.

A format may render (each optional):

- ``result``: an :class:`~losscli.results.EvalResult` as text for stdout (json, markdown, value);
- ``checks``: a :class:`~losscli.checks.CheckReport` as text (``losscli check``: json, markdown, junit);
- ``comparison``: a :class:`~losscli.results.CompareResult` as text (``losscli compare``: json,
  markdown, junit);
- ``rows``: per-sample rows, block by block (:class:`RowWriter`), to stdout when ``streams``
  (csv, tsv, jsonl: constant memory) and to ``-o FILE`` when the file's extension is one of
  ``extensions`` (csv, tsv, parquet).

``table`` is ``terminal``: drawn by the CLI for people (rich tables on a terminal, aligned
text elsewhere), never by a library renderer. Every other format is for machines and never
passes through rich (SPEC §4).

To add a format: write its renderer (a module with a function of one of the signatures
above) and add one :class:`OutputFormatSpec` to :data:`OUTPUT_FORMATS`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast

from losscli.errors import UsageError

if TYPE_CHECKING:
    from losscli.accumulate.rows import RowBlock
    from losscli.checks import CheckReport
    from losscli.results import CompareResult, EvalResult


class RowWriter(Protocol):
    """Writes per-sample rows as they come; ``close`` finishes the bytes (a Parquet footer)."""

    def __call__(self, block: RowBlock) -> None: ...

    def close(self) -> None: ...


RowWriterFactory = Callable[[BinaryIO, list[tuple[str, str]]], RowWriter]
"""(the binary stream, the columns as (row-block key, header)) → a :class:`RowWriter`."""
ResultRenderer = Callable[["EvalResult"], str]
CheckRenderer = Callable[["CheckReport"], str]
ComparisonRenderer = Callable[["CompareResult"], str]


@dataclass(frozen=True)
class OutputFormatSpec:
    """One output format: its name, what renders it (``"module:function"`` each), and what
    the run must collect for it."""

    name: str
    result: str | None = None  # a ResultRenderer: the whole result as text (stdout)
    checks: str | None = None  # a CheckRenderer: `losscli check`'s report as text (stdout)
    comparison: str | None = None  # a ComparisonRenderer: `losscli compare`'s result as text (stdout)
    rows: str | None = None  # a RowWriterFactory: per-sample rows
    streams: bool = False  # `--format NAME` streams `rows` to stdout
    extensions: tuple[str, ...] = ()  # `-o FILE` with one of these (lower case) writes `rows` to FILE
    terminal: bool = False  # for people: drawn by the CLI (rich on a terminal, plain text elsewhere)
    quantiles: bool = False  # shows the loss quantiles (p50/p90/p99/max): the run sketches them
    head_rows: bool = False  # shows per-sample rows (--rows N first, --worst K highest)

    @property
    def machine(self) -> bool:
        """Written for programs: never through rich, never cut or wrapped."""
        return not self.terminal

    def render_result(self) -> ResultRenderer:
        """The result renderer, imported now."""
        assert self.result is not None, self.name
        return cast(ResultRenderer, _load(self.result))

    def render_checks(self) -> CheckRenderer:
        """The check-report renderer, imported now."""
        assert self.checks is not None, self.name
        return cast(CheckRenderer, _load(self.checks))

    def render_comparison(self) -> ComparisonRenderer:
        """The comparison renderer, imported now."""
        assert self.comparison is not None, self.name
        return cast(ComparisonRenderer, _load(self.comparison))

    def row_writer(self) -> RowWriterFactory:
        """The per-sample row writer, imported now."""
        assert self.rows is not None, self.name
        return cast(RowWriterFactory, _load(self.rows))


_TEXT = "losscli.render.text"
_CHECKS = "losscli.render.checks"
_SAMPLES = "losscli.render.samples"
_COMPARE = "losscli.render.comparison"
OUTPUT_FORMATS: dict[str, OutputFormatSpec] = {
    spec.name: spec
    for spec in (
        OutputFormatSpec("table", terminal=True, quantiles=True, head_rows=True),
        OutputFormatSpec(
            "json",
            result=f"{_TEXT}:to_json",
            checks=f"{_CHECKS}:report_json",
            comparison=f"{_COMPARE}:comparison_json",
            quantiles=True,
        ),
        OutputFormatSpec("csv", rows=f"{_SAMPLES}:csv_writer", streams=True, extensions=(".csv",)),
        OutputFormatSpec("tsv", rows=f"{_SAMPLES}:tsv_writer", streams=True, extensions=(".tsv",)),
        OutputFormatSpec("jsonl", rows=f"{_SAMPLES}:JsonLinesWriter", streams=True),
        OutputFormatSpec(
            "markdown",
            result=f"{_TEXT}:to_markdown",
            checks=f"{_CHECKS}:report_markdown",
            comparison=f"{_COMPARE}:comparison_markdown",
            quantiles=True,
        ),
        OutputFormatSpec("value", result=f"{_TEXT}:to_values"),
        OutputFormatSpec(
            "junit", checks=f"{_CHECKS}:report_junit", comparison=f"{_COMPARE}:comparison_junit"
        ),
        OutputFormatSpec("parquet", rows=f"{_SAMPLES}:ParquetRowWriter", extensions=(".parquet", ".pq")),
    )
}
DEFAULT_FORMAT = "table"
"""The format of every command when ``--format`` is not given."""


def output_format(name: str) -> OutputFormatSpec:
    """The format named ``name``; UsageError if none is."""
    spec = OUTPUT_FORMATS.get(name)
    if spec is None:
        raise UsageError(f"unknown output format '{name}'", f"use one of {', '.join(OUTPUT_FORMATS)}")
    return spec


def result_formats() -> list[str]:
    """The ``--format`` choices of the loss commands and ``eval``, in table order."""
    return [s.name for s in OUTPUT_FORMATS.values() if s.terminal or s.result or s.streams]


def compare_formats() -> list[str]:
    """The ``losscli compare --format`` choices, in table order."""
    return [s.name for s in OUTPUT_FORMATS.values() if s.terminal or s.comparison or s.streams]


def check_formats() -> list[str]:
    """The ``losscli check --format`` choices, in table order."""
    return [s.name for s in OUTPUT_FORMATS.values() if s.terminal or s.checks]


def file_format(path: str) -> OutputFormatSpec:
    """The format ``-o FILE`` writes per-sample rows in, by FILE's extension."""
    ext = os.path.splitext(path.lower())[1]
    for spec in OUTPUT_FORMATS.values():
        if ext in spec.extensions:
            return spec
    names = [s.extensions[0] for s in OUTPUT_FORMATS.values() if s.extensions]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}"
    raise UsageError(f"-o {path}: cannot tell the format", f"name the file {listed}")


def _load(ref: str) -> object:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)
