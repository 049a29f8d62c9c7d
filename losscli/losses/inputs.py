"""From raw columns to kernel inputs, for every task: stack K columns, map labels,
validate, run the kernel. Shared by the streaming engine and the Python API, so
both accept and reject exactly the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from losscli.losses.labels import BinaryLabels, ClassLabels
from losscli.losses.validation import RowIssue
from losscli.options import spelled
from losscli.spec import Bound, KernelOutput, LossSpec
from losscli.spelling import param

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Computed:
    """One chunk of one loss: per-sample losses (NaN where ignored), the denominator
    factor (None: 1 per row), clipped count, display columns for tables, and what
    clipping took off each row's loss (to tell whether it changed the value)."""

    losses: F64
    factor: F64 | None
    clipped: int
    display: dict[str, Any]
    clip_delta: F64 | None = None  # per row: unclipped ℓ − reported ℓ (0 where ignored), when clipped


class JobInputs:
    """Turns raw role arrays into a loss's kernel inputs; keeps label state across chunks."""

    def __init__(
        self, spec: LossSpec, params: Mapping[str, Any], class_names: list[str] | None, positive: str | None
    ) -> None:
        self.spec, self.params = spec, dict(params)
        self.binary = BinaryLabels(positive) if spec.task == "binary" else None
        self.classes = None
        if spec.task == "multiclass":
            self.classes = ClassLabels(class_names or [], params.get("ignore_label"))
        self.kernel = spec.load_kernel()
        self.input_rule = spec.load_input_rule()
        self.kernel_params = spec.kernel_params(params)
        if params.get("normalize") and params.get("from_logits"):
            from losscli.errors import UsageError

            raise UsageError(
                f"{spec.name}: {param('normalize', boolean=True)} renormalises probabilities; "
                f"it does not apply to {param('from_logits', boolean=True)}"
            )

    def finish(self, where: str = "") -> None:
        """Checks that need the whole input (a --positive label that never occurred)."""
        from losscli.errors import DataError

        problem = self.binary.finish() if self.binary is not None else None
        if problem:
            raise DataError(
                f"{where or self.spec.name}: {problem}", f"check the spelling of {spelled('positive')}"
            )

    def _labels(self, raw: Mapping[str, Any]) -> tuple[Any, Any, RowIssue | None]:
        y = raw["y_true"]
        issue: RowIssue | None = None
        ignored = None
        if self.binary is not None:
            y, issue = self.binary.map(y)
        elif self.classes is not None:
            y, ignored, issue = self.classes.map(y)
        elif y.dtype.kind != "f":
            y = y.astype(np.float64)
        return y, ignored, issue

    def prepare(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], Any, RowIssue | None]:
        """Kernel inputs by role, the ignored-row mask, and the first problem (if any)."""
        y, ignored, issue = self._labels(raw)
        # an optional role not given (crps without --std) is None
        inputs: dict[str, Any] = {role: raw.get(role) for role in self.spec.inputs}
        inputs["y_true"] = y
        if self.spec.members and inputs["y_pred"].ndim == 1:  # one column: (n, 1)
            inputs["y_pred"] = inputs["y_pred"][:, None]
        if self.params.get("normalize"):
            inputs["y_pred"] = _normalize_rows(inputs["y_pred"])
        if issue is None:
            issue = domain_issue(self.spec.domain(self.params), inputs)
        if issue is None and self.input_rule is not None:
            issue = self.input_rule(inputs, self.params, ignored)
        return inputs, ignored, issue

    def compute(self, inputs: Mapping[str, Any], ignored: Any, display: bool = True) -> Computed:
        """Per-sample losses; ``display`` adds the shown columns (predicted class, p(true)),
        which runs that keep no rows of this chunk skip."""
        with np.errstate(all="ignore"):  # results are checked for finiteness at the end
            out = self.kernel(*(inputs[role] for role in self.spec.inputs), **self.kernel_params)
        if not isinstance(out, KernelOutput):
            out = KernelOutput(out)
        losses, factor = out.losses, out.factor
        delta = self._clip_delta(inputs, losses) if out.clipped else None
        if ignored is not None and ignored.any():
            losses = np.where(ignored, np.nan, losses)
            base = np.ones(losses.size) if factor is None else factor
            factor = np.where(ignored, 0.0, base)
            delta = None if delta is None else np.where(ignored, 0.0, delta)
        return Computed(losses, factor, out.clipped, self._display(inputs) if display else {}, delta)

    def _clip_delta(self, inputs: Mapping[str, Any], losses: F64) -> F64 | None:
        """Unclipped minus clipped per-sample losses: the kernel again with ε the smallest
        positive float (no probability moves but an exact 0 or 1, whose log would be
        infinite; −log of it is 744, so such a row still counts as changed). Run only for
        chunks where something was clipped."""
        if "eps" not in self.kernel_params:
            return None
        tiny = float(np.finfo(np.float64).smallest_subnormal)
        with np.errstate(all="ignore"):
            out = self.kernel(
                *(inputs[role] for role in self.spec.inputs), **{**self.kernel_params, "eps": tiny}
            )
        unclipped = out.losses if isinstance(out, KernelOutput) else out
        delta: F64 = np.asarray(unclipped, dtype=np.float64) - losses
        return delta

    def _display(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        if self.classes is None:
            return {}
        scores = inputs["y_pred"]
        predicted = np.asarray(self.classes.names, dtype=object)[np.argmax(scores, axis=1)]
        shown = {"@predicted": predicted}
        probs = _as_probabilities(scores, self.params)
        if probs is not None:
            shown["@p_true"] = probs[np.arange(scores.shape[0]), inputs["y_true"]]
        return shown


def _as_probabilities(scores: F64, params: Mapping[str, Any]) -> F64 | None:
    if params.get("from_logits"):
        shifted = scores - scores.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        out: F64 = e / e.sum(axis=1, keepdims=True)
        return out
    if "from_logits" in params:
        return scores
    return None


def _normalize_rows(p: F64) -> F64:
    total = p.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: F64 = p / total
    return out


def domain_issue(bounds: tuple[Bound, ...], inputs: Mapping[str, Any]) -> RowIssue | None:
    """The first bound (``ŷ > 0`` …) that some row breaks."""
    for bound in bounds:
        values = inputs.get(bound.role)
        if values is None:  # an optional role not given
            continue
        bad = bound.broken(values)
        if bad.any():
            return RowIssue(bound.role, bad, f"be {bound.op} {bound.value:g}")
    return None
