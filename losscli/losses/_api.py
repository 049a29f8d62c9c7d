"""The Python face of every loss: ``fn(y_true, y_pred, *, sample_weight=None, reduction="mean")``.

Public functions are generated from the registry, so a loss's Python
signature, docstring and CLI command cannot drift apart.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, Protocol

from losscli.errors import DataError, UsageError
from losscli.losses._registry import get_loss
from losscli.losses._spec import LossSpec

Reduction = Literal["mean", "sum", "none"]


class LossFunction(Protocol):
    """``(y_true, y_pred, [extra inputs], *, params…, sample_weight=None, reduction="mean")``."""

    def __call__(self, y_true: Any, y_pred: Any, *args: Any, **kwargs: Any) -> Any: ...


def compute(
    spec: LossSpec,
    arrays: dict[str, Any],
    *,
    sample_weight: Any = None,
    reduction: Reduction = "mean",
    params: dict[str, Any] | None = None,
) -> Any:
    """Validate, run the kernel, reduce. ``reduction``: mean → the reported value
    (finalized, e.g. √ for rmse), sum → Σwℓ, none → per-sample losses."""
    import numpy as np

    from losscli.aggregate import LossAccumulator
    from losscli.losses._validation import check_domain, check_finite, check_weights

    if reduction not in ("mean", "sum", "none"):
        raise UsageError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
    bound = spec.bind(params)
    data = {role: _as_vector(role, arrays[role]) for role in spec.inputs}
    weights = None if sample_weight is None else _as_vector("sample_weight", sample_weight)
    lengths = {role: v.size for role, v in data.items()}
    if weights is not None:
        lengths["sample_weight"] = weights.size
    if len(set(lengths.values())) != 1:
        raise DataError(f"{spec.name}: inputs differ in length: {lengths}")
    if next(iter(lengths.values())) == 0:
        raise DataError(f"{spec.name}: no samples: the loss of nothing is not a number")
    problems = [check_finite(role, v) for role, v in data.items()]
    problems += [check_weights(weights) if weights is not None else None]
    problems += [check_domain(spec, bound, data)]
    for v in problems:
        if v is not None:
            noun = "value is" if v.count == 1 else "values are"
            raise DataError(
                f"{spec.name}: {v.role} must {v.requirement}: {v.count} {noun} not "
                f"(first at index {v.index}: {v.value!r})"
            )
    losses = spec.load_kernel()(*data.values(), **bound)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(np.sum(losses if weights is None else weights * losses))
    acc = LossAccumulator(spec, bound)
    acc.update(losses, weights, data["y_true"])
    if acc.total_weight == 0:
        raise DataError(f"{spec.name}: the sample weights sum to 0")
    return acc.result().value


def _as_vector(role: str, values: Any) -> Any:
    import numpy as np

    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{role} must be numeric: {exc}") from None
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
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        arrays = {role: values.pop(role) for role in spec.inputs}
        weight, reduction = values.pop("sample_weight"), values.pop("reduction")
        return compute(spec, arrays, sample_weight=weight, reduction=reduction, params=values)

    positional = [inspect.Parameter(role, inspect.Parameter.POSITIONAL_OR_KEYWORD) for role in spec.inputs]
    keywords = [
        inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default) for p in spec.params
    ]
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
    lines += [f"{role} : array of shape (n,)" for role in spec.inputs]
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
