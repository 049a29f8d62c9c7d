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
