"""The frozen description of a loss: the single source of truth for a loss.

Commands, ``list``, ``explain``, the public Python functions and the test
matrix are all generated from :class:`LossSpec`. Nothing here imports NumPy:
kernels are referenced by dotted path and loaded on first use, so ``losscli
--help`` stays fast.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Task = Literal["regression", "binary", "multiclass", "multilabel", "distribution"]
TASKS: tuple[Task, ...] = ("regression", "binary", "multiclass", "multilabel", "distribution")
ParamValue = float | int | bool | str
# (label takes K columns, prediction takes K columns) per task
TASK_SHAPES: dict[str, tuple[bool, bool]] = {
    "regression": (False, False),
    "binary": (False, False),
    "multiclass": (False, True),
    "distribution": (True, True),
    "multilabel": (True, True),
}
COMPAT_PRESETS = ("sklearn", "torch", "keras")
INPUT_PARAMS = ("normalize", "ignore_label")  # parameters that act on the inputs, not in the kernel


@dataclass(frozen=True)
class KernelOutput:
    """What a kernel may return instead of a bare array: per-sample ``losses``, an
    optional per-sample ``factor`` that weighs the mean's denominator (torch's class
    weights: Σℓ / Σw_y; 0 for ignored rows), and how many inputs were ``clipped``."""

    losses: Any
    factor: Any = None
    clipped: int = 0


@dataclass(frozen=True)
class Param:
    """A loss parameter: ``--name-with-dashes`` on the command line, keyword in Python.

    ``constraint`` returns an error text (``"must be > 0"``) for a bad value, else None.
    """

    name: str
    type: type
    default: ParamValue | None
    help: str
    constraint: Callable[[Any], str | None] | None = None
    hidden: bool = False  # set only by --compat presets, not a command-line option
    choices: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def validate(self, value: Any) -> str | None:
        if self.type is bool and not isinstance(value, bool):
            return "must be true or false"
        if self.type is float and isinstance(value, bool | str):
            return "must be a number"
        if self.choices and value is not None and value not in self.choices:  # None: not given
            return f"must be one of {', '.join(self.choices)}"
        if self.type is float and isinstance(value, (int, float)) and not math.isfinite(value):
            return "must be a finite number"
        return self.constraint(value) if self.constraint is not None and value is not None else None


def load_ref(ref: str) -> Callable[..., Any]:
    """The callable ``"module:name"`` names in ``losscli.losses``."""
    return _load(ref)


def _load(ref: str) -> Callable[..., Any]:
    module, _, func = ref.partition(":")
    return getattr(importlib.import_module(f"losscli.losses.{module}"), func)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Bound:
    """A domain requirement on an input column, e.g. ``Bound("pred", ">", 0)``."""

    role: str
    op: Literal[">", ">="]
    value: float

    def broken(self, values: Any) -> Any:
        """Per row, whether ``values`` break the bound (a row of K columns breaks it when
        one of them does)."""
        bad = values <= self.value if self.op == ">" else values < self.value
        return bad.any(axis=1) if bad.ndim > 1 else bad

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        shown = (names or {}).get(self.role, self.role)
        bound = int(self.value) if float(self.value).is_integer() else self.value
        return f"{shown} {self.op} {bound}"


@dataclass(frozen=True)
class PredShape:
    """The prediction columns a run resolved, for a loss's ``shape_rule``: how many
    (``k``), their header names (None: arrays given in Python, or ``--no-header``),
    whether they came as a matrix (several columns, or a 2-d array in Python; one
    column or a 1-d array is not), and which optional input roles were given (``std``,
    ``var``)."""

    k: int
    names: tuple[str, ...] | None = None
    matrix: bool = False
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Stats:
    """What a finalizer sees: the merged sufficient statistics of one loss."""

    mean: float
    sum: float
    count: int
    weight_sum: float
    max: float
    label_sst: float  # Σw(y − ȳ_w)², only tracked when the spec asks for it
    state: Any = None  # the loss's own summary (LossSpec.state), merged over every row


def finalize_state(s: Stats) -> float:
    """value = the loss's own summary's value (ranks, confusion counts, bins: see explain)."""
    value: float = s.state.value()
    return value


def finalize_mean(s: Stats) -> float:
    """value = Σwℓ / Σw."""
    return s.mean


def finalize_complement(s: Stats) -> float:
    """value = 1 − Σwℓ / Σw (accuracy: ℓ = 1 for a misclassified row)."""
    return 1.0 - s.mean


def finalize_sqrt(s: Stats) -> float:
    """value = √(Σwℓ / Σw)."""
    return math.sqrt(s.mean)


def finalize_max(s: Stats) -> float:
    """value = max ℓ over samples with positive weight."""
    return s.max


def finalize_r2(s: Stats) -> float:
    """value = 1 − SSE/SST; SST about the weighted label mean.

    Constant labels (SST = 0) follow scikit-learn's ``force_finite``: 1.0 for a
    perfect fit, else 0.0.
    """
    if s.label_sst == 0.0:
        return 1.0 if s.sum == 0.0 else 0.0
    return 1.0 - s.sum / s.label_sst


@dataclass(frozen=True)
class LossSpec:
    """One loss: per-sample kernel + a finalizer over the merged statistics.

    ``kernel`` is ``"module:function"`` relative to ``losscli.losses``; the
    function takes the input arrays by role (``y_true``, ``y_pred``, extra
    roles such as ``var``) and the parameters as keywords, and returns the
    per-sample losses as float64.
    """

    name: str
    task: Task
    formula: str
    kernel: str
    summary: str
    aliases: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    finalize: Callable[[Stats], float] = finalize_mean
    finalize_text: str = "mean"
    higher_is_better: bool = False
    needs_label_variance: bool = False
    extra_inputs: tuple[str, ...] = ()
    domain: Callable[[Mapping[str, Any]], tuple[Bound, ...]] = lambda _p: ()
    equivalents: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    example: str = ""
    properties: frozenset[str] = field(default_factory=frozenset)
    input_rule: str = ""  # "module:function"(inputs, params) -> RowIssue | None: probabilities in [0, 1]
    pred_flavour: Callable[[Mapping[str, Any]], str] = lambda _p: ""  # default column family
    compat: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    clips: bool = False  # reports how many inputs were clipped
    # "module:Class" of a mergeable summary the value is computed from (losscli.accumulate.summary):
    # ROC-AUC's scores, a confusion matrix, calibration bins; finalize is then finalize_state
    state: str = ""
    # how --ci and compare resample a summary's value (losscli.accumulate.summary): "sums"
    # (a function of summed per-row statistics: BCa like a mean), "jackknife" (ranks:
    # the grouped jackknife), or "" (no interval)
    interval: str = ""
    # which per-sample values --worst lists: "high" (a loss), "low" (a score that is better
    # high: coverage's 1 for a covered label), "" (the column is not a loss but what is ranked,
    # ROC-AUC's score: --worst is refused rather than listing the highest scores)
    worst: str = "high"
    # what a "sums" interval resamples, for explain: "the confusion matrix's cells (…)"
    interval_text: str = ""
    # the registered variant to run instead for these parameters ("" for this spec): roc-auc with
    # --multi-class ovr is its multiclass variant (K score columns); see registry.resolve
    variant: Callable[[Mapping[str, Any]], str] = lambda _p: ""
    # input roles the kernel takes when a column is given (None otherwise), after extra_inputs:
    # crps's std / var (a Gaussian forecast) — asked for only when given, never found by default
    optional_inputs: tuple[str, ...] = ()
    # the prediction may be one column or several (ensemble members, quantile levels): the
    # kernel gets y_pred as (n, K), K >= 1
    members: bool = False
    # False: the loss takes no prediction column (interval-score, coverage: --lower, --upper)
    uses_pred: bool = True
    # "module:function"(params, PredShape) -> dict: checks the resolved prediction columns
    # (a Gaussian takes one, an ensemble several) and derives kernel parameters from them
    # (quantile levels read from column names), raising UsageError; run before any row is read
    shape_rule: str = ""
    inputs_text: str = ""  # explain's "Inputs:" line, when not the task's
    # the same loss on K class columns (a multiclass variant, registered as "<name>/multiclass"),
    # for a binary loss that takes one score column or K class columns (f1, accuracy): the
    # columns pick the form (losscli.engine.plan), in losscli.losses the shape of y_pred
    multiclass: LossSpec | None = None

    @property
    def per_sample(self) -> str:
        """What ℓ is when the value is not the mean of ℓ (a finalizer other than
        :func:`finalize_mean`: rmse, r2, rmsle, max-error), named after the kernel that
        computes it (``squared_error``); "" when the value is the mean of ℓ. The
        per-sample column and the summary's per-sample statistics of such a loss are
        named for it, not for the loss."""
        return "" if self.finalize is finalize_mean else self.kernel.rpartition(":")[2]

    @property
    def smooth(self) -> bool:
        """The value is a smooth function of sums (a mean, √mean, 1 − SSE/SST), so a
        bootstrap interval means something (``--ci``); max-error's is not. A summary's value
        has an interval when the spec says how (:attr:`interval`)."""
        if self.state and self.finalize is finalize_state:
            return bool(self.interval)
        return self.finalize in (finalize_mean, finalize_sqrt, finalize_r2, finalize_complement)

    @property
    def jackknifed(self) -> bool:
        """The interval is the grouped jackknife's (ranks), not the bootstrap of sums'."""
        return self.smooth and self.interval == "jackknife"

    @property
    def no_interval(self) -> str:
        """Why ``--ci`` (and ``compare``, ``--significance``) give no interval for this
        loss: "" when they do (:attr:`smooth`)."""
        if self.smooth:
            return ""
        if self.state:
            return (
                f"its value ({self.finalize_text}) is not a smooth function of sums: it comes from the "
                "loss's own summary of the rows (ranks, counts or bins), which the bootstrap of sums "
                "does not resample"
            )
        return (
            f"its value ({self.finalize_text}) is not a smooth function of sums, "
            "so a bootstrap interval for it would mean nothing"
        )

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Input roles in the order the kernel takes them (optional ones may be None)."""
        pred = ("y_pred",) if self.uses_pred else ()
        return ("y_true", *pred, *self.extra_inputs, *self.optional_inputs)

    def load_kernel(self) -> Callable[..., Any]:
        return _load(self.kernel)

    def kernel_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The keywords the kernel takes: the parameters but those that act on the inputs
        (``normalize``, ``ignore_label``) and a summary's class names (``classes``:
        losscli.accumulate.summary.CLASSES)."""
        return {k: v for k, v in params.items() if k not in (*INPUT_PARAMS, "classes")}

    def load_state(self) -> Callable[..., Any] | None:
        """The summary's class (called with the loss's parameters), or None."""
        return _load(self.state) if self.state else None

    def load_input_rule(self) -> Callable[..., Any] | None:
        return _load(self.input_rule) if self.input_rule else None

    def derived(self, params: Mapping[str, Any], shape: PredShape) -> dict[str, Any]:
        """The kernel parameters drawn from the prediction columns (:attr:`shape_rule`);
        raises UsageError for columns the loss cannot take. {} without a rule."""
        return dict(_load(self.shape_rule)(params, shape)) if self.shape_rule else {}

    @property
    def label_multi(self) -> bool:
        return TASK_SHAPES[self.task][0]

    @property
    def pred_multi(self) -> bool:
        return TASK_SHAPES[self.task][1] or self.members

    def with_compat(self, preset: str | None, values: Mapping[str, Any] | None) -> dict[str, Any]:
        """Parameter values: the ``--compat`` preset's, overridden by explicit ``values``."""
        return {**(self.compat.get(preset, {}) if preset else {}), **(values or {})}

    def defaults(self) -> dict[str, ParamValue | None]:
        return {p.name: p.default for p in self.params}

    def named(self, params: Mapping[str, Any]) -> str:
        """The loss's name in every output (table, JSON ``loss``, ``loss_<name>`` columns,
        Markdown, gates, baselines, JUnit, checks): the registered name, followed by the
        parameters that differ from their defaults, in declaration order —
        ``top-k-error`` (k = 1, the default), ``top-k-error(k=2)``, ``huber(delta=2.0)``."""
        changed = [
            f"{p.name}={params[p.name]}"
            for p in self.params
            if p.name in params and params[p.name] != p.default
        ]
        return self.name + (f"({', '.join(changed)})" if changed else "")

    def bind(self, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overlaid with ``values``, each validated; raises UsageError."""
        from losscli.errors import UsageError
        from losscli.spelling import param

        known = {p.name: p for p in self.params}
        bound: dict[str, Any] = self.defaults()
        for key, value in (values or {}).items():
            if key not in known:
                choices = ", ".join(known) or "none"
                raise UsageError(f"{self.name} has no parameter '{key}' (its parameters: {choices})")
            bound[key] = value
        for key, value in bound.items():
            if known[key].type is float and isinstance(value, int) and not isinstance(value, bool):
                bound[key] = value = float(value)
            problem = known[key].validate(value)
            if problem:
                raise UsageError(f"{self.name}: {param(key)} {problem} (got {value!r})")
        return bound
