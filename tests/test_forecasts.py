"""Issue 15 §4: forecasts with uncertainty — crps (Gaussian, ensemble), interval-score,
coverage, and quantile/pinball over several quantile columns.

Reference values come from scoringrules, properscoring and scikit-learn (test-only
dependencies), or from the papers' formulas written out here: never from losscli.
scoringrules' ``weighted_interval_score`` on its NumPy backend (scoringrules 0.10.0)
adds ``w_median · median`` where its numba backend and Bracher et al. add
``w_median · |y − median|``: the WIS is checked against the numba backend when numba is
installed, and always against the paper's formula built on ``scoringrules.interval_score``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_pinball_loss

import losscli
import losscli.losses as L
from losscli.errors import DataError, UsageError
from losscli.io.source import InputOptions
from losscli.losses._forecasts_kernels import erf
from losscli.losses._forecasts_rules import level_of

sr = pytest.importorskip("scoringrules")
ps = pytest.importorskip("properscoring")

REL = 1e-12
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "diabetes_forecast.csv"


def close(got: Any, want: Any, rel: float = REL) -> None:
    np.testing.assert_allclose(got, want, rtol=rel, atol=0)


def gaussian_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mu = rng.normal(0.0, 3.0, n)
    sigma = rng.uniform(0.05, 4.0, n)
    return mu + sigma * rng.standard_normal(n) * rng.uniform(0.2, 3.0, n), mu, sigma


def ensemble_data(n: int, m: int, seed: int, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if ties:  # a few distinct values: members tie with each other and with the label
        return rng.integers(0, 4, n).astype(float), rng.integers(0, 4, (n, m)).astype(float)
    centre = rng.normal(0.0, 2.0, n)
    return centre + rng.normal(0.0, 1.5, n), centre[:, None] + rng.normal(0.0, 1.0, (n, m))


def weights(n: int, seed: int) -> np.ndarray:
    w = np.random.default_rng(seed + 100).uniform(0.0, 3.0, n)
    w[::5] = 0.0
    return w


# ------------------------------------------------------------- the kernels ----


def test_erf_agrees_with_the_standard_library_to_the_last_digits():
    import math as m

    xs = np.concatenate(
        [np.linspace(-9, 9, 40001), np.geomspace(1e-300, 30, 2000), [0.0, 0.46875, -4.0, 4.0]]
    )
    xs = np.concatenate([xs, -xs])
    want = np.array([m.erf(x) for x in xs])
    close(erf(xs), want, rel=1e-15)


# ---------------------------------------------------------------- crps ----


@pytest.mark.smoke
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_crps_of_a_gaussian_agrees_with_scoringrules_and_properscoring(seed):
    y, mu, sigma = gaussian_data(500, seed)
    want = sr.crps_normal(y, mu, sigma, backend="numpy")
    close(want, ps.crps_gaussian(y, mu, sigma))
    close(L.crps(y, mu, std=sigma, reduction="none"), want)
    close(L.crps(y, mu, var=sigma**2, reduction="none"), want)
    close(L.crps(y, mu, sigma), np.mean(want))
    w = weights(y.size, seed)
    close(L.crps(y, mu, std=sigma, sample_weight=w), np.average(want, weights=w))


@pytest.mark.parametrize("sigma", [1e-3, 1e-8, 1e-12, 1e-100, 1e-200])
def test_crps_of_a_gaussian_with_a_tiny_sigma_agrees_and_tends_to_the_absolute_error(sigma):
    y, mu, _ = gaussian_data(200, 7)
    s = np.full(y.size, sigma)
    got = L.crps(y, mu, std=s, reduction="none")
    with np.errstate(over="ignore"):  # scoringrules squares z = (y − μ)/σ
        close(got, sr.crps_normal(y, mu, s, backend="numpy"))
    assert np.all(np.abs(got - np.abs(y - mu)) <= sigma)  # |CRPS − |y − μ|| <= σ/√π


def test_crps_of_a_point_forecast_is_the_absolute_error():
    """σ = 0: the limit |y − μ| (the references divide by zero and give NaN)."""
    y, mu, _ = gaussian_data(50, 3)
    got = L.crps(y, mu, std=np.zeros(y.size), reduction="none")
    np.testing.assert_array_equal(got, np.abs(y - mu))
    assert L.crps([2.0], [2.0], std=[0.0]) == 0.0


@pytest.mark.smoke
@pytest.mark.parametrize("estimator", ["nrg", "fair"])
@pytest.mark.parametrize(("m", "ties"), [(2, False), (5, False), (50, False), (7, True)])
def test_crps_of_an_ensemble_agrees_with_scoringrules(estimator, m, ties):
    y, x = ensemble_data(300, m, m, ties)
    want = sr.crps_ensemble(y, x, estimator=estimator, backend="numpy")
    close(L.crps(y, x, estimator=estimator, reduction="none"), want, rel=1e-11)
    w = weights(y.size, m)
    close(L.crps(y, x, estimator=estimator, sample_weight=w), np.average(want, weights=w), rel=1e-11)
    if estimator == "nrg":  # the empirical distribution's CRPS: properscoring's too
        close(L.crps(y, x, reduction="none"), ps.crps_ensemble(y, x), rel=1e-11)


def test_crps_of_one_member_is_its_absolute_error_and_fair_refuses_it():
    y, x = ensemble_data(40, 1, 4)
    got = L.crps(y, x, reduction="none")
    close(got, np.abs(y - x[:, 0]))
    close(got, sr.crps_ensemble(y, x, estimator="nrg", backend="numpy"))
    with pytest.raises(UsageError, match="at least 2 members"):
        L.crps(y, x, estimator="fair")


def test_crps_of_a_large_ensemble_sorts_members_instead_of_pairing_them():
    """m = 20,000 members: the O(m²) pairwise form would need 3.2 GB per row; sorting
    gives scoringrules' quantile-decomposition value (equal to nrg)."""
    y, x = ensemble_data(4, 20_000, 9)
    close(L.crps(y, x, reduction="none"), sr.crps_ensemble(y, x, estimator="qd", backend="numpy"), rel=1e-9)


def test_crps_tells_a_gaussian_from_an_ensemble_by_std_or_var():
    y, mu, sigma = gaussian_data(20, 1)
    with pytest.raises(UsageError, match="not both"):
        L.crps(y, mu, std=sigma, var=sigma**2)
    with pytest.raises(UsageError, match="one mean column"):
        L.crps(y, np.column_stack([mu, mu]), std=sigma)
    with pytest.raises(UsageError, match="one column"):
        L.crps(y, mu)  # a 1-d prediction without std is not an ensemble of one
    with pytest.raises(UsageError, match="ensemble"):
        L.crps(y, mu, std=sigma, estimator="fair")
    with pytest.raises(DataError, match="std"):
        L.crps(y, mu, std=-sigma)


# ------------------------------------------------------ interval-score, coverage ----


def interval_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=n)
    lower = centre - rng.uniform(0.0, 2.0, n)
    upper = centre + rng.uniform(0.0, 2.0, n)
    y = centre + rng.normal(0.0, 1.5, n)
    y[:4] = [lower[0], upper[1], lower[2] - 1.0, upper[3] + 1.0]  # on both bounds, below, above
    lower[5] = upper[5]  # an interval of width 0
    return y, lower, upper


@pytest.mark.smoke
@pytest.mark.parametrize("alpha", [0.02, 0.1, 0.5])
def test_interval_score_agrees_with_scoringrules(alpha):
    y, lower, upper = interval_data(400, 3)
    want = sr.interval_score(y, lower, upper, alpha, backend="numpy")
    close(L.interval_score(y, lower, upper, alpha=alpha, reduction="none"), want)
    w = weights(y.size, 3)
    close(L.interval_score(y, lower, upper, alpha=alpha, sample_weight=w), np.average(want, weights=w))


def test_coverage_is_the_weighted_share_inside_the_closed_interval():
    y, lower, upper = interval_data(400, 4)
    inside = (lower <= y) & (y <= upper)
    w = weights(y.size, 4)
    assert L.coverage(y, lower, upper) == pytest.approx(inside.mean(), rel=REL)
    assert L.coverage(y, lower, upper, sample_weight=w) == pytest.approx(
        np.average(inside, weights=w), rel=REL
    )
    np.testing.assert_array_equal(L.coverage(y, lower, upper, reduction="none"), inside.astype(float))


def test_an_interval_whose_lower_bound_is_above_its_upper_bound_is_refused():
    with pytest.raises(DataError, match="index 1"):
        L.interval_score([1.0, 2.0], [0.0, 3.0], [2.0, 2.5])


# ------------------------------------------------------------ quantiles ----

LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantile_data(n: int, seed: int, levels=LEVELS) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mu, sigma = rng.normal(size=n), rng.uniform(0.5, 2.0, n)
    from statistics import NormalDist

    q = np.column_stack([mu + sigma * NormalDist().inv_cdf(t) for t in levels])
    return mu + sigma * rng.standard_normal(n) * 1.3, q


def frame_of(y, q, levels=LEVELS, names=None) -> pd.DataFrame:
    names = names or [f"q{round(t * 100):02d}" for t in levels]
    return pd.DataFrame({"label": y, **{name: q[:, j] for j, name in enumerate(names)}})


@pytest.mark.smoke
def test_several_quantile_columns_agree_with_sklearn_at_each_level(tmp_path):
    y, q = quantile_data(500, 1)
    w = weights(y.size, 1)
    frame = frame_of(y, q).assign(w=w)
    path = tmp_path / "q.parquet"
    frame.to_parquet(path, index=False)
    for kw, sample_weight in (({}, None), ({"weight": "w"}, w)):
        result = losscli.evaluate(str(path), "pinball", pred="q*", **kw).results[0]
        per_level = [
            mean_pinball_loss(y, q[:, j], alpha=t, sample_weight=sample_weight) for j, t in enumerate(LEVELS)
        ]
        assert [d["level"] for d in result.details["levels"]] == list(LEVELS)
        close([d["value"] for d in result.details["levels"]], per_level)
        close(result.value, np.mean(per_level))
    levels = ",".join(map(str, LEVELS))
    close(L.quantile(y, q, levels=levels, sample_weight=w), np.mean(per_level))
    reference = np.mean(
        [np.maximum(t * (y - q[:, j]), (t - 1) * (y - q[:, j])) for j, t in enumerate(LEVELS)], 0
    )
    close(L.quantile(y, q, levels=levels, reduction="none"), reference)


def test_one_quantile_column_is_unchanged_the_level_alpha_whatever_its_name():
    y, q = quantile_data(100, 2, levels=(0.9,))
    for alpha in (0.5, 0.9, 0.1):
        want = mean_pinball_loss(y, q[:, 0], alpha=alpha)
        close(L.quantile(y, q[:, 0], alpha=alpha), want)
        close(
            losscli.evaluate(frame_of(y, q, (0.9,)), "pinball", pred="q90", params={"alpha": alpha})
            .results[0]
            .value,
            want,
        )
    close(L.quantile(y, q, levels="0.9"), mean_pinball_loss(y, q[:, 0], alpha=0.9))


def wis_formula(y, q, levels) -> np.ndarray:
    """Bracher et al. (2021): (1/(K + ½))(½|y − m| + Σ_k (α_k/2)·IS_αk), the interval
    scores from scoringrules."""
    order = np.argsort(levels)
    levels, q = np.asarray(levels)[order], q[:, order]
    k = len(levels) // 2
    total = 0.5 * np.abs(y - q[:, k])
    for j in range(k):
        alpha = 2 * levels[j]
        total = total + alpha / 2 * sr.interval_score(y, q[:, j], q[:, -1 - j], alpha, backend="numpy")
    return total / (k + 0.5)


@pytest.mark.parametrize("levels", [LEVELS, (0.1, 0.5, 0.9), (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)])
def test_the_weighted_interval_score_of_symmetric_levels(levels):
    y, q = quantile_data(300, 5, levels)
    w = weights(y.size, 5)
    frame = frame_of(y, q, levels, [f"q{t}" for t in levels]).assign(w=w)
    result = losscli.evaluate(frame, "quantile", pred="q*", weight="w").results[0]
    assert result.details["wis"] == pytest.approx(np.average(wis_formula(y, q, levels), weights=w), rel=1e-11)
    assert result.details["interval_alphas"] == pytest.approx(sorted(2 * t for t in levels if t < 0.5))


def test_the_weighted_interval_score_agrees_with_scoringrules_numba_backend():
    pytest.importorskip("numba")
    levels = (0.05, 0.25, 0.5, 0.75, 0.95)
    y, q = quantile_data(300, 6, levels)
    alphas = np.array([0.1, 0.5])
    want = sr.weighted_interval_score(y, q[:, 2], q[:, [0, 1]], q[:, [4, 3]], alphas, backend="numba")
    result = losscli.evaluate(frame_of(y, q, levels), "quantile", pred="q*").results[0]
    assert result.details["wis"] == pytest.approx(float(np.mean(want)), rel=1e-11)


def test_no_weighted_interval_score_without_a_median_and_symmetric_pairs():
    for levels in ((0.1, 0.9), (0.1, 0.5, 0.8), (0.25, 0.5, 0.75, 0.9)):
        y, q = quantile_data(50, 1, levels)
        frame = frame_of(y, q, levels, [f"q{t}" for t in levels])
        details = losscli.evaluate(frame, "quantile", pred="q*").results[0].details
        assert "wis" not in details and len(details["levels"]) == len(levels)


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("q05", 0.05), ("q95", 0.95), ("q50", 0.5), ("q0.05", 0.05), ("q_0.95", 0.95), ("q_.9", 0.9),
        ("q975", 0.975), ("q025", 0.025), ("p10", 0.1), ("quantile_0.5", 0.5), ("model2_q90", 0.9),
        ("Q_10", 0.1),
    ],
)  # fmt: skip
def test_a_level_is_read_from_the_number_a_column_name_ends_with(name, level):
    assert level_of(name) == level


@pytest.mark.parametrize(
    ("name", "why"),
    [("q5", "single digit"), ("q_low", "no number"), ("q1.5", "between 0 and 1"), ("q00", "between 0 and 1"),
     ("q0.5x", "no number"), ("q1", "single digit")],
)  # fmt: skip
def test_a_name_without_a_clear_level_is_refused(name, why):
    with pytest.raises(UsageError, match=why):
        level_of(name)


# --------------------------------------------------------------- the command line ----


@pytest.fixture(scope="module")
def forecast() -> pd.DataFrame:
    return pd.read_csv(SAMPLE)


def test_the_sample_file_is_what_make_samples_describes(forecast):
    members = forecast.filter(like="member_").to_numpy()
    assert members.shape == (442, 20) and forecast.filter(like="gbm_").shape == (442, 10)
    close(forecast["q50"], forecast["mean"])
    close(forecast["upper"] - forecast["mean"], 1.6448536269514722 * forecast["std"], rel=1e-9)


@pytest.mark.smoke
def test_crps_on_the_sample_file_table_and_json(cli, forecast):
    y, mu, sigma = (forecast[c].to_numpy() for c in ("label", "mean", "std"))
    done = cli("crps", SAMPLE, "--pred", "mean", "--std", "std", "-f", "json")
    assert done.exit_code == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["columns"]["pred"] == ["mean"] and out["columns"]["std"] == "std"
    assert out["results"][0]["value"] == pytest.approx(float(np.mean(sr.crps_normal(y, mu, sigma))), rel=REL)
    members = forecast.filter(like="member_").to_numpy()
    for estimator in ("nrg", "fair"):
        done = cli("crps", SAMPLE, "--estimator", estimator, "-f", "json")  # member_* by default
        out = json.loads(done.stdout)
        assert out["columns"]["pred"] == [f"member_{j:02d}" for j in range(1, 21)]
        want = np.mean(sr.crps_ensemble(y, members, estimator=estimator, backend="numpy"))
        assert out["results"][0]["value"] == pytest.approx(float(want), rel=1e-11)
    table = cli("crps", SAMPLE, "--pred", "member_*", "--rows", "2")
    assert table.exit_code == 0 and "crps" in table.stdout and "member_01" not in table.stdout


def test_quantile_columns_on_the_sample_file_table_json_and_markdown(cli, forecast):
    y = forecast["label"].to_numpy()
    per_level = [mean_pinball_loss(y, forecast[f"q{round(t * 100):02d}"], alpha=t) for t in LEVELS]
    out = json.loads(cli("pinball", SAMPLE, "--pred", "q*", "-f", "json").stdout)["results"][0]
    assert out["loss"] == "quantile"
    close([d["value"] for d in out["levels"]], per_level)
    assert out["wis"] == pytest.approx(2 * np.mean(per_level), rel=REL)
    table = cli("quantile", SAMPLE, "--pred", "q*", "--rows", "0")
    assert table.exit_code == 0
    assert "pinball loss per level" in table.stdout and "weighted interval score" in table.stdout
    markdown = cli("quantile", SAMPLE, "--pred", "q*", "-f", "markdown").stdout
    assert "| level | pinball |" in markdown


def test_interval_score_and_coverage_on_the_sample_file(cli, forecast):
    y, lo, hi = (forecast[c].to_numpy() for c in ("label", "lower", "upper"))
    w = forecast["weight"].to_numpy()
    out = json.loads(cli("interval-score", SAMPLE, "--weight", "weight", "-f", "json").stdout)
    r = out["results"][0]
    assert out["columns"]["pred"] == [] and out["columns"]["lower"] == "lower"
    assert r["value"] == pytest.approx(np.average(sr.interval_score(y, lo, hi, 0.1), weights=w), rel=REL)
    inside = (lo <= y) & (y <= hi)
    assert r["nominal"] == pytest.approx(0.9) and r["coverage"] == pytest.approx(
        np.average(inside, weights=w)
    )
    assert r["below"] == pytest.approx(np.average(y < lo, weights=w))
    assert r["above"] == pytest.approx(np.average(y > hi, weights=w))
    assert r["mean_width"] == pytest.approx(np.average(hi - lo, weights=w), rel=REL)
    out = json.loads(cli("coverage", SAMPLE, "--lower", "q05", "--upper", "q95", "-f", "json").stdout)[
        "results"
    ][0]
    assert out["value"] == pytest.approx(inside.mean()) and out["nominal"] is None and out["higher_is_better"]
    table = cli("coverage", SAMPLE, "--alpha", "0.1", "--rows", "0").stdout
    assert "nominal" in table and "mean width" in table and "0.900000" in table


def test_coverage_gates_apply_from_both_sides(cli):
    inside = cli("coverage", SAMPLE, "--alpha", "0.1", "--min", "0.85", "--max", "0.95", "-f", "value")
    assert inside.exit_code == 0
    assert cli("coverage", SAMPLE, "--min", "0.95", "-f", "value").exit_code == 1
    assert cli("coverage", SAMPLE, "--max", "0.85", "-f", "value").exit_code == 1


# ------------------------------------------------------- chunks, groups, --ci, compare ----

CASES = [
    ("crps", {"std": "std", "pred": "mean"}),
    ("crps", {"var": "var", "pred": "mean"}),
    ("crps", {"pred": "member_*"}),
    (("crps", {"estimator": "fair"}), {"pred": "member_*"}),
    ("quantile", {"pred": "q*"}),
    ("interval-score", {}),
    (("coverage", {"alpha": 0.1}), {}),
]


@pytest.fixture(scope="module")
def parquet(tmp_path_factory, forecast) -> str:
    path = tmp_path_factory.mktemp("forecast") / "forecast.parquet"
    forecast.assign(var=forecast["std"] ** 2).to_parquet(path, index=False)
    return str(path)


@pytest.mark.parametrize(("loss", "columns"), CASES, ids=lambda c: str(c))
def test_the_same_bits_for_any_chunking(parquet, loss, columns):
    seen = set()
    for chunk_rows in (7, 100, 1 << 20):
        source = InputOptions(parquet, chunk_rows=chunk_rows)
        r = losscli.evaluate(source, loss, weight="weight", **columns).results[0]
        seen.add((r.value, r.sum, json.dumps(r.details, sort_keys=True)))
    assert len(seen) == 1


@pytest.mark.parametrize(("loss", "columns"), CASES, ids=lambda c: str(c))
def test_each_group_equals_the_group_evaluated_alone(parquet, forecast, tmp_path, loss, columns):
    result = losscli.evaluate(
        InputOptions(parquet, chunk_rows=50), loss, by="sex", weight="weight", **columns
    ).results[0]
    for group in result.groups:
        part = tmp_path / f"{group.group}.parquet"
        forecast[forecast["sex"] == group.group].assign(var=lambda f: f["std"] ** 2).to_parquet(
            part, index=False
        )
        alone = losscli.evaluate(str(part), loss, weight="weight", **columns).results[0]
        assert group.value == pytest.approx(alone.value, rel=REL) and group.count == alone.count


def test_crps_has_a_confidence_interval_and_compares_ensembles(cli, forecast):
    out = json.loads(cli("crps", SAMPLE, "--ci", "-f", "json").stdout)["results"][0]
    assert out["ci"]["low"] < out["value"] < out["ci"]["high"]
    gaussian = json.loads(
        cli("crps", SAMPLE, "--pred", "mean", "--std", "std", "--ci", "0.9", "-f", "json").stdout
    )
    assert gaussian["results"][0]["ci"]["level"] == 0.9
    done = cli("compare", SAMPLE, "-l", "crps", "--pred", "member_*", "--pred", "gbm_*", "-f", "json")
    assert done.exit_code == 0, done.stderr
    (c,) = json.loads(done.stdout)["comparisons"]
    y = forecast["label"].to_numpy()
    a = sr.crps_ensemble(y, forecast.filter(like="member_").to_numpy(), estimator="nrg", backend="numpy")
    b = sr.crps_ensemble(y, forecast.filter(like="gbm_").to_numpy(), estimator="nrg", backend="numpy")
    assert c["difference"] == pytest.approx(float(np.mean(b) - np.mean(a)), rel=1e-10)
    assert c["verdict"] == "worse"  # the bagged trees are far too narrow
    assert c["win_rate"] == pytest.approx(float(np.mean(b < a)))


def test_compare_of_several_files_takes_each_files_interval_and_variance(cli, tmp_path, forecast):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    forecast[["label", "lower", "upper"]].to_csv(a, index=False)
    narrow = forecast.assign(lower=forecast["q25"], upper=forecast["q75"])[["label", "lower", "upper"]]
    narrow.to_csv(b, index=False)
    done = cli("compare", a, b, "-l", "interval-score", "-f", "json")
    assert done.exit_code == 0, done.stderr
    (c,) = json.loads(done.stdout)["comparisons"]
    y = forecast["label"].to_numpy()
    want = sr.interval_score(y, forecast["q25"], forecast["q75"], 0.1) - sr.interval_score(
        y, forecast["lower"], forecast["upper"], 0.1
    )
    assert c["difference"] == pytest.approx(float(np.mean(want)), rel=1e-10)
    forecast[["label", "mean"]].assign(var=forecast["std"] ** 2).to_csv(a, index=False)
    forecast[["label", "mean"]].assign(var=forecast["std"] ** 2 * 4).to_csv(b, index=False)
    done = cli("compare", a, b, "-l", "gaussian-nll", "--pred", "mean", "-f", "json")
    assert done.exit_code == 0, done.stderr  # each file's own var column (was: "several columns")


def test_eval_mixes_a_gaussian_forecasts_losses_in_one_pass(cli, forecast):
    done = cli(
        "eval", SAMPLE, "-l", "crps", "-l", "mse", "-l", "interval-score", "-l", "coverage:alpha=0.1",
        "-l", "quantile:levels=0.5", "--pred", "mean", "--std", "std", "-f", "json",
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    values = {r["loss"]: r["value"] for r in json.loads(done.stdout)["results"]}
    y, mu = forecast["label"].to_numpy(), forecast["mean"].to_numpy()
    assert values["mse"] == pytest.approx(np.mean((y - mu) ** 2), rel=REL)
    assert values["crps"] == pytest.approx(float(np.mean(sr.crps_normal(y, mu, forecast["std"]))), rel=REL)
    assert values["quantile(levels=0.5)"] == pytest.approx(mean_pinball_loss(y, mu, alpha=0.5), rel=REL)


def test_eval_takes_levels_as_a_comma_list(cli, forecast):
    done = cli("eval", SAMPLE, "-l", "quantile:levels=0.25,0.5,0.75", "--pred", "q25,q50,q75", "-f", "value")
    assert done.exit_code == 0, done.stderr
    y = forecast["label"]
    want = np.mean(
        [mean_pinball_loss(y, forecast[c], alpha=t) for c, t in (("q25", 0.25), ("q50", 0.5), ("q75", 0.75))]
    )
    assert float(done.stdout) == pytest.approx(want, rel=REL)


def test_the_dask_engine_gives_the_local_value(parquet):
    pytest.importorskip("distributed")
    for loss, columns in (("crps", {"pred": "member_*"}), ("quantile", {"pred": "q*"})):
        local = losscli.evaluate(parquet, loss, **columns).results[0]
        dask = losscli.evaluate(parquet, loss, engine="dask", **columns).results[0]
        assert dask.value == pytest.approx(local.value, rel=REL)
        assert flat(dask.details) == pytest.approx(flat(local.details), rel=REL)


def flat(details: Any) -> list[float]:
    """A result's details (numbers, None, lists of dicts) as a flat list of numbers."""
    if isinstance(details, dict):
        return [x for key in sorted(details) for x in flat(details[key])]
    if isinstance(details, list):
        return [x for item in details for x in flat(item)]
    return [] if details is None else [float(details)]


def test_skill_against_a_dummy_for_quantile_columns_and_refused_for_distributions(
    cli, forecast, expect_error
):
    """--vs-dummy (issue 15 §5): the quantile loss's dummy predicts the label median (or
    mean) at every level, scored by scikit-learn; crps and the interval losses refuse it."""
    y = forecast["label"].to_numpy()
    out = json.loads(cli("quantile", SAMPLE, "--pred", "q*", "--dummy", "median", "-f", "json").stdout)
    r = out["results"][0]
    dummy = np.mean([mean_pinball_loss(y, np.full(y.size, np.median(y)), alpha=t) for t in LEVELS])
    assert r["dummy_value"] == pytest.approx(dummy, rel=REL)
    assert r["skill"] == pytest.approx(1 - r["value"] / dummy, rel=REL)
    one = json.loads(
        cli("quantile", SAMPLE, "--pred", "mean", "--alpha", "0.9", "--vs-dummy", "-f", "json").stdout
    )
    assert one["results"][0]["dummy_value"] == pytest.approx(
        mean_pinball_loss(y, np.full(y.size, y.mean()), alpha=0.9), rel=REL
    )
    expect_error(cli("crps", SAMPLE, "--vs-dummy"), "no skill", "distribution")
    expect_error(cli("crps", SAMPLE, "--pred", "mean", "--std", "std", "--vs-dummy"), "no skill")
    expect_error(cli("interval-score", SAMPLE, "--vs-dummy"), "no skill", "lower, upper")
    expect_error(cli("coverage", SAMPLE, "--vs-dummy"), "no skill")


# ----------------------------------------------------------------- errors ----


def bad_file(write_file) -> str:
    return write_file(
        "bad.csv",
        "label,mean,std,sd_text,sd_nan,member_1,member_2,lower,upper,q_a,q_b,q5,q50\n"
        "1,1,1,1,1,0.5,1.5,0,2,1,2,1,2\n"
        "2,2,-1,x,,1,,3,1,1,2,1,2\n",
    )


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["crps", "--std", "nope", "--pred", "mean"], ["no column 'nope'", "--std"]),
        (["crps", "--std", "sd_text", "--pred", "mean"], ["column 'sd_text' row 2", "not a number"]),
        (["crps", "--std", "sd_nan", "--pred", "mean"], ["column 'sd_nan'", "row 2", "present"]),
        (["crps", "--std", "std", "--pred", "mean"], ["column 'std'", ">= 0", "row 2"]),
        (["crps", "--var", "std", "--pred", "mean"], ["column 'std'", ">= 0", "row 2"]),
        (["crps", "--pred", "member_*"], ["column 'member_2'", "row 2", "present"]),
        (["crps", "--pred", "mean"], ["Gaussian", "one column ('mean')", "--std"]),
        (["crps", "--pred", "member_*", "--std", "std"], ["one mean column, not 2"]),
        (["crps", "--pred", "mean", "--std", "std", "--var", "std"], ["used as both"]),
        (["crps", "--pred", "mean", "--std", "mean"], ["used as both"]),
        (["interval-score"], ["column 'lower'", "<= the upper bound", "row 2", "its upper bound is 1"]),
        (["coverage", "--lower", "nope"], ["no column 'nope'", "--lower"]),
        (["quantile", "--pred", "q_*"], ["cannot read a quantile level", "'q_a'"]),
        (["quantile", "--pred", "q5,q50"], ["'q5'", "single digit"]),
        (["quantile", "--pred", "q_a,q_b", "--levels", "0.1"], ["1 levels for 2"]),
        (["quantile", "--pred", "q_a,q_b", "--levels", "0.1,1.2"], ["between 0 and 1"]),
        (["quantile", "--pred", "q_a,q_b", "--levels", "0.1,0.1"], ["repeat"]),
        (
            ["quantile", "--pred", "q_a,q_b", "--levels", "0.1,0.9", "--alpha", "0.9"],
            ["--alpha", "one quantile column"],
        ),
        (["quantile", "--pred", "q5", "--levels", "0.1", "--alpha", "0.9"], ["not both"]),
        (["eval", "-l", "interval-score", "--pred", "mean"], ["--pred is not used by interval-score"]),
        (["eval", "-l", "mse", "--std", "std", "--pred", "mean"], ["--std is only used by", "crps"]),
        (
            ["eval", "-l", "mse", "-l", "quantile:levels=0.1,0.9", "--pred", "q_a,q_b"],
            ["mse takes one"],
        ),
    ],
)
def test_errors_are_one_line_and_exit_2(cli, write_file, expect_error, args, needles):
    path = bad_file(write_file)
    expect_error(cli(args[0], path, *args[1:]), *needles)


def test_options_a_loss_does_not_take_are_not_offered(cli, expect_usage_error, write_file):
    path = bad_file(write_file)
    expect_usage_error(cli("interval-score", path, "--pred", "mean"), "--pred")
    expect_usage_error(cli("mse", path, "--std", "std"), "--std")
    expect_usage_error(cli("crps", path, "--lower", "lower"), "--lower")


def test_nan_drop_leaves_out_a_row_with_a_missing_member(cli, write_file):
    path = write_file("m.csv", "label,member_1,member_2\n1,0,2\n5,1,\n2,2,2\n")
    out = json.loads(cli("crps", path, "--nan", "drop", "-f", "json").stdout)
    y, x = np.array([1.0, 2.0]), np.array([[0.0, 2.0], [2.0, 2.0]])
    assert out["results"][0]["value"] == pytest.approx(
        float(np.mean(sr.crps_ensemble(y, x, estimator="nrg")))
    )
    assert out["source"]["rows_dropped"] == 1


def test_the_public_functions_are_documented_with_their_inputs():
    assert "std : array of shape (n,), optional" in L.crps.__doc__
    assert "lower : array of shape (n,)" in L.interval_score.__doc__
    assert math.isfinite(L.coverage([1.0], [0.0], [2.0]))
