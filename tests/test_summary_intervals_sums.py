"""``--ci`` and ``compare`` on the confusion-matrix metrics and ``ece`` (issue 15, third
session): the BCa bootstrap of a summary's own per-row sums (``LossSpec.interval =
"sums"``), tested as a statistic.

- Coverage: on simulated data whose population value is known exactly, the nominal 95 %
  interval holds it in about 95 % of 300 data sets: precision, recall, f1, fbeta, mcc and
  balanced-accuracy (binary, with and without weights; multiclass with every average),
  ece and its l2 norm where every bin's gap is away from 0 (binary and top-label). The
  population value of a confusion-matrix metric is scikit-learn's metric of the
  population's confusion matrix (the K² cells weighted by their probabilities); the
  population ECE is written here from its formula. Seeds are fixed: the same figures on
  every run. Bounds 0.905 … 0.99: about ±4 binomial standard errors (√(0.95·0.05/300) ≈
  1.3 %) around 0.95.
- compare: the paired test's rejection rate for two exchangeable models (the same
  population value) is about 1 − level.
- Agreement with an independent bootstrap: losscli's resampled values have the standard
  error of a nonparametric bootstrap written here from scikit-learn's precision_score,
  f1_score (and a paired difference) and ece's formula on multinomially resampled rows.
- The same interval for any chunking, any slicing of the per-row statistics, merged
  partitions and the Dask engine; ``--by`` groups have their own.
- The CLI: tables, JSON, Markdown, eval, compare on sample_data/breast_cancer_models.csv,
  explain; what is still refused (ece's quantile bins and MCE, one row) is exit 2.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

import losscli
from losscli.accumulate import loss as loss_module
from losscli.accumulate.loss import LossAccumulator
from losscli.accumulate.units import row_units
from losscli.intervals import Bootstrap, CiSettings
from losscli.io.source import InputOptions
from losscli.losses.registry import get_loss, resolve

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data"
MODELS = DATA / "breast_cancer_models.csv"
DATASETS = 300
LOW, HIGH = 0.905, 0.99  # ≈ 0.95 ± 4 binomial standard errors over 300 data sets
SK = {
    "precision": sk.precision_score,
    "recall": sk.recall_score,
    "f1": sk.f1_score,
    "fbeta": sk.fbeta_score,
    "mcc": sk.matthews_corrcoef,
    "balanced-accuracy": sk.balanced_accuracy_score,
}


def sklearn_value(name: str, y: Any, yhat: Any, w: Any = None, **params: Any) -> float:
    """scikit-learn's ``name`` of predicted classes (``fbeta``'s β and ``average`` passed on)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(SK[name](y, yhat, sample_weight=w, **params))


def population(name: str, cells: np.ndarray, **params: Any) -> float:
    """The metric of the population: scikit-learn's metric of the K² (true, predicted)
    pairs weighted by their probabilities ``cells`` (K × K)."""
    k = cells.shape[0]
    true, predicted = np.divmod(np.arange(k * k), k)
    return sklearn_value(name, true, predicted, cells.ravel(), **params)


# --------------------------------------------------------------- coverage ----

BINARY = np.array([[0.6 * 0.85, 0.6 * 0.15], [0.4 * 0.2, 0.4 * 0.8]])  # P(y, ŷ): prior 0.4, TPR 0.8, FPR 0.15
BINARY_LOSSES: list[tuple[str, dict[str, Any]]] = [
    ("precision", {}),
    ("recall", {}),
    ("f1", {}),
    ("fbeta", {"beta": 2.0}),
    ("mcc", {}),
    ("balanced-accuracy", {}),
]
MULTI = np.array([[0.30, 0.05, 0.05], [0.04, 0.20, 0.06], [0.02, 0.08, 0.20]])  # P(y, ŷ), 3 classes
MULTI_LOSSES: list[tuple[str, dict[str, Any]]] = [
    ("precision", {"average": "macro"}),
    ("recall", {"average": "weighted"}),
    ("f1", {"average": "macro"}),
    ("f1", {"average": "micro"}),
    ("fbeta", {"beta": 0.5, "average": "weighted"}),
    ("mcc", {}),
    ("balanced-accuracy", {}),
]


def draw_cells(cells: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n rows' (true, predicted) classes drawn from the population's cell probabilities."""
    k = cells.shape[0]
    index = rng.choice(k * k, size=n, p=cells.ravel() / cells.sum())
    return np.divmod(index, k)


def coverage(
    cells: np.ndarray, losses: list[tuple[str, dict[str, Any]]], n: int, weighted: bool
) -> list[float]:
    rng = np.random.default_rng(20261207)
    truths = [population(name, cells, **params) for name, params in losses]
    hits = np.zeros(len(losses))
    k = cells.shape[0]
    for seed in range(DATASETS):
        y, yhat = draw_cells(cells, n, rng)
        data: dict[str, Any] = {"label": y}
        if k == 2:  # one score column, cut at 0.5
            data["pred"] = np.where(yhat == 1, rng.uniform(0.5, 1.0, n), rng.uniform(0.0, 0.5, n))
        else:  # class columns: 0.6 on the predicted class
            for c in range(k):
                data[f"prob_{c}"] = np.where(yhat == c, 0.6, 0.2)
        if weighted:  # independent of the rows: the same population value
            data["w"] = rng.exponential(size=n)
        found = losscli.evaluate(
            data, losses, ci=0.95, resamples=1000, seed=seed, rows=0, weight="w" if weighted else None
        )
        for j, (result, truth) in enumerate(zip(found.results, truths, strict=True)):
            assert result.ci is not None and result.ci.low <= result.value <= result.ci.high
            hits[j] += result.ci.low <= truth <= result.ci.high
    return (hits / DATASETS).tolist()


@pytest.mark.parametrize(
    ("cells", "losses", "n", "weighted"),
    [
        (BINARY, BINARY_LOSSES, 300, False),
        (BINARY, BINARY_LOSSES, 300, True),
        (MULTI, MULTI_LOSSES, 400, False),
    ],
    ids=["binary", "binary-weighted", "multiclass"],
)
def test_confusion_metric_intervals_cover_the_population_value(cells, losses, n, weighted):
    found = coverage(cells, losses, n, weighted)
    for (name, params), share in zip(losses, found, strict=True):
        assert LOW <= share <= HIGH, f"{name} {params}: coverage {share}"


def binned_truth(lo: float, hi: float, bins: int) -> dict[str, float]:
    """The population ECE and RMSCE over ``bins`` uniform bins of a model whose
    confidence c is uniform on [lo, hi] and right with probability c^1.5:
    per bin P_b = |bin ∩ [lo, hi]| / (hi − lo), gap_b = E[c | b] − E[c^1.5 | b]."""
    edges = np.linspace(0, 1, bins + 1)
    share, gap = [], []
    for left, right in itertools.pairwise(edges):
        a, b = max(left, lo), min(right, hi)
        if b > a:
            share.append((b - a) / (hi - lo))
            gap.append((a + b) / 2 - (b**2.5 - a**2.5) / (2.5 * (b - a)))
    p, g = np.array(share), np.array(gap)
    assert g.min() > 0.06  # every bin's gap away from 0: where the interval is claimed to hold
    return {"l1": float(p @ np.abs(g)), "l2": math.sqrt(float(p @ g**2))}


@pytest.mark.parametrize("top_label", [False, True], ids=["binary", "top-label"])
def test_ece_intervals_cover_the_binned_population_error_when_gaps_are_away_from_0(top_label):
    lo, hi, n = (0.4, 0.85, 2000) if top_label else (0.1, 0.9, 2000)
    truth = binned_truth(lo, hi, 10)
    rng = np.random.default_rng(7)
    losses = [("ece", {"bins": 10, "norm": norm}) for norm in truth]
    hits = np.zeros(len(losses))
    for seed in range(DATASETS):
        c = rng.uniform(lo, hi, n)
        right = rng.random(n) < c**1.5
        if top_label:  # c on a random top class, the rest split; the label is it when right
            top = rng.integers(0, 3, n)
            other = (top + rng.integers(1, 3, n)) % 3
            label = np.where(right, top, other)
            data: dict[str, Any] = {"label": label}
            for k in range(3):
                data[f"prob_{k}"] = np.where(top == k, c, (1 - c) / 2)
            chosen = [(name, {**params, "multi_class": "top-label"}) for name, params in losses]
        else:
            data, chosen = {"pred": c, "label": right.astype(float)}, losses
        found = losscli.evaluate(data, chosen, ci=0.95, resamples=1000, seed=seed, rows=0)
        for j, (result, norm) in enumerate(zip(found.results, truth, strict=True)):
            assert result.ci is not None
            hits[j] += result.ci.low <= truth[norm] <= result.ci.high
    for norm, share in zip(truth, hits / DATASETS, strict=True):
        assert LOW <= share <= HIGH, f"ece {norm}: coverage {share}"


# ----------------------------------------------------------------- compare ----


def rejection_rate(losses: list[Any], n: int, draw: Any) -> dict[str, float]:
    """The share of data sets whose paired p-value is below 0.05, two exchangeable models."""
    rng = np.random.default_rng(11)
    rejected: dict[str, int] = {}
    for seed in range(DATASETS):
        data = draw(rng, n)
        found = losscli.compare(data, preds=["a", "b"], losses=losses, resamples=1000, seed=seed)
        for c in found.comparisons:
            assert c.win_rate is None  # a summary's per-sample column is not a loss: no rows won
            assert c.ci.low <= c.difference <= c.ci.high
            rejected[c.loss] = rejected.get(c.loss, 0) + (c.p_value < 0.05)
    return {name: count / DATASETS for name, count in rejected.items()}


def exchangeable_classes(rng: np.random.Generator, n: int) -> dict[str, Any]:
    """Two models that each score a row by the same rule with their own noise."""
    y = (rng.random(n) < 0.4).astype(float)
    signal = np.where(y == 1, 0.62, 0.38)
    a, b = (np.clip(signal + rng.normal(0, 0.15, n), 0, 1) for _ in range(2))
    return {"label": y, "a": a, "b": b}


def exchangeable_confidences(rng: np.random.Generator, n: int) -> dict[str, Any]:
    """Two models that each report a true confidence z (frequency z²: gaps ≥ 0.16) plus noise."""
    z = rng.uniform(0.2, 0.8, n)
    y = (rng.random(n) < z**2).astype(float)
    a, b = (np.clip(z + rng.normal(0, 0.05, n), 0, 1) for _ in range(2))
    return {"label": y, "a": a, "b": b}


def test_compare_rejects_exchangeable_classifiers_about_5_percent_of_the_time():
    found = rejection_rate(["f1", "mcc", "precision"], 400, exchangeable_classes)
    for name, rate in found.items():
        assert 0.01 <= rate <= 0.10, f"{name}: rejection rate {rate}"


def test_compare_rejects_exchangeable_calibrations_about_5_percent_of_the_time():
    found = rejection_rate([("ece", {"bins": 10})], 1000, exchangeable_confidences)
    assert 0.01 <= found["ece(bins=10)"] <= 0.10, found


# ---------------------------------------- an independent bootstrap's error ----


def state_of(name: str, params: dict[str, Any], pred: Any) -> LossAccumulator:
    """An empty accumulator of ``name`` keeping unit sums, in the form ``pred`` calls for
    (K class columns: the multiclass form, or the variant its parameters name)."""
    spec = get_loss(name)
    bound = spec.bind(params)
    spec = resolve(spec, bound)
    if np.ndim(pred) == 2:
        spec = spec.multiclass or spec
        bound = {**bound, "classes": tuple(str(k) for k in range(pred.shape[1]))}
    return LossAccumulator(spec, bound, resampled=True)


def fed(acc: LossAccumulator, y: Any, pred: Any, w: Any = None, first: int = 1) -> LossAccumulator:
    """``acc`` after rows numbered ``first`` … (each row a unit)."""
    n = len(y)
    acc.update(
        np.zeros(n),  # the per-sample column is not what the summary's value is made of
        w,
        np.asarray(y, dtype=np.float64),
        units=row_units(np.arange(first, first + n)),
        distinct=True,
        inputs={"y_true": np.asarray(y, dtype=np.float64), "y_pred": pred},
    )
    return acc


def bootstrap_state(name: str, params: dict[str, Any], y: Any, pred: Any, w: Any = None) -> LossAccumulator:
    """The loss's accumulator over rows numbered 1 … n."""
    return fed(state_of(name, params, pred), y, pred, w)


def independent_se(statistic: Any, n: int, resamples: int, seed: int) -> float:
    """The standard deviation of ``statistic(counts)`` over multinomial resamples of the rows."""
    rng = np.random.default_rng(seed)
    values = [statistic(rng.multinomial(n, np.full(n, 1.0 / n)).astype(float)) for _ in range(resamples)]
    return float(np.std(values))


def ece_formula(c: np.ndarray, a: np.ndarray, w: np.ndarray, bins: int = 15) -> float:
    """Σ_b (W_b/W)·|C_b/W_b − A_b/W_b| over scikit-learn's bins (c on an edge: the bin below)."""
    edges = np.linspace(0, 1, bins + 1)
    b = np.searchsorted(edges[1:-1], c)
    W = np.bincount(b, w, bins)
    C = np.bincount(b, w * c, bins)
    A = np.bincount(b, w * a, bins)
    kept = W > 0
    return float(np.sum(np.abs(C[kept] - A[kept])) / W.sum())


@pytest.mark.parametrize("weighted", [False, True])
def test_the_bootstrap_error_of_precision_is_scikit_learns_on_resampled_rows(weighted):
    rng = np.random.default_rng(5)
    n = 400
    y = (rng.random(n) < 0.3).astype(int)
    p = np.clip(0.25 * y + rng.uniform(0, 0.75, n), 0, 1)
    w = rng.exponential(size=n) if weighted else np.ones(n)
    yhat = (p >= 0.5).astype(int)
    acc = bootstrap_state("precision", {}, y, p, w if weighted else None)
    assert acc.value() == pytest.approx(sk.precision_score(y, yhat, sample_weight=w), rel=1e-12)
    boot = acc.uncertainty(CiSettings(resamples=4000, seed=1))
    assert isinstance(boot, Bootstrap)
    ours = float(np.std(boot.theta))
    theirs = independent_se(lambda k: sk.precision_score(y, yhat, sample_weight=w * k), n, 2000, 2)
    assert ours == pytest.approx(theirs, rel=0.08)
    # the interval the library reports is the one this bootstrap gives
    data = {"label": y, "pred": p} | ({"w": w} if weighted else {})
    ci = (
        losscli.evaluate(
            data, "precision", ci=0.95, resamples=4000, seed=1, rows=0, weight="w" if weighted else None
        )
        .results[0]
        .ci
    )
    assert (ci.low, ci.high) == pytest.approx(boot.interval(), rel=1e-12)


def test_the_bootstrap_error_of_macro_f1_and_ece_match_independent_bootstraps():
    rng = np.random.default_rng(6)
    n, k = 300, 4
    y = rng.integers(0, k, n)
    prob = rng.dirichlet(np.ones(k), n)
    prob[np.arange(n), y] += rng.uniform(0, 1.2, n)
    prob /= prob.sum(axis=1, keepdims=True)
    yhat = prob.argmax(axis=1)
    f1 = bootstrap_state("f1", {"average": "macro"}, y, prob).uncertainty(CiSettings(resamples=4000, seed=3))
    theirs = independent_se(
        lambda c: sk.f1_score(y, yhat, average="macro", sample_weight=c, labels=np.arange(k)), n, 2000, 4
    )
    assert isinstance(f1, Bootstrap) and float(np.std(f1.theta)) == pytest.approx(theirs, rel=0.08)

    p = rng.beta(0.8, 0.8, n)
    outcome = (rng.random(n) < p**1.4).astype(float)
    ece = bootstrap_state("ece", {}, outcome, p)
    assert ece.value() == pytest.approx(ece_formula(p, outcome, np.ones(n)), rel=1e-12)
    boot = ece.uncertainty(CiSettings(resamples=4000, seed=5))
    theirs = independent_se(lambda c: ece_formula(p, outcome, c), n, 2000, 6)
    assert isinstance(boot, Bootstrap) and float(np.std(boot.theta)) == pytest.approx(theirs, rel=0.08)


def test_the_paired_difference_has_the_error_of_an_independent_paired_bootstrap():
    frame = pd.read_csv(MODELS)
    y = frame["label"].to_numpy()
    a, b = frame["prob_logreg"].to_numpy(), frame["prob_nb"].to_numpy()
    first, second = bootstrap_state("f1", {}, y, a), bootstrap_state("f1", {}, y, b)
    difference = first.value() - second.value()
    boot = first.paired(second, difference, CiSettings(resamples=4000, seed=7))
    assert isinstance(boot, Bootstrap)
    ya, yb = (a >= 0.5).astype(int), (b >= 0.5).astype(int)
    theirs = independent_se(
        lambda c: sk.f1_score(y, ya, sample_weight=c) - sk.f1_score(y, yb, sample_weight=c), y.size, 2000, 8
    )
    assert float(np.std(boot.theta)) == pytest.approx(theirs, rel=0.08)


# --------------------------------------------------- the same for any split ----


@pytest.fixture(scope="module")
def binary_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30,000 rows (past the bucket count), a weight and a group column."""
    rng = np.random.default_rng(12)
    n = 30_000
    y = (rng.random(n) < 0.35).astype(int)
    p = np.clip(0.3 * y + rng.beta(1.2, 1.8, n), 0, 1)
    frame = pd.DataFrame(
        {"label": y, "prob": p, "w": rng.exponential(size=n), "g": rng.choice(list("abc"), n)}
    )
    path = tmp_path_factory.mktemp("sums") / "binary.csv"
    frame.to_csv(path, index=False)
    return path


LOSSES: list[Any] = ["f1", "mcc", ("precision", {"average": "macro"}), "ece", ("ece", {"norm": "l2"})]


def intervals(result: Any) -> list[float]:
    """Every result's and group's bounds, in order."""
    found = []
    for r in result.results:
        for ci in [r.ci, *(g.ci for g in r.groups or ())]:
            found += [ci.low, ci.high]
    return found


@pytest.mark.parametrize("rows", [30_000, 700])
def test_the_same_interval_for_any_chunking_and_slicing(binary_file, monkeypatch, rows):
    """Bucketed (30,000 rows) and row by row (700): chunks of 997 rows, 4,096 and the whole
    file, and the per-row statistics made 2,048 values at a time (ece: 45 rows), give the
    same intervals."""
    source = str(binary_file)
    if rows < 30_000:
        small = binary_file.parent / "small.csv"
        pd.read_csv(binary_file).head(rows).to_csv(small, index=False)
        source = str(small)
    found = []
    for chunk_rows in (997, 4096, 1 << 20):
        result = losscli.evaluate(
            InputOptions(source, chunk_rows=chunk_rows), LOSSES, ci=0.95, weight="w", by="g", rows=0
        )
        assert all(r.ci.bucketed == (rows > 1024) for r in result.results)
        found.append(intervals(result))
    monkeypatch.setattr(loss_module, "SUMMED_CELLS", 2048)
    found.append(intervals(losscli.evaluate(source, LOSSES, ci=0.95, weight="w", by="g", rows=0)))
    for other in found[1:]:
        assert other == pytest.approx(found[0], rel=1e-9)


def test_groups_have_their_own_intervals(binary_file):
    frame = pd.read_csv(binary_file).head(3000)
    result = losscli.evaluate(frame, ["f1", "ece"], ci=0.95, weight="w", by="g", rows=0)
    for r in result.results:
        for group in r.groups or ():
            part = frame[frame.g == group.group]
            alone = losscli.evaluate(part.reset_index(drop=True), r.loss, ci=0.95, weight="w", rows=0)
            # the group's rows are units of the whole input, numbered there: its own bootstrap
            assert group.ci is not None and group.ci.low <= group.value <= group.ci.high
            assert group.value == pytest.approx(alone.results[0].value, rel=1e-12)
            width, alone_width = (
                group.ci.high - group.ci.low,
                alone.results[0].ci.high - alone.results[0].ci.low,
            )
            assert width == pytest.approx(alone_width, rel=0.25)


def test_merged_partitions_give_the_whole_inputs_interval():
    """The Dask engine's merge: parts' states merged in any order give the whole's interval."""
    rng = np.random.default_rng(13)
    n = 5000
    y = rng.integers(0, 3, n)
    prob = rng.dirichlet(np.ones(3), n)
    prob[np.arange(n), y] += 0.5
    prob /= prob.sum(axis=1, keepdims=True)
    for name, params in (("f1", {"average": "weighted"}), ("ece", {"multi_class": "top-label"})):
        whole = bootstrap_state(name, params, y, prob).interval(CiSettings(), "row")
        parts = [
            fed(state_of(name, params, prob), y[lo:hi], prob[lo:hi], first=lo + 1)
            for lo, hi in ((0, 2000), (2000, 2100), (2100, n))
        ]
        parts[2].merge(parts[1])
        parts[2].merge(parts[0])
        merged = parts[2].interval(CiSettings(), "row")
        assert merged.bucketed and (merged.low, merged.high) == pytest.approx(
            (whole.low, whole.high), rel=1e-9
        )


def test_dask_partitions_give_the_local_interval(cluster, tmp_path, cli):
    pytest.importorskip("dask.dataframe")
    frame = pd.read_csv(DATA / "breast_cancer_models.csv")
    frame["g"] = np.where(frame["id"] % 3 == 0, "x", "y")
    big = pd.concat([frame] * 4, ignore_index=True)  # 2,276 rows: bucketed
    for i, rows in enumerate(np.array_split(np.arange(len(big)), 3)):
        big.iloc[rows].to_parquet(tmp_path / f"p-{i}.parquet")
    args = ["eval", str(tmp_path / "p-*.parquet"), "--pred", "prob_nb", "-l", "f1", "-l", "mcc", "-l", "ece"]
    args += ["--ci", "--by", "g", "-f", "json"]
    local = cli(*args)
    assert local.exit_code == 0, local.stderr
    remote = cli(*args, "--engine", "dask", "--scheduler", cluster.scheduler.address)
    assert remote.exit_code == 0, remote.stderr
    for mine, theirs in zip(
        json.loads(remote.stdout)["results"], json.loads(local.stdout)["results"], strict=True
    ):
        assert mine["ci"]["bucketed"] and mine["value"] == pytest.approx(theirs["value"], rel=1e-12)
        for key in ("low", "high"):
            assert mine["ci"][key] == pytest.approx(theirs["ci"][key], rel=1e-9)
        for g_mine, g_theirs in zip(mine["groups"], theirs["groups"], strict=True):
            assert g_mine["ci"]["low"] == pytest.approx(g_theirs["ci"]["low"], rel=1e-9)


# ---------------------------------------------------------------- the CLI ----


def test_f1_ci_table_and_json(cli):
    path = DATA / "breast_cancer_binary.csv"
    frame = pd.read_csv(path)
    expected = sk.f1_score(frame["label"], (frame["prob"] >= 0.5).astype(int))
    done = cli("f1", path, "--ci", "-f", "json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    ci = result["ci"]
    assert result["value"] == pytest.approx(expected, rel=1e-12)
    assert ci["method"] == "bca" and ci["units"] == 569 and ci["unit"] == "row" and not ci["bucketed"]
    assert ci["low"] < result["value"] < ci["high"] and ci["high"] <= 1.0
    table = cli("f1", path, "--ci", "--rows", "0")
    assert table.exit_code == 0 and "95% CI" in table.stdout
    line = next(row for row in table.stdout.splitlines() if row.startswith("f1 "))
    assert f"{ci['low']:.6g}" in line and f"{ci['high']:.6g}" in line
    markdown = cli("f1", path, "--ci", "0.9", "-f", "markdown", "--rows", "0")
    assert markdown.exit_code == 0 and "90% CI" in markdown.stdout


def test_eval_and_by_groups_carry_the_intervals(cli, tmp_path):
    frame = pd.read_csv(DATA / "iris_multiclass.csv")
    frame["half"] = np.where(frame["id"] % 2 == 0, "even", "odd")
    path = tmp_path / "iris.csv"
    frame.to_csv(path, index=False)
    losses = ["-l", "f1:average=macro", "-l", "balanced-accuracy", "-l", "ece:multi_class=top-label"]
    done = cli("eval", path, *losses, "-l", "cross-entropy", "--ci", "--by", "half", "-f", "json")
    assert done.exit_code == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert [r["loss"] for r in results][:3] == [
        "f1(average=macro)",
        "balanced-accuracy",
        "ece(multi_class=top-label)",
    ]
    for result in results:
        assert result["ci"]["low"] <= result["value"] <= result["ci"]["high"], result["loss"]
        assert len(result["groups"]) == 2
        for group in result["groups"]:
            assert group["ci"]["low"] <= group["value"] <= group["ci"]["high"], (result["loss"], group)


def test_compare_two_classifiers_on_f1_and_ece(cli):
    frame = pd.read_csv(MODELS)
    y = frame["label"].to_numpy()
    done = cli("compare", MODELS, "--pred", "prob_logreg,prob_nb", "-l", "f1", "-l", "ece", "-f", "json")
    assert done.exit_code == 0, done.stderr
    found = json.loads(done.stdout)
    f1, ece = found["comparisons"]
    want_f1 = [sk.f1_score(y, (frame[c] >= 0.5).astype(int)) for c in ("prob_logreg", "prob_nb")]
    want_ece = [
        ece_formula(frame[c].to_numpy(), y.astype(float), np.ones(y.size)) for c in ("prob_logreg", "prob_nb")
    ]
    assert f1["difference"] == pytest.approx(want_f1[1] - want_f1[0], rel=1e-9)
    assert ece["difference"] == pytest.approx(want_ece[1] - want_ece[0], rel=1e-9)
    for c in (f1, ece):
        assert c["ci"]["low"] <= c["difference"] <= c["ci"]["high"] and c["win_rate"] is None
        assert c["verdict"] == "worse" and c["p_value"] < 0.05  # naive Bayes: lower F1, higher ECE
    table = cli("compare", MODELS, "--pred", "prob_logreg,prob_nb", "-l", "ece")
    assert table.exit_code == 0 and "paired" in table.stdout and "worse" in table.stdout


def test_explain_names_the_method(cli):
    for name in ("f1", "precision", "mcc", "balanced-accuracy", "fbeta", "recall"):
        page = cli("explain", name).stdout
        assert "BCa bootstrap of the confusion matrix's cells" in page, name
    page = cli("explain", "ece").stdout
    assert "BCa bootstrap of the uniform bins' sums" in page and "biased upward" in page


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["ece", DATA / "breast_cancer_binary.csv", "--ci", "--strategy", "quantile"],
         ["no confidence interval (--ci) for ece(strategy=quantile)", "own quantiles", "drop --ci"]),
        (["ece", DATA / "breast_cancer_binary.csv", "--ci", "--norm", "max"],
         ["no confidence interval (--ci) for ece(norm=max)", "a maximum over bins"]),
        (["compare", MODELS, "--pred", "prob_logreg,prob_nb", "-l", "ece:strategy=quantile"],
         ["compare: ece(strategy=quantile) has no paired interval", "own quantiles"]),
        (["compare", MODELS, "--pred", "prob_logreg,prob_nb", "-l", "f1", "-l", "ece:norm=max"],
         ["compare: ece(norm=max) has no paired interval", "a maximum over bins"]),
        (["eval", DATA / "breast_cancer_binary.csv", "-l", "f1", "-l", "ece:strategy=quantile", "--ci"],
         ["no confidence interval (--ci) for ece(strategy=quantile)"]),
    ],
)  # fmt: skip
def test_what_has_no_interval_is_exit_2_with_one_line(cli, expect_error, args, needles):
    expect_error(cli(*args), *needles)


def test_one_row_and_a_perfect_model_are_clear(cli, expect_error, write_file):
    expect_error(cli("mcc", write_file("one.csv", "label,prob\n1,0.9\n"), "--ci"), "at least 2")
    # every row right (10 of each class): every resample's matrix is diagonal, F1 = 1: a point
    path = write_file("right.csv", "label,prob\n" + "1,0.9\n0,0.1\n" * 10)
    done = cli("f1", path, "--ci", "-f", "json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    assert result["value"] == result["ci"]["low"] == result["ci"]["high"] == 1.0
