"""Issue 15 §5: skill against a trivial model (``--vs-dummy``).

Every expected number comes from an independent computation in the test: scikit-learn's
``DummyRegressor`` / ``DummyClassifier`` (strategy ``mean``, ``median``, ``prior``, fitted
with the same sample weights) gives the dummy's constant prediction, scored with the
scikit-learn metric where one exists, else with NumPy from the loss's formula; the
model's value likewise; skill = 1 − value / dummy from those two numbers.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pytest import approx
from sklearn import metrics
from sklearn.dummy import DummyClassifier, DummyRegressor

import losscli
from losscli.errors import UsageError
from losscli.io.source import InputOptions

REL = 1e-12
N = 400


# ------------------------------------------------------------------ data ----


def _weights(rng: np.random.Generator, n: int) -> np.ndarray:
    w = rng.uniform(0.1, 3.0, n)
    w[rng.random(n) < 0.05] = 0.0  # some rows weigh nothing
    return w


def regression_frame(seed: int = 0, n: int = N, integer: bool = False) -> pd.DataFrame:
    """Positive labels (every regression loss's domain), predictions near them."""
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 7, n).astype(float) if integer else rng.gamma(2.0, 2.0, n) + 0.1
    pred = np.maximum(y * rng.lognormal(0.0, 0.3, n), 0.05)
    return pd.DataFrame(
        {"pred": pred, "label": y, "w": _weights(rng, n), "g": rng.choice(["a", "b", "c"], n)}
    )


def binary_frame(seed: int = 0, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    logit = 2.0 * (2 * y - 1) + rng.normal(0.0, 1.6, n)
    return pd.DataFrame(
        {
            "label": y,
            "prob": 1 / (1 + np.exp(-logit)),
            "logit": logit,
            "w": _weights(rng, n),
            "g": rng.choice(["a", "b"], n),
        }
    )


K = 4


def multiclass_frame(seed: int = 0, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.choice(K, n, p=[0.45, 0.3, 0.15, 0.1])
    logits = rng.normal(0.0, 1.0, (n, K))
    logits[np.arange(n), y] += 1.5
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"label": y, "w": _weights(rng, n), "g": rng.choice(["a", "b"], n)})
    for k in range(K):
        frame[f"prob_{k}"] = p[:, k]
        frame[f"logit_{k}"] = logits[:, k]
    return frame


def _x(n: int) -> np.ndarray:
    return np.zeros((n, 1))


def dummy_constant(y: np.ndarray, w: np.ndarray | None, strategy: str) -> float:
    """scikit-learn's dummy regressor's prediction."""
    fitted = DummyRegressor(strategy=strategy).fit(_x(y.size), y, sample_weight=w)
    return float(fitted.predict(_x(1))[0])


def dummy_prior(y: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """scikit-learn's dummy classifier's class probabilities (the weighted prior)."""
    fitted = DummyClassifier(strategy="prior").fit(_x(y.size), y, sample_weight=w)
    prior = np.zeros(max(int(y.max()) + 1, 2))
    prior[fitted.classes_] = fitted.predict_proba(_x(1))[0]
    return prior


def _skill(value: float, dummy: float) -> float:
    return 1.0 - value / dummy


# --------------------------------------------------- regression references ----


def _huber(y, p, delta):
    a = np.abs(p - y)
    return np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))


def _smooth_l1(y, p, beta):
    a = np.abs(p - y)
    return np.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)


def _log_cosh(y, p):
    return np.log(np.cosh(p - y))


def _smape(y, p):
    return 2.0 * np.abs(p - y) / np.maximum(np.abs(y) + np.abs(p), 1.17e-6)


def _mean(per_sample):  # NumPy's weighted mean of a per-sample formula
    return lambda y, p, w, **kw: float(np.average(per_sample(y, p, **kw), weights=w))


REGRESSION: dict[str, tuple[dict[str, Any], Any]] = {
    "mse": ({}, lambda y, p, w: metrics.mean_squared_error(y, p, sample_weight=w)),
    "rmse": ({}, lambda y, p, w: metrics.root_mean_squared_error(y, p, sample_weight=w)),
    "mae": ({}, lambda y, p, w: metrics.mean_absolute_error(y, p, sample_weight=w)),
    "huber": ({"delta": 2.5}, lambda y, p, w: _mean(_huber)(y, p, w, delta=2.5)),
    "smooth-l1": ({"beta": 0.5}, lambda y, p, w: _mean(_smooth_l1)(y, p, w, beta=0.5)),
    "log-cosh": ({}, _mean(_log_cosh)),
    "mape": ({}, lambda y, p, w: metrics.mean_absolute_percentage_error(y, p, sample_weight=w)),
    "smape": ({}, _mean(_smape)),
    "msle": ({}, lambda y, p, w: metrics.mean_squared_log_error(y, p, sample_weight=w)),
    "rmsle": ({}, lambda y, p, w: metrics.root_mean_squared_log_error(y, p, sample_weight=w)),
    "quantile": ({"alpha": 0.8}, lambda y, p, w: metrics.mean_pinball_loss(y, p, alpha=0.8, sample_weight=w)),
    "poisson": ({}, lambda y, p, w: metrics.mean_poisson_deviance(y, p, sample_weight=w)),
    "gamma": ({}, lambda y, p, w: metrics.mean_gamma_deviance(y, p, sample_weight=w)),
    "tweedie": (
        {"power": 1.5},
        lambda y, p, w: metrics.mean_tweedie_deviance(y, p, power=1.5, sample_weight=w),
    ),
    "max-error": ({}, lambda y, p, w: metrics.max_error(y[w > 0], p[w > 0])),  # weights only select rows
}


def _evaluate(frame: pd.DataFrame, loss: str, params: dict[str, Any], weighted: bool, **kw: Any) -> Any:
    return losscli.evaluate(
        frame, loss, params=params or None, weight="w" if weighted else None, vs_dummy=True, rows=0, **kw
    ).results[0]


@pytest.mark.parametrize("strategy", ["mean", "median"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", list(REGRESSION))
def test_regression_skill_agrees_with_sklearns_dummy_regressor(loss, weighted, strategy):
    params, reference = REGRESSION[loss]
    frame = regression_frame(seed=len(loss))
    y, p = frame["label"].to_numpy(), frame["pred"].to_numpy()
    w = frame["w"].to_numpy() if weighted else np.ones(y.size)
    c = dummy_constant(y, w if weighted else None, strategy)
    value, dummy = reference(y, p, w), reference(y, np.full(y.size, c), w)
    found = _evaluate(frame, loss, params, weighted, dummy=strategy)
    assert found.dummy.strategy == strategy and found.dummy.prediction == approx(c, rel=REL)
    assert found.value == approx(value, rel=REL)
    assert found.dummy_value == approx(dummy, rel=REL)
    assert found.skill == approx(_skill(value, dummy), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_mse_skill_against_the_mean_is_sklearns_r2(weighted):
    frame = regression_frame(seed=3)
    w = frame["w"].to_numpy() if weighted else None
    found = _evaluate(frame, "mse", {}, weighted)
    assert found.skill == approx(metrics.r2_score(frame["label"], frame["pred"], sample_weight=w), rel=1e-12)


def test_the_median_of_labels_with_ties_is_numpys_median_and_the_weighted_rule_is_averaged():
    frame = regression_frame(seed=5, integer=True)  # labels 1..6: many ties
    found = _evaluate(frame, "mae", {}, False, dummy="median")
    assert found.dummy.prediction == float(np.median(frame["label"]))
    # averaged inverted CDF: labels 1, 2, 3 weighing 1, 1, 2 → the cumulative weight is
    # exactly half (2 of 4) at 2, so the median is (2 + 3) / 2
    tied = pd.DataFrame(
        {"pred": [1.0, 2.0, 3.0, 5.0], "label": [1.0, 2.0, 3.0, 3.0], "w": [1.0, 1.0, 1.0, 1.0]}
    )
    assert _evaluate(tied, "mae", {}, True, dummy="median").dummy.prediction == 2.5
    assert np.median([1.0, 2.0, 3.0, 3.0]) == 2.5
    # not exactly half: the smallest label whose cumulative weight reaches it (sklearn's)
    uneven = tied.assign(w=[1.0, 1.0, 2.5, 0.0])
    assert _evaluate(uneven, "mae", {}, True, dummy="median").dummy.prediction == dummy_constant(
        uneven["label"].to_numpy(), uneven["w"].to_numpy(), "median"
    )


def test_keras_mean_divides_the_dummy_by_the_row_count_too():
    frame = regression_frame(seed=9)
    y, p, w = (frame[c].to_numpy() for c in ("label", "pred", "w"))
    c = dummy_constant(y, w, "mean")
    value, dummy = np.sum(w * (p - y) ** 2) / y.size, np.sum(w * (c - y) ** 2) / y.size
    found = _evaluate(frame, "mse", {}, True, compat="keras")
    assert (found.value, found.dummy_value) == (approx(value, rel=REL), approx(dummy, rel=REL))


# ----------------------------------------------- classification references ----


def _bce(y, p):
    return -(y * np.log(p) + (1 - y) * np.log1p(-p))


def _focal(y, p, gamma, alpha):
    pt = y * p + (1 - y) * (1 - p)
    return (alpha * y + (1 - alpha) * (1 - y)) * (1 - pt) ** gamma * _bce(y, p)


def _smoothed_bce(y, p, s, pos_weight):
    t = y * (1 - s) + s / 2
    return -(pos_weight * t * np.log(p) + (1 - t) * np.log1p(-p))


def _logit(p):
    return np.log(p) - np.log1p(-p)


def _decision(y):  # sklearn's hinge_loss takes 0/1 labels and decision scores
    return lambda p, w, yy=y: p


BINARY: dict[str, tuple[str, dict[str, Any], Any]] = {
    # name: (prediction column, params, reference(y, score, w) — score: the probability or logit given)
    "bce": ("prob", {}, lambda y, s, w: metrics.log_loss(y, s, sample_weight=w, labels=[0, 1])),
    "bce-logits": (
        "logit",
        {"from_logits": True},
        lambda y, s, w: np.average(_bce(y, 1 / (1 + np.exp(-s))), weights=w),
    ),
    "bce-smoothed": (
        "prob",
        {"label_smoothing": 0.1, "pos_weight": 2.0},
        lambda y, s, w: np.average(_smoothed_bce(y, s, 0.1, 2.0), weights=w),
    ),
    "brier": ("prob", {}, lambda y, s, w: metrics.brier_score_loss(y, s, sample_weight=w)),
    "focal": (
        "prob",
        {"gamma": 2.0, "alpha": 0.25},
        lambda y, s, w: np.average(_focal(y, s, 2.0, 0.25), weights=w),
    ),
    "zero-one": (
        "prob",
        {},
        lambda y, s, w: metrics.zero_one_loss(y, (s >= 0.5).astype(int), sample_weight=w),
    ),
    "zero-one-logits": (
        "logit",
        {"from_logits": True},
        lambda y, s, w: metrics.zero_one_loss(y, (s >= 0).astype(int), sample_weight=w),
    ),
    "hinge": ("logit", {}, lambda y, s, w: metrics.hinge_loss(y, s, sample_weight=w)),
    "squared-hinge": (
        "logit",
        {},
        lambda y, s, w: np.average(np.maximum(0, 1 - (2 * y - 1) * s) ** 2, weights=w),
    ),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", list(BINARY))
def test_binary_skill_agrees_with_sklearns_prior_dummy(case, weighted):
    column, params, reference = BINARY[case]
    loss = case.split("-logits")[0].split("-smoothed")[0]
    frame = binary_frame(seed=len(case))
    y = frame["label"].to_numpy()
    w = frame["w"].to_numpy() if weighted else np.ones(y.size)
    p_bar = dummy_prior(y, w if weighted else None)[1]
    logits = column == "logit"  # the dummy's score is the logit of the prior
    constant = np.full(y.size, _logit(p_bar) if logits else p_bar)
    value, dummy = reference(y, frame[column].to_numpy(), w), reference(y, constant, w)
    found = _evaluate(frame, loss, params, weighted, pred=column)
    assert found.dummy.strategy == "prior" and found.dummy.prediction == approx(p_bar, rel=REL)
    assert found.value == approx(value, rel=1e-10)
    assert found.dummy_value == approx(dummy, rel=1e-10)
    assert found.skill == approx(_skill(value, dummy), rel=1e-9)


def _multiclass_brier(y, p):
    onehot = np.eye(K)[y]
    return ((onehot - p) ** 2).sum(axis=1)


def _log_softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _cs_hinge(y, f):
    n = y.size
    others = f.copy()
    others[np.arange(n), y] = -np.inf
    return np.maximum(0, 1 + others.max(axis=1) - f[np.arange(n), y])


MULTICLASS: dict[str, tuple[str, dict[str, Any], Any]] = {
    # name: (column family, params, reference(y, scores (n, K), w))
    "cross-entropy": (
        "prob",
        {},
        lambda y, s, w: metrics.log_loss(y, np.clip(s, 1e-300, 1), sample_weight=w, labels=list(range(K))),
    ),
    "cross-entropy-logits": (
        "logit",
        {"from_logits": True},
        lambda y, s, w: np.average(-_log_softmax(s)[np.arange(y.size), y], weights=w),
    ),
    "cross-entropy-weighted": (  # torch's class weights: Σ w cw_y ℓ / Σ w cw_y
        "prob",
        {"class_weight": "1,2,0.5,3"},
        lambda y, s, w: (
            np.sum(w * np.array([1, 2, 0.5, 3])[y] * -np.log(s[np.arange(y.size), y]))
            / np.sum(w * np.array([1, 2, 0.5, 3])[y])
        ),
    ),
    "multiclass-brier": ("prob", {}, lambda y, s, w: np.average(_multiclass_brier(y, s), weights=w)),
    "top-k-error": (
        "prob",
        {"k": 2},
        lambda y, s, w: 1 - metrics.top_k_accuracy_score(y, s, k=2, sample_weight=w, labels=list(range(K))),
    ),
    "multiclass-hinge": (
        "logit",
        {},
        lambda y, s, w: metrics.hinge_loss(y, s, labels=list(range(K)), sample_weight=w),
    ),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", list(MULTICLASS))
def test_multiclass_skill_agrees_with_sklearns_prior_dummy(case, weighted):
    family, params, reference = MULTICLASS[case]
    loss = case.removesuffix("-logits").removesuffix("-weighted")
    frame = multiclass_frame(seed=len(case))
    y = frame["label"].to_numpy()
    w = frame["w"].to_numpy() if weighted else np.ones(y.size)
    prior = dummy_prior(y, w if weighted else None)
    scores = frame[[f"{family}_{k}" for k in range(K)]].to_numpy()
    given = np.log(prior) if family == "logit" else prior  # log π for scores and logits
    value, dummy = reference(y, scores, w), reference(y, np.tile(given, (y.size, 1)), w)
    found = _evaluate(frame, loss, params, weighted, pred=f"{family}_*")
    assert found.dummy.prediction == approx(tuple(prior), rel=REL)
    assert found.value == approx(value, rel=1e-10)
    assert found.dummy_value == approx(dummy, rel=1e-10)
    assert found.skill == approx(_skill(value, dummy), rel=1e-9)


def test_nll_on_log_probabilities_gets_the_log_prior():
    frame = multiclass_frame(seed=4)
    y = frame["label"].to_numpy()
    logp = _log_softmax(frame[[f"logit_{k}" for k in range(K)]].to_numpy())
    frame = frame.assign(**{f"logp_{k}": logp[:, k] for k in range(K)})
    found = _evaluate(frame, "nll", {}, False, pred="logp_*")
    prior = dummy_prior(y, None)
    assert found.dummy_value == approx(float(np.mean(-np.log(prior[y]))), rel=REL)
    assert found.dummy_value == approx(metrics.log_loss(y, np.tile(prior, (y.size, 1))), rel=REL)


def test_ignored_rows_are_left_out_of_the_prior():
    frame = multiclass_frame(seed=6)
    kept = frame[frame["label"] != 0]
    y = kept["label"].to_numpy()
    prior = dummy_prior(y, None)  # class 0 never occurs among the kept rows
    found = _evaluate(frame, "cross-entropy", {"ignore_label": 0}, False)
    assert found.dummy.prediction == approx(tuple(prior), rel=REL)
    assert found.dummy_value == approx(float(np.mean(-np.log(prior[y]))), rel=REL)


# ----------------------------------------------------- chunks, groups, Dask ----


CASES = [  # (frame, loss, params, columns, strategy)
    ("regression", "mse", {}, {}, "mean"),
    ("regression", "huber", {"delta": 1.5}, {}, "median"),
    ("binary", "bce", {}, {"pred": "prob"}, "mean"),
    ("multiclass", "cross-entropy", {}, {"pred": "prob_*"}, "mean"),
]
FRAMES = {"regression": regression_frame, "binary": binary_frame, "multiclass": multiclass_frame}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("kind, loss, params, columns, strategy", CASES)
def test_the_same_skill_for_any_chunk_size(tmp_path, kind, loss, params, columns, strategy, weighted):
    path = tmp_path / "f.parquet"
    FRAMES[kind](seed=2).to_parquet(path, index=False)
    kw = {"weight": "w"} if weighted else {}
    seen = []
    for chunk_rows in (7, 64, 1 << 20):
        options = InputOptions(str(path), chunk_rows=chunk_rows)
        found = losscli.evaluate(options, loss, params=params or None, vs_dummy=True, dummy=strategy, rows=0,
                                 **columns, **kw).results[0]  # fmt: skip
        seen.append((found.dummy_value, found.skill, found.dummy.prediction))
    if weighted and strategy == "median":  # per-label weight sums: float rounding of their order
        assert seen[0] == approx(seen[1], rel=1e-14) and seen[0] == approx(seen[2], rel=1e-14)
    else:  # exact block sums
        assert seen[0] == seen[1] == seen[2]


def test_every_group_has_the_skill_of_its_own_rows():
    frame = regression_frame(seed=11)
    result = losscli.evaluate(frame, ["mae", "mse"], by="g", weight="w", vs_dummy=True, rows=0)
    for r in result.results:
        reference = REGRESSION[r.loss][1]
        for g in r.groups:
            rows = frame[frame["g"] == g.group]
            y, p, w = (rows[c].to_numpy() for c in ("label", "pred", "w"))
            c = dummy_constant(y, w, "mean")
            value, dummy = reference(y, p, w), reference(y, np.full(y.size, c), w)
            assert g.dummy.prediction == approx(c, rel=REL)
            assert (g.dummy_value, g.skill) == (
                approx(dummy, rel=REL),
                approx(_skill(value, dummy), rel=1e-10),
            )


def test_a_group_holding_every_row_has_the_files_skill_to_the_bit():
    frame = binary_frame(seed=12).assign(g="all")
    found = losscli.evaluate(frame, "bce", pred="prob", by="g", weight="w", vs_dummy=True, rows=0).results[0]
    assert found.groups[0].dummy == found.dummy


def test_the_dask_engine_gives_the_local_skill(cluster, tmp_path):
    rng = np.random.default_rng(8)
    frame = regression_frame(seed=8, n=900).assign(label=lambda f: f["label"].round(1))
    frame["y_01"] = (rng.random(len(frame)) < 0.4).astype(int)
    frame["p"] = np.clip(frame["y_01"] * 0.6 + rng.uniform(0, 0.4, len(frame)), 0, 1)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, (start, stop) in enumerate([(0, 300), (300, 301), (301, 900)]):
        frame.iloc[start:stop].to_parquet(folder / f"part{i}.parquet", index=False)
    for losses, kw in (
        (["mae", "mse"], {"pred": "pred", "label": "label", "dummy": "median"}),
        (["bce", "brier"], {"pred": "p", "label": "y_01", "vs_dummy": True}),
    ):
        common = dict(by="g", weight="w", rows=0, **kw)
        local = losscli.evaluate(str(folder), losses, **common)
        remote = losscli.evaluate(
            str(folder), losses, engine="dask", scheduler=cluster.scheduler.address, **common
        )
        for a, b in zip(local.results, remote.results, strict=True):
            assert b.dummy_value == approx(a.dummy_value, rel=1e-13) and b.skill == approx(a.skill, rel=1e-12)
            for ga, gb in zip(a.groups, b.groups, strict=True):
                assert gb.skill == approx(ga.skill, rel=1e-12)


# ------------------------------------------------------------------ CLI ----


@pytest.fixture
def diabetes(sample_df: pd.DataFrame) -> dict[str, float]:
    """mse and mae of the sample file and of its mean dummy, from scikit-learn."""
    y, p = sample_df["label"].to_numpy(), sample_df["pred"].to_numpy()
    c = np.full(y.size, dummy_constant(y, None, "mean"))
    return {
        "mse": metrics.mean_squared_error(y, p),
        "mse_dummy": metrics.mean_squared_error(y, c),
        "mae": metrics.mean_absolute_error(y, p),
        "mae_dummy": metrics.mean_absolute_error(y, c),
        "mean": float(c[0]),
    }


def test_json_carries_skill_and_the_dummy_per_result_and_per_group(cli, sample_csv, sample_df, diabetes):
    done = cli("eval", sample_csv, "-l", "mse", "-l", "mae", "--vs-dummy", "--by", "sex", "-f", "json")
    assert done.exit_code == 0, done.stderr
    mse, mae = json.loads(done.stdout)["results"]
    assert mse["skill"] == approx(_skill(diabetes["mse"], diabetes["mse_dummy"]), rel=1e-12)
    assert mse["dummy_value"] == approx(diabetes["mse_dummy"], rel=1e-12)
    assert mae["skill"] == approx(_skill(diabetes["mae"], diabetes["mae_dummy"]), rel=1e-12)
    assert (mse["dummy"], mse["dummy_prediction"]) == ("mean", approx(diabetes["mean"], rel=1e-14))
    keys = list(mse)
    assert keys.index("value") < keys.index("skill") < keys.index("dummy_value") < keys.index("mean")
    for group in mse["groups"]:
        rows = sample_df[sample_df["sex"] == group["group"]]
        y, p = rows["label"].to_numpy(), rows["pred"].to_numpy()
        dummy = metrics.mean_squared_error(y, np.full(y.size, y.mean()))
        assert group["skill"] == approx(_skill(metrics.mean_squared_error(y, p), dummy), rel=1e-12)
        assert group["dummy_value"] == approx(dummy, rel=1e-12)


def test_without_the_option_nothing_changes(cli, sample_csv):
    done = cli("mse", sample_csv, "-f", "json")
    entry = json.loads(done.stdout)["results"][0]
    assert not {"skill", "dummy_value", "dummy", "dummy_prediction"} & set(entry)
    table = cli("mse", sample_csv, "--rows", "0").stdout
    assert "skill" not in next(line for line in table.splitlines() if line.startswith("loss"))
    assert "dummy" not in table


def test_the_table_and_markdown_show_skill_and_what_the_dummy_predicts(cli, sample_csv, diabetes):
    skill = _skill(diabetes["mse"], diabetes["mse_dummy"])
    table = cli("mse", sample_csv, "--vs-dummy", "--rows", "0").stdout
    header = next(line for line in table.splitlines() if line.startswith("loss"))
    assert header.split()[:4] == ["loss", "value", "skill", "dummy"]
    assert f"{skill:.6f}" in table and f"{diabetes['mse_dummy']:.2f}" in table
    assert f"the label mean {diabetes['mean']:.6g}" in table and "skill = 1 − value / dummy" in table
    markdown = cli(
        "eval", sample_csv, "-l", "mse", "-l", "rmse", "--dummy", "median", "-f", "markdown"
    ).stdout
    assert "| loss | value | skill | dummy |" in markdown
    y = pd.read_csv(sample_csv)["label"].to_numpy()
    assert f"the label median {np.median(y):g}" in markdown
    rmse = math.sqrt(diabetes["mse"]) / metrics.root_mean_squared_error(y, np.full(y.size, np.median(y)))
    assert f"{1 - rmse:.6f}" in markdown


def test_python_results_and_pandas_have_skill(sample_csv, diabetes):
    result = losscli.evaluate(sample_csv, ["mse", "mae"], vs_dummy=True)
    assert result["mse"].skill == approx(_skill(diabetes["mse"], diabetes["mse_dummy"]), rel=1e-12)
    frame = result.to_pandas()
    assert list(frame["skill"]) == [result["mse"].skill, result["mae"].skill]
    assert losscli.evaluate(sample_csv, "mse")["mse"].skill is None


# ------------------------------------------------------------------ gates ----


def test_min_skill_passes_and_fails_with_verdict_lines(cli, sample_csv, diabetes):
    skill = _skill(diabetes["mse"], diabetes["mse_dummy"])
    passed = cli("mse", sample_csv, "--min-skill", "0.4", "-f", "value")
    assert passed.exit_code == 0 and f"PASS mse skill {skill:.6g} >= min-skill 0.4" in passed.stderr
    failed = cli("mse", sample_csv, "--min-skill", "0.6", "-f", "json")  # implies --vs-dummy
    assert failed.exit_code == 1
    assert f"FAIL mse skill {skill:.6g} < min-skill 0.6" in failed.stderr
    payload = json.loads(failed.stdout)
    assert payload["passed"] is False and payload["results"][0]["skill"] == approx(skill, rel=1e-12)
    check = payload["checks"][0]
    assert (check["kind"], check["limit"], check["value"]) == ("min-skill", 0.6, approx(skill, rel=1e-12))
    assert cli("mse", sample_csv, "--min-skill", "0.6", "--exit-zero", "-f", "value").exit_code == 0


def test_min_skill_names_a_loss_in_eval_and_fails_on_constant_labels(cli, sample_csv, write_file, diabetes):
    mae = _skill(diabetes["mae"], diabetes["mae_dummy"])
    done = cli(
        "eval", sample_csv, "-l", "mse", "-l", "mae", "--min-skill", f"mae={mae + 0.01}", "-f", "value"
    )
    assert done.exit_code == 1 and f"FAIL mae skill {mae:.6g} < min-skill" in done.stderr
    assert "mse" not in done.stderr
    constant = write_file("c.csv", "pred,label\n1,2\n2,2\n3,2\n")
    done = cli("mae", constant, "--min-skill", "0", "-f", "json")
    assert done.exit_code == 1 and "FAIL mae skill is undefined (the labels are constant" in done.stderr
    assert "warning: mae --vs-dummy: the labels are constant" in done.stderr
    entry = json.loads(done.stdout)["results"][0]
    assert entry["skill"] is None and entry["dummy_value"] is None and entry["dummy_prediction"] == 2.0


def test_min_skill_and_skill_in_a_check_config(cli, tmp_path, sample_csv, diabetes):
    (tmp_path / "d.csv").write_bytes(Path(sample_csv).read_bytes())
    config = tmp_path / "losscli.toml"
    config.write_text(
        'vs_dummy = true\n[[check]]\nfile = "d.csv"\nloss = "mse"\nmin_skill = 0.45\n'
        '[[check]]\nfile = "d.csv"\nloss = "mae"\nmax = 50\n[[check]]\nname = "strict"\nfile = "d.csv"\n'
        'loss = "mae"\nmin_skill = 0.9\n',
        encoding="utf-8",
    )
    done = cli("check", config, "-f", "json")
    assert done.exit_code == 1
    first, second, strict = json.loads(done.stdout)["checks"]
    skill = _skill(diabetes["mse"], diabetes["mse_dummy"])
    assert (first["kind"], first["passed"], first["value"]) == ("min-skill", True, approx(skill, rel=1e-12))
    assert second["skill"] == approx(_skill(diabetes["mae"], diabetes["mae_dummy"]), rel=1e-12)
    assert second["dummy"] == "mean" and strict["passed"] is False
    assert "FAIL strict skill" in done.stderr
    table = cli("check", config).stdout
    assert "skill" in table.splitlines()[1]
    config.write_text('[[check]]\nfile = "d.csv"\nloss = "mae"\nmax = 50\n', encoding="utf-8")
    assert "skill" not in json.loads(cli("check", config, "-f", "json").stdout)["checks"][0]
    flagged = json.loads(cli("check", config, "--dummy", "median", "-f", "json").stdout)["checks"][0]
    y = pd.read_csv(sample_csv)["label"].to_numpy()
    dummy = metrics.mean_absolute_error(y, np.full(y.size, np.median(y)))
    assert (flagged["dummy"], flagged["dummy_value"]) == ("median", approx(dummy, rel=1e-12))
    assert flagged["skill"] == approx(_skill(diabetes["mae"], dummy), rel=1e-12)


def test_check_config_keys_are_typed(cli, tmp_path, expect_error):
    (tmp_path / "v.csv").write_text("pred,label\n1,1\n2,3\n", encoding="utf-8")
    config = tmp_path / "losscli.toml"
    config.write_text('[[check]]\nfile = "v.csv"\nloss = "mse"\nmin_skill = "high"\n', encoding="utf-8")
    expect_error(cli("check", config), "key 'min_skill' must be a finite number")
    config.write_text('[[check]]\nfile = "v.csv"\nloss = "mse"\nmax = 1\ndummy = "mode"\n', encoding="utf-8")
    expect_error(cli("check", config), 'key \'dummy\' must be one of "mean", "median"')
    config.write_text(
        '[[check]]\nfile = "v.csv"\nloss = "mse"\nmax = 1\nvs_dummy = "yes"\n', encoding="utf-8"
    )
    expect_error(cli("check", config), "key 'vs_dummy' must be true or false")


# ----------------------------------------------------------------- errors ----


def test_losses_without_a_meaningful_skill_are_refused(cli, sample_csv, expect_error):
    expect_error(cli("r2", sample_csv, "--vs-dummy"), "no skill (--vs-dummy) for r2", "mse's skill")
    for loss in ("gaussian-nll", "poisson-nll"):  # may be negative: 1 − loss/dummy means nothing
        args = ["--var", "pred_var"] if loss == "gaussian-nll" else []
        expect_error(
            cli(loss, sample_csv, *args, "--vs-dummy"), f"no skill (--vs-dummy) for {loss}", "negative"
        )
    bc = str(Path(sample_csv).parent / "breast_cancer_binary.csv")
    expect_error(
        cli("bce", bc, "--dummy", "median"), "--dummy median is for regression", "hint: drop --dummy median"
    )


def test_refusals_follow_the_specs_properties_not_names():
    from losscli.accumulate.dummy import refusal
    from losscli.losses import get_loss
    from losscli.spec import finalize_state

    mse = get_loss("mse")
    assert refusal(mse, "mean") is None
    assert "score (higher is better)" in refusal(replace(mse, name="auc", higher_is_better=True), "mean")
    assert "its own summary" in refusal(
        replace(mse, name="ece", state="x:Y", finalize=finalize_state), "mean"
    )
    assert refusal(replace(mse, name="levels", state="x:Y"), "mean") is None  # a summary for details only
    assert "distribution loss" in refusal(get_loss("kl-div"), "mean")
    assert "takes lower" in refusal(replace(mse, name="interval", extra_inputs=("lower",)), "mean")


def test_a_dummy_outside_the_losss_domain_is_exit_2(cli, write_file, expect_error):
    counts = write_file("counts.csv", "pred,label\n" + "".join(f"1.5,{y}\n" for y in [0, 0, 0, 0, 1, 2, 3]))
    expect_error(
        cli("poisson", counts, "--dummy", "median"),
        "counts.csv: poisson --vs-dummy: the dummy predicts the label median 0, and poisson needs the prediction > 0",
        "hint: use --dummy mean",
    )
    assert cli("poisson", counts, "--vs-dummy", "-f", "value").exit_code == 0  # the mean is 6/7
    negative = write_file("neg.csv", "pred,label\n1,-3\n2,-1\n0.5,-4\n")
    expect_error(
        cli("tweedie", negative, "--power", "-1", "--vs-dummy"),
        "tweedie(power=-1.0) --vs-dummy: the dummy predicts the label mean -2.66667",
    )


def test_a_class_the_prior_never_scores_is_exit_2_not_infinity(tmp_path, cli, expect_error):
    frame = multiclass_frame(seed=7)
    frame = frame[frame["label"] != 3]  # class 3 never occurs: prior 0, log 0 = −∞
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    args = [
        "cross-entropy",
        path,
        "--pred",
        "logit_*",
        "--from-logits",
        "--label-smoothing",
        "0.1",
        "--vs-dummy",
    ]
    expect_error(cli(*args), "is inf", "prior 0")
    assert cli(*args[:-3], "--vs-dummy", "-f", "value").exit_code == 0  # without smoothing it is finite


def test_more_distinct_labels_than_the_limit_is_exit_2_naming_it(cli, monkeypatch, write_file, expect_error):
    import losscli.accumulate.dummy as dummy

    monkeypatch.setattr(dummy, "LABEL_LIMIT", 50)
    path = write_file("many.csv", "pred,label\n" + "".join(f"{i},{i + 0.5}\n" for i in range(200)))
    expect_error(
        cli("mae", path, "--vs-dummy"), "many.csv", "more than 50 distinct values", "never approximates"
    )
    expect_error(cli("mse", path, "--dummy", "median"), "more than 50 distinct values")
    assert cli("mse", path, "--vs-dummy", "-f", "value").exit_code == 0  # the mean of d²: label moments


def test_merged_tables_over_the_limit_refuse_at_the_end(monkeypatch):
    import losscli.accumulate.dummy as dummy
    from losscli.losses import get_loss

    monkeypatch.setattr(dummy, "LABEL_LIMIT", 50)
    mae = get_loss("mae")
    a, b = dummy.DummyState(mae, "mean"), dummy.DummyState(mae, "mean")
    for state, start in ((a, 0), (b, 40)):  # 40 distinct each, 80 together
        y = np.arange(start, start + 40, dtype=float)
        state.update({"y_true": y, "y_pred": y}, None, np.zeros(40))
    assert a.problem(mae, {}) is None
    a.merge(b)
    stats = losscli.spec.Stats(1.0, 40.0, 80, 80.0, 1.0, 0.0)
    with pytest.raises(dummy.DummyError, match="more than 50 distinct values"):
        a.score(mae, {}, 1.0, stats)


def test_python_errors_name_the_keywords(sample_csv):
    with pytest.raises(UsageError, match=r"no skill \(vs_dummy=True\) for r2"):
        losscli.evaluate(sample_csv, "r2", vs_dummy=True)
    with pytest.raises(UsageError, match="unknown dummy='mode'"):
        losscli.evaluate(sample_csv, "mse", dummy="mode")  # type: ignore[arg-type]


def test_an_unknown_dummy_is_a_usage_error(cli, sample_csv, expect_usage_error):
    expect_usage_error(cli("mse", sample_csv, "--dummy", "mode"), "--dummy")


def test_a_narrow_terminal_drops_the_dummy_column_but_never_skill(sample_csv, diabetes):
    from io import StringIO

    from rich.console import Console

    from losscli.cli.table import write_grid
    from losscli.render.model import summary_grid

    result = losscli.evaluate(sample_csv, ["mse", "mae"], vs_dummy=True, rows=0)
    out = StringIO()
    write_grid(summary_grid(result, people=True), Console(file=out, width=48, force_terminal=False))
    text = out.getvalue()
    skill = _skill(diabetes["mse"], diabetes["mse_dummy"])
    assert f"{skill:.6f}" in text and "skill" in text
    assert "not shown, the terminal is too narrow" in text and "dummy" in text.split("too narrow:")[1]


def test_a_group_with_constant_labels_has_a_null_skill_and_a_warning(cli, write_file):
    rows = "".join(
        f"{p},{y},{g}\n" for p, y, g in [(1, 2, "a"), (3, 2, "a"), (1, 1, "b"), (2, 3, "b"), (4, 5, "b")]
    )
    path = write_file("g.csv", "pred,label,g\n" + rows)
    done = cli("mae", path, "--vs-dummy", "--by", "g", "-f", "json")
    assert done.exit_code == 0, done.stderr
    a, b = json.loads(done.stdout)["results"][0]["groups"]
    assert a["skill"] is None and a["dummy_prediction"] == 2.0
    y, p = np.array([1.0, 3.0, 5.0]), np.array([1.0, 2.0, 4.0])
    dummy = metrics.mean_absolute_error(y, np.full(3, y.mean()))
    assert b["skill"] == approx(_skill(metrics.mean_absolute_error(y, p), dummy), rel=1e-12)
    assert "skill is undefined (null) in 1 group(s), whose labels are constant: a" in done.stderr
