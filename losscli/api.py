"""The public façade: ``losscli.evaluate`` picks the engine and runs it.

It sits above both engines (neither imports it): the local engine streams in this
process; the Dask engine (imported only when asked for) runs every partition on a
cluster with the same runner, accumulators and finish.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from losscli import spelling
from losscli.accumulate.dummy import strategy
from losscli.engine.jobs import LossArg
from losscli.engine.local import run
from losscli.engine.plan import SourceArg, is_dask_frame, prepare
from losscli.engine.runner import RunOptions, Sink
from losscli.errors import UsageError
from losscli.intervals import RESAMPLES, CiSettings
from losscli.io.source import InputOptions
from losscli.results import EvalResult


@spelling.for_python  # its errors name keywords: pred=, not --pred
def evaluate(
    source: SourceArg,
    losses: LossArg | Sequence[LossArg],
    *,
    pred: str | None = None,
    label: str | None = None,
    weight: str | None = None,
    var: str | None = None,
    std: str | None = None,
    lower: str | None = None,
    upper: str | None = None,
    id: str | None = None,
    params: Mapping[str, Any] | None = None,
    positive: str | None = None,
    compat: str | None = None,
    labels: str | InputOptions | None = None,
    on: str | None = None,
    by: str | None = None,
    nan: Literal["error", "drop"] = "error",
    rows: int | None = 10,
    worst: int = 0,
    sink: Sink | None = None,
    engine: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    output: str | None = None,
    ci: float | None = None,
    resamples: int = RESAMPLES,
    seed: int = 0,
    ci_block: int = 1,
    vs_dummy: bool = False,
    dummy: Literal["mean", "median"] | None = None,
) -> EvalResult:
    """Evaluate one or several losses over a file, ``-`` (stdin), a pandas DataFrame, a
    pyarrow Table or a Dask DataFrame. ``losses``: ``"mse"``, ``"huber:delta=2"``,
    ``("huber", {"delta": 2})`` or a list of those. Columns default to the common names
    (SPEC §3).

    ``engine="dask"`` (implied by a Dask DataFrame) runs every partition on Dask: a Dask
    DataFrame on the scheduler in use, a path on ``scheduler`` (else $LOSSCLI_SCHEDULER,
    else a LocalCluster); ``output`` then names the directory (or ``DIR/name-*.csv``
    pattern) for one per-sample file per partition.

    ``ci=0.95`` fills each result's (and group's) ``ci`` with a BCa bootstrap interval
    (``resamples`` draws seeded by ``seed``; rows resampled in blocks of ``ci_block``,
    or by ``id`` value when ``id`` is given); for roc-auc and pr-auc the grouped jackknife's
    t interval over 64 groups of those units (``ci.method == "jackknife"``).

    ``vs_dummy=True`` gives each result (and group) ``skill`` = 1 − value / ``dummy_value``,
    the loss of always predicting the label mean (``dummy="median"``: the median; it
    implies ``vs_dummy``) or, for classification, the class prior.
    """
    settings = None if ci is None else CiSettings(float(ci), resamples, seed, ci_block, fingerprint=True)
    chosen = strategy(vs_dummy, dummy)
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown engine '{engine}'", "use 'local' or 'dask'")
    if engine == "dask" or is_dask_frame(source):
        if sink is not None:
            raise UsageError("sink= is for the local engine; with Dask use output=DIR")
        from losscli.engine.dask import evaluate_dask

        return evaluate_dask(
            source, losses, scheduler, RunOptions(nan, rows, worst, ci=settings, dummy=chosen), output,
            pred=pred, label=label, weight=weight, var=var, std=std, lower=lower, upper=upper, id=id,
            params=params, positive=positive, compat=compat, labels=labels, on=on, by=by,
        )  # fmt: skip
    if output is not None or scheduler is not None:
        raise UsageError("output= and scheduler= belong to engine='dask'")
    plan = prepare(
        source, losses, pred=pred, label=label, weight=weight, var=var, std=std, lower=lower, upper=upper,
        id=id, params=params, positive=positive, compat=compat, labels=labels, on=on, by=by,
    )  # fmt: skip
    return run(plan, RunOptions(nan, rows, worst, sink, ci=settings, dummy=chosen))
