"""The Python face of every loss: ``fn(y_true, y_pred, *, sample_weight=None, reduction="mean")``.

Public functions are generated from the registry, so a loss's Python
signature, docstring and CLI command cannot drift apart.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NoReturn, Protocol

from losscli import spelling
from losscli.errors import DataError, UsageError
from losscli.losses.registry import get_loss, resolve, tasks_of
from losscli.spec import LossSpec, PredShape

if TYPE_CHECKING:
    from losscli.losses.validation import RowIssue

Reduction = Literal["mean", "sum", "none"]


class LossFunction(Protocol):
    """``(y_true, y_pred, [extra inputs], *, params…, sample_weight=None, reduction="mean")``."""

    def __call__(self, y_true: Any, y_pred: Any, *args: Any, **kwargs: Any) -> Any: ...


@spelling.for_python  # messages name keywords (from_logits=True), not flags
def compute(
    spec: LossSpec,
    arrays: dict[str, Any],
    *,
    sample_weight: Any = None,
    reduction: Reduction = "mean",
    params: dict[str, Any] | None = None,
    classes: Any = None,
    positive: Any = None,
    compat: str | None = None,
) -> Any:
    """Validate, run the kernel, reduce. ``reduction``: mean → the reported value
    (finalized, e.g. √ for rmse), sum → Σwℓ, none → per-sample losses."""
    import numpy as np

    from losscli.accumulate.loss import LossAccumulator
    from losscli.accumulate.summary import CLASSES, summary_undefined, summary_warnings
    from losscli.losses.inputs import JobInputs
    from losscli.losses.validation import infinite_issue, missing_issue, negative_issue

    if reduction not in ("mean", "sum", "none"):
        raise UsageError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
    if spec.multiclass is not None and np.ndim(arrays["y_pred"]) == 2:  # K class columns: its multiclass form
        spec = spec.multiclass
    bound = spec.bind(spec.with_compat(compat, params))
    spec = resolve(spec, bound)
    raw = {role: _as_array(spec, role, arrays[role]) for role in spec.inputs if arrays.get(role) is not None}
    weights = None if sample_weight is None else _as_vector("sample_weight", sample_weight)
    _same_length(spec, raw, weights)
    checked = raw | ({} if weights is None else {"sample_weight": weights})
    for role, values in checked.items():
        issue = missing_issue(values, role) or infinite_issue(values, role)
        if issue is None and role == "sample_weight":
            issue = negative_issue(values, role)
        if issue is not None:
            _refuse(spec, issue, values)
    names = None
    if spec.task == "multiclass":
        k = raw["y_pred"].shape[1]
        names = [str(c) for c in classes] if classes is not None else [str(i) for i in range(k)]
        if len(names) != k:
            raise UsageError(f"{spec.name}: classes names {len(names)} classes but y_pred has {k} columns")
    if spec.shape_rule:
        pred: Any = raw.get("y_pred")
        matrix = pred is not None and pred.ndim == 2
        given = frozenset(role for role in spec.optional_inputs if role in raw)
        bound |= spec.derived(bound, PredShape(int(pred.shape[1]) if matrix else 1, None, matrix, given))
    if names is not None and spec.state:
        bound[CLASSES] = tuple(names)  # the summary's class labels
    adapter = JobInputs(spec, bound, names, None if positive is None else str(positive))
    inputs, ignored, issue = adapter.prepare(raw)
    if issue is not None:
        _refuse(spec, issue, raw[issue.role] if issue.role == "y_true" else (raw | inputs)[issue.role])
    computed = adapter.compute(inputs, ignored)
    adapter.finish()
    losses = computed.losses
    if reduction == "none":
        return losses if ignored is None else np.where(ignored, 0.0, losses)  # torch: 0 where ignored
    w = np.ones(losses.size) if weights is None else weights
    if reduction == "sum":
        return float(np.nansum(w * losses))
    acc = LossAccumulator(spec, bound, per_count=compat == "keras")
    acc.update(
        losses,
        weights,
        inputs["y_true"],
        computed.factor,
        computed.clipped,
        computed.clip_delta,
        inputs=inputs if spec.state else None,
    )
    if acc.total_weight == 0:
        raise DataError(f"{spec.name}: the sample weights sum to 0")
    why = summary_undefined(acc.summary) if acc.summary is not None else None
    if why is not None:
        raise DataError(f"{spec.name}: {why[0]}", why[1])
    for text in summary_warnings(acc.summary) if acc.summary is not None else ():
        warnings.warn(text, UserWarning, stacklevel=4)  # zero_division='warn', as scikit-learn warns
    return acc.result().value


def _refuse(spec: LossSpec, issue: RowIssue, values: Any) -> NoReturn:
    """The first failed check as an error with array indices (the CLI says file rows)."""
    from losscli.losses.validation import first_bad

    v = first_bad(issue, values)
    raise DataError(
        f"{spec.name}: {v.role} must {v.requirement}: {v.count} value(s) are not "
        f"(first at index {v.index}: {v.value!r})" + (f": {issue.detail}" if issue.detail else ""),
        issue.hint or None,
    )


def _same_length(spec: LossSpec, raw: dict[str, Any], weights: Any) -> None:
    lengths = {role: int(v.shape[0]) for role, v in raw.items()}
    if weights is not None:
        lengths["sample_weight"] = int(weights.size)
    if len(set(lengths.values())) != 1:
        raise DataError(f"{spec.name}: inputs differ in length: {lengths}")
    if next(iter(lengths.values())) == 0:
        raise DataError(f"{spec.name}: no samples: the loss of nothing is not a number")
    shapes = {role: v.shape[1] for role, v in raw.items() if v.ndim == 2}
    if spec.label_multi and len(set(shapes.values())) > 1:
        raise DataError(f"{spec.name}: label and prediction have different numbers of columns: {shapes}")


def _as_array(spec: LossSpec, role: str, values: Any) -> Any:
    """1-d float64 (or (n, K) for K-column roles); labels of typed tasks keep their type."""
    import numpy as np

    multi = (role == "y_pred" and spec.pred_multi) or (role == "y_true" and spec.label_multi)
    if role == "y_pred" and spec.members:  # one column (n,) or several (n, K)
        arr = _as_numbers(role, values)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] < 1):
            raise DataError(f"{role} must have shape (n,) or (n, K), got {arr.shape}")
        return arr
    if role == "y_true" and spec.task in ("binary", "multiclass"):
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise DataError(f"{role} must be 1-dimensional, got shape {arr.shape}")
        return arr if arr.dtype.kind in "iufb" else arr.astype(object)
    if not multi:
        return _as_vector(role, values)
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{role} must be numeric: {exc}") from None
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise DataError(f"{role} must have shape (n, K) with K >= 2, got {arr.shape}")
    return arr


def _as_numbers(role: str, values: Any) -> Any:
    import numpy as np

    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{role} must be numeric: {exc}") from None


def _as_vector(role: str, values: Any) -> Any:
    arr = _as_numbers(role, values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise DataError(f"{role} must be 1-dimensional, got shape {arr.shape}")
    return arr


def python_name(loss_name: str) -> str:
    return loss_name.replace("-", "_")


def make_public(name: str) -> LossFunction:
    """Build ``losscli.losses.<name>`` for the registered loss ``name``."""
    spec = get_loss(name)

    def loss_function(*args: Any, **kwargs: Any) -> Any:
        values = dict(signature.bind(*args, **kwargs).arguments)  # only what was passed: presets stay
        arrays = {role: values.pop(role, None) for role in spec.inputs}
        weight, reduction = values.pop("sample_weight", None), values.pop("reduction", "mean")
        extra = {key: values.pop(key) for key in ("classes", "positive", "compat") if key in values}
        return compute(spec, arrays, sample_weight=weight, reduction=reduction, params=values, **extra)

    positional = [
        inspect.Parameter(
            role,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            **({"default": None} if role in spec.optional_inputs else {}),
        )
        for role in spec.inputs
    ]
    keywords = [
        inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default)
        for p in spec.params
        if not p.hidden
    ]
    if "multiclass" in tasks_of(spec):
        keywords.append(inspect.Parameter("classes", inspect.Parameter.KEYWORD_ONLY, default=None))
    if spec.task == "binary":
        keywords.append(inspect.Parameter("positive", inspect.Parameter.KEYWORD_ONLY, default=None))
    keywords.append(inspect.Parameter("compat", inspect.Parameter.KEYWORD_ONLY, default=None))
    keywords += [
        inspect.Parameter("sample_weight", inspect.Parameter.KEYWORD_ONLY, default=None),
        inspect.Parameter("reduction", inspect.Parameter.KEYWORD_ONLY, default="mean"),
    ]
    signature = inspect.Signature(positional + keywords)
    fn: Callable[..., Any] = loss_function
    fn.__name__ = fn.__qualname__ = python_name(spec.name)
    fn.__module__ = "losscli.losses"
    fn.__signature__ = signature  # type: ignore[attr-defined]
    fn.__doc__ = docstring(spec)
    return fn


def docstring(spec: LossSpec) -> str:
    """Formula first, then parameters, reduction and equivalents."""
    lines = [f"{spec.formula}    (d = ŷ − y)", "", f"{spec.summary[:1].upper() + spec.summary[1:]}."]
    lines += ["", "Parameters", "----------"]
    lines += [
        f"{role} : array of shape {'(n,) or (n, K)' if role == 'y_pred' and spec.members else '(n,)'}"
        + (", optional" if role in spec.optional_inputs else "")
        for role in spec.inputs
    ]
    lines += [f"{p.name} : {p.type.__name__}, default {p.default!r}\n    {p.help}" for p in spec.params]
    lines += [
        "sample_weight : array of shape (n,), optional\n    non-negative; mean = Σwℓ / Σw",
        'reduction : "mean" | "sum" | "none"\n'
        f"    mean: the reported value ({spec.finalize_text}); sum: Σwℓ; none: per-sample ℓ",
    ]
    if spec.equivalents:
        lines += ["", "Agrees with: " + ", ".join(spec.equivalents)]
    lines += [f"\n{note}" for note in spec.notes]
    return "\n".join(lines)
