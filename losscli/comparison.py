"""``losscli compare``: models side by side on the same rows, paired.

For each loss and each model M against the reference R, over the same rows:
Δ = value(M) − value(R), with a paired BCa bootstrap interval (the same resampled
units for both models, so the rows' shared difficulty cancels), the two-sided p-value
of Δ = 0 from inverting that interval, Holm-adjusted across the models when there are
more than two, and the share of rows where M's per-sample loss is lower than R's.
The verdict is ``better``/``worse`` when the adjusted p-value is below 1 − level (the
interval then excludes 0), else ``no significant difference``.

One read of the file feeds every model (each model is a plan over the shared source).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from losscli.accumulate.loss import LossAccumulator
from losscli.accumulate.rows import RowBlock, RowRange
from losscli.engine.jobs import LossArg, make_jobs
from losscli.engine.plan import Plan, SourceArg, join_labels, open_any, prepare, reading
from losscli.errors import DataError, UsageError
from losscli.intervals import RESAMPLES, CiSettings, NoInterval, holm
from losscli.io.source import InputOptions
from losscli.io.types import Source
from losscli.options import spelled
from losscli.results import CompareResult, EvalResult, ModelComparison
from losscli.spec import finalize_mean, finalize_state
from losscli.spelling import for_python

GLOB = set("*?[")
ROLES = ("var", "std", "lower", "upper")  # the extra input columns a model's file may hold


def model_columns(preds: Sequence[str], names: Sequence[str], multi: bool) -> list[str]:
    """The models: each ``--pred`` is one model for multi-column losses (a glob or a comma
    list of class columns); for one-column losses a comma list or a glob names several.
    (A loss of one column or several — an ensemble, quantiles — is multi-column when
    ``--pred`` is given more than once: :func:`compare_models`.)"""
    if multi:
        return list(preds)
    models: list[str] = []
    for given in preds:
        for part in (p.strip() for p in given.split(",")):
            if GLOB & set(part) and part not in names:
                found = [n for n in names if fnmatch.fnmatchcase(n, part)]
                if not found:
                    raise UsageError(f"{spelled('models', part)} matches no column")
                models += found
            elif part:
                models.append(part)
    _once_each(models, f"{spelled('models')} names")
    return models


def _once_each(models: list[str], named_by: str) -> None:
    """Exit 2 when a model is named twice (``named_by``: the options that name them)."""
    seen: set[str] = set()
    for model in models:
        if model in seen:
            raise UsageError(f"{named_by} model '{model}' twice")
        seen.add(model)


@dataclass
class _Wins:
    """Rows where each model's per-sample loss is lower than the reference's, per loss."""

    columns: list[str]
    models: int
    reference: int
    labels: list[str]  # each model's label column in a block (several files: checked equal)
    higher: list[bool] = field(default_factory=list)  # per loss: a higher per-sample value wins (coverage)
    writer: Any = None  # per-sample rows (-f csv/jsonl): RowBlock → written
    shown: list[tuple[str, str]] = field(default_factory=list)  # (block key, header) of those rows
    label_key: str = ""  # the reference's label column in its block
    sketches: dict[tuple[int, int], Any] | None = None  # a report's per-row differences (QuantileSketch)
    weight_key: str | None = None  # the weight column in a block (weights the differences)
    blocks: dict[int, RowBlock] = field(default_factory=dict)
    wins: dict[tuple[int, int], int] = field(default_factory=dict)
    rows: int = 0

    def sink(self, model: int) -> Any:
        def take(block: RowBlock) -> None:
            self.blocks[model] = block
            if len(self.blocks) == self.models:
                self._count()

        return take

    def _count(self) -> None:
        ref = self.blocks[self.reference]
        ids = ref.row_ids
        for model, block in self.blocks.items():
            if not _same_ids(block.row_ids, ids):
                raise DataError(
                    "the models were not evaluated on the same rows (--nan drop dropped different rows)",
                    "compare needs every model's value on every row: fill or remove those rows first",
                )
            for j, column in enumerate(self.columns):
                if model != self.reference:
                    mine, theirs = block.columns[column], ref.columns[column]
                    won = np.count_nonzero(mine > theirs if self.higher and self.higher[j] else mine < theirs)
                    self.wins[(j, model)] = self.wins.get((j, model), 0) + int(won)
                    if self.sketches is not None and (j, model) in self.sketches:
                        weights = None if self.weight_key is None else ref.columns[self.weight_key]
                        self._sketch(self.sketches[(j, model)], mine - theirs, weights)
        if self.labels:
            self._same_labels(ids)
        if self.writer is not None:
            self._write(ref)
        self.rows += len(ref)
        self.blocks.clear()

    @staticmethod
    def _sketch(sketch: Any, differences: Any, weights: Any) -> None:
        """Finite differences only (a row an --ignore-label leaves out has no loss)."""
        finite = np.isfinite(differences)
        if not finite.all():
            differences, weights = differences[finite], None if weights is None else weights[finite]
        sketch.add(np.asarray(differences, dtype=np.float64), weights)

    def _write(self, ref: RowBlock) -> None:
        """One row per sample: its number, label, each model's per-sample loss and each
        model's difference to the reference (model − reference)."""
        columns: dict[str, Any] = {"label": ref.columns[self.label_key]}
        for j, column in enumerate(self.columns):
            for model, block in self.blocks.items():
                columns[f"loss:{j}:{model}"] = block.columns[column]
                if model != self.reference:
                    columns[f"diff:{j}:{model}"] = block.columns[column] - ref.columns[column]
        self.writer(RowBlock(ref.row_ids, columns))

    def _same_labels(self, ids: Any) -> None:
        first = self.blocks[0].columns[self.labels[0]]
        for model in range(1, self.models):
            theirs = self.blocks[model].columns[self.labels[model]]
            differ = np.flatnonzero(np.asarray(first != theirs))
            if differ.size:
                i = int(differ[0])
                raise DataError(
                    f"the files' labels differ: row {int(np.asarray(ids)[i])} has {first[i]!r} in the first file "
                    f"and {theirs[i]!r} in file {model + 1} ({differ.size} such rows in this block)",
                    f"compare models on the same rows: align the files, or join them with {spelled('on', 'KEY', placeholder=True)}",
                )

    def rate(self, loss: int, model: int) -> float | None:
        return self.wins.get((loss, model), 0) / self.rows if self.rows else None


class _Side:
    """Several files read side by side as one source (a chain of row-aligned or key-joined
    JoinedSources), shown as a plain source: its columns are named by position ``#N``."""

    def __init__(self, joined: Any) -> None:
        self.joined = joined
        self.path, self.format, self.named = joined.path, joined.format, joined.named
        self.names = list(joined.names)

    def chunks(self, positions: list[int], numeric: set[int], text: frozenset[int] = frozenset()) -> Any:
        return self.joined.chunks(positions, numeric, text)

    @property
    def unmatched(self) -> int:
        return int(self.joined.unmatched)


def _files_side_by_side(
    files: Sequence[SourceArg], preds: Sequence[str], losses: Any, on: str | None, kw: dict[str, Any]
) -> tuple[list[str], Source, list[dict[str, Any]]]:
    """Each file a model: its prediction and label columns found as a loss command would
    (``--pred`` one name for all files, or one per file), then every file read side by
    side — by row, or joined ``on`` a key (rows in every file only). Returns the model
    names, the combined source and each model's columns by position."""
    from losscli.io.joined import JoinedSource

    given = [p.strip() for text in preds for p in text.split(",")] if preds else []
    if given and len(given) not in (1, len(files)):
        raise UsageError(
            f"{spelled('models')} names {len(given)} columns for {len(files)} files",
            "give one, or one per file",
        )
    plans = [
        prepare(
            _memory_first(f), losses, pred=(given[i] if len(given) > 1 else given[0]) if given else None, **kw
        )
        for i, f in enumerate(files)
    ]
    combined = plans[0].source
    for plan in plans[1:]:
        combined = JoinedSource(combined, plan.source, on)
    offsets = np.cumsum([0] + [len(p.source.names) for p in plans[:-1]]).tolist()
    columns: list[dict[str, Any]] = []
    for plan, offset in zip(plans, offsets, strict=True):
        at = plan.columns.positions
        columns.append(
            {
                "label": ",".join(f"#{p + offset + 1}" for p in at["y_true"]),
                **({"pred": ",".join(f"#{p + offset + 1}" for p in at["y_pred"])} if "y_pred" in at else {}),
                **{
                    role: f"#{at[role][0] + 1}"
                    for role in ("weight", "id")
                    if role in plans[0].columns.positions
                },
                # each file's own variance, std, interval bounds (not found again among every file's)
                **{role: f"#{at[role][0] + offset + 1}" for role in ROLES if role in at},
            }
        )
    names = [str(p.source.path) for p in plans]
    short = [n.rsplit("/", 1)[-1] for n in names]
    return (short if len(set(short)) == len(short) else names), _Side(combined), columns


def _memory_first(source: SourceArg) -> SourceArg:
    """A file to compare models on, read memory first (``InputOptions.memory_first``):
    several models' columns and losses per chunk already hold more memory than one
    model's run, and keeping decoding buffers buys compare no time."""
    return reading(source, memory_first=True)


def compare_models(
    source: SourceArg | Sequence[SourceArg],
    preds: Sequence[str],
    losses: LossArg | Sequence[LossArg],
    *,
    label: str | None = None,
    weight: str | None = None,
    id: str | None = None,
    positive: str | None = None,
    compat: str | None = None,
    labels: str | InputOptions | None = None,
    on: str | None = None,
    nan: Literal["error", "drop"] = "error",
    ci: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = 0,
    ci_block: int = 1,
    reference: str | None = None,
    std: Sequence[str] | str | None = None,
    var: Sequence[str] | str | None = None,
    lower: Sequence[str] | str | None = None,
    upper: Sequence[str] | str | None = None,
    rows: Callable[[list[tuple[str, str]]], Callable[[RowBlock], None]] | None = None,
    differences: bool = False,
) -> CompareResult:
    """Compare models on ``losses``: the columns ``preds`` of one source, or several
    sources (a list), each a model with its own prediction and label columns (labels
    checked equal row by row). The first model (or ``reference``) is the one the others
    are judged against. ``rows``: given the per-sample columns (key, header), a writer of
    per-sample blocks (``-f csv``/``jsonl``: each model's loss and difference per row).
    ``differences``: also gather, in the same pass, a quantile sketch of each model's
    per-row differences to the reference (a report draws their distribution: the
    result's ``plots``).
    ``std``, ``var``, ``lower``, ``upper``: each model's column of that role (one for all,
    or one per model in the models' order); ``lower`` and ``upper`` name the models of a
    loss that takes no prediction column (interval-score, coverage)."""
    from losscli.engine.runner import Runner, RunOptions, feed
    from losscli.engine.validate import Problem

    kw: dict[str, Any] = {"weight": weight, "id": id, "positive": positive, "compat": compat}
    multi = False  # each --pred names one model's several columns
    if isinstance(source, (list, tuple)) and len(source) > 1:
        if labels is not None:
            raise UsageError(
                "with several files, each file holds its model's labels", f"leave out {spelled('labels')}"
            )
        models, opened, per_model = _files_side_by_side(source, preds, losses, on, {**kw, "label": label})
        checked = [c["label"] for c in per_model]
    else:
        one = source[0] if isinstance(source, (list, tuple)) else source
        opened = open_any(_memory_first(one))
        if labels is not None:
            opened = join_labels(opened, labels, on)
        elif on is not None:
            raise UsageError(
                f"{spelled('on', 'KEY', placeholder=True)} joins a {spelled('labels', 'FILE', placeholder=True)}: "
                "give the labels file too"
            )
        spec = make_jobs(losses, None, compat)[0].spec
        given = {
            role: _split(columns)
            for role, columns in (("std", std), ("var", var), ("lower", lower), ("upper", upper))
        }
        if not spec.uses_pred:
            models, per_model = _bound_models(spec.name, preds, given, label, kw)
        else:
            # one column or several (members): several columns per model when --pred is given
            # per model, or when one column cannot be a model (crps of an ensemble)
            gaussian = bool(given["std"] or given["var"])
            multi = (
                spec.pred_multi
                and not gaussian
                and (not spec.members or len(preds) > 1 or bool(spec.optional_inputs))
            )
            models = model_columns(preds, list(opened.names), multi)
            per_model = [{"pred": m, "label": label, **kw} for m in models]
            _per_model_roles(per_model, given, models)
        checked = []
    if len(models) < 2:
        each = spelled("models", "'a_*'", placeholder=True), spelled("models", "'b_*'", placeholder=True)
        raise UsageError(
            "compare needs at least two models",
            f"one {spelled('models')} per model, each naming its columns: {each[0]} {each[1]}"
            if multi
            else f"name them: {spelled('models', 'A,B', placeholder=True)} (or a glob)",
        )
    ref = _reference(models, reference)
    plans = [prepare(opened, losses, **{**kw, **columns}) for columns in per_model]
    _smooth_only(plans[0].jobs)
    settings = CiSettings(ci, resamples, seed, ci_block)
    label_keys = [f"#{plan.columns.positions['y_true'][0]}" for plan in plans] if checked else []
    # a row is won by the better per-sample value: lower for a loss, higher for a mean of
    # scores that are better high (coverage); rmse, r2, accuracy show per-sample losses
    higher = [job.spec.higher_is_better and job.spec.finalize is finalize_mean for job in plans[0].jobs]
    wins = _Wins([job.column for job in plans[0].jobs], len(models), ref, label_keys, higher=higher)
    if differences:
        wins.sketches = _difference_sketches(plans[0].jobs, len(models), ref)
        at = plans[ref].columns.positions
        wins.weight_key = f"#{at['weight'][0]}" if "weight" in at else None
    if rows is not None:
        wins.label_key = f"#{plans[ref].columns.positions['y_true'][0]}"
        wins.shown = _row_columns(plans, models, ref)
        wins.writer = rows(wins.shown)
    options = [
        RunOptions(nan, rows=0, worst=0, quantiles=False, ci=settings, sink=wins.sink(i))
        for i in range(len(plans))
    ]
    with np.errstate(all="ignore"):
        runners = [Runner(plan, opts) for plan, opts in zip(plans, options, strict=True)]
        try:
            seen = feed(plans, runners)
        except Problem as found:
            raise found.error() from None
        try:
            runs = tuple(runner.result(seen) for runner in runners)
        except DataError as exc:
            if exc.hint != f"drop {spelled('ci')}":
                raise
            # a model's own interval is refused: compare has no --ci to drop
            raise DataError(
                f"compare: {exc.message}", "compare needs each model's interval: compare more rows (units)"
            ) from None
    comparisons: list[ModelComparison] = []
    adjusted = len(models) > 2
    for j, job in enumerate(plans[0].jobs):
        pairs = [
            _pair(job.spec.name, runs, [r.accs[j] for r in runners], j, i, ref, models, settings, wins)
            for i in range(len(models))
            if i != ref
        ]
        if adjusted:
            ps = holm([c.p_value for c in pairs])
            pairs = [_with_p(c, p, settings.level) for c, p in zip(pairs, ps, strict=True)]
        comparisons += pairs
    unmatched = getattr(opened, "unmatched", 0) if checked else 0
    plots = _difference_plots(wins, plans[0].jobs, runs[ref], models, ref) if differences else None
    return CompareResult(
        tuple(models), models[ref], runs, tuple(comparisons), adjusted, unmatched=unmatched, plots=plots
    )


def _difference_sketches(jobs: Any, models: int, ref: int) -> dict[tuple[int, int], Any]:
    """A quantile sketch per (loss, model) for a report, but for a summary-based loss,
    whose per-sample column is no loss (a score, a predicted class)."""
    from losscli.accumulate.sketch import QuantileSketch

    return {
        (j, model): QuantileSketch()
        for j, job in enumerate(jobs)
        if job.spec.finalize is not finalize_state
        for model in range(models)
        if model != ref
    }


def _difference_plots(
    wins: _Wins, jobs: Any, reference: EvalResult, models: list[str], ref: int
) -> tuple[Any, ...]:
    """Each sketch as a histogram (:func:`losscli.report.summary.differences`)."""
    from losscli.report.summary import differences

    assert wins.sketches is not None
    out = []
    for (j, model), sketch in wins.sketches.items():
        values, weights = sketch.points()
        r = reference.results[j]
        out.append(
            differences(
                r.label or r.loss, models[model], models[ref], values, weights, sketch.exact,
                r.per_sample, wins.higher[j], wins.weight_key is not None,
            )
        )  # fmt: skip
    return tuple(out)


def _split(columns: Sequence[str] | str | None) -> list[str]:
    """Columns given as ``A,B``, repeated, or both (None: none)."""
    given = [columns] if isinstance(columns, str) else list(columns or ())
    return [part.strip() for text in given for part in str(text).split(",") if part.strip()]


def _per_model_roles(per_model: list[dict[str, Any]], given: dict[str, list[str]], models: list[str]) -> None:
    """Each model's ``--std``/``--var``/``--lower``/``--upper`` column: one for all, or
    one per model in the models' order."""
    for role, columns in given.items():
        if not columns:
            continue
        if len(columns) not in (1, len(models)):
            raise UsageError(
                f"{spelled('model_' + role)} names {len(columns)} columns for {len(models)} models",
                f"give one for all models, or one per model in the order of {spelled('models')}",
            )
        for i, columns_of in enumerate(per_model):
            columns_of[role] = columns[i if len(columns) > 1 else 0]


def _bound_models(
    name: str, preds: Sequence[str], given: dict[str, list[str]], label: str | None, kw: dict[str, Any]
) -> tuple[list[str], list[dict[str, Any]]]:
    """The models of a loss without a prediction column (interval-score, coverage): one
    per ``--lower``/``--upper`` pair, named ``lower..upper``."""
    lows, highs = given["lower"], given["upper"]
    if preds or not lows or len(lows) != len(highs):
        raise UsageError(
            f"compare takes each model's interval bounds for {name}, which takes no prediction column",
            f"one {spelled('model_lower')} and one {spelled('model_upper')} per model: "
            f"{spelled('model_lower', 'lo_a,lo_b', placeholder=True)} {spelled('model_upper', 'hi_a,hi_b', placeholder=True)}",
        )
    models = [f"{lo}..{hi}" for lo, hi in zip(lows, highs, strict=True)]
    _once_each(models, f"{spelled('model_lower')} and {spelled('model_upper')} name")
    return models, [
        {"lower": lo, "upper": hi, "label": label, **kw} for lo, hi in zip(lows, highs, strict=True)
    ]


def _smooth_only(jobs: Any) -> None:
    """A paired bootstrap needs a value that is a smooth function of sums (not max-error),
    and a summary whose parameters give an interval (not ece's quantile bins)."""
    from losscli.accumulate.summary import make_summary, summary_no_interval

    for job in jobs:
        if not job.spec.smooth:
            raise UsageError(
                f"compare: {job.spec.name}'s value ({job.spec.finalize_text}) is not a smooth function of "
                "sums, so a paired interval and p-value for it would mean nothing",
                f"leave out {job.spec.name}, or run 'losscli {job.spec.name}' on each model",
            )
        why = summary_no_interval(make_summary(job.spec.state, job.params)) if job.spec.interval else ""
        if why:
            name = job.spec.named(job.params)
            raise UsageError(
                f"compare: {name} has no paired interval: {why}",
                f"leave out {name}, or run 'losscli {job.spec.name}' on each model",
            )


def _same_ids(a: Any, b: Any) -> bool:
    """The same row numbers: two ranges by their ends, else element by element."""
    if isinstance(a, RowRange) and isinstance(b, RowRange):
        return a.start == b.start and a.size == b.size
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


def _row_columns(plans: list[Plan], models: list[str], ref: int) -> list[tuple[str, str]]:
    """``row``, the label, ``loss_<model>`` (``loss_<loss>_<model>`` with several losses)
    and ``diff_<model>`` = model − reference for each other model."""
    jobs = plans[0].jobs
    shown = [("row", "row"), ("label", plans[ref].columns.name("y_true"))]
    for j, job in enumerate(jobs):
        tag = f"{job.spec.named(job.params)}_" if len(jobs) > 1 else ""
        shown += [(f"loss:{j}:{m}", f"loss_{tag}{name}") for m, name in enumerate(models)]
        shown += [(f"diff:{j}:{m}", f"diff_{tag}{name}") for m, name in enumerate(models) if m != ref]
    return shown


def _reference(models: list[str], reference: str | None) -> int:
    if reference is None:
        return 0
    if reference not in models:
        raise UsageError(f"{spelled('reference', reference)} is not one of the models: {', '.join(models)}")
    return models.index(reference)


def _pair(
    name: str,
    runs: tuple[EvalResult, ...],
    accs: list[LossAccumulator],
    loss: int,
    model: int,
    ref: int,
    models: list[str],
    settings: CiSettings,
    wins: _Wins,
) -> ModelComparison:
    mine, theirs = runs[model].results[loss], runs[ref].results[loss]
    a, b = accs[model], accs[ref]
    # the runners refused a loss without an interval (--ci), and _Wins checked every chunk's rows
    difference = mine.value - theirs.value
    try:
        boot = a.paired(b, difference, settings)
    except NoInterval as exc:
        raise DataError(f"compare: {name}: no paired interval: {exc}") from None
    low, high = boot.interval()
    assert mine.ci is not None
    interval = replace(mine.ci, low=low, high=high)
    p = boot.p_value(0.0)
    return ModelComparison(
        loss=mine.label or mine.loss,
        params=mine.params,
        reference=models[ref],
        model=models[model],
        value=mine.value,
        reference_value=theirs.value,
        difference=difference,
        ci=interval,
        p_value=p,
        # a summary's per-sample column is not a loss (a score, a predicted class): no wins
        win_rate=None if a.spec.finalize is finalize_state else wins.rate(loss, model),
        verdict=verdict(difference, p, settings.level, mine.higher_is_better),
        count=mine.count,
        higher_is_better=mine.higher_is_better,
    )


def _with_p(c: ModelComparison, p: float, level: float) -> ModelComparison:
    return replace(
        c, p_value=p, p_unadjusted=c.p_value, verdict=verdict(c.difference, p, level, c.higher_is_better)
    )


def verdict(difference: float, p: float, level: float, higher_is_better: bool) -> str:
    """``better``/``worse`` when p < 1 − level, else ``no significant difference``."""
    if p >= 1.0 - level or difference == 0:
        return "no significant difference"
    return "better" if (difference > 0) == higher_is_better else "worse"


compare = for_python(compare_models)
"""``losscli.compare``: :func:`compare_models` with errors naming keywords (``preds=``)."""
