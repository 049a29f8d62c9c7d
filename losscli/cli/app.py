"""The Typer application: loss commands from the registry, plus list, explain, --version."""

from __future__ import annotations

from typing import Annotated

import typer

from losscli.cli.boundary import guarded
from losscli.cli.loss_commands import add_eval_command, add_loss_commands
from losscli.cli.options import DEFAULT_CHECK, TIMEOUT_OPTION, CheckFormat, ColorMode, Engine
from losscli.losses.registry import all_losses
from losscli.spec import TASKS
from losscli.version import __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"losscli {__version__}")
        raise typer.Exit()


BUILTIN = ("list", "explain", "check", "eval")


def build_app(only: str | None = None) -> typer.Typer:
    """The application. ``only``: build just that command (what a run needs); ``""``:
    every command as a name and help line only (the fast top-level listing);
    None: everything (tests)."""
    app = typer.Typer(
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

    @app.command("list", rich_help_panel="Catalog")
    def list_losses(
        task: Annotated[str | None, typer.Option("--task", help=f"Only one task: {'|'.join(TASKS)}.")] = None,
        color: Annotated[ColorMode, typer.Option("--color")] = ColorMode.auto,
    ) -> None:
        """List every loss: name, aliases, task, formula."""
        from losscli.cli.catalog import show_list

        guarded(lambda _v: show_list(task, color))

    @app.command("explain", rich_help_panel="Catalog")
    def explain(loss: Annotated[str, typer.Argument(help="A loss name or alias.")]) -> None:
        """Formula, parameters, conventions and library equivalents of one loss."""
        from losscli.cli.catalog import show_explain

        guarded(lambda _v: show_explain(loss))

    @app.command("check", rich_help_panel="Evaluate")
    def check(
        config: Annotated[
            str | None, typer.Argument(help="losscli.toml or pyproject.toml (default: discovered).")
        ] = None,
        config_option: Annotated[
            str | None, typer.Option("--config", help="The config file (also LOSSCLI_CONFIG).")
        ] = None,
        fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = DEFAULT_CHECK,
        junit: Annotated[str | None, typer.Option("--junit", help="Also write JUnit XML to FILE.")] = None,
        summary_file: Annotated[
            str | None, typer.Option("--summary-file", help="Append the Markdown table to FILE.")
        ] = None,
        rtol: Annotated[
            str | None, typer.Option("--rtol", help="Override every check's rtol (0.05 or 5%).")
        ] = None,
        atol: Annotated[str | None, typer.Option("--atol", help="Override every check's atol.")] = None,
        allow_missing_baseline: Annotated[bool, typer.Option("--allow-missing-baseline")] = False,
        allow_outside: Annotated[
            bool,
            typer.Option(
                "--allow-outside",
                help="Let the config point at files outside its folder, devices and /proc files "
                "(also LOSSCLI_ALLOW_OUTSIDE=1).",
            ),
        ] = False,
        exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Report, but always exit 0.")] = False,
        color: Annotated[ColorMode, typer.Option("--color")] = ColorMode.auto,
        engine: Annotated[
            Engine,
            typer.Option("--engine", help="local, or dask (one task per partition on a Dask cluster)."),
        ] = Engine.local,
        scheduler: Annotated[
            str | None,
            typer.Option("--scheduler", envvar="LOSSCLI_SCHEDULER", help="Dask scheduler address."),
        ] = None,
        timeout: Annotated[str | None, typer.Option("--timeout", **TIMEOUT_OPTION)] = None,
        debug: Annotated[bool, typer.Option("--debug")] = False,
    ) -> None:
        """Run the CI checks of losscli.toml ([[check]]) or pyproject.toml ([[tool.losscli.check]])."""
        from losscli.cli.check_command import run_check

        options = {
            "format": fmt.value, "junit": junit, "summary_file": summary_file, "rtol": rtol, "atol": atol,
            "allow_missing_baseline": allow_missing_baseline, "exit_zero": exit_zero, "color": color,
            "engine": engine.value, "scheduler": scheduler, "timeout": timeout,
            "allow_outside": allow_outside,
        }  # fmt: skip
        guarded(
            lambda verdict: run_check(config if config is not None else config_option, options, verdict),
            debug,
        )

    if only is not None:
        for name in ("list", "explain", "check"):
            if not wanted(name):
                _drop(app, name)
    if wanted("eval"):
        add_eval_command(app, light=only == "")
    specs = [s for s in all_losses() if only in (None, "") or only in s.names]
    add_loss_commands(app, specs, light=only == "")
    return app


def _drop(app: typer.Typer, name: str) -> None:
    app.registered_commands = [c for c in app.registered_commands if c.name != name]


def command_for(args: list[str]) -> str:
    """The sub-command a command line invokes ("" when none is named)."""
    from losscli.losses.registry import REGISTRY, load_catalog

    first = next((a for a in args if not a.startswith("-")), "")
    if first in BUILTIN:
        return first
    load_catalog()
    return first if first in REGISTRY else ""
