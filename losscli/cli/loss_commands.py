"""One sub-command per registered loss, generated from its :class:`LossSpec`.

Adding a loss to the registry adds its command, options and help here;
nothing else changes.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from losscli.cli.boundary import guarded
from losscli.cli.options import OneValueEach, make_options, param_parameter, parameters
from losscli.spec import LossSpec


def add_loss_commands(app: typer.Typer, specs: list[LossSpec], light: bool = False) -> None:
    """One command per spec (and a hidden one per alias). ``light``: commands without
    options, for the top-level help listing only (nothing is invoked through them)."""
    for spec in specs:
        command = _listing_stub if light else make_command(spec)
        panel = f"{spec.task.title()} losses"
        app.command(name=spec.name, cls=OneValueEach, help=command_help(spec), rich_help_panel=panel)(command)
        for alias in spec.aliases:
            app.command(name=alias, cls=OneValueEach, help=f"Alias of '{spec.name}'.", hidden=True)(
                _listing_stub if light else make_command(spec)
            )


def _listing_stub() -> None:
    """Stands in for a command in the top-level help listing; never invoked."""
    raise typer.Exit(3)


def command_help(spec: LossSpec) -> str:
    lines = [f"{spec.summary[:1].upper() + spec.summary[1:]}: {spec.formula}  (d = ŷ − y)."]
    if spec.finalize_text != "mean":
        lines.append(f"Reported value: {spec.finalize_text}.")
    if spec.equivalents:
        lines.append("Agrees with " + ", ".join(spec.equivalents) + ".")
    lines.append(f"Example: {spec.example}")
    return "\n\n".join(lines)


def make_command(spec: LossSpec) -> Any:
    """A Typer command function whose signature is the declared options a loss command
    takes (:mod:`losscli.options`), then the loss's parameters."""
    param_names = [p.name for p in spec.params if not p.hidden]

    def command(**kwargs: Any) -> None:
        given = {name: kwargs.pop(name) for name in param_names}
        params = {name: value for name, value in given.items() if value is not None}
        options = make_options(kwargs)

        def body(verdict: Any) -> int:
            from losscli.cli.run import run_losses

            return run_losses([(spec.name, params)], options, verdict)

        guarded(body, options.debug)

    signature = parameters("loss", spec) + [param_parameter(p) for p in spec.params if not p.hidden]
    command.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    command.__name__ = spec.name.replace("-", "_")
    return command


def add_eval_command(app: typer.Typer, light: bool = False) -> None:
    """``losscli eval FILE -l mse -l huber:delta=2``: several losses in one pass."""

    def command(**kwargs: Any) -> None:
        options = make_options(kwargs)

        def body(verdict: Any) -> int:
            from losscli.cli.run import run_losses
            from losscli.engine.jobs import parse_job

            jobs = [parse_job(text) for text in options.losses]
            return run_losses([(spec.name, params) for spec, params in jobs], options, verdict)

        guarded(body, options.debug)

    command.__signature__ = inspect.Signature(parameters("eval"))  # type: ignore[attr-defined]
    help_text = (
        "Several losses over one read of the data: -l mse -l huber:delta=2. "
        "JSON holds one result per loss; CSV one loss_<name> column per loss. "
        "Gates take LOSS=X: --max mse=0.5."
    )
    app.command(name="eval", cls=OneValueEach, help=help_text, rich_help_panel="Evaluate")(
        _listing_stub if light else command
    )
