"""The Typer application: loss commands from the registry, plus list, explain, --version."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer
from typer._click import Command, Context  # typer vendors Click
from typer.core import TyperGroup

from losscli.cli.boundary import guarded
from losscli.cli.loss_commands import add_eval_command, add_loss_commands
from losscli.cli.options import OneValueEach, parameters
from losscli.losses.registry import all_losses
from losscli.version import __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"losscli {__version__}")
        raise typer.Exit()


BUILTIN = ("list", "explain", "check", "eval", "compare", "report")


def build_app(only: str | None = None) -> typer.Typer:
    """The application. ``only``: build just that command (what a run needs); ``""``:
    every command as a name and help line only (the fast top-level listing);
    None: everything (tests)."""
    app = typer.Typer(
        cls=Commands,
        name="losscli",
        help="How wrong are these predictions? Evaluate losses over CSV, TSV, Parquet, JSONL or stdin.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def main(
        version: Annotated[
            bool,
            typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
        ] = False,
    ) -> None:
        """losscli LOSS FILE [OPTIONS] — one loss; 'losscli list' shows them all."""
        from losscli.cli.display import adapt_streams

        adapt_streams()  # an ASCII-only stdout/stderr escapes what it cannot encode, never raises

    def wanted(name: str) -> bool:
        return only is None or only == "" or only == name

    built = {  # each built only when wanted: a run of one loss builds none of them
        "list": ("Catalog", list_command),
        "explain": ("Catalog", explain_command),
        "check": ("Evaluate", check_command),
        "compare": ("Evaluate", compare_command),
        "report": ("Evaluate", report_command),
    }
    for name, (panel, build) in built.items():
        if wanted(name):
            app.command(name, cls=OneValueEach, rich_help_panel=panel)(build())
    if wanted("eval"):
        add_eval_command(app, light=only == "")
    specs = [s for s in all_losses() if only in (None, "") or only in s.names]
    add_loss_commands(app, specs, light=only == "")
    return app


def explain_command() -> Any:
    def explain(loss: Annotated[str, typer.Argument(help="A loss name or alias.")]) -> None:
        """Formula, parameters, conventions and library equivalents of one loss."""
        from losscli.cli.catalog import show_explain

        guarded(lambda _v: show_explain(loss))

    return explain


def list_command() -> Any:
    """``losscli list``: its options are the declarations for "list"."""

    def list_losses(**kwargs: Any) -> None:
        """List every loss: name, aliases, task, formula."""
        from losscli.cli.catalog import show_list

        guarded(lambda _v: show_list(kwargs["task"], kwargs["color"]))

    list_losses.__signature__ = inspect.Signature(parameters("list"))  # type: ignore[attr-defined]
    return list_losses


def check_command() -> Any:
    """``losscli check``: its options are the declarations for "check", handed on by name
    (``--format`` is the declaration ``check_format``)."""

    def check(**kwargs: Any) -> None:
        """Run the CI checks of losscli.toml ([[check]]) or pyproject.toml ([[tool.losscli.check]])."""
        from losscli.cli.check_command import run_check

        config = kwargs.pop("config")
        config_option = kwargs.pop("config_option")
        debug = kwargs.pop("debug")
        options = {("format" if name == "check_format" else name): v for name, v in kwargs.items()}
        guarded(
            lambda verdict: run_check(config if config is not None else config_option, options, verdict),
            debug,
        )

    check.__signature__ = inspect.Signature(parameters("check"))  # type: ignore[attr-defined]
    return check


def compare_command() -> Any:
    """``losscli compare``: its options are the declarations for "compare", by name."""

    def compare(**kwargs: Any) -> None:
        """Models side by side on the same rows: each model's value and interval, its paired
        difference to the reference (interval, p-value, rows won) and a verdict."""
        from losscli.cli.compare_command import run_compare

        debug = kwargs.pop("debug")
        options = {("format" if name == "compare_format" else name): v for name, v in kwargs.items()}
        guarded(lambda verdict: run_compare(options, verdict), debug)

    compare.__signature__ = inspect.Signature(parameters("compare"))  # type: ignore[attr-defined]
    return compare


def _report_losses(options: Any) -> list[str]:
    """``report`` without ``-l``: the losses of the file's task (losscli.report.defaults)."""
    from losscli.cli.run import input_options, label_source
    from losscli.errors import UsageError
    from losscli.report.defaults import default_losses

    if options.file == "-":
        raise UsageError(
            "losscli report reads standard input once, so it cannot look at it to choose the losses",
            "name them: -l mse (regression), -l bce (binary), -l cross-entropy (multiclass), …",
        )
    source = input_options(options)
    given = {"pred": options.pred, "label": options.label, "weight": options.weight, "id": options.id}
    return default_losses(source, {**given, "positive": options.positive}, label_source(options), options.on)


def report_command() -> Any:
    """``losscli report FILE -l LOSS … -o report.html``: its options are the declarations for "report"."""

    def report(**kwargs: Any) -> None:
        """A self-contained HTML report (no network): each loss's value, checks, groups,
        plots chosen by task, the worst rows. Needs the extra: pip install 'losscli[report]'."""
        from losscli.cli.options import make_options

        options = make_options(kwargs)

        def body(verdict: Any) -> int:
            from dataclasses import replace

            from losscli.cli.run import run_losses
            from losscli.engine.jobs import parse_job
            from losscli.errors import UsageError
            from losscli.report.build import require_matplotlib

            if options.report_output is None and options.plots_dir is None:
                raise UsageError(
                    "losscli report needs somewhere to write: -o FILE (the HTML page), --plots DIR"
                    " (each plot as SVG and PNG), or both",
                    "e.g. losscli report FILE -l mse -o report.html",
                )
            require_matplotlib()
            jobs = [parse_job(text) for text in options.losses or _report_losses(options)]
            shown = replace(options, rows="0")  # stdout: the summary table, no per-sample rows
            return run_losses([(spec.name, params) for spec, params in jobs], shown, verdict)

        guarded(body, options.debug)

    report.__signature__ = inspect.Signature(parameters("report"))  # type: ignore[attr-defined]
    return report


class Commands(TyperGroup):
    """The top-level group: an unknown command is answered from the real commands and
    loss aliases, with a close match only ('compare' is not 'mae')."""

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from losscli.losses.registry import REGISTRY, suggestion

            known = [*self.commands, *(n for spec in REGISTRY for n in spec.names)]
            hint = suggestion(name, sorted(set(known)))
            if hint.startswith("run 'losscli list'"):
                hint = "run 'losscli --help' for the commands, 'losscli list' for the losses"
            ctx.fail(f"No such command {name!r}: {hint}")
        return super().resolve_command(ctx, args)


def command_for(args: list[str]) -> str:
    """The sub-command a command line invokes ("" when none is named)."""
    from losscli.losses.registry import REGISTRY, load_catalog

    first = next((a for a in args if not a.startswith("-")), "")
    if first in BUILTIN:
        return first
    load_catalog()
    return first if first in REGISTRY else ""
