"""The README's "Use in CI" jobs run as written (minus the CI runner): every `losscli`
step of the GitHub Actions and GitLab examples, against this repository's
losscli.toml and committed baselines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
YAML_BLOCKS = re.findall(r"^```yaml\n(.*?)^```", README, re.M | re.S)
GITHUB = next(b for b in YAML_BLOCKS if "GITHUB_STEP_SUMMARY" in b)
GITLAB = next(b for b in YAML_BLOCKS if "reports:" in b)
SIGNIFICANCE = next(b for b in YAML_BLOCKS if "--significance" in b)


def steps(block: str) -> list[str]:
    """`- run: …` (GitHub) and `- …` script lines (GitLab) that call losscli."""
    found = []
    for line in block.splitlines():
        command = re.sub(r"^\s*-\s+(run:\s+)?", "", line)
        if command.startswith("losscli "):
            found.append(command)
    return found


def run_step(command: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    env.pop("LOSSCLI_CONFIG", None)
    return subprocess.run(
        ["bash", "-ec", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    """The files the jobs need, as a CI checkout would have them."""
    for name in ("losscli.toml",):
        (tmp_path / name).write_text((ROOT / name).read_text())
    for folder in ("sample_data", "baselines"):
        (tmp_path / folder).mkdir()
        for path in (ROOT / folder).iterdir():
            if path.is_file():
                (tmp_path / folder / path.name).write_bytes(path.read_bytes())
    return tmp_path


def test_readme_has_both_ci_examples():
    assert len(YAML_BLOCKS) == 3  # GitHub Actions, GitLab, and the --significance step
    assert "actions/checkout" in GITHUB and "junit:" in GITLAB and "git:origin/main:" in SIGNIFICANCE
    assert all(steps(block) for block in YAML_BLOCKS)


@pytest.mark.parametrize("job", [0, 1], ids=["github-actions", "gitlab"])
def test_ci_job_steps_pass_with_reports(job: int, checkout: Path):
    for command in steps([GITHUB, GITLAB][job]):
        done = run_step(command, checkout)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        assert "FAIL" not in done.stderr and "PASS" in done.stderr
    junit = ET.parse(checkout / "losscli-junit.xml").getroot()
    cases = junit.findall(".//testcase")
    assert len(cases) == 8 and not junit.findall(".//failure")
    if job == 0:
        summary = (checkout / "summary.md").read_text()
        assert "| diabetes/mse |" in summary and "PASS" in summary
    else:
        report = (checkout / "losscli-report.md").read_text()
        assert report.count("| iris/cross-entropy |") == 2


def test_ci_job_fails_when_a_model_regresses(checkout: Path):
    """Worse predictions than the committed baseline turn the job red, with reports."""
    csv = checkout / "sample_data" / "diabetes_regression.csv"
    lines = csv.read_text().splitlines()
    header = lines[0].split(",")
    pred = header.index("pred")
    worse = [lines[0]] + [
        ",".join(str(float(v) * 1.1) if i == pred else v for i, v in enumerate(line.split(",")))
        for line in lines[1:]
    ]
    csv.write_text("\n".join(worse) + "\n")
    command = steps(GITHUB)[0]
    done = run_step(command, checkout)
    assert done.returncode == 1
    assert re.search(r"^FAIL diabetes/mse .*baseline", done.stderr, re.M)
    junit = ET.parse(checkout / "losscli-junit.xml").getroot()
    assert junit.findall(".//failure")
    assert "FAIL" in (checkout / "summary.md").read_text()


def test_the_significance_step_runs_against_origin_main(checkout: Path):
    """The "Which model is better?" step: a baseline read from origin/main's commit
    (a bare origin, cloned as CI checks out), a noise-sized change passes, a real
    worsening fails."""
    (step,) = steps(SIGNIFICANCE)
    origin, clone = checkout.parent / "origin.git", checkout.parent / "clone"

    def git(*args: str, cwd: Path = checkout) -> None:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", ".")
    git("-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-q", "-m", "baseline")
    git("clone", "-q", "--bare", str(checkout), str(origin), cwd=checkout.parent)
    git("clone", "-q", str(origin), str(clone), cwd=checkout.parent)
    done = run_step(step, clone)
    assert done.returncode == 0, done.stderr
    assert "PASS mse" in done.stderr and "significant at 0.05 (paired)" in done.stderr
    csv = clone / "sample_data" / "diabetes_regression.csv"
    lines = csv.read_text().splitlines()
    pred = lines[0].split(",").index("pred")
    worse = [lines[0]] + [
        ",".join(str(float(v) * 1.15) if i == pred else v for i, v in enumerate(line.split(",")))
        for line in lines[1:]
    ]
    csv.write_text("\n".join(worse) + "\n")
    failed = run_step(step, clone)
    assert failed.returncode == 1 and re.search(
        r"^FAIL mse .*; significant at 0.05 \(paired\)", failed.stderr, re.M
    )
