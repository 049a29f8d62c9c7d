"""The command line: a thin Typer layer over the library. ``main`` is the console script."""

from __future__ import annotations


def main() -> None:
    """Build only the command this invocation runs (the full listing for --help)."""
    import sys

    from losscli.cli.app import build_app, command_for

    build_app(command_for(sys.argv[1:]))(prog_name="losscli")
