"""The local engine: stream a source's chunks through the runners in this process.

Memory is bounded by the chunk size plus the accumulators' bounded state
(sums, sketch, ``--worst`` heap, ``--rows`` head), unless a sink or
``rows=None`` asks for every row.
"""

from __future__ import annotations

import numpy as np

from losscli.engine.plan import Plan
from losscli.engine.runner import Runner, RunOptions, feed
from losscli.engine.validate import Problem
from losscli.results import EvalResult


def run(plan: Plan, options: RunOptions) -> EvalResult:
    """Stream the plan's source through its jobs; the one loop every front end uses."""
    return run_shared([plan], [options])[0]


def run_shared(plans: list[Plan], options: list[RunOptions]) -> list[EvalResult]:
    """Several plans over one source, read once: each chunk feeds every plan.

    Floating-point warnings are silenced: a result that is not finite is an error
    with its own message (engine.finish), never a NumPy warning on stderr.
    """
    with np.errstate(all="ignore"):
        return _run_shared(plans, options)


def _run_shared(plans: list[Plan], options: list[RunOptions]) -> list[EvalResult]:
    runners = [Runner(plan, opts) for plan, opts in zip(plans, options, strict=True)]
    try:
        seen = feed(plans, runners, options[0].on_chunk)
    except Problem as found:
        raise found.error() from None
    return [runner.result(seen) for runner in runners]
