"""The options every loss command shares, as ``inspect.Parameter``s for generated commands."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import typer

from losscli.io.formats import INPUT_FORMATS
from losscli.render.formats import DEFAULT_FORMAT, check_formats, result_formats
from losscli.spec import LossSpec, Param

INPUT = "Input"
OUTPUT = "Output"
PARAMS = "Loss parameters"
ENGINE = "Engine"


# The format choices are the format tables' names (losscli.render.formats, losscli.io.formats);
# mypy cannot see members made from data, so code names a member by value: OutputFormat("json").
OutputFormat = StrEnum("OutputFormat", {n: n for n in result_formats()})  # type: ignore[misc]
CheckFormat = StrEnum("CheckFormat", {n: n for n in check_formats()})  # type: ignore[misc]
InputFormat = StrEnum("InputFormat", {n: n for n in INPUT_FORMATS})  # type: ignore[misc]
DEFAULT_OUTPUT = OutputFormat(DEFAULT_FORMAT)
DEFAULT_CHECK = CheckFormat(DEFAULT_FORMAT)


class NanPolicy(StrEnum):
    error = "error"
    drop = "drop"


class ColorMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class CompatPreset(StrEnum):
    sklearn = "sklearn"
    torch = "torch"
    keras = "keras"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


@dataclass(frozen=True)
class CommandOptions:
    """The shared options of one invocation, as parsed."""

    file: str
    pred: str | None = None
    label: str | None = None
    weight: str | None = None
    var: str | None = None
    id: str | None = None
    nan: NanPolicy = NanPolicy.error
    no_header: bool = False
    delimiter: str | None = None
    input_format: InputFormat | None = None
    encoding: str = "utf-8"
    format: OutputFormat = DEFAULT_OUTPUT
    rows: str = "10"
    worst: int = 0
    output: str | None = None
    summary_file: str | None = None
    color: ColorMode = ColorMode.auto
    debug: bool = False
    no_progress: bool = False
    positive: str | None = None
    compat: CompatPreset | None = None
    labels: str | None = None
    on: str | None = None
    by: str | None = None
    max: tuple[str, ...] = ()
    min: tuple[str, ...] = ()
    baseline: str | None = None
    rtol: str | None = None
    atol: str | None = None
    allow_missing_baseline: bool = False
    write_baseline: str | None = None
    exit_zero: bool = False
    junit: str | None = None
    engine: Engine = Engine.local
    scheduler: str | None = None
    timeout: str | None = None


def _opt(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def common_parameters(spec: LossSpec | None, var: bool = False) -> list[inspect.Parameter]:
    """FILE plus the input/output options (``--var`` only for losses that need it)."""
    o = typer.Option
    params = [
        _opt(
            "file",
            Annotated[
                str,
                typer.Argument(
                    help="Input file (CSV, TSV, Parquet, JSONL, Arrow; .gz/.zst/.bz2), or - for stdin.",
                    metavar="FILE",
                    show_default=False,
                ),
            ],
            ...,
        ),
        _opt(
            "pred",
            Annotated[
                str | None,
                o("--pred", help="Prediction column: name or #N (1-based).", rich_help_panel=INPUT),
            ],
            None,
        ),
        _opt(
            "label",
            Annotated[
                str | None, o("--label", "--target", help="Label column: name or #N.", rich_help_panel=INPUT)
            ],
            None,
        ),
        _opt(
            "weight",
            Annotated[
                str | None, o("--weight", help="Sample-weight column (non-negative).", rich_help_panel=INPUT)
            ],
            None,
        ),
    ]
    if var or (spec is not None and "var" in spec.extra_inputs):
        params.append(
            _opt(
                "var",
                Annotated[
                    str | None,
                    o(
                        "--var",
                        help="Predicted-variance column (default names: var, variance, pred_var).",
                        rich_help_panel=INPUT,
                    ),
                ],
                None,
            )
        )
    if spec is None or spec.task == "binary":
        positive = o(
            "--positive",
            help="The label value of the positive class, for labels other than 0/1, true/false, -1/+1.",
            rich_help_panel=INPUT,
        )
        params.append(_opt("positive", Annotated[str | None, positive], None))
    if True:  # every command: --compat keras also changes the weighted mean
        compat = o(
            "--compat",
            help="Reproduce a library's numbers where it differs (clipping, log clamp, Keras' divide-by-N).",
            rich_help_panel=PARAMS,
        )
        params.append(_opt("compat", Annotated[CompatPreset | None, compat], None))
    params += [
        _opt(
            "labels",
            Annotated[
                str | None,
                o(
                    "--labels",
                    help="Read the label column from this file instead (row-aligned, or joined with --on).",
                    rich_help_panel=INPUT,
                ),
            ],
            None,
        ),
        _opt(
            "on",
            Annotated[
                str | None,
                o(
                    "--on",
                    help="Join --labels on this key column (present in both files).",
                    rich_help_panel=INPUT,
                ),
            ],
            None,
        ),
        _opt(
            "by",
            Annotated[
                str | None,
                o("--by", help="Also report the loss per group of this column.", rich_help_panel=INPUT),
            ],
            None,
        ),
        _opt(
            "id",
            Annotated[
                str | None,
                o(
                    "--id",
                    help="Column to identify rows in per-sample output (default: row number).",
                    rich_help_panel=INPUT,
                ),
            ],
            None,
        ),
        _opt(
            "nan",
            Annotated[
                NanPolicy,
                o(
                    "--nan",
                    help="Rows with empty/NaN values: error, or drop and count them.",
                    rich_help_panel=INPUT,
                ),
            ],
            NanPolicy.error,
        ),
        _opt(
            "no_header",
            Annotated[
                bool,
                o(
                    "--no-header",
                    help="The input has no header row; columns are named 1, 2, …",
                    rich_help_panel=INPUT,
                ),
            ],
            False,
        ),
        _opt(
            "delimiter",
            Annotated[
                str | None,
                o(
                    "--delimiter",
                    "-d",
                    help="Field delimiter of delimited text (default: by extension; sniffed for stdin).",
                    rich_help_panel=INPUT,
                ),
            ],
            None,
        ),
        _opt(
            "input_format",
            Annotated[
                InputFormat | None,
                o("--input-format", help="Override the format the extension implies.", rich_help_panel=INPUT),
            ],
            None,
        ),
        _opt(
            "encoding",
            Annotated[str, o("--encoding", help="Text encoding of delimited input.", rich_help_panel=INPUT)],
            "utf-8",
        ),
        _opt(
            "format",
            Annotated[OutputFormat, o("--format", "-f", help="Output format.", rich_help_panel=OUTPUT)],
            DEFAULT_OUTPUT,
        ),
        _opt(
            "rows",
            Annotated[
                str, o("--rows", help="Per-sample rows in the table: N or 'all'.", rich_help_panel=OUTPUT)
            ],
            "10",
        ),
        _opt(
            "worst",
            Annotated[
                int, o("--worst", min=0, help="Also show the K highest-loss rows.", rich_help_panel=OUTPUT)
            ],
            0,
        ),
        _opt(
            "output",
            Annotated[
                str | None,
                o(
                    "--output",
                    "-o",
                    help="Also write per-sample losses to FILE (.csv, .tsv, .parquet), atomically.",
                    rich_help_panel=OUTPUT,
                ),
            ],
            None,
        ),
        _opt(
            "summary_file",
            Annotated[
                str | None,
                o(
                    "--summary-file",
                    help="Append the Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY).",
                    rich_help_panel=OUTPUT,
                ),
            ],
            None,
        ),
        _opt(
            "color",
            Annotated[
                ColorMode,
                o(
                    "--color",
                    help="Colour and rich tables: auto (terminal only), always, never.",
                    rich_help_panel=OUTPUT,
                ),
            ],
            ColorMode.auto,
        ),
        _opt(
            "no_progress",
            Annotated[
                bool,
                o(
                    "--no-progress",
                    help="No progress bar on stderr (shown only on a terminal, after a second).",
                    rich_help_panel=OUTPUT,
                ),
            ],
            False,
        ),
        *engine_parameters(),
        _opt("debug", Annotated[bool, o("--debug", help="Show tracebacks (also LOSSCLI_DEBUG=1).")], False),
    ]
    return params


def engine_parameters() -> list[inspect.Parameter]:
    """``--engine local|dask``, ``--scheduler ADDRESS`` and ``--timeout SECONDS``."""
    o = typer.Option
    return [
        _opt(
            "engine",
            Annotated[
                Engine,
                o(
                    "--engine",
                    help="local: stream here; dask: one task per partition on a Dask cluster "
                    "(pip install 'losscli[dask]').",
                    rich_help_panel=ENGINE,
                ),
            ],
            Engine.local,
        ),
        _opt(
            "scheduler",
            Annotated[
                str | None,
                o(
                    "--scheduler",
                    envvar="LOSSCLI_SCHEDULER",
                    help="Dask scheduler address (tcp://host:8786); default: a LocalCluster on this machine.",
                    rich_help_panel=ENGINE,
                ),
            ],
            None,
        ),
        _opt(
            "timeout", Annotated[str | None, o("--timeout", **TIMEOUT_OPTION, rich_help_panel=ENGINE)], None
        ),
    ]


TIMEOUT_OPTION: dict[str, Any] = {
    "envvar": "LOSSCLI_TIMEOUT",
    "metavar": "SECONDS",
    "help": "Seconds to wait for the --scheduler to answer (default 10; also the config's 'timeout').",
}


def param_parameter(p: Param) -> inspect.Parameter:
    """A loss parameter as an option: ``label_smoothing`` → ``--label-smoothing``.

    The option's default is None (so an explicit value can override a ``--compat``
    preset); help shows the loss's real default.
    """
    shown = "none" if p.default is None else str(p.default).lower() if p.type is bool else str(p.default)
    help_text = p.help + (f" [{'|'.join(p.choices)}]" if p.choices else "")
    decl = f"{p.option}/--no-{p.option[2:]}" if p.type is bool else p.option
    option = typer.Option(decl, help=help_text, rich_help_panel=PARAMS, show_default=shown)
    return _opt(p.name, Annotated[p.type | None, option], None)


def make_options(values: dict[str, Any]) -> CommandOptions:
    """CommandOptions from parsed values (lists become tuples, None lists empty)."""
    fixed: dict[str, Any] = {k: tuple(v or ()) if k in ("max", "min") else v for k, v in values.items()}
    return CommandOptions(**fixed)
