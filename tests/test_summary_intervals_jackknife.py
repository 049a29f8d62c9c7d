"""``--ci`` and ``compare`` for roc-auc and pr-auc: the grouped jackknife (issue 15, third
session).

The units (rows, ``--ci-block`` blocks, ``--id`` values) fall into G = 64 groups,
g = bucket_of(unit key, 64); θ₍g₎ is the value without group g's rows, se² = (G − 1)/G ·
Σ (θ₍g₎ − θ̄)², the interval θ̂ ∓ t_{G−1}·se cut to [0, 1]. Checked here against
independent computations: θ₍g₎ against scikit-learn on the remaining rows, the variance
against DeLong et al. (1988) written out below, the interval's coverage on binormal data
with a known AUC, compare's rejection rate under the null, and the same interval for any
chunking, ``--by`` group, engine and command.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import label_binarize

import losscli
from losscli.accumulate.summary import UNITS, make_summary
from losscli.accumulate.units import bucket_of, id_units
from losscli.intervals import JACKKNIFE_GROUPS, Jackknife
from losscli.io.source import InputOptions
from losscli.losses._ranking_jackknife import auc_left_out, split

G = JACKKNIFE_GROUPS
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
MODELS = SAMPLE / "breast_cancer_models.csv"
# losscli's t quantile is a Cornish–Fisher series (intervals.t_quantile): within ~1e-8 of
# scipy's for the 40–64 groups here, so bounds agree to ~1e-9 of an interval ~0.05 wide
T_ERROR = 1e-7
STATE = {"roc-auc": "_ranking_summary:RocAuc", "pr-auc": "_ranking_summary:PrAuc"}


# ------------------------------------------------------------- references ----


def reference(loss: str, params: dict[str, Any]) -> Any:
    """scikit-learn's value of ``loss`` with ``params`` (labels, scores, weights)."""

    def value(y: np.ndarray, s: np.ndarray, w: np.ndarray | None) -> float:
        multi, average = params.get("multi_class"), params.get("average", "macro")
        if loss == "pr-auc":
            if multi is None:
                return float(average_precision_score(y, s, sample_weight=w))
            binarised = label_binarize(y, classes=range(s.shape[1]))
            return float(average_precision_score(binarised, s, average=average, sample_weight=w))
        if multi is None:
            return float(roc_auc_score(y, s, sample_weight=w, max_fpr=params.get("max_fpr")))
        return float(roc_auc_score(y, s, multi_class=multi, average=average, sample_weight=w))

    return value


def left_out_by_sklearn(value: Any, y: Any, s: Any, w: Any, groups: np.ndarray) -> np.ndarray:
    """θ₍g₎ = scikit-learn's value on the rows outside group g (NaN: g has no rows)."""
    out = np.full(G, np.nan)
    for g in np.unique(groups):
        keep = groups != g
        out[g] = value(y[keep], s[keep], None if w is None else w[keep])
    return out


def jackknife_interval(theta: float, left: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """θ̂ ∓ t_{G−1, (1+level)/2} · se over the groups with rows, cut to [0, 1] (scipy's t)."""
    kept = left[np.isfinite(left)]
    g = kept.size
    se = math.sqrt((g - 1) / g * float(np.sum((kept - kept.mean()) ** 2)))
    half = float(stats.t.ppf(0.5 + level / 2, g - 1)) * se
    return max(theta - half, 0.0), min(theta + half, 1.0)


def delong(y: np.ndarray, s: np.ndarray) -> tuple[float, float, float, int, int]:
    """DeLong, DeLong & Clarke-Pearson (1988): the structural components V₁₀(Xᵢ) = mean_j
    ψ(Xᵢ, Yⱼ), V₀₁(Yⱼ) = mean_i ψ(Xᵢ, Yⱼ), S₁₀ and S₀₁ their sample variances; var(AUC) =
    S₁₀/m + S₀₁/n. Brute force over all pairs. Returns (AUC, S₁₀, S₀₁, m, n)."""
    x, z = s[y == 1], s[y == 0]
    psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
    auc = float(psi.mean())
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    s10 = float(np.sum((v10 - auc) ** 2)) / (x.size - 1)
    s01 = float(np.sum((v01 - auc) ** 2)) / (z.size - 1)
    return auc, s10, s01, x.size, z.size


# ---------------------------------------------------------------- data ----


def binary_rows(seed: int, n: int, ties: bool, weighted: bool) -> tuple[np.ndarray, np.ndarray, Any]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(float)
    s = rng.normal(size=n) + y
    if ties:
        s = np.round(s, 1)
    w = None
    if weighted:
        w = rng.uniform(0.0, 3.0, n)
        w[rng.random(n) < 0.1] = 0.0  # rows of weight 0 are kept out, as scikit-learn drops them
    return y, s, w


def class_rows(seed: int, n: int, k: int, weighted: bool) -> tuple[np.ndarray, np.ndarray, Any]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    p = np.exp(rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y])
    p = np.round(p / p.sum(axis=1, keepdims=True), 2)  # ties
    p /= p.sum(axis=1, keepdims=True)
    return y, p, rng.uniform(0.1, 2.0, n) if weighted else None


def summary_of(
    loss: str, params: dict[str, Any], y: Any, s: Any, w: Any, keys: np.ndarray, parts: int = 3
) -> Any:
    """The loss's summary fed ``parts`` chunks with their unit keys, merged as partitions are."""
    merged = None
    for rows in np.array_split(np.arange(y.size), parts):
        summary = make_summary(STATE[loss], params)
        summary.update(
            {"y_true": y[rows], "y_pred": s[rows], UNITS: keys[rows]}, None if w is None else w[rows], s[rows]
        )
        if merged is None:
            merged = summary
        else:
            merged.merge(summary)
    return merged


# ------------------------------------------------ θ₍g₎ against scikit-learn ----

BINARY = [
    ("roc-auc", {}),
    ("roc-auc", {"max_fpr": 0.2}),
    ("roc-auc", {"max_fpr": 0.7}),
    ("pr-auc", {}),
]


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss, params", BINARY)
def test_binary_left_out_values_are_scikit_learns_without_the_groups_rows(loss, params, weighted, ties):
    y, s, w = binary_rows(1, 500, ties, weighted)
    keys = np.arange(y.size, dtype=np.uint64)
    summary = summary_of(loss, params, y, s, w, keys)
    value = reference(loss, params)
    want = left_out_by_sklearn(value, y, s, w, bucket_of(keys, G))
    got = summary.left_out()
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert summary.value() == pytest.approx(value(y, s, w), abs=1e-12)


MULTICLASS = [
    ("roc-auc", {"multi_class": "ovr", "average": "macro"}, True),
    ("roc-auc", {"multi_class": "ovr", "average": "weighted"}, True),
    ("roc-auc", {"multi_class": "ovo", "average": "macro"}, False),
    ("roc-auc", {"multi_class": "ovo", "average": "weighted"}, False),
    ("pr-auc", {"multi_class": "ovr", "average": "macro"}, True),
    ("pr-auc", {"multi_class": "ovr", "average": "weighted"}, True),
]


@pytest.mark.parametrize("loss, params, weighted", MULTICLASS)
def test_multiclass_left_out_values_are_scikit_learns_without_the_groups_rows(loss, params, weighted):
    y, p, w = class_rows(2, 600, 4, weighted)
    keys = np.arange(y.size, dtype=np.uint64) + np.uint64(10_000)
    summary = summary_of(loss, params, y, p, w, keys)
    want = left_out_by_sklearn(reference(loss, params), y, p, w, bucket_of(keys, G))
    np.testing.assert_allclose(summary.left_out(), want, rtol=0, atol=1e-12)


def test_groups_without_rows_are_nan_and_id_keys_group_their_rows():
    """40 rows in 64 groups leave groups empty (NaN, skipped); keys shared by several rows
    (an --id) put those rows in one group, left out together."""
    rng = np.random.default_rng(3)
    y = np.tile([0.0, 1.0], 20)
    s = rng.normal(size=40) + y
    keys = np.arange(40, dtype=np.uint64)
    groups = bucket_of(keys, G)
    got = make_summary(STATE["roc-auc"], {})
    got.update({"y_true": y, "y_pred": s, UNITS: keys}, None, s)
    left = got.left_out()
    assert np.isnan(left[np.setdiff1d(np.arange(G), groups)]).all()
    np.testing.assert_allclose(
        left, left_out_by_sklearn(reference("roc-auc", {}), y, s, None, groups), atol=1e-12
    )

    ids = id_units(np.repeat(np.arange(50), 6))  # 300 rows, 6 a unit
    y, s, _ = binary_rows(4, 300, ties=True, weighted=False)
    summary = make_summary(STATE["pr-auc"], {})
    summary.update({"y_true": y, "y_pred": s, UNITS: ids}, None, s)
    groups = bucket_of(ids, G)
    want = left_out_by_sklearn(reference("pr-auc", {}), y, s, None, groups)
    np.testing.assert_allclose(summary.left_out(), want, atol=1e-12)


def test_left_out_values_are_the_same_bits_for_any_chunking_and_merge_order():
    y, s, w = binary_rows(5, 3_000, ties=True, weighted=True)
    keys = np.arange(y.size, dtype=np.uint64)
    for loss, params in BINARY:
        runs = [summary_of(loss, params, y, s, w, keys, parts).left_out() for parts in (1, 2, 7, 40)]
        for other in runs[1:]:
            assert np.array_equal(runs[0], other, equal_nan=True), (loss, params)


# ------------------------------------------------------- DeLong's variance ----


@pytest.mark.parametrize("seed", [6, 7])
def test_one_row_a_group_gives_delongs_variance(seed):
    """With every row its own group the jackknife variance of the AUC is
    (N − 1)/N · (S₁₀/(m − 1) + S₀₁/(n − 1)) exactly, where DeLong's is S₁₀/m + S₀₁/n:
    the same to within O(1/n) (θ₍i₎ − θ̂ = (θ̂ − V₁₀(Xᵢ))/(m − 1) for a positive row)."""
    y, s, _ = binary_rows(seed, 160, ties=True, weighted=False)
    rows = np.arange(y.size)
    positive = y == 1
    pos = split(s[positive].copy(), rows[positive].copy(), y.size, 1.0)
    neg = split(s[~positive].copy(), rows[~positive].copy(), y.size, 1.0)
    left = auc_left_out(pos, neg)
    auc, s10, s01, m, n = delong(y, s)
    jack = Jackknife(left, auc, 0.95)
    big_n = m + n
    assert jack.groups == big_n
    assert jack.se**2 == pytest.approx((big_n - 1) / big_n * (s10 / (m - 1) + s01 / (n - 1)), rel=1e-10)
    assert jack.se**2 / (s10 / m + s01 / n) == pytest.approx(1.0, abs=3.0 / min(m, n))


# ------------------------------------------------ statistics on simulations ----

D = 1.0  # binormal: negatives N(0, 1), positives N(D, 1)
PREVALENCE = 0.4


def population(loss: str, params: dict[str, Any]) -> float:
    """The binormal population's value: AUC = Φ(D/√2); the partial AUC ∫₀^m Φ(D + Φ⁻¹(f)) df,
    McClish-standardised; average precision E_pos[π S₁(s) / (π S₁(s) + (1 − π) S₀(s))]."""
    if loss == "pr-auc":
        pi = PREVALENCE

        def precision(t: float) -> float:
            tp, fp = pi * stats.norm.sf(t - D), (1 - pi) * stats.norm.sf(t)
            return float(stats.norm.pdf(t - D) * tp / (tp + fp))

        return float(integrate.quad(precision, -12, 14, limit=200)[0])
    m = params.get("max_fpr")
    if m is None:
        return float(stats.norm.cdf(D / math.sqrt(2)))
    area = integrate.quad(lambda f: stats.norm.cdf(D + stats.norm.ppf(f)), 0, m)[0]
    return 0.5 * (1 + (area - m * m / 2) / (m - m * m / 2))


def binomial_band(p: float, trials: int) -> tuple[float, float]:
    """p ± 3 binomial standard deviations of a share over ``trials``."""
    sd = math.sqrt(p * (1 - p) / trials)
    return p - 3 * sd, p + 3 * sd


@pytest.mark.parametrize("loss, params", [("roc-auc", {}), ("roc-auc", {"max_fpr": 0.3}), ("pr-auc", {})])
def test_the_95_percent_interval_covers_the_binormal_truth(loss, params):
    """400 data sets of 1,000 i.i.d. rows (labels Bernoulli(0.4): the jackknife treats the
    rows as drawn at random, class counts included)."""
    truth = population(loss, params)
    rng = np.random.default_rng(8)
    n, trials, covered, ratios = 1_000, 400, 0, []
    keys = np.arange(n, dtype=np.uint64)
    for _ in range(trials):
        y = (rng.random(n) < PREVALENCE).astype(float)
        s = rng.normal(size=n) + D * y
        summary = make_summary(STATE[loss], params)
        summary.update({"y_true": y, "y_pred": s, UNITS: keys}, None, s)
        jack = Jackknife(summary.left_out(), summary.value(), 0.95)
        low, high = jack.interval()
        covered += low <= truth <= high
        if loss == "roc-auc" and not params:
            _, s10, s01, m, z = delong(y, s)
            ratios.append(jack.se**2 / (s10 / m + s01 / z))
    low, high = binomial_band(0.95, trials)
    assert low <= covered / trials <= high, covered / trials
    if ratios:  # 64 groups estimate DeLong's variance (63 degrees of freedom: ±18 % a data set)
        assert np.mean(ratios) == pytest.approx(1.0, abs=0.06)


@pytest.mark.parametrize("loss, params", [("roc-auc", {}), ("roc-auc", {"max_fpr": 0.3}), ("pr-auc", {})])
def test_compare_rejects_exchangeable_models_about_5_percent_of_the_time(loss, params):
    """Two score columns with the same distribution (a shared part and their own noise):
    the paired jackknife's p < 0.05 in about 5 % of 400 data sets."""
    rng = np.random.default_rng(9)
    n, trials, rejected = 400, 400, 0
    keys = np.arange(n, dtype=np.uint64)
    for _ in range(trials):
        y = (rng.random(n) < PREVALENCE).astype(float)
        shared = 0.8 * rng.normal(size=n) + D * y
        a, b = shared + 0.6 * rng.normal(size=n), shared + 0.6 * rng.normal(size=n)
        first, second = make_summary(STATE[loss], params), make_summary(STATE[loss], params)
        first.update({"y_true": y, "y_pred": a, UNITS: keys}, None, a)
        second.update({"y_true": y, "y_pred": b, UNITS: keys}, None, b)
        paired = Jackknife(first.left_out() - second.left_out(), first.value() - second.value(), 0.95)
        rejected += paired.p_value() < 0.05
    low, high = binomial_band(0.05, trials)
    assert low <= rejected / trials <= high, rejected / trials


# -------------------------------------------- the commands, end to end ----


def _frame(seed: int, n: int, weighted: bool) -> pd.DataFrame:
    y, s, w = binary_rows(seed, n, ties=True, weighted=weighted)
    rng = np.random.default_rng(seed + 1)
    return pd.DataFrame(
        {
            "id": rng.integers(0, n // 4, n),
            "label": y.astype(int),
            "prob": s,
            "other": s + rng.normal(size=n),
            "g": rng.choice(["a", "b"], n),
            "w": w if w is not None else 1.0,
        }
    )


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss, params", BINARY)
def test_the_interval_is_the_jackknife_of_scikit_learns_left_out_values(tmp_path, loss, params, weighted):
    """--ci on a file: θ̂ ∓ t·se from scikit-learn's θ₍g₎ (rows: 0-based row numbers as
    keys), for any chunk size."""
    frame = _frame(10, 900, weighted)
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    w = frame.w.to_numpy() if weighted else None
    value = reference(loss, params)
    y, s = frame.label.to_numpy(), frame.prob.to_numpy()
    left = left_out_by_sklearn(value, y, s, w, bucket_of(np.arange(len(frame), dtype=np.uint64), G))
    want = jackknife_interval(value(y, s, w), left)
    kw: dict[str, Any] = {"weight": "w"} if weighted else {}
    cis = []
    for chunk in (37, 1 << 20):
        result = losscli.evaluate(
            InputOptions(str(path), chunk_rows=chunk), loss, params=params, ci=0.95, **kw
        )
        cis.append(result.results[0].ci)
    assert cis[0] == cis[1]
    ci = cis[0]
    assert (ci.method, ci.unit, ci.units, ci.level) == ("jackknife", "row", G, 0.95)
    assert ci.low == pytest.approx(want[0], abs=T_ERROR) and ci.high == pytest.approx(want[1], abs=T_ERROR)


def test_id_and_blocks_keep_their_rows_in_one_group(tmp_path):
    frame = _frame(11, 800, weighted=False)
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    y, s = frame.label.to_numpy(), frame.prob.to_numpy()
    value = reference("roc-auc", {})
    by_id = losscli.evaluate(str(path), "roc-auc", id="id", ci=0.95).results[0].ci
    left = left_out_by_sklearn(value, y, s, None, bucket_of(id_units(frame.id.to_numpy()), G))
    assert (by_id.low, by_id.high) == pytest.approx(jackknife_interval(value(y, s, None), left), abs=T_ERROR)
    assert by_id.unit == "id 'id'"
    blocks = losscli.evaluate(str(path), "roc-auc", ci_block=25, ci=0.95).results[0].ci
    keys = (np.arange(len(frame)) // 25).astype(np.uint64)
    left = left_out_by_sklearn(value, y, s, None, bucket_of(keys, G))
    assert (blocks.low, blocks.high) == pytest.approx(
        jackknife_interval(value(y, s, None), left), abs=T_ERROR
    )
    assert blocks.units == np.unique(bucket_of(keys, G)).size  # 32 blocks: fewer groups than 64


def test_by_groups_have_the_interval_of_their_own_rows(cli, tmp_path):
    """Each --by group's interval is the one of its rows alone (with --id units, the same
    units in the whole file and in the group's own file)."""
    frame = _frame(12, 1_200, weighted=True)
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    args = ["--by", "g", "--id", "id", "--weight", "w", "--ci", "-f", "json"]
    done = cli("eval", path, "-l", "roc-auc", "-l", "pr-auc", "-l", "roc-auc:max_fpr=0.4", *args)
    assert done.exit_code == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    for result, (loss, params) in zip(
        results, [("roc-auc", {}), ("pr-auc", {}), ("roc-auc", {"max_fpr": 0.4})], strict=True
    ):
        for group in result["groups"]:
            part = frame[frame.g == group["group"]]
            y, s, w = part.label.to_numpy(), part.prob.to_numpy(), part.w.to_numpy()
            value = reference(loss, params)
            left = left_out_by_sklearn(value, y, s, w, bucket_of(id_units(part.id.to_numpy()), G))
            want = jackknife_interval(value(y, s, w), left)
            assert group["ci"]["method"] == "jackknife"
            assert (group["ci"]["low"], group["ci"]["high"]) == pytest.approx(want, abs=T_ERROR)


def test_multiclass_ci_on_the_iris_sample(cli):
    """--multi-class ovr and ovo with --ci: the jackknife of scikit-learn's left-out values."""
    frame = pd.read_csv(SAMPLE / "iris_multiclass.csv")
    names = ["setosa", "versicolor", "virginica"]
    y = frame.label.map({n: i for i, n in enumerate(names)}).to_numpy()
    p = frame[[f"prob_{n}" for n in names]].to_numpy()
    groups = bucket_of(np.arange(len(frame), dtype=np.uint64), G)
    for loss, params in [
        ("roc-auc", {"multi_class": "ovo", "average": "macro"}),
        ("roc-auc", {"multi_class": "ovr", "average": "weighted"}),
        ("pr-auc", {"multi_class": "ovr", "average": "macro"}),
    ]:
        args = [f"--{k.replace('_', '-')}={v}" for k, v in params.items()]
        done = cli(loss, SAMPLE / "iris_multiclass.csv", *args, "--ci", "-f", "json")
        assert done.exit_code == 0, done.stderr
        ci = json.loads(done.stdout)["results"][0]["ci"]
        value = reference(loss, params)
        want = jackknife_interval(value(y, p, None), left_out_by_sklearn(value, y, p, None, groups))
        assert (ci["low"], ci["high"]) == pytest.approx(want, abs=T_ERROR)


def test_table_json_and_markdown_show_the_interval(cli):
    path = SAMPLE / "breast_cancer_binary.csv"
    table = cli("roc-auc", path, "--ci", "--rows", "0")
    assert table.exit_code == 0, table.stderr
    header, row = table.stdout.splitlines()[1:3]
    assert "95% CI" in header and row.startswith("roc-auc") and "…" in row
    frame = pd.read_csv(path)
    y, s = frame.label.to_numpy(), frame.prob.to_numpy()
    value = reference("roc-auc", {})
    left = left_out_by_sklearn(value, y, s, None, bucket_of(np.arange(len(frame), dtype=np.uint64), G))
    want = jackknife_interval(value(y, s, None), left)
    assert want[1] == 1.0  # an AUC of 0.995: the t interval passes 1 and is cut there
    result = json.loads(cli("roc-auc", path, "--ci", "0.9", "-f", "json").stdout)["results"][0]
    assert result["ci"]["method"] == "jackknife" and result["ci"]["level"] == 0.9
    want90 = jackknife_interval(value(y, s, None), left, 0.9)
    assert (result["ci"]["low"], result["ci"]["high"]) == pytest.approx(want90, abs=T_ERROR)
    markdown = cli("pr-auc", path, "--ci", "-f", "markdown")
    assert markdown.exit_code == 0 and "95% CI" in markdown.stdout


def test_eval_gives_each_loss_its_own_method(cli):
    done = cli(
        "eval",
        SAMPLE / "breast_cancer_binary.csv",
        "-l",
        "roc-auc",
        "-l",
        "pr-auc",
        "-l",
        "bce",
        "--ci",
        "-f",
        "json",
    )
    assert done.exit_code == 0, done.stderr
    methods = [r["ci"]["method"] for r in json.loads(done.stdout)["results"]]
    assert methods == ["jackknife", "jackknife", "bca"]


def test_check_reports_the_interval(cli, tmp_path):
    frame = pd.read_csv(SAMPLE / "breast_cancer_binary.csv")
    frame.to_csv(tmp_path / "bc.csv", index=False)  # a config reads files beside it
    config = tmp_path / "losscli.toml"
    config.write_text('[[check]]\nfile = "bc.csv"\nloss = "pr-auc"\nmin = 0.9\nci = 0.95\n')
    done = cli("check", config, "--format", "json")
    assert done.exit_code == 0, done.stderr
    (check,) = json.loads(done.stdout)["checks"]
    y, s = frame.label.to_numpy(), frame.prob.to_numpy()
    value = reference("pr-auc", {})
    left = left_out_by_sklearn(value, y, s, None, bucket_of(np.arange(len(frame), dtype=np.uint64), G))
    assert check["ci"]["method"] == "jackknife" and check["passed"]
    want = jackknife_interval(value(y, s, None), left)
    assert (check["ci"]["low"], check["ci"]["high"]) == pytest.approx(want, abs=T_ERROR)


def test_compare_columns_of_one_file_and_two_files_agree(cli, tmp_path):
    """compare on two score columns of one file and on the same columns as two files:
    the same paired interval, θ_A(g) − θ_B(g) from scikit-learn's left-out values."""
    frame = pd.read_csv(MODELS)
    one = cli(
        "compare", MODELS, "--pred", "prob_logreg,prob_tree", "-l", "roc-auc", "-l", "pr-auc", "-f", "json"
    )
    assert one.exit_code == 0, one.stderr
    for name in ("prob_logreg", "prob_tree"):
        frame[["id", "label", name]].rename(columns={name: "prob"}).to_csv(
            tmp_path / f"{name}.csv", index=False
        )
    two = cli(
        "compare",
        tmp_path / "prob_logreg.csv",
        tmp_path / "prob_tree.csv",
        "-l",
        "roc-auc",
        "-l",
        "pr-auc",
        "-f",
        "json",
    )
    assert two.exit_code == 0, two.stderr
    y = frame.label.to_numpy()
    groups = bucket_of(np.arange(len(frame), dtype=np.uint64), G)
    for got_one, got_two, loss in zip(
        json.loads(one.stdout)["comparisons"],
        json.loads(two.stdout)["comparisons"],
        ["roc-auc", "pr-auc"],
        strict=True,
    ):
        value = reference(loss, {})
        a, b = frame.prob_logreg.to_numpy(), frame.prob_tree.to_numpy()
        difference = left_out_by_sklearn(value, y, b, None, groups) - left_out_by_sklearn(
            value, y, a, None, groups
        )
        kept = difference[np.isfinite(difference)]
        se = math.sqrt((kept.size - 1) / kept.size * float(np.sum((kept - kept.mean()) ** 2)))
        estimate = value(y, b, None) - value(y, a, None)
        half = float(stats.t.ppf(0.975, kept.size - 1)) * se
        p = 2 * float(stats.t.sf(abs(estimate) / se, kept.size - 1))
        for got in (got_one, got_two):
            assert got["ci"]["method"] == "jackknife" and got["verdict"] == "worse"
            assert got["difference"] == pytest.approx(estimate, abs=1e-12)
            assert (got["ci"]["low"], got["ci"]["high"]) == pytest.approx(
                (estimate - half, estimate + half), abs=1e-9
            )
            assert got["p_value"] == pytest.approx(p, rel=1e-3, abs=T_ERROR)
            assert got["win_rate"] is None  # a score is no loss: no rows won
    gate = cli("compare", MODELS, "--pred", "prob_logreg,prob_tree", "-l", "roc-auc", "--fail-if-worse")
    assert gate.exit_code == 1 and "FAIL roc-auc prob_tree" in gate.stderr


def test_dask_partitions_give_the_local_interval(cluster, tmp_path):
    frame = _frame(13, 4_000, weighted=True)
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[rows].to_parquet(tmp_path / f"part-{i}.parquet", row_group_size=500, index=False)
    pattern = str(tmp_path / "part-*.parquet")
    for loss, params in BINARY[:2] + BINARY[3:]:
        kw: dict[str, Any] = {"params": params, "weight": "w", "ci": 0.95, "by": "g"}
        local = losscli.evaluate(pattern, loss, **kw).results[0]
        remote = losscli.evaluate(
            pattern, loss, engine="dask", scheduler=cluster.scheduler.address, **kw
        ).results[0]
        assert remote.ci == local.ci and remote.ci is not None and remote.ci.method == "jackknife"
        assert [g.ci for g in remote.groups] == [g.ci for g in local.groups]


# ------------------------------------------------------------------ errors ----


def test_no_interval_when_a_group_holds_a_class(cli, expect_error, write_file):
    one_positive = write_file("one.csv", "label,prob\n1,0.9\n0,0.2\n0,0.5\n0,0.4\n")
    expect_error(
        cli("roc-auc", one_positive, "--ci"),
        "roc-auc: no confidence interval: ROC-AUC is undefined with one group of units left out",
        "each class's rows in at least two of the 64 groups",
    )
    grouped = write_file(
        "g.csv", "label,prob,g\n1,0.9,a\n0,0.2,a\n0,0.5,a\n1,0.4,a\n1,0.9,b\n0,0.2,b\n0,0.5,b\n"
    )
    expect_error(cli("pr-auc", grouped, "--ci", "--by", "g"), "pr-auc (group 'b'): no confidence interval")
    two = write_file("two.csv", "label,a,b\n1,0.9,0.8\n0,0.2,0.1\n0,0.5,0.3\n0,0.4,0.2\n")
    expect_error(
        cli("compare", two, "--pred", "a,b", "-l", "roc-auc"),
        "compare: ",
        "roc-auc: no confidence interval: ROC-AUC is undefined with one group of units left out",
        "hint: compare needs each model's interval",
    )


def test_usage_errors_stay_exit_2(cli, expect_error, write_file):
    path = SAMPLE / "breast_cancer_binary.csv"
    expect_error(cli("roc-auc", path, "--ci", "95"), "--ci takes a confidence level between 0 and 1")
    iris = SAMPLE / "iris_multiclass.csv"
    expect_error(
        cli("roc-auc", iris, "--multi-class", "ovo", "--weight", "id", "--ci"), "ovo takes no --weight"
    )
    baseline = write_file("b.json", '{"roc-auc": 0.9}')
    expect_error(  # a baseline holds no left-out values to pair with: compare the predictions instead
        cli("roc-auc", path, "--baseline", baseline, "--significance", "0.05"),
        "--significance: roc-auc keeps no bootstrap sums a baseline can be paired with",
    )


def test_explain_states_the_method(cli):
    for loss in ("roc-auc", "pr-auc"):
        text = cli("explain", loss).stdout
        assert "grouped jackknife" in text and "t_{G−1}" in text and "O(64 · n" in text
    assert "DeLong" in cli("explain", "roc-auc").stdout
    mse = cli("explain", "mse").stdout  # a mean keeps its bootstrap
    assert "BCa bootstrap" in mse and "jackknife" not in mse


def test_average_precision_with_ties_across_blocks():
    """The positives' own ranks are read off their sorted scores (runs of ties that cross
    the 65,536-score blocks included), not searched: scikit-learn's value still."""
    rng = np.random.default_rng(14)
    n = 300_000
    y = (rng.random(n) < 0.3).astype(int)
    s = np.round(rng.normal(size=n) + y, 2)  # runs of hundreds of equal scores
    w = rng.uniform(0.0, 2.0, n)
    for weights in (None, w):
        got = losscli.losses.pr_auc(y, s, sample_weight=weights)
        assert got == pytest.approx(average_precision_score(y, s, sample_weight=weights), rel=1e-12)
