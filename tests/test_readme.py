"""The README is checked: its first screen's set-up blocks run as written in a fresh
copy (SPEC §8), and every later example runs against sample_data/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
NESTED = "LOSSCLI_README_NESTED"


def blocks(language: str, first_lines: int | None = None) -> list[tuple[int, str]]:
    """(line number, body) of fenced blocks tagged ``language``."""
    found = []
    for m in FENCE.finditer(README):
        line = README.count("\n", 0, m.start()) + 1
        if m.group(1) == language and (first_lines is None or line <= first_lines):
            found.append((line, m.group(2)))
    return found


def env_with_venv_bin() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


def test_first_screen_has_exactly_the_two_setup_commands():
    first = blocks("sh", 60)
    assert len(first) == 2
    assert "losscli" in first[0][1] and "sample_data/" in first[0][1]
    assert "pytest" in first[1][1]
    assert not [b for lang in ("", "bash", "shell", "console") for b in blocks(lang, 60)]


@pytest.mark.skipif(bool(os.environ.get(NESTED)), reason="already inside the README set-up run")
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to copy the tracked files")
def test_first_screen_runs_as_written_in_a_fresh_copy(tmp_path):
    """Run the two set-up blocks, in order, in a copy of the tracked files."""
    copy = tmp_path / "repo"
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env[NESTED] = "1"
    for line, body in blocks("sh", 60):
        done = subprocess.run(
            ["bash", "-ec", body], cwd=copy, env=env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, (
            f"README line {line} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        if "sample_data/" in body:
            assert "mse" in done.stdout and "p99" in done.stdout


@pytest.mark.parametrize(
    "command", [c[2:] for _, b in blocks("console") for c in b.splitlines() if c.startswith("$ ")]
)
def test_tour_commands_run(command):
    done = subprocess.run(
        ["bash", "-ec", command],
        cwd=ROOT,
        env=env_with_venv_bin(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("line, body", blocks("sh")[2:])
def test_later_shell_examples_run(line, body):
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", body],
        cwd=ROOT,
        env=env_with_venv_bin(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"README line {line}: {done.stderr}"
    assert done.stdout.strip()


@pytest.mark.parametrize("line, body", blocks("python"))
def test_python_examples_run(line, body):
    namespace: dict[str, object] = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(body, f"README.md:{line}", "exec"), namespace)
    finally:
        os.chdir(cwd)


def test_python_example_values_are_what_the_comments_say():
    import numpy as np

    import losscli.losses as L

    assert L.mse([3.0, 1.0], [2.5, 1.5]) == 0.25
    assert np.array_equal(L.huber([0, 0], [1, 3], delta=2, reduction="none"), [0.5, 4.0])


def test_every_registered_loss_is_documented():
    from losscli.losses import all_losses

    for spec in all_losses():
        assert f"| `{spec.name}`" in README, spec.name
