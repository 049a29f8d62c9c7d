"""``losscli check [CONFIG]``: every check in the config, each file read once for all
its checks; a pass/fail table, verdict lines on stderr, JSON/Markdown/JUnit."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from losscli.checks import (
    CheckReport,
    CheckResult,
    Gate,
    baseline_value,
    load_baseline,
    parse_tolerance,
    run_gate,
)
from losscli.cli.boundary import Verdict
from losscli.config import CheckConfig, Config, check_paths, discover, load
from losscli.options import env_name


def run_check(config: str | None, options: dict[str, Any], verdict: Verdict) -> int:
    """Every check of the config; ``--junit``/``--summary-file`` are planned before any
    data is read and written together at the end (:mod:`losscli.output.plan`)."""
    from losscli.output.plan import OutputPlan

    cfg = load(discover(config))
    outputs = OutputPlan()
    try:
        outputs.add_inputs([cfg.path, *(c.file for c in cfg.checks), *(c.baseline for c in cfg.checks)])
        junit = outputs.add("--junit", options["junit"])
        summary = outputs.add("--summary-file", options["summary_file"], append=True)
        results = evaluate_config(cfg, options)
        report = CheckReport(os.path.relpath(cfg.path), results)
        if junit is not None:
            from losscli.render.checks import report_junit

            outputs.set_text(junit, report_junit(report))
        if summary is not None:
            from losscli.render.checks import report_markdown

            outputs.set_text(summary, report_markdown(report) + "\n")
        for check in results:
            sys.stderr.write(check.verdict_line() + "\n")
        exit_zero = options["exit_zero"] or _env_flag(env_name("exit_zero"))
        if not report.passed and not exit_zero:
            verdict.code = 1
        _show_quietly(report, options)
        outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    return verdict.code


def _show_quietly(report: CheckReport, options: dict[str, Any]) -> None:
    """The table or document on stdout; a reader that left early does not stop the reports."""
    from losscli.cli.boundary import silence_stdout

    try:
        _show(report, options)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def evaluate_config(cfg: Config, options: dict[str, Any]) -> list[CheckResult]:
    """Run every check, reading each distinct (file, read options) once; first, refuse a
    config that points outside its folder (unless --allow-outside) before anything is read."""
    check_paths(cfg, options.get("allow_outside", False) or _env_flag(env_name("allow_outside")))
    groups: dict[tuple[str, str], list[CheckConfig]] = {}
    for check in cfg.checks:
        groups.setdefault((check.file, json.dumps(check.read, sort_keys=True)), []).append(check)
    results: dict[str, list[CheckResult]] = {}
    with _engine(options):
        for (file, _), checks in groups.items():
            for check, result in zip(checks, _evaluate(file, checks, options), strict=True):
                results[check.name] = _gates(check, result.results[0], options)
    return [r for check in cfg.checks for r in results[check.name]]


def _engine(options: dict[str, Any]) -> Any:
    """A Dask client for the whole run with --engine dask; nothing to set up otherwise."""
    import contextlib

    if options.get("engine", "local") != "dask":
        return contextlib.nullcontext()
    from losscli.engine.dask_cluster import connect

    return connect(options.get("scheduler"), options.get("timeout"))


def _evaluate(file: str, checks: list[CheckConfig], options: dict[str, Any]) -> list[Any]:
    """One read of ``file`` for all of its ``checks`` (same read options)."""
    from losscli.engine.local import run_shared
    from losscli.engine.plan import prepare
    from losscli.engine.runner import RunOptions
    from losscli.io.source import InputOptions, open_source

    read = checks[0].read
    source = InputOptions(
        path=file,
        format=read.get("input_format"),
        delimiter=read.get("delimiter"),
        header=not read.get("no_header", False),
        encoding=read.get("encoding", "utf-8"),
    )
    requests = [
        ((c.loss, c.params), {**_columns(c), "positive": read.get("positive"), "compat": read.get("compat")})
        for c in checks
    ]
    run_options = [RunOptions(nan=read.get("nan", "error"), rows=0, worst=0, quantiles=False)] * len(checks)
    if options.get("engine", "local") == "dask":
        from losscli.engine.dask import run_dask

        return run_dask(source, requests, run_options)
    opened = open_source(source)
    return run_shared([prepare(opened, losses, **kw) for losses, kw in requests], run_options)


def _columns(check: CheckConfig) -> dict[str, Any]:
    return {k: v for k, v in check.columns.items() if v is not None}


def _gates(check: CheckConfig, result: Any, options: dict[str, Any]) -> list[CheckResult]:
    rtol = _tolerance("rtol", options["rtol"], check.rtol)
    atol = _tolerance("atol", options["atol"], check.atol)
    allow = (
        options["allow_missing_baseline"]
        or _env_flag(env_name("allow_missing_baseline"))
        or check.allow_missing_baseline
    )
    gates = []
    if check.max is not None:
        gates.append(Gate(check.loss, "max", limit=check.max, name=check.name))
    if check.min is not None:
        gates.append(Gate(check.loss, "min", limit=check.min, name=check.name))
    if check.baseline is not None:
        values = load_baseline(check.baseline)
        base = baseline_value(values, check.name, result.label or check.loss)
        gates.append(
            Gate(
                check.loss,
                "baseline",
                baseline=base,
                rtol=rtol,
                atol=atol,
                name=check.name,
                allow_missing=allow,
            )
        )
    shown_file = os.path.relpath(check.file)
    out = []
    for gate in gates:
        r = run_gate(gate, result.value, result.higher_is_better)
        out.append(CheckResult(**{**r.__dict__, "file": shown_file, "params": dict(result.params)}))
    return out


def _tolerance(key: str, flag: str | None, configured: float | None) -> float | None:
    """flag > its environment variable (LOSSCLI_RTOL) > config (already validated when loaded)."""
    if flag is not None:
        return parse_tolerance(flag, f"--{key}")
    env = os.environ.get(env_name(key))
    if env is not None:
        return parse_tolerance(env, env_name(key))
    return configured


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


def _show(report: CheckReport, options: dict[str, Any]) -> None:
    from losscli.render.formats import output_format

    spec = output_format(options["format"])
    if spec.terminal:
        from losscli.cli.display import show_grids
        from losscli.render.checks import report_grid

        show_grids([report_grid(report)], [], options["color"])
    else:
        sys.stdout.write(spec.render_checks()(report))
