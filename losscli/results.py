"""Results of an evaluation. The JSON schema (SPEC §4) lives here and only here."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from losscli.version import __version__


@dataclass(frozen=True)
class GroupResult:
    """One group's finished value: the key, the value, rows and weight sum behind it."""

    group: Hashable  # the key; a tuple of values with several group columns
    value: float
    count: int
    weight_sum: float
    names: tuple[str, ...] = ()  # the group columns

    @property
    def parts(self) -> dict[str, Hashable]:
        """Column → value of the key (one entry with one group column)."""
        values = self.group if isinstance(self.group, tuple) else (self.group,)
        return dict(zip(self.names or ("group",), values, strict=False))

    def to_dict(self) -> dict[str, object]:
        """The JSON ``groups[i]`` object (SPEC §4): ``group`` is the plain value with one
        group column, an object of column → value with several."""
        group = self.parts if len(self.names) > 1 else self.group
        return {"group": group, "value": self.value, "count": self.count}


@dataclass(frozen=True)
class LossResult:
    """One loss over the used rows; ``value`` is the reported (finalized) loss."""

    loss: str
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
    title: str = ""  # the loss with its non-default parameters, for tables: "huber(delta=2.0)"
    label: str = ""  # the key for gates and baselines: the loss name, or its eval column label
    groups: tuple[GroupResult, ...] | None = None  # --by, in sorted key order
    per_sample: str = ""  # what mean, sum and quantiles are of, when the value is not their mean

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "loss": self.loss,
                "params": self.params,
                "value": self.value,
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

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def labelled(self) -> dict[str, LossResult]:
        """Results by gate/baseline key."""
        return {r.label or r.loss: r for r in self.results}

    def __getitem__(self, name: str) -> LossResult:
        """``result["mse"]``: one loss's result, by its name or its eval label."""
        found = self.labelled()
        for r in self.results:
            found.setdefault(r.loss, r)
        if name not in found:
            raise KeyError(f"{name!r}: this result holds {', '.join(map(repr, found))}")
        return found[name]

    def __repr__(self) -> str:
        values = ", ".join(f"{r.label or r.loss}={r.value!r}" for r in self.results)
        return f"EvalResult({self.source.path!r}, rows_used={self.source.rows_used}, {values})"

    def to_pandas(self) -> Any:
        """A pandas DataFrame: one row per loss (``group`` None) and one per (loss, group),
        with value, count, weight_sum (and mean, sum for the whole input)."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for r in self.results:
            rows.append({"loss": r.label or r.loss, "group": None, "value": r.value, "count": r.count,
                         "weight_sum": r.weight_sum, "mean": r.mean, "sum": r.sum})  # fmt: skip
            for g in r.groups or ():
                rows.append({"loss": r.label or r.loss, "group": g.group, "value": g.value, "count": g.count,
                             "weight_sum": g.weight_sum, "mean": None, "sum": None})  # fmt: skip
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
