"""Gates that ignore noise (issue 14 §3): ``--write-baseline`` stores bootstrap unit sums,
``--baseline … --significance ALPHA`` fails only on a significant worsening (paired when
the rows are the same), and ``--baseline git:REV:PATH`` reads a baseline from git.

Tested as a statistic: under the null (the new model is the old one with fresh noise of
the same size, evaluated on new rows of the same population) a 5% gate fails about 5% of
the time; a real worsening fails it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import numpy as np
import pytest

import losscli
from losscli.accumulate.units import BUCKETS
from losscli.cli.gates import baseline_json


def write_csv(path, y, pred, ids=None):
    ids = range(len(y)) if ids is None else ids
    rows = zip(ids, y.tolist(), pred.tolist(), strict=True)
    path.write_text("id,label,pred\n" + "".join(f"{i},{a!r},{b!r}\n" for i, a, b in rows))
    return str(path)


@pytest.fixture
def models(tmp_path):
    rng = np.random.default_rng(3)
    n = 3000
    y = rng.normal(size=n)
    old = y + rng.normal(size=n)
    return {
        "y": y,
        "old": write_csv(tmp_path / "old.csv", y, old),
        "tiny": write_csv(tmp_path / "tiny.csv", y, old + 0.02 * rng.normal(size=n)),
        "worse": write_csv(tmp_path / "worse.csv", y, y + 1.2 * rng.normal(size=n)),
        "tmp": tmp_path,
    }


@pytest.mark.smoke
def test_write_baseline_stores_bucket_sums_not_rows(cli, models):
    base = models["tmp"] / "b.json"
    assert cli("mse", models["old"], "--write-baseline", base, "-f", "value").exit_code == 0
    doc = json.loads(base.read_text())
    boot = doc["results"][0]["bootstrap"]
    assert (
        boot["unit"] == "row" and boot["keys"] is None and len(boot["sums"]) == BUCKETS
    )  # 3,000 rows: bucketed
    sums = np.array(boot["sums"])
    y = models["y"]
    old = np.loadtxt(models["old"], delimiter=",", skiprows=1)[:, 2]
    assert sums[:, 0].sum() == pytest.approx(((old - y) ** 2).sum(), rel=1e-8)
    assert sums[:, 2].sum() == 3000
    assert base.stat().st_size < 100_000


@pytest.mark.smoke
def test_a_noise_sized_worsening_passes_and_a_real_one_fails(cli, models):
    base = models["tmp"] / "b.json"
    cli("mse", models["old"], "--write-baseline", base, "-f", "value")
    plain = cli("mse", models["tiny"], "--baseline", base, "-f", "value")
    assert plain.exit_code == 1  # any worsening fails without --significance
    noise = cli("mse", models["tiny"], "--baseline", base, "--significance", "0.05", "-f", "value")
    assert noise.exit_code == 0 and "not significant at 0.05 (paired)" in noise.stderr
    real = cli("mse", models["worse"], "--baseline", base, "--significance", "0.05", "-f", "value")
    assert real.exit_code == 1 and "FAIL mse" in real.stderr and "significant at 0.05 (paired)" in real.stderr


def test_other_rows_are_compared_unpaired(cli, models, tmp_path):
    rng = np.random.default_rng(9)
    y = rng.normal(size=2000)
    other = write_csv(tmp_path / "other.csv", y, y + 1.2 * rng.normal(size=2000))
    base = tmp_path / "b.json"
    cli("mse", models["old"], "--write-baseline", base, "-f", "value")
    result = cli("mse", other, "--baseline", base, "--significance", "0.05", "-f", "value")
    assert result.exit_code == 1 and "(unpaired)" in result.stderr


def test_a_baseline_without_bootstrap_sums_is_exit_2_with_the_fix(cli, models):
    plain = models["tmp"] / "plain.json"
    plain.write_text('{"mse": 1.0}')
    result = cli("mse", models["old"], "--baseline", plain, "--significance", "0.05")
    assert (
        result.exit_code == 2
        and "no bootstrap statistics" in result.stderr
        and "--write-baseline" in result.stderr
    )


def test_malformed_bootstrap_sums_are_exit_2(cli, models):
    bad = models["tmp"] / "bad.json"
    bad.write_text(
        json.dumps(
            {"results": [{"loss": "mse", "value": 1.0, "bootstrap": {"unit": "row", "sums": [[1, "x"]]}}]}
        )
    )
    result = cli("mse", models["old"], "--baseline", bad, "--significance", "0.05")
    assert result.exit_code == 2 and "malformed" in result.stderr and "Traceback" not in result.stderr


def test_under_the_null_a_5_percent_gate_fails_about_5_percent_of_the_time():
    """300 pairs of runs (old model on its rows, an equally good model on new rows of
    the same population): the unpaired test's false failures (binomial sd ≈ 3.8)."""
    from losscli.baselines import _tables  # the reader of what --write-baseline wrote
    from losscli.intervals import CiSettings
    from losscli.significance import difference_to

    rng = np.random.default_rng(17)
    failed = 0
    for seed in range(300):
        y1, y2 = rng.normal(size=400), rng.normal(size=400)
        then = losscli.evaluate(
            {"pred": y1 + rng.normal(size=400), "label": y1}, "mse", ci=0.95, rows=0, seed=seed
        )
        now = losscli.evaluate(
            {"pred": y2 + rng.normal(size=400), "label": y2}, "mse", ci=0.95, rows=0, seed=seed
        )
        table = _tables("b.json", json.loads(baseline_json(then)))["mse"]
        d = difference_to(
            now.results[0], then.results[0].value, table, "b.json", CiSettings(0.95, 1000, seed)
        )
        failed += d.difference > 0 and d.p_value < 0.05
    assert failed <= 27, f"{failed} of 300 false failures for a one-sided use of a two-sided 5% test"


def test_paired_under_the_null_rejects_at_about_the_level():
    """The same rows, two equally good models (fresh noise each): paired two-sided
    rejections at 5% over 300 data sets (binomial sd ≈ 3.8, expected 15)."""
    from losscli.baselines import _tables
    from losscli.intervals import CiSettings
    from losscli.significance import difference_to

    rng = np.random.default_rng(23)
    rejected = 0
    for seed in range(300):
        y = rng.normal(size=300)
        then = losscli.evaluate({"pred": y + rng.normal(size=300), "label": y}, "mse", ci=0.95, rows=0)
        now = losscli.evaluate({"pred": y + rng.normal(size=300), "label": y}, "mse", ci=0.95, rows=0)
        table = _tables("b.json", json.loads(baseline_json(then)))["mse"]
        d = difference_to(
            now.results[0], then.results[0].value, table, "b.json", CiSettings(0.95, 1000, seed)
        )
        assert d.paired
        rejected += d.p_value < 0.05
    assert 5 <= rejected <= 27, f"rejected {rejected} of 300 under the null"


@pytest.fixture
def repo(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "t@example.invalid")
    git("config", "user.name", "t")
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "val.json").write_text('{"mse": 0.5}')
    (tmp_path / "p.csv").write_text("pred,label\n1,1.5\n2,2.5\n")
    git("add", ".")
    git("commit", "-q", "-m", "baseline")
    (tmp_path / "baselines" / "val.json").write_text('{"mse": 0.1}')  # changed since: git's copy is used
    return tmp_path


@pytest.mark.smoke
def test_a_git_baseline_is_read_from_the_revision(repo, losscli_exe):
    ok = subprocess.run(
        [losscli_exe, "mse", "p.csv", "--baseline", "git:main:baselines/val.json", "-f", "value"],
        capture_output=True, text=True, cwd=repo,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr  # 0.25 is better than main's 0.5 (the working copy says 0.1)
    for spec, words in [
        ("git:nope:baselines/val.json", "no revision 'nope'"),
        ("git:main:baselines/other.json", "not in revision 'main'"),
        ("git:main", "git:REV:PATH"),
    ]:
        bad = subprocess.run(
            [losscli_exe, "mse", "p.csv", "--baseline", spec], capture_output=True, text=True, cwd=repo
        )
        assert bad.returncode == 2 and words in bad.stderr and "Traceback" not in bad.stderr, bad.stderr


def test_a_git_baseline_outside_a_repository_is_exit_2(tmp_path, losscli_exe):
    (tmp_path / "p.csv").write_text("pred,label\n1,1.5\n")
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    bad = subprocess.run(
        [losscli_exe, "mse", "p.csv", "--baseline", "git:HEAD:b.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "not in a git repository" in bad.stderr


@pytest.mark.smoke
def test_check_takes_significance_and_git_baselines_from_its_config(cli, models, losscli_exe):
    tmp = models["tmp"]
    cli("mse", models["old"], "--write-baseline", tmp / "b.json", "-f", "value")
    (tmp / "losscli.toml").write_text(
        "significance = 0.05\n"
        '[[check]]\nname = "noise"\nfile = "tiny.csv"\nloss = "mse"\nbaseline = "b.json"\n'
        '[[check]]\nname = "real"\nfile = "worse.csv"\nloss = "mse"\nbaseline = "b.json"\n'
    )
    done = cli("check", tmp / "losscli.toml")
    assert done.exit_code == 1
    assert re.search(r"^PASS noise .*not significant at 0.05 \(paired\)", done.stderr, re.M), done.stderr
    assert re.search(r"^FAIL real .*; significant at 0.05 \(paired\)", done.stderr, re.M), done.stderr
    for args in (["git", "init", "-q", "-b", "main"], ["git", "add", "b.json"]):
        subprocess.run(args, cwd=tmp, check=True, capture_output=True)
    subprocess.run(
        ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-q", "-m", "b"],
        cwd=tmp, check=True, capture_output=True,
    )  # fmt: skip
    (tmp / "losscli.toml").write_text(
        '[[check]]\nname = "git"\nfile = "tiny.csv"\nloss = "mse"\nbaseline = "git:main:b.json"\nsignificance = 0.05\n'
    )
    done = subprocess.run([losscli_exe, "check"], cwd=tmp, capture_output=True, text=True)
    assert done.returncode == 0 and "PASS git" in done.stderr and "(paired)" in done.stderr, done.stderr
