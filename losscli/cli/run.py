"""Run loss commands: read, evaluate, render. The CLI's only path into the library."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from losscli.cli.boundary import Verdict
from losscli.cli.gates import apply_gates, baseline_json, print_verdicts, read_baseline
from losscli.cli.options import CommandOptions, Engine
from losscli.cli.progress import ReadProgress
from losscli.errors import UsageError
from losscli.render.formats import output_format

if TYPE_CHECKING:
    from losscli.output.plan import OutputPlan


def parse_rows(text: str, option: str = "--rows") -> int | None:
    """``--rows``, ``--group-details``: a count, or ``all`` (None)."""
    if text.strip().lower() == "all":
        return None
    try:
        n = int(text)
    except ValueError:
        raise UsageError(f"{option} takes a number or 'all', not '{text}'") from None
    if n < 0:
        raise UsageError(f"{option} must be >= 0 (got {n})")
    return n


def run_losses(losses: list[tuple[str, dict[str, Any]]], options: CommandOptions, verdict: Verdict) -> int:
    """Evaluate ``losses`` over ``options.file`` and write the chosen format to stdout.

    Every output file is planned (and checked) before the input is read, and all of
    them are committed together at the very end (:mod:`losscli.output.plan`)."""
    from losscli.output.plan import OutputPlan

    outputs = OutputPlan()
    try:
        return _run(losses, options, verdict, outputs)
    except BaseException:
        outputs.discard()
        raise


def _plan_outputs(outputs: OutputPlan, options: CommandOptions, losses: int) -> dict[str, Any]:
    """Every output planned (and checked) and the baseline read, before any input is read."""
    outputs.add_inputs([options.file, options.labels, options.baseline])
    planned: dict[str, Any] = {"baseline_values": read_baseline(options, losses)}  # bad: before reading
    if options.engine is Engine.dask:
        outputs.refuse_input("-o", options.output)
        if options.output is not None:
            from losscli.engine.dask_output import StagedParts

            planned["parts"] = StagedParts(options.output)  # staging made (and checked) now
            outputs.staged.append(planned["parts"])
    elif options.output is not None:
        from losscli.render.formats import file_format

        if options.output:
            file_format(options.output)  # an unknown extension is refused before a temp file exists
        planned["output"] = outputs.add("-o", options.output)
    planned["report"] = outputs.add("-o", options.report_output)  # losscli report's page
    if options.plots_dir is not None:  # losscli report --plots DIR: staged beside DIR
        from losscli.output.folder import plan_folder

        planned["plots"] = plan_folder(outputs, "--plots", options.plots_dir)
    planned["baseline"] = outputs.add("--write-baseline", options.write_baseline)
    planned["junit"] = outputs.add("--junit", options.junit)
    planned["summary"] = outputs.add("--summary-file", options.summary_file, append=True)
    return planned


def _run(
    losses: list[tuple[str, dict[str, Any]]], options: CommandOptions, verdict: Verdict, outputs: OutputPlan
) -> int:
    from losscli.engine.local import run
    from losscli.engine.plan import prepare
    from losscli.engine.runner import RunOptions

    rows = parse_rows(options.rows)
    group_details = parse_rows(options.group_details, "--group-details")
    planned = _plan_outputs(outputs, options, len(losses))
    planned["group_details"] = group_details
    source = input_options(options)
    columns: dict[str, Any] = {
        "pred": options.pred,
        "label": options.label,
        "weight": options.weight,
        "var": options.var,
        "std": options.std,
        "lower": options.lower,
        "upper": options.upper,
        "id": options.id,
        "positive": options.positive,
        "compat": options.compat.value if options.compat else None,
        "by": list(options.by) or None,
    }
    shown = output_format(options.format.value)
    reported = options.report_output is not None or options.plots_dir is not None  # losscli report
    run_options = RunOptions(
        nan=options.nan.value,
        rows=rows if shown.head_rows else 0,
        worst=options.worst if shown.head_rows else 0,
        quantiles=shown.quantiles or bool(options.summary_file or options.write_baseline or reported),
        ci=ci_settings(options),
        dummy=dummy_strategy(options),
        plots=reported,
    )
    if options.engine is Engine.dask:
        outcome = _run_dask(source, losses, columns, run_options, options, planned.get("parts"))
        return _finish(outcome, options, verdict, outputs, planned, None)
    plan = prepare(source, losses, labels=label_source(options), on=options.on, **columns)
    sinks, per_sample = _sinks(plan, options, planned.get("output"), bool(outputs.outputs))
    progress = ReadProgress(plan.source, enabled=not options.no_progress)
    run_options = replace(run_options, sink=_fan_out(sinks), on_chunk=progress)
    try:
        try:
            outcome = run(plan, run_options)
        finally:
            progress.close()
        return _finish(outcome, options, verdict, outputs, planned, per_sample)
    except BaseException:
        if per_sample is not None:
            per_sample.discard()
        raise


def dummy_strategy(options: CommandOptions) -> str | None:
    """The run's dummy: --dummy, else the mean with --vs-dummy or a --min-skill gate, else None."""
    from losscli.accumulate.dummy import strategy

    asked = options.vs_dummy or bool(options.min_skill)
    return strategy(asked, options.dummy.value if options.dummy is not None else None)


def ci_settings(options: CommandOptions) -> Any:
    """The --ci settings of a run; without --ci, unit sums only (no interval) when a
    baseline is written (a later run pairs with it) or a --significance gate needs them;
    else None."""
    from losscli.intervals import CiSettings

    printed = bool(options.write_baseline) or options.significance is not None
    if options.ci is not None:
        return CiSettings(options.ci, options.resamples, options.seed, options.ci_block, fingerprint=printed)
    if printed:
        return CiSettings(
            0.95, options.resamples, options.seed, options.ci_block, intervals=False, fingerprint=True
        )
    return None


def _run_dask(
    source: Any, losses: Any, columns: dict[str, Any], run_options: Any, options: CommandOptions, parts: Any
) -> Any:
    """The same evaluation on Dask: per-sample rows go to one file per partition (-o DIR),
    staged in ``parts`` and committed with the run's other outputs."""
    from losscli.engine.dask import check_requests, run_dask
    from losscli.engine.dask_cluster import connect

    if output_format(options.format.value).streams:
        raise UsageError(
            f"-f {options.format.value} streams every row to stdout, which --engine dask does not do",
            "write per-partition files with -o DIR, or use --engine local",
        )
    requests = [(losses, {**columns, "labels": options.labels, "on": options.on})]
    check_requests(requests)  # before a cluster is started for nothing
    with connect(options.scheduler, options.timeout):
        return run_dask(source, requests, [run_options], parts)[0]


def _finish(
    outcome: Any,
    options: CommandOptions,
    verdict: Verdict,
    outputs: OutputPlan,
    planned: dict[str, Any],
    per_sample: Any,
) -> int:
    """Gates, rendering and reports, then stdout, then every output file at once: a
    failure or a signal before the commit leaves no file written."""
    from losscli.cli.boundary import silence_stdout

    result = replace(
        apply_gates(outcome, options, planned.get("baseline_values")),
        group_details=planned["group_details"],
    )
    text = _render(result, options)
    if planned.get("baseline") is not None:
        outputs.set_text(planned["baseline"], baseline_json(result))
    if planned.get("junit") is not None:
        from losscli.render.junit import to_junit  # (xml.etree: only when asked for)

        outputs.set_text(planned["junit"], to_junit(result.checks))
    if planned.get("summary") is not None:
        from losscli.render.text import to_markdown

        outputs.set_text(planned["summary"], to_markdown(result) + "\n")
    if planned.get("report") is not None or planned.get("plots") is not None:
        from losscli.report.build import draw, plot_files, report_html

        plots = draw(result)
        if planned.get("report") is not None:
            outputs.set_text(planned["report"], report_html(result, plots))
        if planned.get("plots") is not None:
            for name, data in plot_files(result, plots):
                planned["plots"].write(name, data)
    if per_sample is not None:
        per_sample.close()
    _warn(result.warnings)
    print_verdicts(result)
    if not result.passed and not options.exit_zero:
        verdict.code = 1
    try:
        if text is not None:
            text()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left: the files asked for are still written
        silence_stdout()
    outputs.commit()
    return verdict.code


def input_options(options: CommandOptions) -> Any:
    """The input file and how to read it, as the options give them (an InputOptions)."""
    from losscli.io.source import InputOptions

    return InputOptions(
        path=options.file,
        format=options.input_format.value if options.input_format else None,
        delimiter=parse_delimiter(options.delimiter),
        header=not options.no_header,
        encoding=options.encoding,
    )


def label_source(options: CommandOptions) -> Any:
    """The --labels file, read with the same text options as the predictions."""
    from losscli.io.source import InputOptions

    if options.labels is None:
        return None
    return InputOptions(
        path=options.labels,
        delimiter=parse_delimiter(options.delimiter),
        header=not options.no_header,
        encoding=options.encoding,
    )


def parse_delimiter(text: str | None) -> str | None:
    if text is None:
        return None
    value = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(value) != 1:
        raise UsageError(f"--delimiter must be one character, not '{text}'")
    return value


def _sinks(
    plan: Any, options: CommandOptions, output: Any, files: bool
) -> tuple[list[Callable[[Any], None]], Any]:
    """The per-sample sinks: stdout for a streamed format, and the ``-o`` file."""
    columns = list(plan.layout.samples)
    sinks: list[Callable[[Any], None]] = []
    per_sample = None
    spec = output_format(options.format.value)
    if spec.streams:
        writer = spec.row_writer()(sys.stdout.buffer, columns)
        gated = bool(options.max or options.min or options.min_skill or options.baseline)
        sinks.append(PipeAware(writer, gated=gated or files))
    if output is not None:
        from losscli.output.per_sample import PerSampleFile

        per_sample = PerSampleFile(output, columns)
        sinks.append(per_sample)
    return sinks, per_sample


class PipeAware:
    """A stdout sink that survives the reader closing the pipe when gates or output
    files are asked for: output goes to devnull and the run continues, so the exit
    code is the gates' verdict and every file is written. Without either the run
    stops at once (exit 0, silently)."""

    def __init__(self, sink: Callable[[Any], None], gated: bool) -> None:
        self.sink, self.gated, self.closed = sink, gated, False

    def __call__(self, block: Any) -> None:
        if self.closed:
            return
        try:
            self.sink(block)
        except BrokenPipeError:
            from losscli.cli.boundary import silence_stdout

            silence_stdout()
            if not self.gated:
                raise
            self.closed = True


def _fan_out(sinks: list[Callable[[Any], None]]) -> Callable[[Any], None] | None:
    if not sinks:
        return None
    if len(sinks) == 1:
        return sinks[0]

    def fan(block: Any) -> None:
        for sink in sinks:
            sink(block)

    return fan


def _render(result: Any, options: CommandOptions) -> Callable[[], None] | None:
    """Render to text now (so render errors come before any file is committed);
    return the function that writes it."""
    spec = output_format(options.format.value)
    if spec.streams:
        return None
    if spec.terminal:
        from losscli.cli.display import show_result

        return lambda: show_result(result, options.color)
    rendered = spec.render_result()(result)
    return lambda: _write(rendered)


def _write(text: str) -> None:
    sys.stdout.write(text)


def _warn(warnings: tuple[str, ...]) -> None:
    from losscli.neutralise import line

    for warning in warnings:
        sys.stderr.write(f"losscli: warning: {line(warning)}\n")
