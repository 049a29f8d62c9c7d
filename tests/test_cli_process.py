"""Real processes: stdin pipes, ``python -m losscli``, start-up imports, a closed pipe, Ctrl-C."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sklearn.metrics import mean_squared_error

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and signals")


@pytest.fixture(scope="session")
def mse_ref(sample_df) -> float:
    return float(mean_squared_error(sample_df["label"], sample_df["pred"]))


# ------------------------------------------------------------------ stdin ----


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"], ids=["comma", "tab", "semicolon", "pipe"])
def test_stdin_csv_delimiter_is_sniffed(run_cli, sample_df, mse_ref, sep):
    data = sample_df.to_csv(index=False, sep=sep).encode()
    proc = run_cli("mse", "-", "-f", "value", input=data)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert math.isclose(float(proc.stdout), mse_ref, rel_tol=1e-12)


def test_stdin_json_reports_stdin_as_the_path(run_cli, sample_csv):
    proc = run_cli("mse", "-", "-f", "json", input=Path(sample_csv).read_bytes())
    assert proc.returncode == 0, proc.stderr
    source = json.loads(proc.stdout)["source"]
    assert source["path"] == "<stdin>"
    assert source["rows"] == 442


def test_stdin_parquet(run_cli, sample_parquet, mse_ref):
    proc = run_cli("mse", "-", "-f", "value", input=Path(sample_parquet).read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert math.isclose(float(proc.stdout), mse_ref, rel_tol=1e-12)


def test_stdin_error_names_stdin(run_cli, expect_error):
    proc = run_cli("mse", "-", input=b"pred,label\n1,2\n3,\n")
    expect_error(proc, "<stdin>", "row 2", "--nan drop")


def test_empty_stdin(run_cli, expect_error):
    expect_error(run_cli("mse", "-", input=b""), "no rows")


# -------------------------------------------------------------- start-up ----


def test_python_dash_m_help(process_env):
    proc = subprocess.run(
        [sys.executable, "-m", "losscli", "--help"],
        capture_output=True,
        env=process_env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stderr == b""
    assert b"Usage:" in proc.stdout and b"mse" in proc.stdout


def test_python_dash_m_runs_a_loss(process_env, sample_csv, mse_ref):
    proc = subprocess.run(
        [sys.executable, "-m", "losscli", "l2", sample_csv, "-f", "value"],
        capture_output=True,
        env=process_env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert math.isclose(float(proc.stdout), mse_ref, rel_tol=1e-12)


HEAVY = ("numpy", "pandas", "pyarrow")


@pytest.mark.parametrize(
    "code",
    ["import losscli.cli", "from losscli.cli.app import build_app; build_app()"],
    ids=["import", "build_app"],
)
def test_cli_start_up_does_not_import_heavy_modules(process_env, code):
    probe = f"import sys; {code}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    proc = _python(process_env, probe)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def _python(
    env: dict[str, str], code: str, *args: object, timeout: float = 60
) -> subprocess.CompletedProcess:
    """``python -c code args…`` in its own process, text output captured."""
    return subprocess.run(
        [sys.executable, "-c", code, *(str(a) for a in args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


# ----------------------------------------------------------- broken pipe ----


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_broken_pipe_is_quiet_and_exits_0(losscli_exe, process_env, big_csv, tmp_path, fmt):
    err = tmp_path / "stderr.txt"
    script = '"$0" mse "$1" --format "$2" 2>"$3" | head -1; exit "${PIPESTATUS[0]}"'
    proc = subprocess.run(
        ["bash", "-c", script, losscli_exe, big_csv, fmt, str(err)],
        capture_output=True,
        env=process_env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, err.read_text()
    assert err.read_text() == ""
    assert len(proc.stdout.splitlines()) == 1


# ---------------------------------------------------------------- Ctrl-C ----


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".losscli-") and p.name.endswith(".tmp")]


def test_sigint_during_a_long_read_exits_130_without_output(losscli_exe, process_env, huge_csv, tmp_path):
    """Ctrl-C once rows are flowing into the -o temp file: exit 130, no out.csv, no temp file."""
    out = tmp_path / "out.csv"
    proc = subprocess.Popen(
        [losscli_exe, "mse", huge_csv, "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env,
    )
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            if any(p.stat().st_size > 0 for p in _temp_files(tmp_path)):
                break
            time.sleep(0.005)
        if proc.poll() is not None:
            pytest.fail("the run ended before it could be interrupted: make huge_csv bigger")
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert stdout == b""
    assert b"Traceback" not in stderr
    assert b"interrupted" in stderr
    assert not out.exists()
    assert os.listdir(tmp_path) == []


# Delivers a real SIGINT to the process at one precise moment: when the first chunk
# reaches the runner, while the read-ahead and parsing threads are working on the next
# blocks. (This test used to fire on pyarrow's lazy import of pandas, which losscli no
# longer triggers: losscli.io.arrow_build.)
SIGINT_AT_FIRST_CHUNK = """
import os, signal, sys

import losscli.engine.runner as runner

feed, fired = runner.Runner.feed, []

def first_chunk_interrupted(self, *args, **kwargs):
    if not fired:
        fired.append(True)
        os.kill(os.getpid(), signal.SIGINT)
    return feed(self, *args, **kwargs)

runner.Runner.feed = first_chunk_interrupted
sys.argv = ["losscli", *sys.argv[1:]]
from losscli.cli import main
main()
"""


def test_sigint_early_in_the_first_chunk_exits_130(process_env, big_csv, tmp_path):
    """Ctrl-C at any moment of a run is exit 130 and writes no -o file (SPEC §6, §8)."""
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [sys.executable, "-c", SIGINT_AT_FIRST_CHUNK, "mse", big_csv, "-o", str(out), "-f", "value"],
        capture_output=True,
        env=process_env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 130, (proc.stdout, proc.stderr)
    assert proc.stdout == b""
    assert not out.exists()
    assert os.listdir(tmp_path) == []


# pyarrow imports pandas (~0.2 s, and its import has swallowed a Ctrl-C) from pa.array,
# pa.scalar and any Python value handed to a compute function; losscli builds its Arrow
# arrays and scalars itself (losscli.io.arrow_build.to_arrow / text_array / text_scalar)
RUN_PROBE = """
import sys, runpy
sys.argv = ["losscli", *sys.argv[1:]]
try:
    from losscli.cli import main
    main()
finally:
    sys.stderr.write("PANDAS=%s\\n" % ("pandas" in sys.modules))
"""


@pytest.mark.parametrize(
    "case",
    ["by-int", "by-text", "by-two", "per-sample-text", "hive-by"],
)
def test_runs_that_build_arrow_arrays_do_not_import_pandas(process_env, tmp_path, case):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    n = 3_000
    label = rng.normal(size=n)
    pred = label + rng.normal(size=n)
    group = rng.integers(0, 50, n)
    text = np.array([f'shop, {g} "x"' for g in group])  # a comma and quotes: escaped in CSV output
    csv_path = tmp_path / "in.csv"
    csv_path.write_text(
        "id,pred,label,g,name\n"
        + "".join(
            f'{i},{float(pred[i])!r},{float(label[i])!r},{group[i]},"{text[i].replace(chr(34), chr(34) * 2)}"\n'
            for i in range(n)
        )
    )
    args = {
        "by-int": ["mse", csv_path, "--by", "g", "--format", "json"],
        "by-text": ["mse", csv_path, "--by", "name", "--format", "json"],
        "by-two": ["mse", csv_path, "--by", "g", "--by", "name", "--format", "json"],
        "per-sample-text": ["mse", csv_path, "--id", "name", "--output", tmp_path / "out.csv"],
        "hive-by": ["mse", tmp_path / "ds", "--by", "part", "--format", "json"],
    }[case]
    if case == "hive-by":
        for part in ("a", "b"):
            (tmp_path / "ds" / f"part={part}").mkdir(parents=True)
            pq.write_table(
                pa.table({"pred": pred, "label": label}), tmp_path / "ds" / f"part={part}" / "x.parquet"
            )
    proc = _python(process_env, RUN_PROBE, *args, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "PANDAS=False" in proc.stderr, proc.stderr
    if case.startswith("by"):
        assert len(json.loads(proc.stdout)["results"][0]["groups"]) > 1
    if case == "per-sample-text":
        written = (tmp_path / "out.csv").read_text()
        assert '"shop, 7 ""x"""' in written  # quoted, quotes doubled (RFC 4180)
