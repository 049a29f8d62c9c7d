"""The losses ``losscli report`` shows when none is named (``-l`` left out).

The task is read off the file the way a person would: K class columns (``prob_*``,
``logit_*``, …) are multiclass; one prediction column whose first rows' labels are all
0/1 (or true/false, ±1) and whose predictions lie in [0, 1] is a binary classifier's
probability (or, outside [0, 1], its logit); anything else is regression:

- regression: ``mse``, ``mae``, ``r2``;
- binary: ``bce``, ``brier``, ``roc-auc``, ``accuracy``, ``ece`` (with logits: the first
  four, ``from_logits``);
- multiclass: ``cross-entropy``, ``accuracy``, ``ece`` top-label (with logits:
  ``cross-entropy`` and ``accuracy``, ``from_logits``) — when the first rows' K class
  probabilities sum to 1, or the K columns are named as logits;
- a forecast file without a point prediction: those of ``crps`` (ensemble members),
  ``quantile`` (quantile columns), ``interval-score`` and ``coverage`` (lower and upper
  bounds) whose columns it holds.

Several prediction columns of one task (``prob_a``, ``prob_b``: models to compare) are
exit 2 asking for ``--pred``.

Only the first chunk is looked at; ``-l`` names the losses when the guess is not wanted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REGRESSION = ("mse", "mae", "r2")
BINARY = ("bce", "brier", "roc-auc", "accuracy", "ece")
BINARY_LOGITS = ("bce:from_logits=true", "roc-auc", "accuracy:from_logits=true")
MULTICLASS = ("cross-entropy", "accuracy", "ece:multi_class=top-label")
MULTICLASS_LOGITS = ("cross-entropy:from_logits=true", "accuracy:from_logits=true")
BINARY_LABELS = ({0.0, 1.0}, {-1.0, 1.0})


def default_losses(
    source: Any, columns: Mapping[str, Any], labels: Any = None, on: str | None = None
) -> list[str]:
    """The losses for ``source`` by its task (see the module); ``columns``: the column
    options given (``pred``, ``label``, …) as :func:`losscli.engine.plan.prepare` takes
    them. Raises UsageError when the file's columns fit no task."""
    from losscli.engine.plan import open_any, prepare
    from losscli.errors import LossCliError, UsageError

    opened = open_any(source)
    kw = {k: v for k, v in columns.items() if k in ("pred", "label", "weight", "id", "positive")}
    for losses in (MULTICLASS, MULTICLASS_LOGITS):
        try:
            plan = prepare(opened, losses[0], labels=labels, on=on, **kw)
        except LossCliError:
            continue
        if _class_columns(plan, logits=losses is MULTICLASS_LOGITS):
            return list(losses)
        names = ", ".join(plan.columns.names["y_pred"])
        raise UsageError(
            f"{opened.path} has several prediction columns ({names}) that are not one model's class "
            "probabilities: losscli report shows one model",
            "name its column with --pred (or the losses with -l); losscli compare reports several models",
        )
    try:
        plan = prepare(opened, "mse", labels=labels, on=on, **kw)
    except LossCliError:
        try:
            plan = prepare(opened, "bce", labels=labels, on=on, **kw)
        except LossCliError as exc:
            forecasts = _forecast_losses(opened, labels, on, kw)
            if forecasts:
                return forecasts
            raise UsageError(
                f"losscli report could not tell the task of {opened.path} from its columns ({exc.message})",
                "name the losses: -l mse (regression), -l bce (binary), -l cross-entropy (multiclass), …",
            ) from None
    y, p = _first_rows(plan)
    if y is None or p is None:
        return list(REGRESSION)
    if set(y) and any(set(y) <= allowed for allowed in BINARY_LABELS):
        return list(BINARY if min(p) >= 0.0 and max(p) <= 1.0 else BINARY_LOGITS)
    return list(REGRESSION)


def _forecast_losses(opened: Any, labels: Any, on: str | None, kw: Mapping[str, Any]) -> list[str]:
    """The forecast losses whose columns the file holds (members, quantiles, bounds)."""
    from losscli.engine.plan import prepare
    from losscli.errors import LossCliError

    found = []
    for loss in ("crps", "quantile", "interval-score", "coverage"):
        try:
            prepare(opened, loss, labels=labels, on=on, **kw)
        except LossCliError:
            continue
        found.append(loss)
    return found


def _first_chunk(plan: Any, positions: list[int]) -> dict[int, Any] | None:
    """The first chunk's columns at ``positions``, as float64 arrays (None: no rows, or
    not numbers — text labels and the like: the run itself then says what is wrong). The
    reader is closed at once (its read-ahead thread stops)."""
    import numpy as np

    from losscli.errors import LossCliError

    chunks = iter(plan.source.chunks(positions, set(positions)))
    try:
        chunk = next(chunks, None)
        if chunk is None:
            return None
        return {p: np.asarray(c, dtype=np.float64) for p, c in zip(positions, chunk, strict=True)}
    except (LossCliError, ValueError):
        return None
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _class_columns(plan: Any, logits: bool) -> bool:
    """The K prediction columns are one model's classes: named as logits, or their first
    rows' values sum to 1 (probabilities)."""
    import numpy as np

    if logits:
        return all("logit" in name.lower() for name in plan.columns.names["y_pred"])
    positions = list(plan.columns.positions["y_pred"])
    chunk = _first_chunk(plan, positions)
    if chunk is None:
        return False
    rows = np.column_stack([chunk[p] for p in positions])
    rows = rows[np.all(np.isfinite(rows), axis=1)]
    return bool(rows.size) and bool(np.all(np.abs(rows.sum(axis=1) - 1.0) <= 1e-6))


def _first_rows(plan: Any) -> tuple[set[float] | None, list[float] | None]:
    """The distinct labels and two extreme predictions of the first chunk (None: not numbers)."""
    import numpy as np

    label, pred = plan.columns.positions["y_true"][0], plan.columns.positions["y_pred"][0]
    chunk = _first_chunk(plan, sorted({label, pred}))
    if chunk is None:
        return None, None
    y, p = chunk[label], chunk[pred]
    y, p = y[np.isfinite(y)], p[np.isfinite(p)]
    if not y.size or not p.size:
        return None, None
    return {float(v) for v in np.unique(y)[:3]}, [float(p.min()), float(p.max())]
