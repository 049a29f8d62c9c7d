"""Engines: run loss jobs over a source's chunks and merge accumulators."""
