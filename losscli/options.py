"""Every option losscli has, declared once: name, type, default, help, spelling, the
commands that take it, its ``losscli check`` config key, its environment variable and
its Python API keyword.

A declaration is a field in Typer's ``Annotated`` style: the field's name, type and
default are the option's, and the :class:`Option` in its metadata says the rest.
:class:`CommandOptions` holds what a loss command and ``eval`` parse (an instance is
one invocation's values); :class:`OtherOptions` declares the rest (``check``'s and
``list``'s own options, config-only keys, API-only keywords, environment-only
settings) and is never instantiated. The command line (:mod:`losscli.cli.options`),
the config schema (:mod:`losscli.config_types`) and the API's keyword test read
:func:`declarations`; nothing else lists options. Adding an option is one field here
plus its behaviour.

No Typer or rich here: this is library code.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from losscli.io.formats import INPUT_FORMATS
from losscli.render.formats import DEFAULT_FORMAT, check_formats, compare_formats, result_formats
from losscli.results import GROUP_DETAILS
from losscli.spec import TASKS
from losscli.spelling import in_python, value_text

if TYPE_CHECKING:
    from losscli.spec import LossSpec

#: the commands whose options are declared here ("loss": every generated loss command)
Command = Literal["loss", "eval", "check", "list", "compare", "report"]
#: the kinds of value a config key takes (validated by :mod:`losscli.config_types`)
Kind = Literal[
    "text", "path", "bool", "limit", "number", "int", "tolerance", "column", "columns", "choice", "char",
    "codec", "label", "table", "seconds",
]  # fmt: skip
#: what ``check`` does with a config key: the check's own key, a column, a read option
#: (checks with equal read options share one read), a gate, or a setting of the run
Role = Literal["check", "column", "read", "gate", "run"]

INPUT = "Input"
OUTPUT = "Output"
PARAMS = "Loss parameters"
ENGINE = "Engine"
CHECKS = "Checks (CI)"
INTERVALS = "Confidence intervals"
SKILL = "Skill against a dummy"

LOSS_EVAL: frozenset[Command] = frozenset({"loss", "eval"})
EVALUATING: frozenset[Command] = frozenset({"loss", "eval", "check"})
COMPARE: frozenset[Command] = frozenset({"compare"})
REPORT: frozenset[Command] = frozenset({"report"})


# The format choices are the format tables' names (losscli.render.formats, losscli.io.formats);
# mypy cannot see members made from data, so code names a member by value: OutputFormat("json").
OutputFormat = StrEnum("OutputFormat", {n: n for n in result_formats()})  # type: ignore[misc]
CheckFormat = StrEnum("CheckFormat", {n: n for n in check_formats()})  # type: ignore[misc]
CompareFormat = StrEnum("CompareFormat", {n: n for n in compare_formats()})  # type: ignore[misc]
InputFormat = StrEnum("InputFormat", {n: n for n in INPUT_FORMATS})  # type: ignore[misc]
DEFAULT_OUTPUT = OutputFormat(DEFAULT_FORMAT)
DEFAULT_CHECK = CheckFormat(DEFAULT_FORMAT)
DEFAULT_COMPARE = CompareFormat(DEFAULT_FORMAT)


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


class DummyStrategy(StrEnum):
    mean = "mean"
    median = "median"


@dataclass(frozen=True)
class ConfigKey:
    """An option as a ``losscli check`` config key (named like the option): the kind
    of value it takes, what check does with it, whether the top level (or
    ``[tool.losscli]``) may set it for every check, and other spellings."""

    kind: Kind
    role: Role = "check"
    shared: bool = False
    aliases: tuple[str, ...] = ()


class Sentinel:
    """A marker value: :data:`SAME` (the API default is the option's) or :data:`REQUIRED`
    (the option has no default)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


SAME = Sentinel("SAME")
REQUIRED = Sentinel("REQUIRED")


@dataclass(frozen=True)
class Option:
    """One option's declaration. In a field's ``Annotated`` metadata it says everything
    but the name, type and default, which :func:`declarations` fills in from the field.

    ``flag``: the long spelling when it is not ``--`` + the name with dashes;
    ``commands``: where it is on the command line (none: a config key, API keyword or
    environment variable only); ``only_if``: loss commands take it only for the specs
    it accepts (``eval`` takes every option); ``check_help``: the help in ``check``
    where the option means something else there; ``env``: the environment variable that
    also sets it, read by Typer when ``env_parsed``, else by the option's behaviour
    (which looks the name up here), in ``env_commands`` only when those are given;
    ``api``: its keyword in ``losscli.evaluate``, with ``api_default`` when that differs;
    ``python``: how Python code gives an option that is no keyword there, ``{}`` standing
    for the value (``InputOptions(path, encoding={})``); see :func:`spelled`.
    ``optional_in``: commands where a ``required`` option may be left out (``report``'s
    ``-l``: the losses are then chosen by the file's task).
    """

    help: str
    flag: str | None = None
    aliases: tuple[str, ...] = ()
    commands: frozenset[Command] = frozenset()
    panel: str | None = None
    argument: bool = False
    metavar: str | None = None
    minimum: int | None = None
    required: bool = False
    optional_in: frozenset[Command] = frozenset()  # commands where a required option may be left out
    only_if: Callable[[LossSpec], bool] | None = None
    check_help: str | None = None
    config: ConfigKey | None = None
    env: str | None = None
    env_parsed: bool = False
    env_commands: frozenset[Command] | None = None
    api: str | None = None
    api_default: object = SAME
    python: str | None = None
    name: str = ""  # filled in from the field
    type: object = object  # filled in from the field: the parsed value's type
    default: object = REQUIRED  # filled in from the field

    @property
    def flags(self) -> tuple[str, ...]:
        """Every command-line spelling of an option, the long one first (none: an argument)."""
        if self.argument:
            return ()
        return (self.flag or "--" + self.name.replace("_", "-"), *self.aliases)

    @property
    def is_required(self) -> bool:
        """The command line must give it (no default, or declared ``required``)."""
        return self.required or self.default is REQUIRED

    @property
    def repeatable(self) -> bool:
        """Given several times, collected (a tuple of values)."""
        return isinstance(self.default, tuple)

    @property
    def choices(self) -> tuple[str, ...]:
        """The values of an enum-typed option (``X | None`` too), else ()."""
        for member in (self.type, *typing.get_args(self.type)):
            if isinstance(member, type) and issubclass(member, Enum):
                return tuple(str(e.value) for e in member)
        return ()

    @property
    def api_value(self) -> object:
        """The default of its API keyword."""
        return self.default if self.api_default is SAME else self.api_default

    def help_in(self, command: Command) -> str:
        """Its help text in ``command``."""
        return self.check_help if command == "check" and self.check_help else self.help

    def reads_env(self, command: Command) -> bool:
        """Whether ``command`` honours :attr:`env`."""
        return self.env is not None and (self.env_commands is None or command in self.env_commands)


def _takes(role: str) -> Callable[[LossSpec], bool]:
    """Whether a loss takes the input ``role`` (required or optional)."""
    return lambda spec: role in (*spec.extra_inputs, *spec.optional_inputs)


def _uses_pred(spec: LossSpec) -> bool:
    return spec.uses_pred


def _binary(spec: LossSpec) -> bool:
    return spec.task == "binary"


LIMIT_HELP = "Fail (exit 1) when the value is {}: X, or LOSS=X with several losses. Repeatable."


@dataclass(frozen=True)
class CommandOptions:
    """The options of a loss command and ``eval``, as one invocation parsed them."""

    file: Annotated[
        str,
        Option(
            "Input file (CSV, TSV, Parquet, JSONL, Arrow; .gz/.zst/.bz2), or - for stdin.",
            argument=True,
            metavar="FILE",
            commands=LOSS_EVAL | REPORT,
            config=ConfigKey("path"),
        ),
    ]
    pred: Annotated[
        str | None,
        Option(
            "Prediction column: name or #N (1-based).",
            commands=LOSS_EVAL | REPORT,
            panel=INPUT,
            only_if=_uses_pred,
            config=ConfigKey("column", "column"),
            api="pred",
        ),
    ] = None
    label: Annotated[
        str | None,
        Option(
            "Label column: name or #N.",
            aliases=("--target",),
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            config=ConfigKey("column", "column", aliases=("target",)),
            api="label",
        ),
    ] = None
    weight: Annotated[
        str | None,
        Option(
            "Sample-weight column (non-negative).",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            config=ConfigKey("column", "column"),
            api="weight",
        ),
    ] = None
    var: Annotated[
        str | None,
        Option(
            "Predicted-variance column (default names: var, variance, pred_var).",
            commands=LOSS_EVAL | REPORT,
            panel=INPUT,
            only_if=_takes("var"),
            config=ConfigKey("column", "column"),
            api="var",
        ),
    ] = None
    std: Annotated[
        str | None,
        Option(
            "Predicted standard-deviation column (crps of a Gaussian forecast: --pred is the mean).",
            commands=LOSS_EVAL | REPORT,
            panel=INPUT,
            only_if=_takes("std"),
            config=ConfigKey("column", "column"),
            api="std",
        ),
    ] = None
    lower: Annotated[
        str | None,
        Option(
            "Lower-bound column of a prediction interval (default names: lower, lo, lower_bound).",
            commands=LOSS_EVAL | REPORT,
            panel=INPUT,
            only_if=_takes("lower"),
            config=ConfigKey("column", "column"),
            api="lower",
        ),
    ] = None
    upper: Annotated[
        str | None,
        Option(
            "Upper-bound column of a prediction interval (default names: upper, hi, upper_bound).",
            commands=LOSS_EVAL | REPORT,
            panel=INPUT,
            only_if=_takes("upper"),
            config=ConfigKey("column", "column"),
            api="upper",
        ),
    ] = None
    positive: Annotated[
        str | None,
        Option(
            "The label value of the positive class, for labels other than 0/1, true/false, -1/+1.",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            only_if=_binary,
            config=ConfigKey("label", "read"),
            api="positive",
        ),
    ] = None
    compat: Annotated[  # every command: --compat keras also changes the weighted mean
        CompatPreset | None,
        Option(
            "Reproduce a library's numbers where it differs (clipping, log clamp, Keras' divide-by-N).",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=PARAMS,
            config=ConfigKey("choice", "read", shared=True),
            api="compat",
        ),
    ] = None
    labels: Annotated[
        str | None,
        Option(
            "Read the label column from this file instead (row-aligned, or joined with --on).",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            api="labels",
            config=ConfigKey("path", "read"),
        ),
    ] = None
    on: Annotated[
        str | None,
        Option(
            "Join --labels on this key column (present in both files).",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            api="on",
            config=ConfigKey("column", "read"),
        ),
    ] = None
    by: Annotated[
        tuple[str, ...],
        Option(
            "Also report the loss per group of this column (repeat it, or a comma list, to group by"
            " several columns' combination).",
            commands=LOSS_EVAL | REPORT,
            panel=INPUT,
            api="by",
            api_default=None,
            config=ConfigKey("columns", "column"),
        ),
    ] = ()
    id: Annotated[
        str | None,
        Option(
            "Column to identify rows in per-sample output (default: row number).",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            config=ConfigKey("column", "column"),
            api="id",
        ),
    ] = None
    nan: Annotated[
        NanPolicy,
        Option(
            "Rows with empty/NaN values: error, or drop and count them.",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            config=ConfigKey("choice", "read", shared=True),
            api="nan",
        ),
    ] = NanPolicy.error
    no_header: Annotated[
        bool,
        Option(
            "The input has no header row; columns are named 1, 2, …",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            config=ConfigKey("bool", "read"),
            python="InputOptions(path, header=False)",
        ),
    ] = False
    delimiter: Annotated[
        str | None,
        Option(
            "Field delimiter of delimited text (default: by extension; sniffed for stdin).",
            aliases=("-d",),
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            config=ConfigKey("char", "read"),
            python="InputOptions(path, delimiter={})",
        ),
    ] = None
    input_format: Annotated[
        InputFormat | None,
        Option(
            "Override the format the extension implies.",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            config=ConfigKey("choice", "read"),
            python="InputOptions(path, format={})",
        ),
    ] = None
    encoding: Annotated[
        str,
        Option(
            "Text encoding of delimited input.",
            commands=LOSS_EVAL | COMPARE | REPORT,
            panel=INPUT,
            config=ConfigKey("codec", "read"),
            python="InputOptions(path, encoding={})",
        ),
    ] = "utf-8"
    format: Annotated[
        OutputFormat, Option("Output format.", aliases=("-f",), commands=LOSS_EVAL, panel=OUTPUT)
    ] = DEFAULT_OUTPUT
    rows: Annotated[
        str,
        Option(
            "Per-sample rows in the table: N or 'all'.",
            commands=LOSS_EVAL,
            panel=OUTPUT,
            api="rows",
            api_default=10,
        ),
    ] = "10"
    worst: Annotated[
        int,
        Option(
            "Also show the K highest-loss rows.",
            minimum=0,
            commands=LOSS_EVAL | REPORT,
            panel=OUTPUT,
            api="worst",
        ),
    ] = 0
    group_details: Annotated[
        str,
        Option(
            "With --by: the detail tables (confusion matrix, reliability …) of the first N groups"
            " in the table and Markdown, N or 'all' (-f json has every group's).",
            metavar="N",
            commands=LOSS_EVAL,
            panel=OUTPUT,
        ),
    ] = str(GROUP_DETAILS)
    ci: Annotated[
        float | None,
        Option(
            "Confidence interval of each value at this level (--ci alone: 0.95): the BCa bootstrap"
            " over rows (buckets of rows on large inputs).",
            metavar="LEVEL",
            commands=EVALUATING | COMPARE | REPORT,
            panel=INTERVALS,
            config=ConfigKey("number", "read", shared=True),
            api="ci",
        ),
    ] = None
    resamples: Annotated[
        int,
        Option(
            "Bootstrap resamples for --ci.",
            minimum=100,
            commands=EVALUATING | COMPARE | REPORT,
            panel=INTERVALS,
            config=ConfigKey("int", "read", shared=True),
            api="resamples",
        ),
    ] = 2000
    seed: Annotated[
        int,
        Option(
            "Seed of the --ci resampling (the same seed gives the same interval).",
            minimum=0,
            commands=EVALUATING | COMPARE | REPORT,
            panel=INTERVALS,
            config=ConfigKey("int", "read", shared=True),
            api="seed",
        ),
    ] = 0
    ci_block: Annotated[
        int,
        Option(
            "Resample rows in contiguous blocks of N for --ci (ordered data, e.g. time series).",
            metavar="N",
            minimum=1,
            commands=EVALUATING | COMPARE | REPORT,
            panel=INTERVALS,
            config=ConfigKey("int", "read", shared=True),
            api="ci_block",
        ),
    ] = 1
    vs_dummy: Annotated[
        bool,
        Option(
            "Also report skill = 1 − value / dummy: the loss of always predicting the label mean"
            " (regression) or the class prior (classification), on the same rows.",
            commands=EVALUATING | REPORT,
            panel=SKILL,
            config=ConfigKey("bool", "check", shared=True),
            api="vs_dummy",
        ),
    ] = False
    dummy: Annotated[
        DummyStrategy | None,
        Option(
            "What the regression dummy predicts: the label mean (default) or median. Implies --vs-dummy.",
            commands=EVALUATING | REPORT,
            panel=SKILL,
            config=ConfigKey("choice", "check", shared=True),
            api="dummy",
        ),
    ] = None
    output: Annotated[
        str | None,
        Option(
            "Also write per-sample losses to FILE (.csv, .tsv, .parquet), atomically.",
            aliases=("-o",),
            commands=LOSS_EVAL,
            panel=OUTPUT,
            api="output",
        ),
    ] = None
    summary_file: Annotated[
        str | None,
        Option(
            "Append the Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY).",
            commands=EVALUATING | COMPARE | REPORT,
            panel=OUTPUT,
        ),
    ] = None
    color: Annotated[
        ColorMode,
        Option(
            "Colour and rich tables: auto (terminal only), always, never.",
            commands=frozenset({"loss", "eval", "check", "list", "compare"}),
            panel=OUTPUT,
        ),
    ] = ColorMode.auto
    no_progress: Annotated[
        bool,
        Option(
            "No progress bar on stderr (shown only on a terminal, after a second).",
            commands=LOSS_EVAL | REPORT,
            panel=OUTPUT,
        ),
    ] = False
    engine: Annotated[
        Engine,
        Option(
            "local: stream here; dask: one task per partition on a Dask cluster "
            "(pip install 'losscli[dask]').",
            commands=EVALUATING | REPORT,
            panel=ENGINE,
            api="engine",
        ),
    ] = Engine.local
    scheduler: Annotated[
        str | None,
        Option(
            "Dask scheduler address (tcp://host:8786); default: a LocalCluster on this machine.",
            commands=EVALUATING | REPORT,
            panel=ENGINE,
            env="LOSSCLI_SCHEDULER",
            env_parsed=True,
            api="scheduler",
        ),
    ] = None
    timeout: Annotated[
        str | None,
        Option(
            "Seconds to wait for the --scheduler to answer (default 10; also the config's 'timeout').",
            metavar="SECONDS",
            commands=EVALUATING | REPORT,
            panel=ENGINE,
            env="LOSSCLI_TIMEOUT",
            env_parsed=True,
            config=ConfigKey("seconds", "run"),
        ),
    ] = None
    debug: Annotated[
        bool,
        Option(
            "Show tracebacks (also LOSSCLI_DEBUG=1).",
            commands=EVALUATING | COMPARE | REPORT,
            env="LOSSCLI_DEBUG",
        ),
    ] = False
    losses: Annotated[
        tuple[str, ...],
        Option(
            "A loss, with parameters as name:key=value,… Repeatable.",
            flag="--loss",
            aliases=("-l",),
            required=True,
            optional_in=REPORT,
            commands=frozenset({"eval", "compare", "report"}),
        ),
    ] = ()
    max: Annotated[
        tuple[str, ...],
        Option(
            LIMIT_HELP.format("above X"),
            commands=LOSS_EVAL | REPORT,
            panel=CHECKS,
            config=ConfigKey("limit", "gate"),
        ),
    ] = ()
    min: Annotated[
        tuple[str, ...],
        Option(
            LIMIT_HELP.format("below X"),
            commands=LOSS_EVAL | REPORT,
            panel=CHECKS,
            config=ConfigKey("limit", "gate"),
        ),
    ] = ()
    min_skill: Annotated[
        tuple[str, ...],
        Option(
            "Fail (exit 1) when the skill against the dummy is below X: X, or LOSS=X with several"
            " losses. Repeatable. Implies --vs-dummy.",
            commands=LOSS_EVAL | REPORT,
            panel=CHECKS,
            config=ConfigKey("limit", "gate"),
        ),
    ] = ()
    baseline: Annotated[
        str | None,
        Option(
            "A losscli JSON result or a metrics file to compare with: JSON, or YAML (.yaml, .yml);"
            ' flat {"mse": 0.2} or nested {"test": {"mse": 0.2}}.',
            commands=LOSS_EVAL | REPORT,
            panel=CHECKS,
            config=ConfigKey("path", "gate"),
        ),
    ] = None
    baseline_key: Annotated[
        str | None,
        Option(
            "Where the losses are in a nested --baseline: test (test.mse, test.mae, …; dots go"
            " deeper), or test.mse for the one loss.",
            commands=LOSS_EVAL | REPORT,
            panel=CHECKS,
            config=ConfigKey("text", "gate", shared=True),
        ),
    ] = None
    significance: Annotated[
        float | None,
        Option(
            "With --baseline: a worsening fails only when it is significant at this level (e.g. 0.05),"
            " paired when the baseline holds bootstrap statistics of the same rows (--write-baseline"
            " stores them), and beyond --rtol/--atol when given.",
            metavar="ALPHA",
            commands=EVALUATING | REPORT,
            panel=CHECKS,
            config=ConfigKey("number", "gate", shared=True),
        ),
    ] = None
    rtol: Annotated[
        str | None,
        Option(
            "Relative tolerance vs the baseline: 0.05 or 5%.",
            check_help="Override every check's rtol (0.05 or 5%).",
            commands=EVALUATING | REPORT,
            panel=CHECKS,
            config=ConfigKey("tolerance", "gate", shared=True),
            env="LOSSCLI_RTOL",
            env_commands=frozenset({"check"}),
        ),
    ] = None
    atol: Annotated[
        str | None,
        Option(
            "Absolute tolerance vs the baseline.",
            check_help="Override every check's atol.",
            commands=EVALUATING | REPORT,
            panel=CHECKS,
            config=ConfigKey("tolerance", "gate", shared=True),
            env="LOSSCLI_ATOL",
            env_commands=frozenset({"check"}),
        ),
    ] = None
    allow_missing_baseline: Annotated[
        bool,
        Option(
            "A loss missing from the baseline passes.",
            commands=EVALUATING | REPORT,
            panel=CHECKS,
            config=ConfigKey("bool", "gate", shared=True),
            env="LOSSCLI_ALLOW_MISSING_BASELINE",
            env_commands=frozenset({"check"}),
        ),
    ] = False
    write_baseline: Annotated[
        str | None,
        Option(
            "Save this result as a baseline JSON (atomically).", commands=LOSS_EVAL | REPORT, panel=CHECKS
        ),
    ] = None
    exit_zero: Annotated[
        bool,
        Option(
            "Report checks but always exit 0.",
            commands=EVALUATING | COMPARE | REPORT,
            panel=CHECKS,
            env="LOSSCLI_EXIT_ZERO",
            env_commands=frozenset({"check"}),
        ),
    ] = False
    report_output: Annotated[
        str | None,
        Option(
            "Write the report to FILE: one self-contained HTML page (no network), atomically"
            " (needed unless --plots DIR is given).",
            flag="--output",
            aliases=("-o",),
            metavar="FILE",
            commands=REPORT,
            panel=OUTPUT,
        ),
    ] = None
    plots_dir: Annotated[
        str | None,
        Option(
            "Also write each plot as SVG and PNG into DIR, with a summary.md that shows them (a PR"
            " comment, e.g. cml comment create DIR/summary.md).",
            flag="--plots",
            metavar="DIR",
            commands=REPORT | COMPARE | frozenset({"check"}),
            panel=OUTPUT,
        ),
    ] = None
    junit: Annotated[
        str | None,
        Option(
            "Write the checks as JUnit XML to FILE.", commands=EVALUATING | COMPARE | REPORT, panel=CHECKS
        ),
    ] = None


@dataclass(frozen=True)
class OtherOptions:
    """Declarations only (never instantiated): the options of ``check`` and ``list``
    that loss commands do not take, config-only keys, API-only keywords and settings
    read only from the environment."""

    files: Annotated[
        tuple[str, ...],
        Option(
            "The input: one file with a prediction column per model (--pred A,B), or one file per"
            " model (each with the label column, or --labels FILE).",
            argument=True,
            metavar="FILE...",
            commands=COMPARE,
            required=True,
        ),
    ] = ()
    models: Annotated[
        tuple[str, ...],
        Option(
            "The models' prediction columns: A,B, repeated, or a glob ('pred_*'); for multiclass"
            " one glob per model (--pred 'gbm_p*' --pred 'lr_p*'). With several files: the"
            " prediction column of each.",
            flag="--pred",
            commands=COMPARE,
            panel=INPUT,
            python="preds=[{}]",
        ),
    ] = ()
    model_std: Annotated[
        tuple[str, ...],
        Option(
            "Each model's standard-deviation column (crps of Gaussian forecasts): A,B or repeated,"
            " in --pred's order, or one for all.",
            flag="--std",
            commands=COMPARE,
            panel=INPUT,
            python="std=[{}]",
        ),
    ] = ()
    model_var: Annotated[
        tuple[str, ...],
        Option(
            "Each model's variance column (gaussian-nll, crps): A,B or repeated, in --pred's order,"
            " or one for all.",
            flag="--var",
            commands=COMPARE,
            panel=INPUT,
            python="var=[{}]",
        ),
    ] = ()
    model_lower: Annotated[
        tuple[str, ...],
        Option(
            "Each model's interval lower-bound column (interval-score, coverage): A,B or repeated;"
            " with --upper they name the models.",
            flag="--lower",
            commands=COMPARE,
            panel=INPUT,
            python="lower=[{}]",
        ),
    ] = ()
    model_upper: Annotated[
        tuple[str, ...],
        Option(
            "Each model's interval upper-bound column (interval-score, coverage): A,B or repeated.",
            flag="--upper",
            commands=COMPARE,
            panel=INPUT,
            python="upper=[{}]",
        ),
    ] = ()
    compare_format: Annotated[
        CompareFormat,
        Option(
            "Output format (csv, tsv, jsonl: per-sample rows of every model).",
            flag="--format",
            aliases=("-f",),
            commands=COMPARE,
            panel=OUTPUT,
        ),
    ] = DEFAULT_COMPARE
    reference: Annotated[
        str | None,
        Option(
            "The model the others are judged against (default: the first).",
            commands=COMPARE,
            panel=CHECKS,
            python="reference={}",
        ),
    ] = None
    fail_if_worse: Annotated[
        bool,
        Option(
            "Exit 1 when a model is significantly worse than the reference (beyond --margin).",
            commands=COMPARE,
            panel=CHECKS,
        ),
    ] = False
    require_better: Annotated[
        bool,
        Option(
            "Exit 1 unless a model is significantly better than the reference (beyond --margin).",
            commands=COMPARE,
            panel=CHECKS,
        ),
    ] = False
    report_file: Annotated[
        str | None,
        Option(
            "Also write a self-contained HTML report (no network) to FILE, atomically; needs"
            " pip install 'losscli[report]'.",
            flag="--report",
            metavar="FILE",
            commands=COMPARE | frozenset({"check"}),
            panel=OUTPUT,
        ),
    ] = None
    margin: Annotated[
        str | None,
        Option(
            "Practical tolerance for the gates: X in the loss's units, or X% of the reference's value;"
            " a gate fails only when the whole interval lies beyond it.",
            commands=COMPARE,
            panel=CHECKS,
        ),
    ] = None

    config: Annotated[
        str | None,
        Option(
            "losscli.toml or pyproject.toml (default: discovered).",
            argument=True,
            commands=frozenset({"check"}),
        ),
    ] = None
    config_option: Annotated[
        str | None,
        Option(
            "The config file (also LOSSCLI_CONFIG).",
            flag="--config",
            commands=frozenset({"check"}),
            env="LOSSCLI_CONFIG",
        ),
    ] = None
    check_format: Annotated[
        CheckFormat,
        Option(
            "Output format.", flag="--format", aliases=("-f",), commands=frozenset({"check"}), panel=OUTPUT
        ),
    ] = DEFAULT_CHECK
    allow_outside: Annotated[
        bool,
        Option(
            "Let the config point at files outside its folder, devices and /proc files "
            "(also LOSSCLI_ALLOW_OUTSIDE=1).",
            commands=frozenset({"check"}),
            env="LOSSCLI_ALLOW_OUTSIDE",
        ),
    ] = False
    task: Annotated[
        str | None, Option(f"Only one task: {'|'.join(TASKS)}.", commands=frozenset({"list"}))
    ] = None
    name: Annotated[
        str | None,
        Option("A check's name in reports and baselines (default: FILE/LOSS).", config=ConfigKey("text")),
    ] = None
    loss: Annotated[str | None, Option("A check's loss: a name or alias.", config=ConfigKey("text"))] = None
    params: Annotated[
        Mapping[str, object] | None,
        Option(
            "Loss parameters by name (a config may also give them as keys of the check).",
            config=ConfigKey("table"),
            api="params",
        ),
    ] = None
    sink: Annotated[
        Callable[[object], None] | None,
        Option("Called with every block of per-sample rows (local engine).", api="sink"),
    ] = None
    max_line_bytes: Annotated[
        str | None,
        Option(
            "The longest line a text reader takes: bytes, or 512M, 1G (default 256 MiB, at most 1 GiB).",
            env="LOSSCLI_MAX_LINE_BYTES",
            python="InputOptions(path, max_line_bytes={})",
        ),
    ] = None


@cache
def declared(cls: type) -> tuple[Option, ...]:
    """The declarations that are fields of the dataclass ``cls``, in field order."""
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        found = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Option)]
        if len(found) != 1:
            raise TypeError(f"{cls.__name__}.{f.name}: expected Annotated[type, Option(...)]")
        default = REQUIRED if f.default is dataclasses.MISSING else f.default
        out.append(dataclasses.replace(found[0], name=f.name, type=typing.get_args(hint)[0], default=default))
    return tuple(out)


def declarations() -> tuple[Option, ...]:
    """Every option, in the order commands list them: :class:`OtherOptions`' first
    (``check``'s own options lead its help), then :class:`CommandOptions`'."""
    return (*declared(OtherOptions), *declared(CommandOptions))


def declaration(name: str) -> Option:
    """The declaration of the option ``name``."""
    for option in declarations():
        if option.name == name:
            return option
    raise KeyError(name)


def env_name(option: str) -> str:
    """The environment variable the option ``option`` declares."""
    env = declaration(option).env
    if env is None:
        raise KeyError(f"option '{option}' declares no environment variable")
    return env


def for_command(command: Command, spec: LossSpec | None = None) -> tuple[Option, ...]:
    """The options ``command`` takes, in order; for a loss command, those ``spec`` takes."""
    return tuple(
        o
        for o in declarations()
        if command in o.commands and (spec is None or o.only_if is None or o.only_if(spec))
    )


def spelled(name: str, value: object = None, *, placeholder: bool = False, short: bool = False) -> str:
    """The option ``name`` as a message names it (:mod:`losscli.spelling`).

    On the command line its flag, with ``value`` shell-quoted (``--nan drop``,
    ``--pred 'prob_*'``); in Python (inside :func:`losscli.spelling.python`) its API
    keyword (``nan='drop'``, ``pred=``), else its declared Python spelling
    (``InputOptions(path, encoding='latin-1')``), else its environment variable. A
    ``placeholder`` value (``KEY``, ``COL``) is written as it is, never quoted. ``short``:
    the shortest flag (``-o``)."""
    import shlex

    o = declaration(name)
    flag = (min(o.flags, key=len) if short else o.flags[0]) if o.flags else name
    if not in_python():
        if value is None:
            return flag
        return f"{flag} {value if placeholder else shlex.quote(str(value))}"
    shown = "" if value is None else value_text(value, placeholder)
    if o.api is not None:
        return f"{o.api}={shown or ('True' if o.type is bool else '')}"
    if o.python is not None:
        return o.python.format(shown or "…")
    if o.env is not None:
        return f"${o.env}" if value is None else f"{o.env}={value}"
    return flag


def api_keywords() -> dict[str, object]:
    """``losscli.evaluate``'s keyword-only parameters and their defaults, as declared."""
    return {o.api: o.api_value for o in declarations() if o.api is not None}


def make_options(values: Mapping[str, Any]) -> CommandOptions:
    """An invocation's options from the values Typer parsed: a repeatable option's values
    (a list, or None when not given) become a tuple."""
    cls = CommandOptions
    repeatable = {o.name for o in declared(cls) if o.repeatable}
    fixed: dict[str, Any] = {k: tuple(v or ()) if k in repeatable else v for k, v in values.items()}
    return cls(**fixed)
