"""Renderers: results to text, without rich (the terminal's rich table is ``losscli.cli.table``)."""
