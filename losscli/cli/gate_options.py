"""The options of ``eval`` and of the gates every evaluating command shares."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer

from losscli.cli.options import _opt

CHECKS = "Checks (CI)"


def gate_parameters() -> list[inspect.Parameter]:
    """--max/--min/--baseline and friends, shared by loss commands and eval."""
    o = typer.Option
    limit_help = "Fail (exit 1) when the value is {}: X, or LOSS=X with several losses. Repeatable."
    return [
        _opt(
            "max",
            Annotated[
                list[str] | None, o("--max", help=limit_help.format("above X"), rich_help_panel=CHECKS)
            ],
            None,
        ),
        _opt(
            "min",
            Annotated[
                list[str] | None, o("--min", help=limit_help.format("below X"), rich_help_panel=CHECKS)
            ],
            None,
        ),
        _opt(
            "baseline",
            Annotated[
                str | None,
                o(
                    "--baseline",
                    help='A losscli JSON result or flat {"mse": 0.2} metrics file to compare with.',
                    rich_help_panel=CHECKS,
                ),
            ],
            None,
        ),
        _opt(
            "rtol",
            Annotated[
                str | None,
                o("--rtol", help="Relative tolerance vs the baseline: 0.05 or 5%.", rich_help_panel=CHECKS),
            ],
            None,
        ),
        _opt(
            "atol",
            Annotated[
                str | None, o("--atol", help="Absolute tolerance vs the baseline.", rich_help_panel=CHECKS)
            ],
            None,
        ),
        _opt(
            "allow_missing_baseline",
            Annotated[
                bool,
                o(
                    "--allow-missing-baseline",
                    help="A loss missing from the baseline passes.",
                    rich_help_panel=CHECKS,
                ),
            ],
            False,
        ),
        _opt(
            "write_baseline",
            Annotated[
                str | None,
                o(
                    "--write-baseline",
                    help="Save this result as a baseline JSON (atomically).",
                    rich_help_panel=CHECKS,
                ),
            ],
            None,
        ),
        _opt(
            "exit_zero",
            Annotated[
                bool, o("--exit-zero", help="Report checks but always exit 0.", rich_help_panel=CHECKS)
            ],
            False,
        ),
        _opt(
            "junit",
            Annotated[
                str | None,
                o("--junit", help="Write the checks as JUnit XML to FILE.", rich_help_panel=CHECKS),
            ],
            None,
        ),
    ]


def loss_list_parameter() -> inspect.Parameter:
    """``eval -l mse -l huber:delta=2``."""
    option = typer.Option(
        "--loss", "-l", help="A loss, with parameters as name:key=value,… Repeatable.", show_default=False
    )
    return _opt("losses", Annotated[list[str], option], ...)
