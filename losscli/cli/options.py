"""The declared options (:mod:`losscli.options`) as Typer parameters, and the command
class every command is parsed with."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer
from typer._click import Context  # typer 0.26 vendors Click: the context its commands parse with
from typer.core import TyperCommand, TyperOption

from losscli.options import (
    PARAMS,
    CheckFormat,
    ColorMode,
    Command,
    CommandOptions,
    CompatPreset,
    Engine,
    InputFormat,
    NanPolicy,
    Option,
    OutputFormat,
    for_command,
    make_options,
)
from losscli.spec import LossSpec, Param

__all__ = [
    "CheckFormat",
    "ColorMode",
    "CommandOptions",
    "CompatPreset",
    "Engine",
    "InputFormat",
    "NanPolicy",
    "OneValueEach",
    "OutputFormat",
    "make_options",
    "param_parameter",
    "parameter",
    "parameters",
]


def parameters(command: Command, spec: LossSpec | None = None) -> list[inspect.Parameter]:
    """The options ``command`` takes, as Typer parameters in declaration order (for a
    loss command, those its ``spec`` takes)."""
    return [parameter(option, command) for option in for_command(command, spec)]


_BUILT: dict[tuple[str, Command], tuple[Option, inspect.Parameter]] = {}


def parameter(option: Option, command: Command) -> inspect.Parameter:
    """One declaration as a keyword parameter ``Annotated[type, typer.Option(...)]``: a
    repeatable option is a list (None when not given), a required one has no default.
    Built once per declaration and command: the loss commands share them (a third of
    start-up was spent building the same Annotated types 36 times)."""
    key = (option.name, command)
    built = _BUILT.get(key)
    if built is None or built[0] is not option:  # a new declaration (tests add some)
        built = _BUILT[key] = (option, _parameter(option, command))
    return built[1]


def _parameter(option: Option, command: Command) -> inspect.Parameter:
    kind = option.type
    default: Any = option.default
    if option.repeatable:
        kind, default = list[str] | None, None
    required = option.is_required and command not in option.optional_in
    if required:
        kind, default = (list[str] if option.repeatable else kind), ...
    info: Any
    if option.argument:
        info = typer.Argument(help=option.help_in(command), metavar=option.metavar, show_default=False)
    else:
        info = typer.Option(
            *option.flags,
            help=option.help_in(command),
            rich_help_panel=option.panel,
            envvar=option.env if option.env_parsed else None,
            metavar=option.metavar,
            min=option.minimum,
            show_default=not required,
        )
    annotation = Annotated[kind, info]  # type: ignore[valid-type]
    return inspect.Parameter(
        option.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def param_parameter(p: Param) -> inspect.Parameter:
    """A loss parameter as an option: ``label_smoothing`` → ``--label-smoothing``.

    The option's default is None (so an explicit value can override a ``--compat``
    preset); help shows the loss's real default.
    """
    shown = "none" if p.default is None else str(p.default).lower() if p.type is bool else str(p.default)
    help_text = p.help + (f" [{'|'.join(p.choices)}]" if p.choices else "")
    decl = f"{p.option}/--no-{p.option[2:]}" if p.type is bool else p.option
    option = typer.Option(decl, help=help_text, rich_help_panel=PARAMS, show_default=shown)
    return inspect.Parameter(
        p.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[p.type | None, option]
    )


class OneValueEach(TyperCommand):
    """A command on which an option that takes one value is a usage error when given
    twice (SPEC §3: never "the last one wins"). Repeatable options and flags are not."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        args = bare_ci(args)
        if not ctx.resilient_parsing:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
            seen: set[str | None] = set()
            for param in order:
                if isinstance(param, TyperOption) and not (param.multiple or param.is_flag or param.count):
                    if param.name in seen:
                        models = " To compare models, run: losscli compare FILE --pred A,B -l LOSS." * (
                            param.name == "pred"
                        )
                        ctx.fail(
                            f"Option {param.get_error_hint(ctx)} was given twice; it takes one value.{models}"
                        )
                    seen.add(param.name)
        return super().parse_args(ctx, args)


#: ``--ci`` given without a level means this one
DEFAULT_LEVEL = "0.95"


def bare_ci(args: list[str]) -> list[str]:
    """``--ci`` followed by no number is ``--ci 0.95`` (an option with an optional value,
    which Typer cannot declare): ``--ci 0.9 f.csv``, ``--ci f.csv`` and a trailing ``--ci``."""
    out: list[str] = []
    for i, arg in enumerate(args):
        out.append(arg)
        if arg == "--ci" and (i + 1 == len(args) or not _number(args[i + 1])):
            out.append(DEFAULT_LEVEL)
    return out


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
