"""``losscli check [CONFIG]``: every check in the config, each file read once for all
its checks with the same read options (labels file, join key, format, …); a pass/fail
table, verdict lines on stderr, JSON/Markdown/JUnit."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from losscli.baselines import load_baseline
from losscli.checks import CheckReport, CheckResult, Gate, gated, parse_tolerance, run_gate
from losscli.cli.boundary import Verdict
from losscli.cli.gates import significant
from losscli.config import CheckConfig, Config, check_paths, discover, load
from losscli.options import env_name


def run_check(config: str | None, options: dict[str, Any], verdict: Verdict) -> int:
    """Every check of the config; ``--junit``/``--summary-file`` are planned before any
    data is read and written together at the end (:mod:`losscli.output.plan`)."""
    from losscli.output.plan import OutputPlan

    cfg = load(discover(config))
    outputs = OutputPlan()
    try:
        outputs.add_inputs([cfg.path, *(p for c in cfg.checks for p in c.paths.values())])
        junit = outputs.add("--junit", options["junit"])
        summary = outputs.add("--summary-file", options["summary_file"], append=True)
        page, folder = _plan_report(options, outputs)
        results, runs = evaluate_checks(cfg, options, plots=page is not None or folder is not None)
        report = CheckReport(os.path.relpath(cfg.path), results)
        if junit is not None:
            from losscli.render.checks import report_junit

            outputs.set_text(junit, report_junit(report))
        if summary is not None:
            from losscli.render.checks import report_markdown

            outputs.set_text(summary, report_markdown(report) + "\n")
        if page is not None or folder is not None:
            _write_report(report, runs, outputs, page, folder)
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
    """Run every check, reading each distinct (file, read options) once (the read options
    include the labels file and the join key); first, refuse a config that points outside
    its folder (unless --allow-outside) before anything is read."""
    return evaluate_checks(cfg, options)[0]


def evaluate_checks(
    cfg: Config, options: dict[str, Any], plots: bool = False
) -> tuple[list[CheckResult], list[tuple[str, str, Any]]]:
    """:func:`evaluate_config`, and each check's run: (file, read options as JSON, its
    EvalResult), in config order; ``plots``: the runs gather a report's plot summaries."""
    check_paths(cfg, options.get("allow_outside", False) or _env_flag(env_name("allow_outside")))
    groups: dict[tuple[str, str], list[CheckConfig]] = {}
    for check in cfg.checks:
        groups.setdefault((check.file, json.dumps(check.read, sort_keys=True)), []).append(check)
    results: dict[str, list[CheckResult]] = {}
    runs: dict[str, tuple[str, str, Any]] = {}
    with _engine(options):
        for (file, read), checks in groups.items():
            for check, result in zip(checks, _evaluate(file, checks, options, plots), strict=True):
                results[check.name] = _gates(check, result.results[0], options)
                runs[check.name] = (os.path.relpath(file), read, result)
    return [r for check in cfg.checks for r in results[check.name]], [runs[c.name] for c in cfg.checks]


def _plan_report(options: dict[str, Any], outputs: Any) -> tuple[Any, Any]:
    """``--report FILE`` and ``--plots DIR``, planned (and matplotlib found) before reading."""
    from losscli.report.build import plan_report

    return plan_report(
        outputs, "losscli check --report/--plots", options["report_file"], options["plots_dir"]
    )


def _write_report(report: CheckReport, runs: Any, outputs: Any, page: Any, folder: Any) -> None:
    """The page and the plots' files, staged with the other outputs (committed together)."""
    from losscli.report.build import check_files, check_plots, check_report

    plots = check_plots(runs)
    if page is not None:
        outputs.set_text(page, check_report(report, runs, plots))
    if folder is not None:
        for name, data in check_files(report, plots):
            folder.write(name, data)


def _engine(options: dict[str, Any]) -> Any:
    """A Dask client for the whole run with --engine dask; nothing to set up otherwise."""
    import contextlib

    if options.get("engine", "local") != "dask":
        return contextlib.nullcontext()
    from losscli.engine.dask_cluster import connect

    return connect(options.get("scheduler"), options.get("timeout"))


def _evaluate(
    file: str, checks: list[CheckConfig], options: dict[str, Any], plots: bool = False
) -> list[Any]:
    """One read of ``file`` for all of its ``checks`` (same read options); with ``labels``,
    one joined source (the labels file read alongside, or joined ``on`` its key) for all."""
    from losscli.engine.local import run_shared
    from losscli.engine.plan import join_labels, prepare
    from losscli.engine.runner import RunOptions
    from losscli.io.source import InputOptions, open_source

    read = checks[0].read
    text = {
        "delimiter": read.get("delimiter"),
        "header": not read.get("no_header", False),
        "encoding": read.get("encoding", "utf-8"),
    }
    source = InputOptions(path=file, format=read.get("input_format"), **text)
    labels = InputOptions(path=read["labels"], **text) if "labels" in read else None  # format: by extension
    shared = {"positive": read.get("positive"), "compat": read.get("compat")}
    requests = [((c.loss, c.params), {**_columns(c), **shared}) for c in checks]
    paired = options.get("significance") is not None or any(c.significance is not None for c in checks)
    ci = _ci_settings(read, options, paired)
    run_options = [
        RunOptions(
            nan=read.get("nan", "error"),
            rows=0,
            worst=0,
            quantiles=plots,
            ci=ci,
            dummy=_dummy(c, options),
            plots=plots,
        )
        for c in checks
    ]
    if options.get("engine", "local") == "dask":
        from losscli.engine.dask import run_dask

        joins = {"labels": read.get("labels"), "on": read.get("on")}
        return run_dask(source, [(losses, {**kw, **joins}) for losses, kw in requests], run_options)
    opened = open_source(source)
    if labels is not None:
        opened = join_labels(opened, labels, read.get("on"))
    return run_shared([prepare(opened, losses, **kw) for losses, kw in requests], run_options)


def _ci_settings(read: dict[str, Any], options: dict[str, Any], significance: bool) -> Any:
    """--ci and its settings: a flag given on the command line, else the config's key.
    ``significance``: a check gates with it, so the unit sums are kept (no interval
    shown without --ci)."""
    from losscli.intervals import RESAMPLES, CiSettings

    def pick(key: str, default: Any) -> Any:
        given = options.get(key, default)
        return given if given != default else read.get(key, default)

    level = pick("ci", None)
    if level is None and not significance:
        return None
    return CiSettings(
        float(level if level is not None else 0.95),
        int(pick("resamples", RESAMPLES)),
        int(pick("seed", 0)),
        int(pick("ci_block", 1)),
        intervals=level is not None,
        fingerprint=significance,
    )


def _dummy(check: CheckConfig, options: dict[str, Any]) -> str | None:
    """The check's dummy: ``--dummy`` / ``--vs-dummy`` on the command line, else the config's
    ``dummy`` / ``vs_dummy`` (a ``min_skill`` gate implies the mean)."""
    from losscli.accumulate.dummy import strategy

    given = options.get("dummy")
    chosen = given.value if given is not None else check.dummy
    asked = bool(options.get("vs_dummy")) or check.vs_dummy or check.min_skill is not None
    return strategy(asked, chosen)


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
    loss = result.label or result.loss  # named as every output names it: top-k-error(k=2)
    if check.max is not None:
        gates.append(Gate(loss, "max", limit=check.max, name=check.name))
    if check.min is not None:
        gates.append(Gate(loss, "min", limit=check.min, name=check.name))
    if check.min_skill is not None:
        gates.append(Gate(loss, "min-skill", limit=check.min_skill, name=check.name))
    values = None
    if check.baseline is not None:
        values = load_baseline(os.path.relpath(check.baseline), check.baseline_key)
        base = values.lookup(check.name, loss)
        gates.append(
            Gate(
                loss,
                "baseline",
                baseline=base,
                rtol=rtol,
                atol=atol,
                name=check.name,
                allow_missing=allow,
                missing=None if base is not None else values.missing(loss, 'baseline_key = "{}"'),
            )
        )
    extra: dict[str, Any] = {
        "file": os.path.relpath(check.file),
        "params": dict(result.params),
        "dummy": result.dummy,
    }
    if result.groups is not None:  # by: the verdict is the whole input's; each group's value is shown
        extra["groups"] = tuple(g.to_dict() for g in result.groups)
    out = []
    alpha = options.get("significance") if options.get("significance") is not None else check.significance
    for gate in gates:
        value, ci = gated(gate, result)
        r = run_gate(gate, value, result.higher_is_better)
        if alpha is not None and gate.kind == "baseline" and gate.baseline is not None and values is not None:
            settings = (options["resamples"], options["seed"], options["ci_block"])
            r = significant(r, result, gate.baseline, values, float(alpha), *settings)
        out.append(CheckResult(**{**r.__dict__, **extra, "ci": ci}))
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
