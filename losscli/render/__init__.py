"""Renderers: results to text. Only ``render.table`` imports rich."""
