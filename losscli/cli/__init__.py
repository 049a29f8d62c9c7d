"""The command line: a thin Typer layer over the library. ``main`` is the console script."""

from __future__ import annotations


def main() -> None:
    from losscli.cli.app import build_app

    build_app()(prog_name="losscli")
