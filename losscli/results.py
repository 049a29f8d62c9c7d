"""Results of an evaluation. The JSON schema (SPEC §4) lives here and only here."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from losscli.version import __version__


@dataclass(frozen=True)
class ConfidenceInterval:
    """A ``--ci`` interval: [low, high] at ``level`` from the BCa bootstrap over ``units``
    resampling units (rows, ``--ci-block`` blocks or ``--id`` values; buckets of them when
    ``bucketed``), ``resamples`` draws seeded by ``seed``."""

    level: float
    low: float
    high: float
    resamples: int
    seed: int
    units: int
    unit: str  # "row", "block of N rows", "id 'COL'"
    bucketed: bool
    method: str = "bca"

    def to_dict(self) -> dict[str, object]:
        """The JSON ``ci`` object (SPEC §4)."""
        return {
            "level": self.level,
            "low": self.low,
            "high": self.high,
            "method": self.method,
            "resamples": self.resamples,
            "seed": self.seed,
            "units": self.units,
            "unit": self.unit,
            "bucketed": self.bucketed,
        }


@dataclass(frozen=True)
class UnitTable:
    """The per-unit sums behind a value (losscli.accumulate.units): what a baseline stores
    so that a later run on the same rows can be compared with it, paired. ``keys``: the
    units' keys (rows as 0-based numbers, or id hashes) when there are at most 1,000 of
    them, None when ``sums`` are the 1,000 hash buckets; ``per_count``: Keras' Σwℓ/N."""

    unit: str
    keys: tuple[int, ...] | None
    sums: tuple[tuple[float, ...], ...]
    per_count: bool = False
    fingerprint: int | None = None  # which rows and labels (None: unknown, never paired)

    @property
    def bucketed(self) -> bool:
        return self.keys is None

    def to_dict(self) -> dict[str, object]:
        """JSON: 9 significant digits a sum (ample for a bootstrap; ~60 KB for a mean)."""
        return {
            "unit": self.unit,
            "per_count": self.per_count,
            "fingerprint": self.fingerprint,
            "keys": None if self.keys is None else list(self.keys),
            "sums": [[float(f"{x:.9g}") for x in row] for row in self.sums],
        }


def _finite(x: float) -> float | None:
    """A float for JSON: NaN (undefined) is null."""
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class DummyScore:
    """``--vs-dummy``: the loss of a model that predicts one constant for every row (the
    label mean or median, or the class prior) on the same rows, finalized as the loss is,
    and the skill against it, 1 − value / ``value``. NaN where undefined (constant labels:
    the dummy is exact), written as JSON null."""

    strategy: str  # "mean", "median" (regression) or "prior" (classification)
    prediction: float | tuple[float, ...] | None  # the constant; P(positive); the prior per class
    value: float  # the dummy's loss
    skill: float  # 1 − loss / the dummy's loss
    given: str = ""  # how a loss on logits or log-probabilities was given it: "as the logit -0.52"

    def to_dict(self) -> dict[str, object]:
        """JSON: ``skill``, ``dummy_value``, ``dummy`` (the strategy), ``dummy_prediction``."""
        shown = self.prediction
        prediction = [_finite(p) for p in shown] if isinstance(shown, tuple) else shown
        return {
            "skill": _finite(self.skill),
            "dummy_value": _finite(self.value),
            "dummy": self.strategy,
            "dummy_prediction": prediction,
        }


@dataclass(frozen=True)
class GroupResult:
    """One group's finished value: the key, the value, rows and weight sum behind it."""

    group: Hashable  # the key; a tuple of values with several group columns
    value: float
    count: int
    weight_sum: float
    names: tuple[str, ...] = ()  # the group columns
    ci: ConfidenceInterval | None = None
    dummy: DummyScore | None = None  # --vs-dummy: the group's own dummy and skill
    details: dict[str, Any] | None = None  # the group's own summary's extras (confusion matrix, bins)

    @property
    def skill(self) -> float | None:
        """``--vs-dummy``: the group's skill against its own dummy (NaN: undefined)."""
        return None if self.dummy is None else self.dummy.skill

    @property
    def dummy_value(self) -> float | None:
        """``--vs-dummy``: the loss of the group's own dummy (NaN: undefined)."""
        return None if self.dummy is None else self.dummy.value

    @property
    def parts(self) -> dict[str, Hashable]:
        """Column → value of the key (one entry with one group column)."""
        values = self.group if isinstance(self.group, tuple) else (self.group,)
        return dict(zip(self.names or ("group",), values, strict=False))

    def to_dict(self) -> dict[str, object]:
        """The JSON ``groups[i]`` object (SPEC §4): ``group`` is the plain value with one
        group column, an object of column → value with several."""
        group = self.parts if len(self.names) > 1 else self.group
        found: dict[str, object] = {"group": group, "value": self.value, "count": self.count}
        return (
            found
            | ({"ci": self.ci.to_dict()} if self.ci is not None else {})
            | (self.dummy.to_dict() if self.dummy is not None else {})
            | (dict(self.details) if self.details else {})
        )


@dataclass(frozen=True)
class LossResult:
    """One loss over the used rows; ``value`` is the reported (finalized) loss."""

    loss: str  # the name in every output (LossSpec.named): "top-k-error", "top-k-error(k=2)"
    params: dict[str, Any]
    value: float
    mean: float
    sum: float
    count: int
    weight_sum: float
    higher_is_better: bool
    quantiles: dict[str, float]
    histogram: tuple[float, ...] = ()
    histogram_range: tuple[float, float] = (0.0, 0.0)
    quantiles_exact: bool = True
    warnings: tuple[str, ...] = ()
    clipped: int | None = None  # inputs clipped to [ε, 1 − ε], for losses that clip
    title: str = ""  # the same name, for tables (LossSpec.named)
    label: str = ""  # the same name, as the key of gates and baselines
    groups: tuple[GroupResult, ...] | None = None  # --by, in sorted key order
    ci: ConfidenceInterval | None = None  # --ci
    units: UnitTable | None = None  # --write-baseline / --significance: not in to_dict()
    per_sample: str = ""  # what mean, sum and quantiles are of, when the value is not their mean
    details: dict[str, Any] | None = (
        None  # a summary's extras (confusion matrix, bins): JSON keys of their own
    )
    dummy: DummyScore | None = None  # --vs-dummy: the trivial model's loss and the skill against it

    @property
    def skill(self) -> float | None:
        """``--vs-dummy``: 1 − value / dummy_value (NaN: undefined); None without it."""
        return None if self.dummy is None else self.dummy.skill

    @property
    def dummy_value(self) -> float | None:
        """``--vs-dummy``: the dummy's loss (NaN: undefined); None without it."""
        return None if self.dummy is None else self.dummy.value

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "loss": self.loss,
                "params": self.params,
                "value": self.value,
            }
            | ({"ci": self.ci.to_dict()} if self.ci is not None else {})
            | (self.dummy.to_dict() if self.dummy is not None else {})
            | {
                "mean": self.mean,
                "sum": self.sum,
                "count": self.count,
                "weight_sum": self.weight_sum,
                "higher_is_better": self.higher_is_better,
                "quantiles": dict(self.quantiles),
            }
            | ({"per_sample": self.per_sample} if self.per_sample else {})
            | ({"clipped": self.clipped} if self.clipped is not None else {})
            | ({"groups": [g.to_dict() for g in self.groups]} if self.groups is not None else {})
            | ({"label": self.label} if self.label and self.label != self.loss else {})
            | (dict(self.details) if self.details else {})
        )

    def __repr__(self) -> str:
        groups = f", {len(self.groups)} groups" if self.groups else ""
        return f"LossResult({self.title or self.loss}={self.value!r}, count={self.count}{groups})"


@dataclass(frozen=True)
class SourceInfo:
    """Where the rows came from and how many were used."""

    path: str
    format: str
    rows: int
    rows_used: int
    rows_dropped: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "rows": self.rows,
            "rows_used": self.rows_used,
            "rows_dropped": self.rows_dropped,
        }


GROUP_DETAILS = 10  # --group-details: how many --by groups' detail tables the table and Markdown show


@dataclass(frozen=True)
class EvalResult:
    """Everything one run produced: source, the columns used, one result per loss."""

    source: SourceInfo
    columns: dict[str, Any]
    results: tuple[LossResult, ...]
    head: Any = None  # losscli.accumulate.rows.RowBlock of the first --rows rows
    worst: Any = None  # losscli.accumulate.rows.RowBlock of the --worst K highest-loss rows
    warnings: tuple[str, ...] = field(default=())
    loss_columns: tuple[str, ...] = ("loss",)
    layout: Any = None  # losscli.engine.layout.Layout
    checks: tuple[Any, ...] = ()  # losscli.checks.CheckResult, when gates were asked for
    plots: Any = None  # losscli.report.summary.PlotData: what a report draws (not in to_dict())
    group_details: int | None = GROUP_DETAILS  # the table and Markdown show the detail tables of the
    # first N --by groups (None: every group's); JSON always holds every group's details

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def labelled(self) -> dict[str, LossResult]:
        """Results by gate/baseline key."""
        return {r.label or r.loss: r for r in self.results}

    def __getitem__(self, name: str) -> LossResult:
        """``result["mse"]``: one loss's result, by its name (``top-k-error(k=2)``), or by the
        registered name alone (``top-k-error``) when one result has it."""
        found = self.labelled()
        for r in self.results:
            found.setdefault(r.loss, r)
        bare = [r.loss.partition("(")[0] for r in self.results]
        for r, registered in zip(self.results, bare, strict=True):
            if bare.count(registered) == 1:
                found.setdefault(registered, r)
        if name not in found:
            raise KeyError(f"{name!r}: this result holds {', '.join(map(repr, found))}")
        return found[name]

    def __repr__(self) -> str:
        values = ", ".join(f"{r.label or r.loss}={r.value!r}" for r in self.results)
        return f"EvalResult({self.source.path!r}, rows_used={self.source.rows_used}, {values})"

    def to_pandas(self) -> Any:
        """A pandas DataFrame: one row per loss (``group`` None) and one per (loss, group),
        with value, count, weight_sum (and mean, sum for the whole input; skill and
        dummy_value with ``--vs-dummy``)."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        skilled = any(r.dummy is not None for r in self.results)  # --vs-dummy: skill, dummy_value

        def skill(dummy: DummyScore | None) -> dict[str, Any]:
            return {"skill": dummy.skill, "dummy_value": dummy.value} if skilled and dummy else {}

        for r in self.results:
            rows.append({"loss": r.label or r.loss, "group": None, "value": r.value, "count": r.count,
                         "weight_sum": r.weight_sum, "mean": r.mean, "sum": r.sum, **skill(r.dummy)})  # fmt: skip
            for g in r.groups or ():
                rows.append({"loss": r.label or r.loss, "group": g.group, "value": g.value, "count": g.count,
                             "weight_sum": g.weight_sum, "mean": None, "sum": None, **skill(g.dummy)})  # fmt: skip
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "losscli_version": __version__,
                "source": self.source.to_dict(),
                "columns": self.columns,
                "results": [r.to_dict() for r in self.results],
            }
            | ({"checks": [c.to_dict() for c in self.checks]} if self.checks else {})
            | {
                "passed": self.passed,
            }
        )


@dataclass(frozen=True)
class ModelComparison:
    """One model against the reference on one loss, over the same rows: the paired
    bootstrap interval of ``difference`` = value − reference_value, its two-sided
    ``p_value`` (Holm-adjusted with more than two models), the share of rows where
    the model's per-sample loss is lower (``win_rate``), and the verdict."""

    loss: str
    params: dict[str, Any]
    reference: str
    model: str
    value: float
    reference_value: float
    difference: float
    ci: ConfidenceInterval
    p_value: float
    win_rate: float | None
    verdict: str  # "better", "worse", "no significant difference"
    count: int
    higher_is_better: bool
    p_unadjusted: float | None = None  # with Holm: the p-value before adjustment

    @property
    def worsening(self) -> tuple[float, float]:
        """The interval of how much worse the model is (positive: worse), in the loss's direction."""
        if self.higher_is_better:
            return -self.ci.high, -self.ci.low
        return self.ci.low, self.ci.high

    def to_dict(self) -> dict[str, Any]:
        return {
            "loss": self.loss,
            "params": self.params,
            "reference": self.reference,
            "model": self.model,
            "value": self.value,
            "reference_value": self.reference_value,
            "difference": self.difference,
            "ci": self.ci.to_dict(),
            "p_value": self.p_value,
            "win_rate": self.win_rate,
            "verdict": self.verdict,
            "count": self.count,
        } | ({"p_value_unadjusted": self.p_unadjusted} if self.p_unadjusted is not None else {})


@dataclass(frozen=True)
class CompareResult:
    """``losscli compare``: each model's results and each model against the reference."""

    models: tuple[str, ...]
    reference: str
    runs: tuple[EvalResult, ...]  # one per model, in ``models`` order
    comparisons: tuple[ModelComparison, ...]
    adjusted: bool  # Holm-adjusted p-values (more than two models)
    checks: tuple[Any, ...] = ()  # losscli.checks.CheckResult of --fail-if-worse / --require-better
    unmatched: int = 0  # several files joined --on KEY: rows of the first file without a match
    plots: Any = None  # a report's per-row differences (losscli.report.summary.Differences): not in to_dict()

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        first = self.runs[0]
        return (
            {
                "losscli_version": __version__,
                "source": first.source.to_dict(),
                "models": list(self.models),
                "reference": self.reference,
                "p_adjustment": "holm" if self.adjusted else None,
                "rows_unmatched": self.unmatched,
                "comparisons": [c.to_dict() for c in self.comparisons],
                "results": [  # compare sketches no quantiles: each model's value, interval, count
                    {"model": model, **{k: v for k, v in r.to_dict().items() if k != "quantiles"}}
                    for model, run in zip(self.models, self.runs, strict=True)
                    for r in run.results
                ],
            }
            | ({"checks": [c.to_dict() for c in self.checks]} if self.checks else {})
            | {"passed": self.passed}
        )
