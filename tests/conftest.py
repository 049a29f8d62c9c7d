"""Shared fixtures for the CLI tests (``tests/test_cli_*.py``).

In-process runs go through ``typer.testing.CliRunner`` (stdout and stderr are
captured separately); real processes are used only where a pipe, a signal or
interpreter start-up matters. Reference values are computed here and in the
tests with pandas/NumPy/scikit-learn, never taken from losscli's output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data"
# Variables that change how losscli renders or reports; the CLI tests run without them.
ENV_KNOBS = ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES", "LOSSCLI_DEBUG", "TERM")


# Set by tests/test_readme.py when it runs the README's set-up commands in a fresh copy:
# the test command there runs the ``smoke`` subset (the whole suite already runs outside).
README_RUN = "LOSSCLI_README_NESTED"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Inside the README's fresh-copy run, keep only the tests marked ``smoke``."""
    if not os.environ.get(README_RUN):
        return
    keep = [item for item in items if item.get_closest_marker("smoke")]
    config.hook.pytest_deselected(items=[item for item in items if not item.get_closest_marker("smoke")])
    items[:] = keep


@pytest.fixture(scope="session")
def sample_csv() -> str:
    """diabetes_regression.csv: id,pred,label,pred_var,weight,sex; 442 rows."""
    return str(SAMPLE_DIR / "diabetes_regression.csv")


@pytest.fixture(scope="session")
def sample_parquet() -> str:
    return str(SAMPLE_DIR / "diabetes_regression.parquet")


@pytest.fixture(scope="session")
def sample_df(sample_csv: str) -> pd.DataFrame:
    return pd.read_csv(sample_csv)


@pytest.fixture(scope="session")
def sq_err(sample_df: pd.DataFrame) -> np.ndarray:
    """Per-sample squared errors of the sample file, in row order (NumPy reference)."""
    d = sample_df["pred"].to_numpy(float) - sample_df["label"].to_numpy(float)
    return d * d


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_KNOBS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def cli_app() -> Any:
    from losscli.cli.app import build_app

    return build_app()


@pytest.fixture
def cli(cli_app: Any, clean_env: None) -> Callable[..., Any]:
    """``cli("mse", path, "-f", "json")`` → click Result (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    runner = CliRunner()

    def invoke(*args: Any, env: dict[str, str] | None = None) -> Any:
        return runner.invoke(cli_app, [str(a) for a in args], env=env, catch_exceptions=False)

    return invoke


def _code(result: Any) -> int:
    return result.exit_code if hasattr(result, "exit_code") else result.returncode


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


@pytest.fixture
def expect_error() -> Callable[..., str]:
    """Assert a losscli error (SPEC §6): the exit code, empty stdout, one or two stderr
    lines starting ``losscli: error:``, no traceback, and every ``needle`` in stderr.
    Returns stderr."""

    def check(result: Any, *needles: str, code: int = 2) -> str:
        out, err = _text(result.stdout), _text(result.stderr)
        assert _code(result) == code, f"exit {_code(result)}\nstdout: {out}\nstderr: {err}"
        assert out == "", out
        lines = err.splitlines()
        assert 1 <= len(lines) <= 2, err
        assert lines[0].startswith("losscli: error: "), err
        assert "Traceback" not in err
        for needle in needles:
            assert needle in err, f"{needle!r} not in {err!r}"
        return err

    return check


@pytest.fixture
def expect_usage_error() -> Callable[..., str]:
    """Typer's own usage errors (unknown command/option, bad type): exit 2, usage on stderr."""

    def check(result: Any, *needles: str) -> str:
        out, err = _text(result.stdout), _text(result.stderr)
        assert _code(result) == 2, f"exit {_code(result)}\nstdout: {out}\nstderr: {err}"
        assert out == ""
        assert "Usage:" in err and "Error" in err, err
        assert "Traceback" not in err
        for needle in needles:
            assert needle in err, f"{needle!r} not in {err!r}"
        return err

    return check


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], str]:
    """``write_file("x.csv", "pred,label\\n1,2\\n")`` → the path, in tmp_path."""

    def write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return str(path)

    return write


# ------------------------------------------------------------- subprocesses ----


@pytest.fixture(scope="session")
def losscli_exe() -> str:
    """The installed console script of the running interpreter's environment."""
    beside = Path(sys.executable).with_name("losscli")
    exe = str(beside) if beside.exists() else shutil.which("losscli")
    if exe is None:
        pytest.skip("the losscli console script is not installed")
    return exe


@pytest.fixture(scope="session")
def process_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ENV_KNOBS}


@pytest.fixture
def run_cli(losscli_exe: str, process_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess]:
    """Run the console script in a real process: ``run_cli("mse", "-", input=b"...")``."""

    def run(*args: Any, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [losscli_exe, *(str(a) for a in args)],
            input=input,
            capture_output=True,
            env=process_env,
            timeout=timeout,
            check=False,
        )

    return run


def _write_big_csv(path: Path, rows: int, seed: int) -> None:
    """``pred,label`` with ``rows`` rows: a 10 000-row block repeated (fast to write)."""
    block = 10_000
    assert rows % block == 0
    rng = np.random.default_rng(seed)
    pred = np.round(rng.normal(size=block), 6)
    label = np.round(rng.normal(size=block), 6)
    text = "".join(f"{p!r},{y!r}\n" for p, y in zip(pred.tolist(), label.tolist(), strict=True))
    with open(path, "w", encoding="ascii") as fh:
        fh.write("pred,label\n")
        for _ in range(rows // block):
            fh.write(text)


@pytest.fixture(scope="session")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> str:
    """200 000 rows: far more output than a pipe buffer holds."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    _write_big_csv(path, 200_000, seed=1)
    return str(path)


@pytest.fixture(scope="session")
def huge_csv(tmp_path_factory: pytest.TempPathFactory) -> str:
    """3 000 000 rows (~60 MB): a run that takes seconds, long enough to interrupt."""
    path = tmp_path_factory.mktemp("huge") / "huge.csv"
    _write_big_csv(path, 3_000_000, seed=2)
    return str(path)


# ------------------------------------------------------------- read counting ----


@pytest.fixture
def count_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, int]]:
    """Count, per file name, how often losscli opens an input (``opened``), starts reading it
    (``reads``: calls of ``Source.chunks``) and how many chunks it yields (``chunks``)."""
    import losscli.engine.plan as plan
    import losscli.io.source as source

    real = source.open_source
    counts: dict[str, dict[str, int]] = {"opened": {}, "reads": {}, "chunks": {}}

    def bump(kind: str, path: str) -> None:
        name = os.path.basename(str(path))
        counts[kind][name] = counts[kind].get(name, 0) + 1

    class Counted:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def chunks(self, *args: Any, **kwargs: Any) -> Any:
            bump("reads", self._inner.path)
            for chunk in self._inner.chunks(*args, **kwargs):
                bump("chunks", self._inner.path)
                yield chunk

    def counted_open(options: Any) -> Any:
        bump("opened", options.path)
        return Counted(real(options))

    monkeypatch.setattr(source, "open_source", counted_open)
    monkeypatch.setattr(plan, "open_source", counted_open)
    return counts


# --------------------------------------------------------- a real terminal ----


@pytest.fixture
def terminal() -> Callable[..., str]:
    """Run a shell command in a real terminal (tmux) ``width`` columns wide and return
    what it shows once the command ends: the screen (``history`` lines of scrollback
    too; ``joined``: wrapped lines joined), ending with ``DONE-<exit code>``."""
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.skip("tmux is not installed")

    def run(command: str, width: int, height: int = 60, history: int = 0, joined: bool = False) -> str:
        import time
        import uuid

        base = [tmux, "-L", f"losscli-test-{uuid.uuid4().hex[:8]}", "-f", os.devnull]
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "NO_COLOR", "COLUMNS", "LINES")}
        shell = f"{command}; echo DONE-$?; sleep 30"
        subprocess.run(
            [*base, "new-session", "-d", "-x", str(width), "-y", str(height), shell], check=True, env=env
        )
        capture = [
            *base,
            "capture-pane",
            "-p",
            *(["-J"] if joined else []),
            *(["-S", f"-{history}"] if history else []),
        ]
        try:
            screen = ""
            deadline = time.monotonic() + 60
            while "DONE-" not in screen and time.monotonic() < deadline:
                time.sleep(0.2)
                screen = subprocess.run(capture, capture_output=True, text=True, check=True).stdout
        finally:
            subprocess.run([*base, "kill-server"], capture_output=True, check=False)
        return screen

    return run


# ------------------------------------------------------------------- Dask ----


@pytest.fixture(scope="module")
def cluster() -> Any:
    """One LocalCluster per test module: two single-threaded worker processes; the client
    is the default scheduler while it lives (skipped without the dask extra)."""
    import logging

    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: never a clash with a running cluster
            silence_logs=logging.ERROR,
        ) as lc,
        distributed.Client(lc) as client,
    ):
        yield client


# ------------------------------------------------------------- peak memory ----

#: ``python -c PEAK_WRAPPER ARGS``: runs losscli and writes its own peak RSS (VmHWM, kB)
#: to $PEAK_FILE at exit (ru_maxrss would include the parent's at fork).
PEAK_WRAPPER = (
    "import atexit, os, sys\n"
    "def report():\n"
    "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
    "    with open(os.environ['PEAK_FILE'], 'w') as fh:\n"
    "        fh.write(hwm)\n"
    "atexit.register(report)\n"
    "sys.argv = ['losscli', *sys.argv[1:]]\n"
    "from losscli.cli import main\n"
    "main()\n"
)
