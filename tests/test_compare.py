"""``losscli compare`` (issue 14 §2): paired model comparison, tested as statistics.

- The paired interval of a difference agrees with an independent implementation:
  ``scipy.stats.bootstrap(..., paired=True, method="BCa")`` on the per-row losses.
- Under the null (two models with the same expected loss), the test rejects at about
  its nominal level; a real difference is found.
- Holm's adjustment on a textbook example; the win rate against NumPy; gates, margins
  and the direction of losses where higher is better.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import losscli
from losscli.comparison import compare
from losscli.intervals import holm


def two_models(n: int, rng: np.random.Generator, scale_b: float = 1.0) -> dict[str, np.ndarray]:
    y = rng.normal(size=n)
    return {"label": y, "pred_a": y + rng.normal(size=n), "pred_b": y + scale_b * rng.normal(size=n)}


@pytest.mark.smoke
def test_the_paired_interval_agrees_with_scipys_paired_bootstrap():
    rng = np.random.default_rng(11)
    data = two_models(400, rng, 1.2)
    result = compare(data, ["pred_a,pred_b"], "mse", resamples=4000)
    (c,) = result.comparisons
    la = (data["pred_a"] - data["label"]) ** 2
    lb = (data["pred_b"] - data["label"]) ** 2

    def diff(a, b, axis=-1):
        return b.mean(axis=axis) - a.mean(axis=axis)

    ref = stats.bootstrap(
        (la, lb), diff, paired=True, n_resamples=20000, method="BCa", random_state=3
    ).confidence_interval
    assert c.difference == pytest.approx(lb.mean() - la.mean(), rel=1e-12)
    width = ref.high - ref.low
    assert abs(c.ci.low - ref.low) < 0.08 * width and abs(c.ci.high - ref.high) < 0.08 * width
    assert c.win_rate == pytest.approx(np.mean(lb < la))


def test_under_the_null_the_test_rejects_at_about_its_level():
    """400 data sets where both models have the same expected loss: a 5% test should
    reject about 20 times (binomial sd ≈ 4.4)."""
    rng = np.random.default_rng(2026)
    rejected = 0
    for seed in range(400):
        result = compare(two_models(200, rng), ["pred_a", "pred_b"], "mse", resamples=1000, seed=seed)
        rejected += result.comparisons[0].p_value < 0.05
    assert 8 <= rejected <= 32, f"rejected {rejected} of 400 under the null"


def test_a_real_difference_is_found_and_its_p_value_matches_its_interval():
    rng = np.random.default_rng(5)
    result = compare(two_models(2000, rng, 1.3), ["pred_a,pred_b"], ["mse", "mae"])
    for c in result.comparisons:
        assert c.verdict == "worse" and c.p_value < 0.05 and c.ci.low > 0
    same = compare(two_models(300, np.random.default_rng(6)), ["pred_a,pred_b"], "mse")
    c = same.comparisons[0]
    assert (c.p_value < 0.05) == (c.ci.low > 0 or c.ci.high < 0)


def test_higher_is_better_losses_turn_the_verdict():
    rng = np.random.default_rng(8)
    result = compare(two_models(3000, rng, 1.5), ["pred_a,pred_b"], "r2")
    (c,) = result.comparisons
    assert c.difference < 0 and c.verdict == "worse"
    assert c.worsening[0] > 0


def test_holm_on_a_textbook_example():
    """p = (0.01, 0.04, 0.03): sorted 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04)."""
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_three_models_are_holm_adjusted():
    rng = np.random.default_rng(12)
    data = two_models(500, rng, 1.1)
    data["pred_c"] = data["label"] + 1.05 * rng.normal(size=500)
    result = compare(data, ["pred_*"], "mse")
    assert result.adjusted and len(result.comparisons) == 2
    raw = [c.p_unadjusted for c in result.comparisons]
    assert [c.p_value for c in result.comparisons] == pytest.approx(holm(raw))


@pytest.fixture
def models_csv(write_file):
    rng = np.random.default_rng(1)
    data = two_models(600, rng, 1.25)
    rows = zip(data["label"].tolist(), data["pred_a"].tolist(), data["pred_b"].tolist(), strict=True)
    return write_file(
        "m.csv", "label,pred_old,pred_new\n" + "".join(f"{y!r},{a!r},{b!r}\n" for y, a, b in rows)
    )


@pytest.mark.smoke
def test_cli_gates_and_verdict_lines(cli, models_csv):
    worse = cli("compare", models_csv, "--pred", "pred_old,pred_new", "-l", "mse", "--fail-if-worse")
    assert worse.exit_code == 1
    line = next(x for x in worse.stderr.splitlines() if x.startswith("FAIL"))
    assert (
        line.startswith("FAIL mse pred_new ")
        and "vs pred_old" in line
        and "95% CI" in line
        and "p = " in line
    )
    loose = cli("compare", models_csv, "--pred", "pred_old", "--pred", "pred_new", "-l", "mse", "--fail-if-worse",
                "--margin", "500%")  # fmt: skip
    assert loose.exit_code == 0 and "PASS mse pred_new" in loose.stderr
    better = cli("compare", models_csv, "--pred", "pred_old,pred_new", "-l", "mse", "--require-better",
                 "--reference", "pred_new")  # fmt: skip
    assert better.exit_code == 0, better.stderr
    none_better = cli("compare", models_csv, "--pred", "pred_old,pred_new", "-l", "mse", "--require-better")
    assert none_better.exit_code == 1


@pytest.mark.smoke
def test_cli_json_shape(cli, models_csv):
    out = cli("compare", models_csv, "--pred", "pred_old,pred_new", "-l", "mse", "-l", "mae", "-f", "json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["models"] == ["pred_old", "pred_new"] and doc["reference"] == "pred_old"
    keys = {"loss", "params", "reference", "model", "value", "reference_value", "difference", "ci", "p_value",
            "win_rate", "verdict", "count"}  # fmt: skip
    assert all(keys <= set(c) for c in doc["comparisons"]) and len(doc["comparisons"]) == 2
    assert {(r["model"], r["loss"]) for r in doc["results"]} == {
        (m, loss) for m in ("pred_old", "pred_new") for loss in ("mse", "mae")
    }
    assert doc["passed"] is True
    markdown = cli("compare", models_csv, "--pred", "pred_*", "-l", "mse", "-f", "markdown")
    assert "| pred\\_new |" in markdown.stdout and "Δ 95% CI" in markdown.stdout


def test_cli_errors_are_exit_2(cli, models_csv):
    one = cli("compare", models_csv, "--pred", "pred_old", "-l", "mse")
    assert one.exit_code == 2 and "at least two models" in one.stderr
    ref = cli("compare", models_csv, "--pred", "pred_old,pred_new", "-l", "mse", "--reference", "nope")
    assert ref.exit_code == 2 and "not one of the models" in ref.stderr
    nosmooth = cli("compare", models_csv, "--pred", "pred_old,pred_new", "-l", "max-error")
    assert nosmooth.exit_code == 2 and "smooth" in nosmooth.stderr
    for result in (one, ref, nosmooth):
        assert "Traceback" not in result.stderr


def test_the_python_api_returns_the_json_structure():
    rng = np.random.default_rng(4)
    result = losscli.compare(two_models(300, rng), preds=["pred_a", "pred_b"], losses=["mse", "mae"])
    doc = result.to_dict()
    assert [c["model"] for c in doc["comparisons"]] == ["pred_b", "pred_b"]
    assert doc["comparisons"][0]["ci"]["method"] == "bca" and "p_value" in doc["comparisons"][0]


def test_a_loss_command_given_pred_twice_points_at_compare(cli, models_csv):
    result = cli("mse", models_csv, "--pred", "pred_old", "--pred", "pred_new")
    assert result.exit_code == 2 and "losscli compare" in result.stderr


@pytest.fixture
def model_files(tmp_path):
    rng = np.random.default_rng(21)
    n = 400
    y = rng.normal(size=n)
    old, new = y + rng.normal(size=n), y + 1.2 * rng.normal(size=n)

    def write(name, label, pred, order=None):
        order = np.arange(n) if order is None else order
        rows = "".join(f"{i},{label[i]!r},{pred[i]!r}\n" for i in order.tolist())
        path = tmp_path / name
        path.write_text("id,label,pred\n" + rows)
        return str(path)

    return {
        "y": y, "old": old, "new": new,
        "old.csv": write("old.csv", y.tolist(), old.tolist()),
        "new.csv": write("new.csv", y.tolist(), new.tolist()),
        "shuffled.csv": write("shuffled.csv", y.tolist(), new.tolist(), rng.permutation(n)),
        "part.csv": write("part.csv", y.tolist(), new.tolist(), rng.permutation(n)[:350]),
        "other_labels.csv": write("other_labels.csv", (y + 1).tolist(), new.tolist()),
    }  # fmt: skip


@pytest.mark.smoke
def test_several_files_are_models_on_the_same_rows(cli, model_files):
    files = cli("compare", model_files["old.csv"], model_files["new.csv"], "-l", "mse", "-f", "json")
    assert files.exit_code == 0, files.stderr
    doc = json.loads(files.stdout)
    assert doc["models"] == ["old.csv", "new.csv"]
    (c,) = doc["comparisons"]
    y = model_files["y"]
    expected = np.mean((model_files["new"] - y) ** 2) - np.mean((model_files["old"] - y) ** 2)
    assert c["difference"] == pytest.approx(expected, rel=1e-12)
    same = compare(
        {"label": y, "old": model_files["old"], "new": model_files["new"]}, ["old,new"], "mse"
    ).comparisons[0]
    assert (c["ci"]["low"], c["ci"]["high"], c["p_value"]) == pytest.approx(
        (same.ci.low, same.ci.high, same.p_value)
    )


def test_several_files_joined_on_a_key_keep_the_rows_in_every_file(cli, model_files):
    joined = cli(
        "compare", model_files["old.csv"], model_files["part.csv"], "-l", "mse", "--on", "id", "-f", "json"
    )
    assert joined.exit_code == 0, joined.stderr
    doc = json.loads(joined.stdout)
    assert doc["rows_unmatched"] == 50 and doc["comparisons"][0]["count"] == 350
    assert "50 rows" in joined.stderr
    shuffled = cli("compare", model_files["old.csv"], model_files["shuffled.csv"], "-l", "mse")
    assert shuffled.exit_code == 2 and "--on id" in shuffled.stderr
    ok = cli(
        "compare",
        model_files["old.csv"],
        model_files["shuffled.csv"],
        "-l",
        "mse",
        "--on",
        "id",
        "-f",
        "json",
    )
    assert ok.exit_code == 0 and json.loads(ok.stdout)["comparisons"][0]["count"] == 400


def test_several_files_must_hold_the_same_labels(cli, model_files):
    result = cli("compare", model_files["old.csv"], model_files["other_labels.csv"], "-l", "mse")
    assert result.exit_code == 2 and "labels differ" in result.stderr and "row 1" in result.stderr


@pytest.mark.smoke
def test_per_sample_rows_of_every_model_and_the_difference(cli, models_csv):
    import csv as csvlib
    import io

    out = cli("compare", models_csv, "--pred", "pred_old,pred_new", "-l", "mse", "-f", "csv")
    assert out.exit_code == 0, out.stderr
    rows = list(csvlib.DictReader(io.StringIO(out.stdout)))
    data = np.loadtxt(models_csv, delimiter=",", skiprows=1)
    y, old, new = data[:, 0], data[:, 1], data[:, 2]
    assert [int(r["row"]) for r in rows] == list(range(1, len(y) + 1))
    got = np.array(
        [[float(r["loss_pred_old"]), float(r["loss_pred_new"]), float(r["diff_pred_new"])] for r in rows]
    )
    assert np.array_equal(got[:, 0], (old - y) ** 2) and np.array_equal(got[:, 1], (new - y) ** 2)
    assert np.array_equal(got[:, 2], (new - y) ** 2 - (old - y) ** 2)


def test_a_closed_pipe_keeps_the_verdict(losscli_exe, models_csv):
    import subprocess

    done = subprocess.run(
        f"'{losscli_exe}' compare '{models_csv}' --pred pred_old,pred_new -l mse -f csv --fail-if-worse | head -1;"
        " exit ${PIPESTATUS[0]}",
        shell=True, executable="/bin/bash", capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1 and "FAIL mse pred_new" in done.stderr and "Traceback" not in done.stderr


def test_junit_has_a_testcase_per_comparison_or_gate(cli, models_csv):
    import xml.etree.ElementTree as ET

    report = cli(
        "compare", models_csv, "--pred", "pred_old,pred_new", "-l", "mse", "-l", "mae", "-f", "junit"
    )
    cases = ET.fromstring(report.stdout).findall(".//testcase")
    assert [c.get("name") for c in cases] == ["mse pred_new", "mae pred_new"] and report.exit_code == 0
    gated = cli(
        "compare", models_csv, "--pred", "pred_old,pred_new", "-l", "mse", "-f", "junit", "--fail-if-worse"
    )
    assert gated.exit_code == 1 and len(ET.fromstring(gated.stdout).findall(".//failure")) == 1


def test_python_errors_name_keywords_and_the_cli_names_flags(cli):
    path = str(Path(__file__).resolve().parents[1] / "sample_data" / "diabetes_models.csv")
    with pytest.raises(losscli.LossCliError) as found:
        losscli.compare(path, preds=["pred_ridge", "pred_gbm"], losses="mse", reference="x")
    assert "reference='x'" in found.value.message and "--reference" not in found.value.message
    done = cli("compare", path, "--pred", "pred_ridge,pred_gbm", "-l", "mse", "--reference", "x")
    assert done.exit_code == 2 and "--reference x" in done.stderr
