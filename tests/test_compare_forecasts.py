"""``losscli compare`` of forecasts whose loss needs more than a prediction column
(issue 15 §4 with issue 14 §2): Gaussian forecasts (a mean and a ``--std``/``--var``
per model) and prediction intervals (a ``--lower``/``--upper`` pair per model).

Each model's value is checked against scoringrules / the formula on that model's own
columns, so a model paired with another's spread would show; the rows won are counted
here with NumPy in the direction of the per-sample value (coverage: higher wins).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scoringrules as sr

import losscli


@pytest.fixture
def forecasts(tmp_path):
    rng = np.random.default_rng(5)
    n = 300
    y = rng.normal(10.0, 3.0, size=n)
    frame = pd.DataFrame(
        {
            "label": y,
            "mean_a": y + rng.normal(0, 2.0, size=n),
            "std_a": rng.uniform(1.5, 2.5, size=n),
            "mean_b": y + rng.normal(0, 2.5, size=n),
            "std_b": rng.uniform(0.5, 4.0, size=n),
        }
    )
    frame["lo_a"], frame["hi_a"] = frame.mean_a - 1.64 * frame.std_a, frame.mean_a + 1.64 * frame.std_a
    frame["lo_b"], frame["hi_b"] = frame.mean_b - 1.2 * frame.std_b, frame.mean_b + 1.2 * frame.std_b
    path = tmp_path / "forecasts.csv"
    frame.to_csv(path, index=False)
    return frame, path


def _json(cli, *args):
    result = cli("compare", *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "columns",
    [
        ("--pred", "mean_a,mean_b", "--std", "std_a,std_b"),
        ("--pred", "mean_a", "--pred", "mean_b", "--std", "std_a", "--std", "std_b"),
    ],
)
def test_gaussian_crps_of_each_model_uses_its_own_std(cli, forecasts, columns):
    frame, path = forecasts
    out = _json(cli, path, "-l", "crps", *columns)
    a = sr.crps_normal(frame.label, frame.mean_a, frame.std_a).mean()
    b = sr.crps_normal(frame.label, frame.mean_b, frame.std_b).mean()
    (c,) = out["comparisons"]
    assert c["reference_value"] == pytest.approx(a, rel=1e-12)
    assert c["value"] == pytest.approx(b, rel=1e-12)
    assert c["difference"] == pytest.approx(b - a, rel=1e-9)
    per_row_a = sr.crps_normal(frame.label, frame.mean_a, frame.std_a)
    per_row_b = sr.crps_normal(frame.label, frame.mean_b, frame.std_b)
    assert c["win_rate"] == pytest.approx(np.mean(per_row_b < per_row_a))


def test_one_std_column_serves_every_model(cli, forecasts):
    frame, path = forecasts
    out = _json(cli, path, "-l", "crps", "--pred", "mean_a,mean_b", "--std", "std_a")
    (c,) = out["comparisons"]
    assert c["value"] == pytest.approx(
        sr.crps_normal(frame.label, frame.mean_b, frame.std_a).mean(), rel=1e-12
    )


def test_gaussian_nll_takes_a_variance_per_model(cli, forecasts):
    frame, path = forecasts
    frame = frame.assign(var_a=frame.std_a**2, var_b=frame.std_b**2)
    frame.to_csv(path, index=False)
    out = _json(cli, path, "-l", "gaussian-nll", "--pred", "mean_a,mean_b", "--var", "var_a,var_b")

    def nll(mean, var):  # torch.nn.functional.gaussian_nll_loss, full=False
        return float(np.mean(0.5 * (np.log(var) + (frame.label - mean) ** 2 / var)))

    (c,) = out["comparisons"]
    assert c["reference_value"] == pytest.approx(nll(frame.mean_a, frame.var_a), rel=1e-12)
    assert c["value"] == pytest.approx(nll(frame.mean_b, frame.var_b), rel=1e-12)


def test_interval_models_are_named_by_their_bounds(cli, forecasts):
    frame, path = forecasts
    out = _json(
        cli, path, "-l", "interval-score", "-l", "coverage", "--lower", "lo_a,lo_b", "--upper", "hi_a,hi_b"
    )
    assert out["models"] == ["lo_a..hi_a", "lo_b..hi_b"]
    score, cover = out["comparisons"]
    alpha = 0.1
    for lo, hi, key in (("lo_a", "hi_a", "reference_value"), ("lo_b", "hi_b", "value")):
        expected = sr.interval_score(frame.label, frame[lo], frame[hi], alpha).mean()
        assert score[key] == pytest.approx(expected, rel=1e-12)
    inside_a = (frame.lo_a <= frame.label) & (frame.label <= frame.hi_a)
    inside_b = (frame.lo_b <= frame.label) & (frame.label <= frame.hi_b)
    assert cover["reference_value"] == pytest.approx(inside_a.mean())
    assert cover["value"] == pytest.approx(inside_b.mean())
    # coverage is better high: a row is won where the model covers and the reference does not
    assert cover["win_rate"] == pytest.approx(np.mean(inside_b & ~inside_a))


def test_the_python_api_takes_the_same_columns(forecasts):
    frame, path = forecasts
    result = losscli.compare(str(path), preds=["mean_a,mean_b"], losses="crps", std=["std_a", "std_b"])
    (c,) = result.comparisons
    assert c.value == pytest.approx(sr.crps_normal(frame.label, frame.mean_b, frame.std_b).mean(), rel=1e-12)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ("-l", "crps", "--pred", "mean_a,mean_b", "--std", "std_a,std_b,std_a"),
            "--std names 3 columns for 2 models",
        ),
        (("-l", "interval-score", "--pred", "mean_a,mean_b"), "compare takes each model's interval bounds"),
        (
            ("-l", "interval-score", "--lower", "lo_a,lo_b", "--upper", "hi_a"),
            "compare takes each model's interval bounds",
        ),
        (("-l", "coverage", "--lower", "lo_a,lo_a", "--upper", "hi_a,hi_a"), "name model 'lo_a..hi_a' twice"),
        (("-l", "crps", "--pred", "mean_a,mean_b", "--std", "nope,std_b"), "nope"),
    ],
)
def test_mistakes_are_exit_2_with_one_line(cli, expect_error, forecasts, args, needle):
    _, path = forecasts
    expect_error(cli("compare", path, *args), needle)
