"""Reports and plots (``losscli report``, ``--plots``; the ``losscli[report]`` extra).

Bounded, mergeable summaries gathered in the run's one streaming pass
(:mod:`losscli.report.summary`, NumPy only, made only when a report is asked for),
figures drawn from them with matplotlib (:mod:`losscli.report.figures`, imported only
when drawing), and the self-contained HTML page (:mod:`losscli.report.html`). Every
number a report prints comes from the run's :class:`losscli.results.EvalResult`; the
plots come from its ``plots`` summaries. No typer, rich or click here.
"""
