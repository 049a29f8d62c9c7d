"""Results of an evaluation. The JSON schema (SPEC §4) lives here and only here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from losscli import __version__


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "loss": self.loss,
            "params": self.params,
            "value": self.value,
            "mean": self.mean,
            "sum": self.sum,
            "count": self.count,
            "weight_sum": self.weight_sum,
            "higher_is_better": self.higher_is_better,
            "quantiles": dict(self.quantiles),
        } | ({"clipped": self.clipped} if self.clipped is not None else {})


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
    head: Any = None  # losscli.rows.RowBlock of the first --rows rows
    worst: Any = None  # losscli.rows.RowBlock of the --worst K highest-loss rows
    warnings: tuple[str, ...] = field(default=())
    loss_columns: tuple[str, ...] = ("loss",)
    layout: Any = None  # losscli.engine.layout.Layout

    @property
    def passed(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "losscli_version": __version__,
            "source": self.source.to_dict(),
            "columns": self.columns,
            "results": [r.to_dict() for r in self.results],
            "passed": self.passed,
        }
