"""What to compute over which input: a :class:`Plan` binds the losses, opens the source
and resolves its columns (nothing is read yet). Both engines start from one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from losscli.columns import Request, Resolved, resolve, what
from losscli.engine.jobs import LossArg, LossJob, make_jobs
from losscli.engine.layout import Layout, layouts
from losscli.errors import ColumnError, UsageError
from losscli.io.source import InputOptions, Source, open_source
from losscli.losses.registry import all_losses
from losscli.neutralise import listing, quote
from losscli.options import spelled
from losscli.spec import PredShape
from losscli.spelling import param

if TYPE_CHECKING:
    from losscli.io.joined import JoinedSource

# What an input may be: a path ('-' for stdin), read options, an opened Source, or a
# pandas DataFrame / pyarrow Table (a Dask DataFrame goes to the Dask engine).
SourceArg = str | InputOptions | Source | Any


@dataclass(frozen=True)
class Plan:
    """An opened source, the jobs to run over it, the resolved columns, the output layouts."""

    source: Source
    jobs: list[LossJob]
    columns: Resolved
    layout: Layout
    positive: str | None = None


def prepare(
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
    by: str | Sequence[str] | None = None,
) -> Plan:
    """Bind the losses, open the source and resolve its columns (nothing is read yet).

    ``labels``: labels from another file, aligned by row or joined ``on`` a key column
    (a ``source`` already joined by :func:`join_labels` is taken as it is).
    ``by``: per-group results keyed by that column's values; several columns (a list,
    a comma list or a glob) group by their combination.
    """
    made = make_jobs(losses, params, compat)
    forms = _forms(made, pred)
    jobs = forms[0]  # the inputs the forms share (their extra and optional roles are alike)
    _same_shapes(jobs)
    opened = open_any(_kept_rows_chunks(source, jobs))
    given = {"var": var, "std": std, "lower": lower, "upper": upper}
    extra = sorted({role for job in jobs for role in job.spec.extra_inputs})
    optional = sorted({role for job in jobs for role in job.spec.optional_inputs} - set(extra))
    for role, column in given.items():
        if column is not None and role not in extra and role not in optional:
            takers = [s.name for s in all_losses() if role in (*s.extra_inputs, *s.optional_inputs)]
            raise UsageError(
                f"{spelled(role)} is only used by losses that take a {what(role)} ({', '.join(takers)})"
            )
    if pred is not None and not any(job.spec.uses_pred for job in jobs):
        names = ", ".join(job.spec.name for job in jobs)
        raise UsageError(f"{spelled('pred')} is not used by {names}: it takes no prediction column")
    if labels is not None:
        opened = join_labels(opened, labels, on)
    elif on is not None:
        raise UsageError(
            f"{spelled('on', 'KEY', placeholder=True)} joins a {spelled('labels', 'FILE', placeholder=True)}:"
            " give the labels file too"
        )

    def columns_of(jobs: list[LossJob]) -> Resolved:
        predicting = [job for job in jobs if job.spec.uses_pred]
        # the prediction is asked for as the loss taking the most columns does (mse beside a
        # quantile of several columns: several, refused by _check_shapes)
        shaping = [job for job in predicting if job.spec.pred_multi] or predicting or jobs
        first = shaping[0].spec
        requests: dict[str, Request] = {}
        if predicting:
            requests["y_pred"] = Request(
                pred,
                first.pred_multi,
                first.pred_flavour(shaping[0].params),
                task=first.task,
                positive=positive,
                members=first.members,
                # an optional role given (crps's --std, --var) makes the prediction one column
                one_first=any(given.get(role) for role in first.optional_inputs),
            )
        requests |= {
            "weight": Request(weight, required=False),
            "id": Request(id, required=False),
            "by": Request(
                by if by is None or isinstance(by, str) else ",".join(by), multi=True, required=False
            ),
        }
        requests.update({role: Request(given.get(role)) for role in extra})
        requests.update({role: Request(given[role], required=False) for role in optional if given.get(role)})
        label_request = Request(label, first.label_multi)
        if _is_joined(opened):
            found = _resolve_joined(cast("JoinedSource", opened), label_request, requests)
        else:
            found = resolve(opened.names, {"y_true": label_request, **requests}, opened.path)
        return replace(found, header=opened.named)  # --no-header: names are positions

    jobs, columns = _by_columns(forms, columns_of, opened.path)
    switched = [job.spec.name for job, was in zip(jobs, made, strict=True) if job.spec is not was.spec]
    if switched and positive is not None:
        raise UsageError(
            f"{spelled('positive')} names the positive label of one score column; {switched[0]} on "
            f"{len(columns.positions['y_pred'])} class columns takes its classes from the columns",
            f"drop {spelled('positive')} (with two class columns, {param('average', 'binary')} scores the second)",
        )
    _check_shapes(jobs, columns, opened.path)
    jobs = _with_classes(_with_derived(jobs, columns, opened.path), columns)
    return Plan(opened, jobs, columns, layouts(columns, jobs), positive)


def _same_shapes(jobs: list[LossJob]) -> None:
    """One read feeds every loss: their labels take as many columns, and their predictions
    too — a loss taking one column or several (``members``) goes with either kind, checked
    once the columns are found (:func:`_check_shapes`)."""
    labels = {j.spec.label_multi for j in jobs}
    preds = {j.spec.pred_multi for j in jobs if not j.spec.members}  # a loss without one: its task's
    members = any(j.spec.members and j.spec.uses_pred for j in jobs)
    if len(labels) > 1 or len(preds) > 1 or (members and True in preds):
        raise UsageError(
            "these losses need different columns (one vs several per row): evaluate them separately"
        )


def _with_derived(jobs: list[LossJob], columns: Resolved, where: str) -> list[LossJob]:
    """Each job's parameters plus those its shape rule draws from the resolved prediction
    columns (quantile levels from their names), under keys that are not declared
    parameters: the loss's name and reported parameters stay as given."""
    names = tuple(columns.names.get("y_pred", ()))
    optional = {role for job in jobs for role in job.spec.optional_inputs}
    shape = PredShape(
        len(names),
        names if columns.header else None,  # --no-header: positions, not names
        len(names) > 1,
        frozenset(role for role in optional if role in columns.positions),
    )
    out = []
    for job in jobs:
        if not job.spec.shape_rule:
            out.append(job)
            continue
        try:
            derived = job.spec.derived(job.params, shape)
        except UsageError as exc:
            raise UsageError(f"{where}: {exc.message}", exc.hint) from None
        out.append(replace(job, params={**job.params, **derived}))
    return out


def _forms(jobs: list[LossJob], pred: str | None) -> list[list[LossJob]]:
    """The jobs in each form the run may take. A loss with a multiclass form
    (:attr:`LossSpec.multiclass`: f1 on one score column or on K class columns) takes
    the form of the other losses of the run (``eval -l f1 -l cross-entropy``), else of
    ``--pred`` (a comma list or a glob names class columns), else two candidates that
    :func:`_by_columns` decides between by the file's columns."""
    if all(job.spec.multiclass is None for job in jobs):
        return [jobs]
    fixed = {job.spec.task for job in jobs if job.spec.multiclass is None}
    if fixed:
        return [_in_form(jobs, fixed == {"multiclass"})]
    if pred is not None:
        return [_in_form(jobs, "," in pred or any(ch in pred for ch in "*?["))]
    return [_in_form(jobs, False), _in_form(jobs, True)]


def _in_form(jobs: list[LossJob], multiclass: bool) -> list[LossJob]:
    return [
        replace(job, spec=job.spec.multiclass) if multiclass and job.spec.multiclass is not None else job
        for job in jobs
    ]


def _by_columns(
    forms: list[list[LossJob]], columns_of: Callable[[list[LossJob]], Resolved], where: str
) -> tuple[list[LossJob], Resolved]:
    """The form whose prediction columns the file has: one score column (found as a
    binary loss finds it) or a family of class columns (as cross-entropy finds them).
    Both is an error that names them, never a guess, except that the positive class's
    column of two class columns (``prob_1`` of ``prob_0, prob_1``) is one score column."""
    if len(forms) == 1:
        return forms[0], columns_of(forms[0])
    binary, multiclass = forms
    try:
        one = columns_of(binary)
    except ColumnError as error:
        try:
            return multiclass, columns_of(multiclass)
        except ColumnError:
            raise error from None
    try:
        several = columns_of(multiclass)
    except ColumnError:
        return binary, one
    column = one.positions["y_pred"][0]
    if column in several.positions["y_pred"]:
        return binary, one
    names = several.names["y_pred"]
    raise ColumnError(
        f"{where}: {binary[0].spec.name} could take one score column ({quote(one.name('y_pred'))}) or "
        f"{len(names)} class columns ({listing(names, limit=4)})",
        f"choose one: {spelled('pred', one.name('y_pred'))}, or {spelled('pred', ','.join(names))}",
    )


def _with_classes(jobs: list[LossJob], columns: Resolved) -> list[LossJob]:
    """A multiclass loss with a summary learns the class names (its confusion matrix's
    labels) in its parameters, under :data:`losscli.accumulate.summary.CLASSES`."""
    from losscli.accumulate.summary import CLASSES

    return [
        replace(job, params={**job.params, CLASSES: tuple(columns.classes())})
        if job.spec.task == "multiclass" and job.spec.state
        else job
        for job in jobs
    ]


def join_labels(source: SourceArg, labels: str | InputOptions | Source, on: str | None) -> JoinedSource:
    """Predictions from ``source``, labels from ``labels`` (aligned by row, or joined
    ``on`` a key column): one source. Several plans given the same joined source share
    one read of both files (``losscli check``)."""
    from losscli.io.joined import JoinedSource

    return JoinedSource(open_any(source), open_any(labels), on)


def _is_joined(source: Source) -> bool:
    from losscli.io.joined import JoinedSource

    return isinstance(source, JoinedSource)


def _resolve_joined(joined: JoinedSource, label_request: Request, requests: dict[str, Request]) -> Resolved:
    """The label column in the labels file, every other column in the predictions file."""
    main = resolve(joined.main.names, requests, joined.main.path)
    found = resolve(joined.labels.names, {"y_true": label_request}, joined.labels.path)
    positions = {"y_true": [p + joined.offset for p in found.positions["y_true"]], **main.positions}
    names = {"y_true": found.names["y_true"], **main.names}
    return Resolved(positions, names)


def _check_shapes(jobs: list[LossJob], columns: Resolved, where: str) -> None:
    k = len(columns.positions.get("y_pred", ()))
    spec = jobs[0].spec
    if k > 1 and any(j.spec.uses_pred and not j.spec.pred_multi for j in jobs):
        one = next(j.spec.name for j in jobs if j.spec.uses_pred and not j.spec.pred_multi)
        raise UsageError(
            f"{where}: {one} takes one prediction column, but {spelled('pred')} names {k}",
            "evaluate it separately, with one column",
        )
    if spec.pred_multi and not spec.members and k < 2:
        raise UsageError(f"{where}: {spec.name} needs one prediction column per class (found {k})")
    if spec.label_multi and len(columns.positions["y_true"]) != k:
        raise UsageError(
            f"{where}: {spec.name} needs as many label columns as prediction columns "
            f"({len(columns.positions['y_true'])} vs {k})",
            f"check {spelled('label')} and {spelled('pred')}",
        )


def is_dask_frame(source: object) -> bool:
    """A Dask DataFrame, recognised without importing Dask."""
    return type(source).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(source, "to_delayed")


KEEPING_CHUNK = 1 << 17  # rows a chunk holds when a summary keeps every row (LossSpec.keeps_rows)


def _kept_rows_chunks(source: SourceArg, jobs: list[LossJob]) -> SourceArg:
    """Smaller chunks (:data:`KEEPING_CHUNK` rows) for a loss that keeps a value of every
    row (ROC-AUC's scores), read memory first: a chunk's decoded columns and copies are
    then small beside what is kept (10M weighted rows of Parquet: 343 → 288 MiB at the
    peak, unweighted 222 → 185 MiB, at about the same speed). Only a file not yet
    opened; a chunk size given smaller stays."""
    if not any(job.spec.keeps_rows for job in jobs):
        return source
    given = source.chunk_rows if isinstance(source, InputOptions) else KEEPING_CHUNK
    return reading(source, chunk_rows=min(given, KEEPING_CHUNK), memory_first=True)


def reading(source: SourceArg, **options: Any) -> SourceArg:
    """A source not yet opened (a path or :class:`InputOptions`) with these
    :class:`InputOptions` fields changed; anything else as it is."""
    if isinstance(source, str):
        source = InputOptions(source)
    if isinstance(source, InputOptions):
        return replace(source, **options)
    return source


def open_any(source: SourceArg) -> Source:
    if hasattr(source, "chunks") and hasattr(source, "names"):
        return cast(Source, source)  # already opened: several plans can share one read
    if isinstance(source, InputOptions):
        return open_source(source)
    if isinstance(source, str):
        return open_source(InputOptions(source))
    from losscli.io.frames import frame_source

    return frame_source(source)
