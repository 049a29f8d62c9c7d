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
    assert len(YAML_BLOCKS) == 2
    assert "actions/checkout" in YAML_BLOCKS[0] and "GITHUB_STEP_SUMMARY" in YAML_BLOCKS[0]
    assert "reports:" in YAML_BLOCKS[1] and "junit:" in YAML_BLOCKS[1]
    assert all(steps(block) for block in YAML_BLOCKS)


@pytest.mark.parametrize("job", [0, 1], ids=["github-actions", "gitlab"])
def test_ci_job_steps_pass_with_reports(job: int, checkout: Path):
    for command in steps(YAML_BLOCKS[job]):
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
    command = steps(YAML_BLOCKS[0])[0]
    done = run_step(command, checkout)
    assert done.returncode == 1
    assert re.search(r"^FAIL diabetes/mse .*baseline", done.stderr, re.M)
    junit = ET.parse(checkout / "losscli-junit.xml").getroot()
    assert junit.findall(".//failure")
    assert "FAIL" in (checkout / "summary.md").read_text()
