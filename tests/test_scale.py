"""Scale guards (issue 5): bounded memory on inputs many times the chunk size, exact
sums on 10M values, and a start-up path that imports no numerics. Timings live in
benchmarks/, not here."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from conftest import PEAK_WRAPPER

from losscli.accumulate.sketch import BlockSum

ROWS = 3_000_000
MEMORY_LIMIT_MB = 300


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    label = rng.normal(size=ROWS)
    pred = label + rng.normal(size=ROWS) * 0.3
    path = tmp_path_factory.mktemp("scale") / "big.csv"
    group = np.where(rng.uniform(size=ROWS) < 0.3, "a", "b")
    pacsv.write_csv(pa.table({"id": np.arange(ROWS), "pred": pred, "label": label, "g": group}), path)
    return path, pred, label


def run_measured(args: list[str], tmp_path: Path) -> tuple[int, str, str, float]:
    """Exit code, stdout, stderr and the process's own peak RSS in MiB."""
    peak_file = tmp_path / "peak.txt"
    env = dict(os.environ, PEAK_FILE=str(peak_file))
    done = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *args], capture_output=True, text=True, env=env, timeout=300
    )
    return done.returncode, done.stdout, done.stderr, int(peak_file.read_text()) / 1024


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc for the peak RSS")
@pytest.mark.parametrize(
    "extra",
    [["-f", "value"], ["-f", "json", "--worst", "5"], ["-f", "json", "--by", "g"], ["-f", "csv"]],
    ids=["value", "worst", "by", "csv-stream"],
)
def test_memory_stays_bounded_on_a_file_many_chunks_long(big_csv, extra, tmp_path):
    path, pred, label = big_csv
    assert path.stat().st_size > 80 * (1 << 20)  # 10× the 8 MiB CSV block
    code, out, err, peak = run_measured(["mse", str(path), *extra], tmp_path)
    assert code == 0, err
    assert peak < MEMORY_LIMIT_MB, f"peak RSS {peak:.0f} MiB"
    want = float(np.mean((pred - label) ** 2))
    if extra[1] == "value":
        assert float(out) == pytest.approx(want, rel=1e-12)
    elif extra[1] == "csv":
        assert out.count("\n") == ROWS + 1
    else:
        import json

        result = json.loads(out)["results"][0]
        assert result["value"] == pytest.approx(want, rel=1e-12)
        assert result["count"] == ROWS
        err2 = (pred - label) ** 2
        for q, key in ((0.5, "p50"), (0.9, "p90"), (0.99, "p99")):
            exact = np.quantile(err2, q, method="inverted_cdf")
            assert result["quantiles"][key] == pytest.approx(exact, rel=0.01)


def test_block_sum_on_ten_million_values_matches_fsum():
    rng = np.random.default_rng(3)
    values = rng.normal(size=10_000_000) * 10.0 ** rng.integers(-8, 9, size=10_000_000)
    exact = math.fsum(values.tolist())
    acc = BlockSum()
    for chunk in np.array_split(values, 97):
        acc.add(chunk)
    naive = 0.0
    for chunk in np.array_split(values, 97):
        naive += float(chunk.sum())
    assert abs(acc.value - exact) <= 1e-15 * np.abs(values).sum()
    assert abs(acc.value - exact) <= abs(naive - exact)


@pytest.mark.parametrize("args", [["--help"], ["list"], ["explain", "huber"], ["mse", "--help"]])
def test_start_up_imports_no_numerics(args):
    code = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join("
        "m for m in ('numpy', 'pandas', 'pyarrow', 'pydantic') if m in sys.modules)))\n"
        f"sys.argv = ['losscli', *{args!r}]\n"
        "from losscli.cli import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("MODULES"), done.stderr
