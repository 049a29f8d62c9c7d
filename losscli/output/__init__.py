"""What a run writes besides stdout: ``plan.py`` (every output planned, checked before
reading and committed together), ``atomic.py`` (temp file + rename, never a half file),
``per_sample.py`` (the ``-o`` per-sample file)."""
