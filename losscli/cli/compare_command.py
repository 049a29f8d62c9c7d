"""``losscli compare``: read, compare, render, gate (a thin layer over losscli.compare)."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from losscli.cli.boundary import Verdict
from losscli.errors import UsageError


def run_compare(options: dict[str, Any], verdict: Verdict) -> int:
    """Every output planned before reading, committed together at the end (as a loss run)."""
    from losscli.output.plan import OutputPlan

    outputs = OutputPlan()
    try:
        return _run(options, verdict, outputs)
    except BaseException:
        outputs.discard()
        raise


def _run(options: dict[str, Any], verdict: Verdict, outputs: Any) -> int:
    from losscli.cli.run import parse_delimiter
    from losscli.comparison import compare_models
    from losscli.engine.jobs import parse_job
    from losscli.io.source import InputOptions

    files: list[str] = list(options["files"])
    fmt = options["format"].value
    if len(files) == 1 and not options["models"] and not options["model_lower"]:
        raise UsageError("compare needs the models' prediction columns", "e.g. --pred pred_gbm,pred_ridge")
    outputs.add_inputs([*files, options["labels"]])
    junit = outputs.add("--junit", options["junit"])
    summary = outputs.add("--summary-file", options["summary_file"], append=True)
    report, folder = _plan_report(options, outputs)
    margin = _margin(options["margin"])
    level = options["ci"] if options["ci"] is not None else 0.95
    sources = [
        InputOptions(
            path=file,
            format=options["input_format"].value if options["input_format"] else None,
            delimiter=parse_delimiter(options["delimiter"]),
            header=not options["no_header"],
            encoding=options["encoding"],
        )
        for file in files
    ]
    losses = [(spec.name, params) for spec, params in (parse_job(t) for t in options["losses"])]
    result = compare_models(
        sources if len(sources) > 1 else sources[0], list(options["models"] or ()), losses,
        label=options["label"], weight=options["weight"], id=options["id"], positive=options["positive"],
        compat=options["compat"].value if options["compat"] else None, labels=options["labels"], on=options["on"],
        nan=options["nan"].value, ci=level, resamples=options["resamples"], seed=options["seed"],
        ci_block=options["ci_block"], reference=options["reference"], std=options["model_std"],
        var=options["model_var"], lower=options["model_lower"], upper=options["model_upper"], rows=_row_writer(fmt, _gated(options)),
        differences=report is not None or folder is not None,
    )  # fmt: skip
    result = replace(result, checks=tuple(_gates(result, options, margin)))
    if result.unmatched:
        sys.stderr.write(
            f"losscli: {result.unmatched} rows of {files[0]} are not in every file (--on); left out\n"
        )
    for check in result.checks:
        sys.stderr.write(check.verdict_line() + "\n")
    if junit is not None:
        from losscli.render.junit import to_junit

        outputs.set_text(junit, to_junit(result.checks, suite="losscli compare"))
    if summary is not None:
        from losscli.render.comparison import comparison_markdown

        outputs.set_text(summary, comparison_markdown(result) + "\n")
    if report is not None or folder is not None:
        _write_report(result, outputs, report, folder)
    if not result.passed and not options["exit_zero"]:
        verdict.code = 1
    _show(result, fmt, options)
    outputs.commit()
    return verdict.code


def _plan_report(options: dict[str, Any], outputs: Any) -> tuple[Any, Any]:
    """``--report FILE`` and ``--plots DIR``, planned (and matplotlib found) before reading."""
    from losscli.report.build import plan_report

    return plan_report(
        outputs, "losscli compare --report/--plots", options["report_file"], options["plots_dir"]
    )


def _write_report(result: Any, outputs: Any, report: Any, folder: Any) -> None:
    """The page and the plots' files, staged with the other outputs (committed together)."""
    from losscli.report.build import comparison_files, comparison_plots, comparison_report

    plots = comparison_plots(result)
    if report is not None:
        outputs.set_text(report, comparison_report(result, plots))
    if folder is not None:
        for name, data in comparison_files(result, plots):
            folder.write(name, data)


def _gated(options: dict[str, Any]) -> bool:
    """Gates or reports asked for: a reader closing stdout early must not cancel them."""
    return bool(
        options["fail_if_worse"]
        or options["require_better"]
        or options["junit"]
        or options["summary_file"]
        or options["report_file"]
        or options["plots_dir"]
    )


def _row_writer(fmt: str, gated: bool) -> Any:
    """-f csv/tsv/jsonl: the per-sample rows go to stdout as they are computed; a closed
    pipe ends the run quietly, or, with gates or reports, only the rows (the verdict and
    the reports still come)."""
    from losscli.cli.run import PipeAware
    from losscli.render.formats import output_format

    spec = output_format(fmt)
    if not spec.streams:
        return None
    return lambda columns: PipeAware(spec.row_writer()(sys.stdout.buffer, columns), gated)


def _show(result: Any, fmt: str, options: dict[str, Any]) -> None:
    from losscli.cli.boundary import silence_stdout
    from losscli.render.comparison import comparison_grids
    from losscli.render.formats import output_format

    spec = output_format(fmt)
    try:
        if spec.terminal:
            from losscli.cli.display import show_grids

            show_grids(comparison_grids(result), [], options["color"])
        elif not spec.streams:  # streamed rows were written while reading
            sys.stdout.write(spec.render_comparison()(result))
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def _margin(text: str | None) -> tuple[float, bool]:
    """--margin X (absolute) or X% (relative to the reference's value); (0, False) without."""
    from losscli.checks import parse_tolerance

    if text is None:
        return 0.0, False
    relative = str(text).strip().endswith("%")
    value = parse_tolerance(text, "--margin")
    assert value is not None
    return value, relative


def _gates(result: Any, options: dict[str, Any], margin: tuple[float, bool]) -> list[Any]:
    """--fail-if-worse: each model against the reference; --require-better: one per loss."""
    from losscli.checks import CheckResult
    from losscli.render.comparison import comparison_detail

    checks: list[Any] = []
    amount, relative = margin

    def beyond(c: Any) -> float:
        return amount * abs(c.reference_value) if relative else amount

    if options["fail_if_worse"]:
        for c in result.comparisons:
            worse_low = c.worsening[0]
            passed = not (c.verdict == "worse" and worse_low > beyond(c))
            detail = comparison_detail(c)
            checks.append(
                CheckResult(
                    f"{c.loss} {c.model}",
                    c.loss,
                    "baseline",
                    None,
                    c.value,
                    c.reference_value,
                    passed,
                    detail,
                    ci=c.ci,
                )
            )
    if options["require_better"]:
        for loss in dict.fromkeys(c.loss for c in result.comparisons):
            ours = [c for c in result.comparisons if c.loss == loss]
            better = [c for c in ours if c.verdict == "better" and -c.worsening[1] > beyond(c)]
            best = better[0] if better else min(ours, key=lambda c: c.p_value)
            detail = comparison_detail(best)
            if not better:
                detail += ": no model is significantly better than the reference"
            checks.append(
                CheckResult(
                    f"{loss} better than {best.reference}", loss, "baseline", None, best.value,
                    best.reference_value, bool(better), detail, ci=best.ci,
                )
            )  # fmt: skip
    return checks
