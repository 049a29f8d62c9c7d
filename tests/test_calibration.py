"""Issue 15 §3: calibration — ``ece`` (binary, and ``--multi-class top-label``) and ``brier``'s decomposition.

References, never losscli's own output:

- torchmetrics' ``CalibrationError`` needs torch, which is not installed: :func:`tm_calibration_error`
  re-implements its definition from its source (``functional/classification/calibration_error.py``
  at Lightning-AI/torchmetrics dab0333: ``_binning_bucketize`` and ``_ce_compute``), in NumPy:
  ``torch.linspace(0, 1, n_bins + 1)`` edges (computed as torch does: i·step below the middle,
  end − (steps − 1 − i)·step from it), ``torch.bucketize(right=True) − 1`` (a value on an edge goes
  to the bin above; a value of exactly 1 to an extra bin n_bins), per-bin mean confidence and
  accuracy (``nan_to_num``: empty bins 0, with weight 0), l1 = Σ prop·|acc − conf|, max = max
  |acc − conf|, l2 = √Σ prop·(acc − conf)² (0 when the sum is 0). The binary metric takes
  p and y as they are (σ first when a value is outside [0, 1]); the multiclass one softmaxes
  scores outside [0, 1], takes max and argmax, and casts both to float32 (``.float()``), so
  multiclass agreement is to float32 precision. torchmetrics has no weights: integer weights
  are checked as repeated rows.
- scikit-learn's ``calibration_curve`` (uniform and quantile strategies) for the bins:
  ``prob_true`` and ``prob_pred`` of the non-empty bins, exactly; it has no weights either.
- The Brier decomposition: Murphy (1973) and the within-bin terms (Stephenson, Coelho &
  Jolliffe 2008), computed here bin by bin from the rows; the sum against
  ``sklearn.metrics.brier_score_loss`` (with ``sample_weight``).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from brier_reference import murphy_parts
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

import losscli
import losscli.losses as L
from losscli.errors import DataError, UsageError
from losscli.io.source import InputOptions
from losscli.render.model import number

ROOT = Path(__file__).resolve().parents[1]


def _top_label(y_true: Any, y_pred: Any, **kw: Any) -> float:
    """``ece`` with ``multi_class="top-label"``: the top-label error of K columns."""
    return L.ece(y_true, y_pred, multi_class="top-label", **kw)


BINARY = ROOT / "sample_data" / "breast_cancer_binary.csv"
IRIS = ROOT / "sample_data" / "iris_multiclass.csv"
REL = 1e-12
approx = pytest.approx


# ------------------------------------------------------------------ references ----


def torch_linspace(n_bins: int, dtype: Any = np.float64) -> np.ndarray:
    """torch.linspace(0, 1, n_bins + 1) as ATen's CPU kernel computes it, in ``dtype``."""
    steps = n_bins + 1
    step = dtype(1.0) / dtype(steps - 1)
    i = np.arange(steps)
    forward = dtype(0.0) + step * i.astype(dtype)
    backward = dtype(1.0) - step * (steps - 1 - i).astype(dtype)
    return np.where(i < steps // 2, forward, backward).astype(dtype)


def tm_calibration_error(conf: np.ndarray, acc: np.ndarray, n_bins: int, norm: str) -> float:
    """torchmetrics' ``_ce_compute(_binning_bucketize(...))`` (see the module docstring)."""
    dtype = conf.dtype.type
    acc = acc.astype(conf.dtype)
    edges = torch_linspace(n_bins, dtype)
    index = np.searchsorted(edges, conf, side="right") - 1  # torch.bucketize(right=True) - 1
    count = np.zeros(n_bins + 1, conf.dtype)
    conf_bin = np.zeros(n_bins + 1, conf.dtype)
    acc_bin = np.zeros(n_bins + 1, conf.dtype)
    np.add.at(count, index, dtype(1))
    np.add.at(conf_bin, index, conf)
    np.add.at(acc_bin, index, acc)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf_bin = np.nan_to_num(conf_bin / count)
        acc_bin = np.nan_to_num(acc_bin / count)
    prop = count / count.sum()
    if norm == "l1":
        return float(np.sum(np.abs(acc_bin - conf_bin) * prop))
    if norm == "max":
        return float(np.max(np.abs(acc_bin - conf_bin)))
    ce = float(np.sum((acc_bin - conf_bin) ** 2 * prop))
    return math.sqrt(ce) if ce > 0 else 0.0


def tm_binary(preds: np.ndarray, target: np.ndarray, n_bins: int = 15, norm: str = "l1") -> float:
    """``binary_calibration_error``: σ when a score is outside [0, 1]; c = p, a = y."""
    if not np.all((preds >= 0) & (preds <= 1)):
        preds = 1.0 / (1.0 + np.exp(-preds))
    return tm_calibration_error(preds, target, n_bins, norm)


def tm_multiclass(preds: np.ndarray, target: np.ndarray, n_bins: int = 15, norm: str = "l1") -> float:
    """``multiclass_calibration_error``: softmax when a score is outside [0, 1]; c = max p,
    a = (argmax == y), both ``.float()`` (float32)."""
    if not np.all((preds >= 0) & (preds <= 1)):
        e = np.exp(preds - preds.max(axis=1, keepdims=True))
        preds = e / e.sum(axis=1, keepdims=True)
    conf, predicted = preds.max(axis=1), preds.argmax(axis=1)
    return tm_calibration_error(
        conf.astype(np.float32), (predicted == target).astype(np.float32), n_bins, norm
    )


def binary_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Continuous probabilities (none on an edge, none exactly 1) and labels drawn from a
    miscalibrated truth."""
    rng = np.random.default_rng(seed)
    p = rng.beta(0.7, 0.9, n)
    y = (rng.uniform(size=n) < p**1.3).astype(np.int64)
    return y, p


def multiclass_data(n: int, seed: int, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(k, 0.6), n)
    y = np.array([rng.choice(k, p=row**2 / (row**2).sum()) for row in p])
    return y, p


def reliability(source: Any, loss: str = "ece", **kw: Any) -> tuple[Any, dict[str, Any]]:
    """(the result, its reliability table) from ``losscli.evaluate``."""
    result = losscli.evaluate(source, loss, **kw).results[0]
    return result, result.details["reliability"]


def filled(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in table["bins"] if b["weight"] > 0]


# ------------------------------------------------------- ece against torchmetrics ----


def test_torchmetrics_documented_examples():
    """The values in torchmetrics' own docstrings (binary: n_bins=2; multiclass: n_bins=3)."""
    preds, target = np.array([0.25, 0.25, 0.55, 0.75, 0.75]), np.array([0, 0, 1, 1, 1])
    for norm, want in (("l1", 0.2900), ("l2", 0.2918), ("max", 0.3167)):
        assert round(L.ece(target, preds, bins=2, norm=norm), 4) == want
        assert round(tm_binary(preds, target, 2, norm), 4) == want  # the reference itself
    preds = np.array([[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]])
    target = np.array([0, 1, 2, 0])
    for norm, want in (("l1", 0.2000), ("l2", 0.2082), ("max", 0.2333)):
        assert round(_top_label(target, preds, bins=3, norm=norm), 4) == want
        assert round(tm_multiclass(preds, target, 3, norm), 4) == want


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
@pytest.mark.parametrize("bins", [15, 10, 7, 1, 100])
@pytest.mark.parametrize("seed", [0, 1])
def test_binary_agrees_with_torchmetrics(norm, bins, seed):
    y, p = binary_data(3000, seed)
    assert L.ece(y, p, bins=bins, norm=norm) == approx(tm_binary(p, y, bins, norm), rel=REL)
    assert L.ece(y, p, bins=bins, norm=norm, compat="torch") == approx(tm_binary(p, y, bins, norm), rel=REL)


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
@pytest.mark.parametrize("bins", [15, 10, 4])
@pytest.mark.parametrize("k", [3, 5])
def test_multiclass_top_label_agrees_with_torchmetrics(norm, bins, k):
    y, p = multiclass_data(2000, seed=k, k=k)
    want = tm_multiclass(p, y, bins, norm)
    assert _top_label(y, p, bins=bins, norm=norm) == approx(want, rel=1e-5, abs=1e-6)  # float32 there


def test_logits_are_squashed_first_as_torchmetrics_does():
    rng = np.random.default_rng(5)
    x = rng.normal(0.0, 2.5, 2000)
    y = (rng.uniform(size=2000) < 1 / (1 + np.exp(-0.7 * x))).astype(int)
    assert L.ece(y, x, from_logits=True) == approx(tm_binary(x, y), rel=1e-12)
    scores = rng.normal(0.0, 2.0, (1500, 4))
    labels = rng.integers(0, 4, 1500)
    want = tm_multiclass(scores, labels)
    assert _top_label(labels, scores, from_logits=True) == approx(want, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_integer_weights_are_repeated_rows(norm):
    """torchmetrics has no weights: a weight of k is the row k times (weight 0: left out)."""
    y, p = binary_data(800, 3)
    counts = np.random.default_rng(3).integers(0, 4, y.size)
    want = tm_binary(np.repeat(p, counts), np.repeat(y, counts), 15, norm)
    assert L.ece(y, p, norm=norm, sample_weight=counts) == approx(want, rel=REL)
    yk, pk = multiclass_data(600, 4)
    counts = np.random.default_rng(4).integers(0, 4, yk.size)
    want = tm_multiclass(np.repeat(pk, counts, axis=0), np.repeat(yk, counts), 15, norm)
    assert _top_label(yk, pk, norm=norm, sample_weight=counts) == approx(want, rel=1e-5, abs=1e-6)


def test_scaling_every_weight_changes_nothing():
    y, p = binary_data(500, 8)
    w = np.random.default_rng(8).uniform(0.1, 3.0, y.size)
    for strategy in ("uniform", "quantile"):
        one = L.ece(y, p, sample_weight=w, strategy=strategy)
        assert L.ece(y, p, sample_weight=w * 1e-3, strategy=strategy) == approx(one, rel=1e-12)


def test_on_edges_and_at_one_the_default_follows_scikit_learn_and_compat_torch_torchmetrics():
    """Probabilities rounded to 0.1 lie on the edges of 10 bins, and some are exactly 1.
    scikit-learn puts an edge value in the bin below (and 1 in the last bin), torchmetrics
    in the bin above (and 1 in a bin of its own): the default agrees with
    calibration_curve, ``--compat torch`` with torchmetrics, and they differ here."""
    rng = np.random.default_rng(11)
    p = np.round(rng.uniform(size=4000), 1)
    y = (rng.uniform(size=4000) < p).astype(int)
    assert (p == 1.0).sum() > 100 and (p == 0.3).sum() > 100
    torch_value = tm_binary(p, y, 10, "l1")
    assert L.ece(y, p, bins=10, compat="torch") == approx(torch_value, rel=REL)
    assert L.ece(y, p, bins=10) != approx(torch_value, rel=1e-3)
    _, table = reliability({"pred": p, "label": y}, params={"bins": 10})
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
    assert [b["observed"] for b in filled(table)] == approx(prob_true, rel=REL)
    assert [b["mean_confidence"] for b in filled(table)] == approx(prob_pred, rel=REL)
    for norm in ("l1", "l2", "max"):
        assert L.ece(y, p, bins=10, norm=norm, compat="torch") == approx(tm_binary(p, y, 10, norm), rel=REL)
    _, torch_table = reliability({"pred": p, "label": y}, params={"bins": 10}, compat="torch")
    assert torch_table["closed"] == "left" and len(torch_table["bins"]) == 11
    assert torch_table["bins"][-1]["lower"] == torch_table["bins"][-1]["upper"] == 1.0
    assert torch_table["bins"][-1]["count"] == int((p == 1.0).sum())


# ------------------------------------------------------ bins against scikit-learn ----


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("bins", [5, 10, 15])
@pytest.mark.parametrize("rounded", [False, True], ids=["continuous", "rounded"])
def test_bins_agree_with_calibration_curve(strategy, bins, rounded):
    y, p = binary_data(2500, bins)
    if rounded:  # ties, values on uniform edges, quantile edges on data values
        p = np.round(p, 2)
    _, table = reliability({"pred": p, "label": y}, params={"bins": bins, "strategy": strategy})
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy=strategy)
    got = filled(table)
    assert [b["observed"] for b in got] == approx(prob_true, rel=REL)
    assert [b["mean_confidence"] for b in got] == approx(prob_pred, rel=REL)
    assert [b["gap"] for b in got] == approx(prob_pred - prob_true, rel=1e-9, abs=1e-15)
    assert sum(b["count"] for b in table["bins"]) == y.size
    if strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 1, bins + 1) * 100)
        assert [b["lower"] for b in table["bins"]] == list(edges[:-1])
        assert [b["upper"] for b in table["bins"]] == list(edges[1:])
    else:
        assert [b["upper"] for b in table["bins"]] == list(np.linspace(0, 1, bins + 1)[1:])
    share = np.array([b["count"] for b in got]) / y.size
    want = {
        "ece": float(np.sum(share * np.abs(prob_true - prob_pred))),
        "rmsce": math.sqrt(float(np.sum(share * (prob_true - prob_pred) ** 2))),
        "mce": float(np.max(np.abs(prob_true - prob_pred))),
    }
    for key, value in want.items():
        assert table[key] == approx(value, rel=1e-12)


def test_multiclass_bins_are_the_top_label_calibration_curve():
    y, p = multiclass_data(1500, 9)
    conf, correct = p.max(axis=1), (p.argmax(axis=1) == y).astype(int)
    for strategy in ("uniform", "quantile"):
        _, table = reliability(
            {f"p{k}": p[:, k] for k in range(4)} | {"label": y},
            "ece",
            params={"bins": 8, "strategy": strategy, "multi_class": "top-label"},
        )
        prob_true, prob_pred = calibration_curve(correct, conf, n_bins=8, strategy=strategy)
        assert [b["observed"] for b in filled(table)] == approx(prob_true, rel=REL)
        assert [b["mean_confidence"] for b in filled(table)] == approx(prob_pred, rel=REL)
        assert table["confidence"].startswith("top-label")


def test_empty_bins_are_listed_and_count_for_nothing():
    """Every confidence in (0.9, 1): 14 of 15 bins are empty, in the table with count 0 and
    no means; the value is the last bin's |gap| whatever the norm."""
    rng = np.random.default_rng(2)
    p = rng.uniform(0.94, 0.999, 300)
    y = (rng.uniform(size=300) < 0.8).astype(int)
    gap = abs(p.mean() - y.mean())
    for norm in ("l1", "l2", "max"):
        assert L.ece(y, p, norm=norm) == approx(gap, rel=1e-12)
        assert tm_binary(p, y, 15, norm) == approx(gap, rel=1e-12)
    _, table = reliability({"pred": p, "label": y})
    assert len(table["bins"]) == 15
    assert [b["count"] for b in table["bins"]] == [0] * 14 + [300]
    assert all(
        b["mean_confidence"] is None and b["observed"] is None and b["gap"] is None
        for b in table["bins"][:-1]
    )


def test_all_in_one_bin():
    """One bin (``--bins 1``), or one distinct confidence with quantile bins (every edge the
    same value: calibration_curve puts every row in the first bin): |mean c − mean a|, weighted."""
    y, p = binary_data(400, 6)
    w = np.random.default_rng(6).uniform(0.0, 2.0, y.size)
    want = abs(np.average(p, weights=w) - np.average(y, weights=w))
    for norm in ("l1", "l2", "max"):
        assert L.ece(y, p, bins=1, norm=norm, sample_weight=w) == approx(want, rel=1e-12)
    same = np.full(50, 0.3)
    labels = np.r_[np.ones(20, int), np.zeros(30, int)]
    _, table = reliability({"pred": same, "label": labels}, params={"strategy": "quantile", "bins": 4})
    prob_true, _ = calibration_curve(labels, same, n_bins=4, strategy="quantile")
    assert [b["count"] for b in table["bins"]] == [50, 0, 0, 0]
    assert [b["observed"] for b in filled(table)] == approx(prob_true)
    assert L.ece(labels, same, strategy="quantile", bins=4) == approx(abs(0.3 - 0.4), rel=1e-12)


def test_quantile_edges_are_row_quantiles_and_weights_weigh_the_bins():
    """Quantile edges are the positive-weight rows' percentiles (weights do not move them);
    each bin's means and its share of the value are weighted."""
    y, p = binary_data(1200, 12)
    w = np.random.default_rng(12).uniform(0.0, 3.0, y.size)
    w[::9] = 0.0
    kept = w > 0
    edges = np.percentile(p[kept], np.linspace(0, 1, 11) * 100)
    index = np.searchsorted(edges[1:-1], p[kept], side="left")
    _, table = reliability(
        {"pred": p, "label": y, "w": w}, weight="w", params={"strategy": "quantile", "bins": 10}
    )
    assert [b["lower"] for b in table["bins"]] == list(edges[:-1])
    value = 0.0
    for b, got in enumerate(table["bins"]):
        rows = index == b
        wb, cb, ab = w[kept][rows], p[kept][rows], y[kept][rows]
        assert got["count"] == rows.sum() and got["weight"] == approx(wb.sum(), rel=1e-12)
        assert got["mean_confidence"] == approx(np.average(cb, weights=wb), rel=1e-12)
        assert got["observed"] == approx(np.average(ab, weights=wb), rel=1e-12)
        value += wb.sum() / w.sum() * abs(np.average(cb, weights=wb) - np.average(ab, weights=wb))
    assert table["ece"] == approx(value, rel=1e-12)


def test_quantile_bins_refuse_more_rows_than_they_keep(monkeypatch, cli, expect_error, tmp_path):
    import losscli.losses._calibration_summary as summary

    monkeypatch.setattr(summary, "QUANTILE_ROW_LIMIT", 1000)
    y, p = binary_data(1001, 1)
    with pytest.raises(DataError, match=r"strategy='quantile' keeps every row.*more than 1,000 rows"):
        L.ece(y, p, strategy="quantile")
    assert L.ece(y[:1000], p[:1000], strategy="quantile") == approx(
        L.ece(y[:1000], p[:1000], strategy="quantile", sample_weight=np.ones(1000)), rel=1e-12
    )
    L.ece(y, p)  # uniform bins stream: no limit
    path = tmp_path / "big.csv"
    pd.DataFrame({"prob": p, "label": y}).to_csv(path, index=False)
    err = expect_error(cli("ece", path, "--strategy", "quantile"), "--strategy quantile keeps every row")
    assert "hint: use --strategy uniform" in err
    assert cli("ece", path, "-f", "value").exit_code == 0


# ------------------------------------------------- chunks, groups, partitions ----


def _file(tmp_path: Path, frame: pd.DataFrame) -> str:
    path = tmp_path / "calibration.parquet"
    frame.to_parquet(path, index=False)
    return str(path)


@pytest.mark.parametrize("loss", ["ece", "brier"])
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_any_chunking_gives_the_same_bits(tmp_path, loss, strategy, weighted):
    y, p = binary_data(3000, 21)
    frame = pd.DataFrame({"prob": p, "label": y, "w": np.random.default_rng(21).uniform(0, 2, y.size)})
    path = _file(tmp_path, frame)
    kw: dict[str, Any] = {"weight": "w"} if weighted else {}
    seen = []
    for chunk_rows in (7, 250, 4096 + 13, 1 << 20):
        result = losscli.evaluate(
            InputOptions(path, chunk_rows=chunk_rows), loss, params={"strategy": strategy}, **kw
        )
        seen.append(json.dumps(result.results[0].to_dict(), sort_keys=True))
    assert len(set(seen)) == 1
    if loss == "brier":  # the value is still scikit-learn's
        w = frame["w"] if weighted else None
        assert json.loads(seen[0])["value"] == approx(brier_score_loss(y, p, sample_weight=w), rel=1e-12)


@pytest.mark.parametrize("cls", ["Reliability", "BrierDecomposition"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_summary_bits_for_any_split_across_blocks_and_groups_of_blocks(cls, weighted):
    """600,000 rows fed in pieces of random sizes (1 row to 300,000, across the 4,096-row
    blocks and the groups of 64 blocks) give the same sums, bit for bit, as one piece."""
    import losscli.losses._calibration_summary as summary

    y, p = binary_data(600_000, 81)
    w = np.random.default_rng(81).uniform(0.0, 2.0, y.size) if weighted else None
    whole = getattr(summary, cls)({"bins": 15})
    whole.update({"y_true": y, "y_pred": p}, w, p)
    rng = np.random.default_rng(82)
    for _ in range(3):
        cuts = np.unique(np.r_[rng.integers(0, y.size, 40), rng.integers(0, 5000, 40), [262_144, 4096, 4097]])
        split = getattr(summary, cls)({"bins": 15})
        for part in np.split(np.arange(y.size), cuts):
            split.update({"y_true": y[part], "y_pred": p[part]}, None if w is None else w[part], p[part])
        assert np.array_equal(split.bins().sums, whole.bins().sums)
        assert np.array_equal(split.bins().rows, whole.bins().rows)
        assert split.details() == whole.details()


def test_groups_have_their_own_decomposition(tmp_path):
    """Each --by group's accumulator keeps brier's summary too: its decomposition is of the
    group's rows (checked against the formula in tests/test_group_details.py)."""
    from losscli.accumulate.loss import LossAccumulator

    brier = L.get_loss("brier")
    assert LossAccumulator(brier, brier.bind(), quantiles=False).summary is not None
    y, p = binary_data(1000, 91)
    g = np.where(np.arange(y.size) % 4 == 0, "a", "b")
    result = losscli.evaluate({"prob": p, "label": y, "g": g}, "brier", by="g").results[0]
    assert result.details["decomposition"]["uncertainty"] == approx(y.mean() * (1 - y.mean()), rel=1e-12)
    for group in result.groups:
        rows = g == group.group
        assert group.value == approx(brier_score_loss(y[rows], p[rows]), rel=1e-12)
        base = y[rows].mean()
        assert group.details["decomposition"]["uncertainty"] == approx(base * (1 - base), rel=1e-12)


def test_by_groups_are_each_group_alone(tmp_path):
    y, p = binary_data(2000, 31)
    rng = np.random.default_rng(31)
    frame = pd.DataFrame(
        {"prob": p, "label": y, "g": rng.choice(["a", "b", "c"], y.size), "w": rng.uniform(0, 2, y.size)}
    )
    path = _file(tmp_path, frame)
    for params in ({}, {"strategy": "quantile", "bins": 6}, {"norm": "max"}):
        result = losscli.evaluate(
            InputOptions(path, chunk_rows=333), "ece", by="g", weight="w", params=params
        ).results[0]
        assert [g.group for g in result.groups] == ["a", "b", "c"]
        for g in result.groups:
            part = frame[frame["g"] == g.group]
            alone = L.ece(part["label"], part["prob"], sample_weight=part["w"], **params)
            assert g.value == approx(alone, rel=1e-12)
            if not params:  # torchmetrics' definition with weights as repeated rows is checked above
                assert g.count == len(part)
        whole = L.ece(y, p, sample_weight=frame["w"], **params)
        assert result.value == approx(whole, rel=1e-12)


def test_cli_by_json_and_eval_with_bce(cli, tmp_path):
    y, p = binary_data(900, 41)
    g = np.where(np.arange(y.size) % 3 == 0, "x", "y")
    path = tmp_path / "by.csv"
    pd.DataFrame({"prob": p, "label": y, "g": g}).to_csv(path, index=False)
    done = cli("eval", path, "-l", "ece", "-l", "bce", "-l", "ece:norm=max", "--by", "g", "-f", "json")
    assert done.exit_code == 0, done.stderr
    results = {r["loss"]: r for r in json.loads(done.stdout)["results"]}
    assert set(results) == {"ece", "bce", "ece(norm=max)"}
    assert results["ece"]["value"] == approx(tm_binary(p, y), rel=REL)
    assert results["ece(norm=max)"]["value"] == approx(tm_binary(p, y, 15, "max"), rel=REL)
    assert results["bce"]["value"] == approx(log_loss(y, p), rel=1e-12)
    for group in results["ece"]["groups"]:
        rows = g == group["group"]
        assert group["value"] == approx(tm_binary(p[rows], y[rows]), rel=REL)
    assert "reliability" in results["ece"] and "reliability" not in results["bce"]


def test_dask_partitions_merge_to_the_local_values(cluster, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    y, p = binary_data(20_000, 51)
    rng = np.random.default_rng(51)
    frame = pd.DataFrame(
        {"prob": p, "label": y, "w": rng.uniform(0, 2, y.size), "g": rng.choice(["a", "b"], y.size)}
    )
    path = _file(tmp_path, frame)
    losses = ["ece", "ece:strategy=quantile", "brier"]
    local = losscli.evaluate(path, losses, weight="w", by="g").results
    ddf = dd.from_pandas(frame, npartitions=5)
    remote = losscli.evaluate(ddf, losses, weight="w", by="g").results
    for mine, theirs in zip(remote, local, strict=True):
        assert mine.value == approx(theirs.value, rel=1e-12)
        for a, b in zip(mine.groups, theirs.groups, strict=True):
            assert a.value == approx(b.value, rel=1e-12)
    for mine, theirs in zip(
        remote[0].details["reliability"]["bins"], local[0].details["reliability"]["bins"], strict=True
    ):
        assert mine["count"] == theirs["count"]
        assert mine["weight"] == approx(theirs["weight"], rel=1e-12)
        assert mine["observed"] == approx(theirs["observed"], rel=1e-12)
    assert remote[2].details["decomposition"]["reliability"] == approx(
        local[2].details["decomposition"]["reliability"], rel=1e-12
    )


# ------------------------------------------------------------ Brier decomposition ----


def murphy(y: np.ndarray, p: np.ndarray, w: np.ndarray, edges: np.ndarray) -> dict[str, float]:
    """The decomposition bin by bin from the rows (scikit-learn's binning rule)."""
    parts = murphy_parts(y, p, w, edges)
    del parts["base_rate"]
    return parts


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_brier_decomposition_matches_the_formula_and_adds_up(strategy, weighted):
    y, p = binary_data(3000, 61)
    w = np.random.default_rng(61).uniform(0.0, 2.0, y.size) if weighted else np.ones(y.size)
    result = losscli.evaluate(
        {"prob": p, "label": y, "w": w}, "brier", weight="w", params={"bins": 12, "strategy": strategy}
    ).results[0]
    parts = result.details["decomposition"]
    edges = (
        np.linspace(0, 1, 13)
        if strategy == "uniform"
        else np.percentile(p[w > 0], np.linspace(0, 1, 13) * 100)
    )
    want = murphy(y, p, w, edges)
    for key, value in want.items():
        assert parts[key] == approx(value, rel=1e-9, abs=1e-15), key
    assert parts["within_bin"] == approx(
        parts["within_bin_variance"] - 2 * parts["within_bin_covariance"], abs=1e-16
    )
    brier = brier_score_loss(y, p, sample_weight=w)
    assert result.value == approx(brier, rel=1e-12)
    total = parts["reliability"] - parts["resolution"] + parts["uncertainty"] + parts["within_bin"]
    assert total == approx(brier, rel=1e-12)
    assert parts["within_bin"] != 0.0  # Murphy's three alone do not add up here


def test_brier_decomposition_is_murphys_when_forecasts_in_a_bin_are_equal():
    """Forecasts taking one value per bin: within-bin terms vanish and reliability − resolution
    + uncertainty is the Brier score (Murphy's identity)."""
    rng = np.random.default_rng(71)
    p = rng.choice([0.05, 0.25, 0.55, 0.85, 0.95], 2000)
    y = (rng.uniform(size=2000) < p).astype(int)
    parts = (
        losscli.evaluate({"prob": p, "label": y}, "brier", params={"bins": 10})
        .results[0]
        .details["decomposition"]
    )
    assert parts["within_bin"] == approx(0.0, abs=1e-15)
    assert parts["reliability"] - parts["resolution"] + parts["uncertainty"] == approx(
        brier_score_loss(y, p), rel=1e-12
    )
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
    share = np.array([np.sum(np.isclose(p, v)) for v in prob_pred]) / p.size
    assert parts["reliability"] == approx(np.sum(share * (prob_pred - prob_true) ** 2), rel=1e-12)


def test_brier_keeps_its_skill_and_its_uncertainty_is_the_priors_brier(cli):
    """--vs-dummy on brier (a mean with a summary for its details) works: the dummy predicts
    the base rate ȳ, whose Brier score ȳ(1 − ȳ) is the decomposition's uncertainty."""
    done = cli("brier", BINARY, "--vs-dummy", "-f", "json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    y, p = _sample()
    prior = brier_score_loss(y, np.full(y.size, y.mean()))
    assert result["dummy_value"] == approx(prior, rel=1e-12)
    assert result["skill"] == approx(1 - brier_score_loss(y, p) / prior, rel=1e-12)
    assert result["decomposition"]["uncertainty"] == approx(prior, rel=1e-12)


def test_brier_keeps_its_interval(cli):
    done = cli("brier", BINARY, "--ci", "-f", "json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    frame = pd.read_csv(BINARY)
    assert result["value"] == approx(brier_score_loss(frame["label"], frame["prob"]), rel=1e-12)
    assert result["ci"]["low"] < result["value"] < result["ci"]["high"]
    assert set(result["decomposition"]) >= {"reliability", "resolution", "uncertainty", "within_bin"}


# --------------------------------------------------------------------- the CLI ----


def _sample() -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(BINARY)
    return frame["label"].to_numpy(), frame["prob"].to_numpy()


def _reliability_rows(text: str) -> list[list[str]]:
    """The plain reliability table's rows: [bin, count, confidence, observed, gap, diagram]
    (empty bins: bin and count only)."""
    lines = text.split(" reliability · ", 1)[1].splitlines()[2:]
    rows = []
    for line in lines:
        m = re.match(r"^([\[(][^\])]*[\])])\s+(\d+)(?:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+))?\s*$", line)
        if m is None:
            break
        rows.append([g for g in m.groups() if g is not None])
    return rows


def test_table_is_the_reliability_table(cli):
    done = cli("ece", BINARY)
    assert done.exit_code == 0, done.stderr
    y, p = _sample()
    prob_true, prob_pred = calibration_curve(y, p, n_bins=15)
    rows = [r for r in _reliability_rows(done.stdout) if len(r) > 2]
    assert len(rows) == len(prob_true)
    for row, observed, confidence in zip(rows, prob_true, prob_pred, strict=True):
        assert float(row[2]) == approx(confidence, rel=5e-6, abs=1e-12)
        assert float(row[3]) == approx(observed, rel=5e-6, abs=1e-12)
        assert float(row[4]) == approx(confidence - observed, rel=5e-6, abs=1e-12)
        assert len(row[5]) == 10 and set(row[5]) <= set("█▏▎▍▌▋▊▉·◆") and row[5].count("◆") == 1
    assert _reliability_rows(done.stdout)[0][0] == "[0, 0.0667]"
    assert _reliability_rows(done.stdout)[1][0] == "(0.0667, 0.133]"
    assert f"ECE {number(tm_binary(p, y))}" in done.stdout
    summary = next(line for line in done.stdout.splitlines() if line.startswith("ece "))
    assert summary.split()[1] == number(tm_binary(p, y))


def test_diagram_bars():
    from losscli.render.calibration import diagram

    assert diagram(0.0, 0.0) == "◆·········"
    assert diagram(1.0, 0.99) == "█████████◆"
    assert diagram(0.5, 0.5) == "█████◆····"
    assert diagram(0.3, 0.75) == "███····◆··"
    assert diagram(0.0625, 0.0) == "◆·········"  # half a cell under the mark
    assert diagram(0.45, 0.0) == "◆███▌·····"
    assert diagram(None, 0.5) == ""


def test_json_and_markdown(cli):
    y, p = _sample()
    done = cli("ece", BINARY, "--bins", "10", "--norm", "l2", "-f", "json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    assert result["loss"] == "ece(bins=10, norm=l2)" and not result["higher_is_better"]
    assert result["value"] == approx(tm_binary(p, y, 10, "l2"), rel=REL)
    table = result["reliability"]
    assert (table["strategy"], table["n_bins"], table["closed"], table["norm"]) == (
        "uniform",
        10,
        "right",
        "l2",
    )
    assert table["rmsce"] == result["value"] and table["ece"] == approx(tm_binary(p, y, 10, "l1"), rel=REL)
    assert set(table["bins"][0]) == {
        "lower",
        "upper",
        "count",
        "weight",
        "mean_confidence",
        "observed",
        "gap",
    }
    assert result["per_sample"] == "calibration_gap"
    assert result["mean"] == approx(np.mean(p - y), rel=1e-12)  # ℓ = c − a
    markdown = cli("ece", BINARY, "--bins", "10", "-f", "markdown")
    assert markdown.exit_code == 0
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
    lines = [
        line for line in markdown.stdout.splitlines() if line.startswith("| (") or line.startswith("| \\[")
    ]
    full = [line.strip("| ").split(" | ") for line in lines if line.count("|") == 7 and "|  |" not in line]
    assert "| bin | count | confidence | observed | gap | diagram |" in markdown.stdout
    assert [float(cells[2]) for cells in full] == approx(list(prob_pred), rel=5e-6)
    assert [float(cells[3]) for cells in full] == approx(list(prob_true), rel=5e-6, abs=1e-12)
    assert "**ece(bins=10) reliability · 10 uniform bins**" in markdown.stdout
    brier = cli("brier", BINARY, "-f", "markdown")
    assert "**brier decomposition · 15 uniform bins**" in brier.stdout and "| − resolution |" in brier.stdout


def test_multiclass_and_brier_tables(cli):
    done = cli("ece", IRIS, "--multi-class", "top-label", "--bins", "5", "-f", "json")
    assert done.exit_code == 0, done.stderr
    frame = pd.read_csv(IRIS)
    probs = frame[["prob_setosa", "prob_versicolor", "prob_virginica"]].to_numpy()
    labels = frame["label"].map({"setosa": 0, "versicolor": 1, "virginica": 2}).to_numpy()
    result = json.loads(done.stdout)["results"][0]
    assert result["loss"] == "ece(bins=5, multi_class=top-label)"
    assert result["value"] == approx(tm_multiclass(probs, labels, 5), rel=1e-5)  # float32 there
    assert len(result["reliability"]["bins"]) == 5 and result["reliability"]["confidence"].startswith(
        "top-label"
    )
    conf, correct = probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(int)
    prob_true, _ = calibration_curve(correct, conf, n_bins=5)
    assert [b["observed"] for b in filled(result["reliability"])] == approx(list(prob_true), rel=REL)
    brier = cli("brier", BINARY)
    lines = brier.stdout.split("brier decomposition · 15 uniform bins", 1)[1].splitlines()
    terms = {line[:14].strip(): float(line[14:]) for line in lines[2:7]}
    y, p = _sample()
    want = murphy(y.astype(float), p, np.ones(y.size), np.linspace(0, 1, 16))
    assert terms["reliability"] == approx(want["reliability"], rel=5e-6)
    assert terms["− resolution"] == approx(want["resolution"], rel=5e-6)
    assert terms["+ uncertainty"] == approx(want["uncertainty"], rel=5e-6)
    within = want["within_bin_variance"] - 2 * want["within_bin_covariance"]
    assert terms["+ within-bin"] == approx(within, rel=5e-6)
    assert terms["= brier"] == approx(brier_score_loss(y, p), rel=5e-6)


def test_gates(cli):
    y, p = _sample()
    value = tm_binary(p, y)
    failed = cli("ece", BINARY, "--max", str(value / 2))
    assert failed.exit_code == 1 and "FAIL ece" in failed.stderr
    assert cli("ece", BINARY, "--max", str(value * 2)).exit_code == 0
    both = cli("eval", BINARY, "-l", "ece", "-l", "bce", "--max", f"ece={value / 2}", "--max", "bce=1")
    assert both.exit_code == 1 and "FAIL ece" in both.stderr and "FAIL bce" not in both.stderr


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--bins", "0"], ["--bins must be between 1 and 10,000"]),
        (["--strategy", "equal"], ["--strategy must be one of uniform, quantile"]),
        (["--norm", "l3"], ["--norm must be one of l1, l2, max"]),
        (["--compat", "torch", "--strategy", "quantile"], ["torchmetrics has no --strategy quantile"]),
        (["--pred", "logit"], ["probability in [0, 1]", "--from-logits"]),
        (["--ci", "--strategy", "quantile"], ["no confidence interval (--ci) for ece", "own quantiles"]),
        (["--ci", "--norm", "max"], ["no confidence interval (--ci) for ece", "a maximum over bins"]),
    ],
)
def test_errors_are_exit_2_with_one_line(cli, expect_error, args, needles):
    expect_error(cli("ece", BINARY, *args), *needles)


def test_compare_and_multiclass_errors(cli, expect_error, write_file):
    expect_error(
        cli("compare", BINARY, "--pred", "prob,logit", "-l", "ece:strategy=quantile"),
        "compare: ece(strategy=quantile) has no paired interval",
        "own quantiles",
    )
    bad = write_file("rows.csv", "label,p0,p1,p2\n0,0.5,0.3,0.3\n1,0.2,0.7,0.1\n")
    expect_error(cli("ece", bad, "--multi-class", "top-label"), "sum to 1", "--from-logits")
    expect_error(cli("ece", bad), "3 class columns")  # K columns need --multi-class top-label
    with pytest.raises(UsageError):
        L.ece([0, 1], [0.2, 0.6], bins=0)


def test_explain_and_list(cli):
    page = cli("explain", "ece").stdout
    for text in (
        "BinaryCalibrationError",
        "calibration_curve",
        "--strategy",
        "torchmetrics #3510",
        "BCa bootstrap of the uniform bins' sums",
        "--norm max (a maximum over bins) have none",
    ):
        assert text in page
    assert "decomposition" in cli("explain", "brier").stdout.lower()
    assert "Murphy" in cli("explain", "brier").stdout
    assert "MulticlassCalibrationError" in page and "--multi-class" in page
    assert re.search(r"^ece +calibration-error +binary, multiclass ", cli("list").stdout, re.M)


# ------------------------------------------------------------ a real terminal ----


@pytest.mark.parametrize("width", [60, 80, 120])
def test_reliability_table_in_a_terminal(losscli_exe, terminal, width):
    """At 60, 80 and 120 columns: no line wider than the terminal, the value whole, every bin
    range and diagram whole and every shown number a whole number (never ``…``); columns
    left out (count, gap at 60) are named in a note."""
    y, p = _sample()
    screen = terminal(f"{losscli_exe} ece {BINARY} --rows 3", width, height=90)
    assert "DONE-0" in screen, screen
    lines = screen.splitlines()
    assert all(len(line) <= width for line in lines), screen
    assert f"│ ece             │ {number(tm_binary(p, y))} │" in screen, screen
    at = next(i for i, line in enumerate(lines) if "ece reliability · 15 uniform bins" in line)
    header = [h.strip() for h in lines[at + 2].strip("┃").split("┃")]
    assert {"bin", "confidence", "observed", "diagram"} <= set(header), screen
    body = [line for line in lines[at + 4 :] if line.startswith("│")]
    assert len(body) == 15 and "…" not in "".join(body), screen
    _, prob_pred = calibration_curve(y, p, n_bins=15)
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in body]
    assert rows[0][0] == "[0, 0.0667]" and rows[-1][0] == "(0.933, 1]", screen
    conf = [float(r[header.index("confidence")]) for r in rows if r[header.index("confidence")]]
    assert conf == approx(list(prob_pred), rel=5e-6), screen
    diagrams = [r[header.index("diagram")] for r in rows]
    assert all(len(d) == 10 and d.count("◆") == 1 for d in diagrams), screen
    if not {"count", "gap"} <= set(header):
        note = next(line for line in lines[at:] if line.startswith("not shown, the terminal is too narrow: "))
        assert all(name in note for name in {"count", "gap"} - set(header)), screen


@pytest.mark.parametrize("width", [60, 80, 120])
def test_brier_decomposition_in_a_terminal(losscli_exe, terminal, width):
    screen = terminal(f"{losscli_exe} brier {BINARY} --rows 0", width, height=60)
    assert "DONE-0" in screen, screen
    assert all(len(line) <= width for line in screen.splitlines()), screen
    y, p = _sample()
    rows = {
        cells[0].strip(): cells[1].strip()
        for line in screen.splitlines()
        if line.startswith("│ ") and len(cells := line.strip("│").split("│")) == 2
    }
    assert list(rows) == ["reliability", "− resolution", "+ uncertainty", "+ within-bin", "= brier"], screen
    assert rows["= brier"] == number(brier_score_loss(y, p)), screen
    want = murphy(y.astype(float), p, np.ones(y.size), np.linspace(0, 1, 16))
    assert float(rows["− resolution"]) == approx(want["resolution"], rel=5e-6), screen
