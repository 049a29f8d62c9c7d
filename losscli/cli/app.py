"""The Typer application: loss commands from the registry, plus list, explain, --version."""

from __future__ import annotations

from typing import Annotated

import typer

from losscli import __version__
from losscli.cli.boundary import guarded
from losscli.cli.loss_commands import add_eval_command, add_loss_commands
from losscli.cli.options import ColorMode
from losscli.losses._registry import all_losses
from losscli.losses._spec import TASKS


def _version(value: bool) -> None:
    if value:
        typer.echo(f"losscli {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
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

    add_eval_command(app)
    add_loss_commands(app, all_losses())
    return app
