"""The benchmark's regression guard (``benchmarks/run.py --quick``, issue 17 §4): a ratio
beyond its bound fails the run, one within passes, and a bound whose tools did not run
is reported as skipped, not failed. Synthetic timings: no process is timed here (the
suite never asserts on wall-clock time)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("losscli_benchmarks_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def group(bench, key, times):
    made = bench.Group(key, key, [bench.Tool(name, []) for name in times])
    for name, seconds in times.items():
        stats = bench.Stats(bench.Tool(name, []))
        stats.times.extend(seconds)
        made.stats.append(stats)
    return made


def test_a_ratio_beyond_its_bound_fails_the_guard(bench):
    limit = next(b.limit for b in bench.BOUNDS if b.group == "csv")
    slow = group(
        bench, "csv", {"losscli": [1.0, 1.0, 1.0], "polars": [1.0 / (limit + 0.1)] * 3, "duckdb": [5.0] * 3}
    )
    table, ok = bench.guard([slow])
    assert not ok and "BEYOND THE BOUND" in table and "(polars)" in table


def test_ratios_within_their_bounds_pass(bench):
    fine = group(bench, "csv", {"losscli": [1.0, 1.1, 0.9], "polars": [0.95] * 3})
    ci = group(
        bench,
        "ci",
        {
            "losscli mse (plain)": [1.0] * 3,
            "losscli mse --ci": [1.05] * 3,
            "losscli mse CSV (plain)": [2.0] * 3,
            "losscli mse CSV --ci": [2.1] * 3,
            "losscli mse --pred pred (two-model file)": [1.0] * 3,
            "losscli compare --pred pred,pred_b": [1.2] * 3,
        },
    )
    table, ok = bench.guard([fine, ci])
    assert ok, table
    assert table.count("| ok |") == 4


def test_a_bound_whose_tools_did_not_run_is_skipped(bench):
    lonely = group(bench, "auc", {"losscli": [1.0] * 3})  # no peer installed
    table, ok = bench.guard([lonely])
    assert ok and "skipped" in table
