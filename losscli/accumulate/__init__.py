"""The accumulator: what a chunk, a file, a ``--by`` group and a Dask partition reduce to.

``loss.py`` (one loss's mergeable state and its finish), ``groups.py`` (one state per
group key), ``sketch.py`` (exact block sums, the quantile sketch), ``rows.py`` (the head
and the worst rows kept for display).
"""
