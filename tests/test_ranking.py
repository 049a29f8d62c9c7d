"""Issue 15 §1: roc-auc and pr-auc (ranking, higher is better), exact against scikit-learn.

Expected values come from scikit-learn (``roc_auc_score``, ``average_precision_score``),
from NumPy, or from the Mann–Whitney formula by hand — never from losscli's own output.
"""

from __future__ import annotations

import json
import math
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

import losscli
import losscli.losses as L
from losscli.errors import DataError, UsageError
from losscli.io.source import InputOptions
from losscli.losses import _ranking_summary
from losscli.losses._ranking_buffer import SMALL_BYTES, Growing

REL = 1e-12
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
IRIS = ["prob_setosa", "prob_versicolor", "prob_virginica"]


def close(a: float, b: float, rel: float = REL) -> bool:
    return abs(a - b) <= rel * max(abs(b), 1e-300) or abs(a - b) <= 1e-15


def sk_roc(*args: Any, **kw: Any) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(roc_auc_score(*args, **kw))


def sk_ap(*args: Any, **kw: Any) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(average_precision_score(*args, **kw))


def binary(seed: int, n: int, ties: bool, weighted: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Labels with both classes, scores (few distinct values when ``ties``), weights with zeros."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    s = rng.integers(0, 6, n) / 5.0 if ties else rng.normal(size=n) + y
    w = None
    if weighted:
        w = rng.uniform(0.0, 3.0, n)
        w[::5] = 0.0
        w[:2] = 1.0
    return y, s, w


def multiclass(seed: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels 0..k−1 (each present) and probability rows (Dirichlet; a few tied values)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    y[:k] = np.arange(k)
    raw = rng.dirichlet(np.ones(k), n)
    raw[::4] = np.round(raw[::4] * 4) + 0.01  # ties within columns
    return y, raw / raw.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- formulas ----


def test_the_scikit_learn_documentation_example_by_hand():
    """y = 0 0 1 1, s = .1 .4 .35 .8: of the 4 (positive, negative) pairs, 3 are ordered
    right, so AUC = 3/4; AP = ½·(1/1) + ½·(2/3) = 5/6 (recall steps of ½ at 0.8 and 0.35)."""
    y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    assert L.roc_auc(y, s) == 0.75
    assert L.pr_auc(y, s) == pytest.approx(5 / 6, rel=1e-15)


def test_ties_count_one_half():
    """Mann–Whitney with ties: a positive tied with a negative counts ½."""
    assert L.roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert L.roc_auc([0, 1, 1], [0.2, 0.2, 0.7]) == 0.75  # (½ + 1) / 2
    assert L.roc_auc([0, 1], [0.9, 0.1]) == 0.0
    assert L.roc_auc([1, 0], [0.9, 0.1]) == 1.0


def test_integer_weights_are_repeated_rows():
    y, s, _ = binary(3, 50, ties=True, weighted=False)
    counts = np.random.default_rng(4).integers(1, 4, 50)
    for fn in (L.roc_auc, L.pr_auc):
        assert fn(y, s, sample_weight=counts) == pytest.approx(fn(np.repeat(y, counts), np.repeat(s, counts)))


# -------------------------------------------------------- binary vs sklearn ----


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_binary_agrees_with_scikit_learn(seed, ties, weighted):
    y, s, w = binary(seed, 20 + 37 * seed, ties, weighted)
    assert close(L.roc_auc(y, s, sample_weight=w), sk_roc(y, s, sample_weight=w))
    assert close(L.pr_auc(y, s, sample_weight=w), sk_ap(y, s, sample_weight=w))
    for m in (0.01, 0.1, 0.25, 0.5, 0.8, 0.999, 1.0):
        assert close(L.roc_auc(y, s, sample_weight=w, max_fpr=m), sk_roc(y, s, sample_weight=w, max_fpr=m)), m


@pytest.mark.parametrize("m", [0.2, 0.25, 0.5, 0.75])
def test_max_fpr_cut_inside_a_tie_and_on_a_step_edge(m):
    """4 negatives: m·4 falls on a step edge (1, 2, 3) or inside a step; scores tied
    across the classes make that step a diagonal, cut by interpolation."""
    y = np.array([0, 0, 0, 0, 1, 1, 1])
    s = np.array([0.9, 0.5, 0.5, 0.1, 0.5, 0.95, 0.2])
    assert close(L.roc_auc(y, s, max_fpr=m), sk_roc(y, s, max_fpr=m))


def test_a_million_rows_are_exact():
    """Unweighted counts are exact integers: the value is the correctly rounded ratio, so
    it agrees with scikit-learn's to its own rounding."""
    rng = np.random.default_rng(7)
    y = (rng.random(1_000_000) < 0.3).astype(int)
    s = np.round(rng.normal(size=y.size) + y, 3)  # many ties
    assert close(L.roc_auc(y, s), sk_roc(y, s))
    assert close(L.roc_auc(y, s, max_fpr=0.1), sk_roc(y, s, max_fpr=0.1))
    assert close(L.pr_auc(y, s), sk_ap(y, s))


def test_ranking_ignores_monotone_transforms_and_from_logits():
    y, s, w = binary(11, 200, ties=False, weighted=True)
    p = 1 / (1 + np.exp(-s))
    for fn in (L.roc_auc, L.pr_auc):
        assert (
            fn(y, p, sample_weight=w)
            == fn(y, s, sample_weight=w)
            == fn(y, s, sample_weight=w, from_logits=True)
        )


def test_labels_as_plus_minus_one_words_and_positive():
    y, s, _ = binary(12, 80, ties=True, weighted=False)
    want = sk_roc(y, s)
    assert close(L.roc_auc(np.where(y == 1, 1, -1), s), want)
    assert close(L.roc_auc(np.where(y == 1, "true", "false").astype(object), s), want)
    named = np.where(y == 1, "spam", "ham").astype(object)
    assert close(L.roc_auc(named, s, positive="spam"), want)
    assert close(L.roc_auc(named, s, positive="ham"), sk_roc(1 - y, s))


def test_huge_weights_give_the_unweighted_value():
    """The metrics are scale-invariant in the weights: 1e300 each does not overflow."""
    y, s, _ = binary(13, 60, ties=True, weighted=False)
    huge = np.full(y.size, 1e300)
    assert close(L.roc_auc(y, s, sample_weight=huge), sk_roc(y, s))
    assert close(L.roc_auc(y, s, sample_weight=huge, max_fpr=0.3), sk_roc(y, s, max_fpr=0.3))
    assert close(L.pr_auc(y, s, sample_weight=huge), sk_ap(y, s))


def test_reduction_none_is_the_score_ranked():
    y, s, w = binary(14, 30, ties=False, weighted=True)
    assert np.array_equal(L.roc_auc(y, s, reduction="none"), s)
    assert L.pr_auc(y, s, sample_weight=w, reduction="sum") == pytest.approx(np.sum(w * s))


# ---------------------------------------------------- multiclass vs sklearn ----


@pytest.mark.parametrize("seed, k", [(0, 3), (1, 4), (2, 5), (3, 3)])
@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_multiclass_agrees_with_scikit_learn(seed, k, average):
    y, p = multiclass(seed, 90 + 20 * seed, k)
    w = np.random.default_rng(seed).uniform(0.0, 2.0, y.size)
    for mc in ("ovr", "ovo"):
        got = L.roc_auc(y, p, multi_class=mc, average=average)
        assert close(got, sk_roc(y, p, multi_class=mc, average=average)), mc
    got = L.roc_auc(y, p, multi_class="ovr", average=average, sample_weight=w)
    assert close(got, sk_roc(y, p, multi_class="ovr", average=average, sample_weight=w))
    got = L.pr_auc(y, p, multi_class="ovr", average=average)
    assert close(got, sk_ap(y, p, average=average))
    got = L.pr_auc(y, p, multi_class="ovr", average=average, sample_weight=w)
    assert close(got, sk_ap(y, p, average=average, sample_weight=w))


def test_multiclass_logits_rank_their_softmax():
    rng = np.random.default_rng(5)
    y = np.concatenate([np.arange(4), rng.integers(0, 4, 116)])
    logits = rng.normal(size=(120, 4)) * 2
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)  # softmax, by its formula
    for mc in ("ovr", "ovo"):
        got = L.roc_auc(y, logits, multi_class=mc, from_logits=True)
        assert close(got, sk_roc(y, p, multi_class=mc))
    assert close(L.pr_auc(y, logits, multi_class="ovr", from_logits=True), sk_ap(y, p))


def test_multiclass_scores_not_summing_to_one_rank_each_column(cli, tmp_path):
    """scikit-learn refuses such rows; losscli ranks each class column as given (the
    one-vs-rest definition, computed here class by class with scikit-learn) and warns."""
    y, p = multiclass(6, 100, 3)
    scores = p * np.random.default_rng(6).uniform(0.5, 2.0, (100, 1))
    want = np.mean([sk_roc(y == c, scores[:, c]) for c in range(3)])
    with pytest.warns(UserWarning, match="do not sum to 1"):
        assert close(L.roc_auc(y, scores, multi_class="ovr"), want)
    frame = pd.DataFrame({"label": y} | {f"prob_{c}": scores[:, c] for c in range(3)})
    path = tmp_path / "scores.csv"
    frame.to_csv(path, index=False)
    result = cli("roc-auc", path, "--multi-class", "ovr", "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert close(float(result.stdout), want)
    assert "do not sum to 1" in result.stderr and "--from-logits" in result.stderr


def test_the_iris_sample_file_agrees_with_scikit_learn(cli):
    frame = pd.read_csv(SAMPLE / "iris_multiclass.csv")
    y = frame["label"].map({"setosa": 0, "versicolor": 1, "virginica": 2}).to_numpy()
    p = frame[IRIS].to_numpy()
    for mc in ("ovr", "ovo"):
        for average in ("macro", "weighted"):
            result = cli(
                "roc-auc",
                SAMPLE / "iris_multiclass.csv",
                "--multi-class",
                mc,
                "--average",
                average,
                "-f",
                "json",
            )
            assert result.exit_code == 0, result.stderr
            got = json.loads(result.stdout)["results"][0]
            assert close(got["value"], sk_roc(y, p, multi_class=mc, average=average))
            assert got["loss"] == f"roc-auc(multi_class={mc}" + (
                ", average=weighted)" if average == "weighted" else ")"
            )
    got = json.loads(
        cli("roc-auc", SAMPLE / "iris_multiclass.csv", "--multi-class", "ovr", "-f", "json").stdout
    )
    per_class = got["results"][0]["one_vs_rest"]
    for c, row in enumerate(per_class):
        assert row["class"] == c and row["rows"] == 50
        assert close(row["value"], sk_roc(y == c, p[:, c]))
    got = json.loads(
        cli("roc-auc", SAMPLE / "iris_multiclass.csv", "--multi-class", "ovo", "-f", "json").stdout
    )
    pairs = got["results"][0]["one_vs_one"]
    assert [r["classes"] for r in pairs] == [[0, 1], [0, 2], [1, 2]]
    for row in pairs:
        a, b = row["classes"]
        rows = (y == a) | (y == b)
        want = (sk_roc(y[rows] == a, p[rows, a]) + sk_roc(y[rows] == b, p[rows, b])) / 2  # Hand & Till
        assert close(row["value"], want)


# -------------------------------------------------------------- edge cases ----


def test_one_class_only_is_an_error_not_nan(cli, expect_error, write_file):
    """scikit-learn returns NaN (roc) or 0 (AP without positives) with a warning; losscli
    refuses: the value is undefined."""
    with pytest.raises(DataError, match="one class only"):
        L.roc_auc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(DataError, match="one class only"):
        L.pr_auc([0, 0], [0.1, 0.2])
    path = write_file("one.csv", "label,score\n1,0.2\n1,0.7\n")
    expect_error(cli("roc-auc", path), "one.csv: roc-auc: ROC-AUC is undefined", "2 positive and 0 negative")
    expect_error(cli("roc-auc", path, "-f", "json"), "undefined")


def test_average_precision_without_negatives_is_one():
    """Every threshold's precision is 1 (scikit-learn agrees)."""
    y, s = np.ones(5, int), np.array([0.3, 0.1, 0.9, 0.3, 0.5])
    assert L.pr_auc(y, s) == sk_ap(y, s) == 1.0


def test_zero_weight_classes_and_absent_classes_are_errors(cli, expect_error, write_file):
    with pytest.raises(DataError, match="weights sum to 0"):
        L.roc_auc([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[1.0, 0.0, 0.0])
    path = write_file("k.csv", "label,p0,p1,p2\n0,0.8,0.1,0.1\n1,0.2,0.7,0.1\n0,0.6,0.3,0.1\n")
    expect_error(cli("roc-auc", path, "--multi-class", "ovr"), "class #2", "has no rows")
    expect_error(cli("pr-auc", path, "--multi-class", "ovr"), "class #2")


def test_a_weighted_average_leaves_out_a_class_without_weight():
    """scikit-learn: a class whose rows weigh 0 has weight 0 in average='weighted'."""
    y, p = multiclass(8, 60, 3)
    w = np.where(y == 2, 0.0, 1.0)
    got = L.roc_auc(y, p, multi_class="ovr", average="weighted", sample_weight=w)
    assert close(got, sk_roc(y, p, multi_class="ovr", average="weighted", sample_weight=w))
    with pytest.raises(DataError, match="class #2's rows have weights summing to 0"):
        L.roc_auc(y, p, multi_class="ovr", sample_weight=w)  # macro: class 2 has no value


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--average", "weighted"], ["--average averages over classes", "--multi-class ovr"]),
        (["--max-fpr", "0"], ["--max-fpr must be in (0, 1]"]),
        (["--max-fpr", "1.5"], ["--max-fpr must be in (0, 1]"]),
        (["--multi-class", "ovx"], ["--multi-class must be one of ovr, ovo"]),
        (["--ci", "95"], ["--ci takes a confidence level between 0 and 1"]),
        (["--multi-class", "ovr"], ["cannot find the prediction columns"]),
    ],
)
def test_usage_errors_are_one_line_exit_2(cli, expect_error, args, needles):
    expect_error(cli("roc-auc", SAMPLE / "breast_cancer_binary.csv", *args), *needles)


def test_multiclass_usage_errors(cli, expect_error):
    iris = SAMPLE / "iris_multiclass.csv"
    expect_error(
        cli("roc-auc", iris, "--multi-class", "ovr", "--max-fpr", "0.5"),
        "--max-fpr (partial AUC) is for binary",
    )
    expect_error(cli("roc-auc", iris, "--multi-class", "ovo", "--weight", "id"), "ovo takes no --weight")
    expect_error(cli("pr-auc", iris, "--multi-class", "ovo"), "--multi-class must be one of ovr")
    with pytest.raises(UsageError, match="multi_class='ovo' takes no"):
        L.roc_auc([0, 1, 2], np.eye(3), multi_class="ovo", sample_weight=[1, 1, 1])


def test_past_the_kept_limit_is_a_clear_refusal(cli, expect_error, monkeypatch):
    """Beyond MAX_VALUES kept numbers: exit 2 naming the limit and the fix, never an
    approximation (the limit made small here; the real one is 2^27)."""
    monkeypatch.setattr(_ranking_summary, "MAX_VALUES", 300)
    err = expect_error(
        cli("roc-auc", SAMPLE / "breast_cancer_binary.csv"), "roc-auc is exact", "limit of 300 scores"
    )
    assert "evaluate a sample of the rows" in err
    expect_error(cli("pr-auc", SAMPLE / "breast_cancer_binary.csv", "--weight", "id"), "limit of 300")
    with pytest.raises(DataError, match="limit of 300"):
        L.roc_auc(np.arange(400) % 2, np.arange(400.0))
    assert L.roc_auc(np.arange(300) % 2, np.arange(300.0)) == pytest.approx(
        sk_roc(np.arange(300) % 2, np.arange(300.0))
    )


# ---------------------------------------------- chunks, groups and engines ----


def _file(tmp_path: Path, seed: int, n: int, weighted: bool) -> tuple[Path, pd.DataFrame]:
    y, s, w = binary(seed, n, ties=seed % 2 == 0, weighted=weighted)
    frame = pd.DataFrame(
        {"label": y, "score": s, "g": np.random.default_rng(seed + 100).choice(["a", "b", "c"], n)}
    )
    frame["w"] = w if w is not None else 1.0
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss, params", [("roc-auc", {}), ("roc-auc", {"max_fpr": 0.2}), ("pr-auc", {})])
def test_any_chunking_gives_the_same_bits(tmp_path, loss, params, weighted):
    path, frame = _file(tmp_path, 21, 997, weighted)
    kw: dict[str, Any] = {"weight": "w"} if weighted else {}
    values = {
        c: losscli.evaluate(InputOptions(str(path), chunk_rows=c), loss, params=params, **kw).results[0].value
        for c in (1, 7, 100, 1 << 20)
    }
    assert len(set(values.values())) == 1, values
    w = frame["w"] if weighted else None
    ref = (
        sk_ap(frame.label, frame.score, sample_weight=w)
        if loss == "pr-auc"
        else sk_roc(frame.label, frame.score, sample_weight=w, **params)
    )
    assert close(values[1], ref)


def test_multiclass_chunking_gives_the_same_bits(tmp_path):
    y, p = multiclass(22, 500, 4)
    frame = pd.DataFrame({"label": y} | {f"prob_{c}": p[:, c] for c in range(4)})
    path = tmp_path / "k.csv"
    frame.to_csv(path, index=False)
    for mc in ("ovr", "ovo"):
        values = {
            losscli.evaluate(InputOptions(str(path), chunk_rows=c), "roc-auc", params={"multi_class": mc})
            .results[0]
            .value
            for c in (3, 64, 1 << 20)
        }
        assert len(values) == 1
        assert close(values.pop(), sk_roc(y, p, multi_class=mc))


def test_a_parquet_file_of_small_row_groups_through_the_command_line(cli, tmp_path):
    _, frame = _file(tmp_path, 23, 2_000, weighted=True)
    parquet = tmp_path / "rows.parquet"
    frame.to_parquet(parquet, row_group_size=37, index=False)
    result = cli("roc-auc", parquet, "--weight", "w", "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert close(float(result.stdout), sk_roc(frame.label, frame.score, sample_weight=frame.w))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_groups_equal_scikit_learn_per_group(cli, tmp_path, weighted):
    path, frame = _file(tmp_path, 24, 900, weighted)
    extra = ["--weight", "w"] if weighted else []
    result = cli(
        "eval",
        path,
        "-l",
        "roc-auc",
        "-l",
        "pr-auc",
        "-l",
        "roc-auc:max_fpr=0.3",
        "--by",
        "g",
        *extra,
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    roc, ap, partial = json.loads(result.stdout)["results"]
    for got, metric in ((roc, sk_roc), (ap, sk_ap), (partial, lambda *a, **k: sk_roc(*a, **k, max_fpr=0.3))):
        assert [g["group"] for g in got["groups"]] == ["a", "b", "c"]
        for g in got["groups"]:
            part = frame[frame.g == g["group"]]
            assert close(
                g["value"], metric(part.label, part.score, sample_weight=part.w if weighted else None)
            )
        assert close(
            got["value"], metric(frame.label, frame.score, sample_weight=frame.w if weighted else None)
        )


def test_multiclass_groups_equal_scikit_learn_per_group(tmp_path):
    y, p = multiclass(25, 600, 3)
    frame = pd.DataFrame({"label": y} | {f"prob_{c}": p[:, c] for c in range(3)})
    frame["g"] = np.where(np.arange(600) % 3 == 0, "x", "y")
    path = tmp_path / "k.parquet"
    frame.to_parquet(path, index=False)
    result = losscli.evaluate(
        str(path), "roc-auc", params={"multi_class": "ovr", "average": "weighted"}, by="g"
    )
    for g in result.results[0].groups:
        part = frame[frame.g == g.group]
        want = sk_roc(
            part.label,
            part[[f"prob_{c}" for c in range(3)]].to_numpy(),
            multi_class="ovr",
            average="weighted",
        )
        assert close(g.value, want)


def test_a_group_of_one_class_is_refused_by_name(cli, expect_error, write_file):
    path = write_file("g.csv", "label,score,g\n1,0.9,a\n0,0.2,a\n1,0.4,b\n1,0.6,b\n")
    expect_error(cli("roc-auc", path, "--by", "g"), "roc-auc (group 'b'): ROC-AUC is undefined")


def test_dask_partitions_merge_into_the_local_value(cluster, tmp_path):
    rng = np.random.default_rng(26)
    frames = []
    for i in range(3):
        y = (rng.random(4_000) < 0.4).astype(int)
        frame = pd.DataFrame(
            {"label": y, "score": np.round(rng.normal(size=y.size) + y, 2), "w": rng.uniform(0, 2, y.size)}
        )
        frame.to_parquet(tmp_path / f"part-{i}.parquet", row_group_size=1_500, index=False)
        frames.append(frame)
    whole = pd.concat(frames)
    pattern = str(tmp_path / "part-*.parquet")
    for loss, params in (("roc-auc", {}), ("roc-auc", {"max_fpr": 0.1}), ("pr-auc", {})):
        local = losscli.evaluate(pattern, loss, params=params, weight="w").results[0]
        dask = losscli.evaluate(
            pattern, loss, params=params, weight="w", engine="dask", scheduler=cluster.scheduler.address
        )
        assert dask.results[0].value == local.value
        assert (
            dask.results[0].details
            == local.details
            == {
                "positives": int(whole.label.sum()),
                "negatives": int((1 - whole.label).sum()),
                "positive_weight": pytest.approx(whole.w[whole.label == 1].sum()),
                "negative_weight": pytest.approx(whole.w[whole.label == 0].sum()),
            }
        )
        metric = sk_ap if loss == "pr-auc" else sk_roc
        assert close(local.value, metric(whole.label, whole.score, sample_weight=whole.w, **params))


# ---------------------------------------------------------------- outputs ----


def test_table_json_markdown_and_csv(cli):
    path = SAMPLE / "breast_cancer_binary.csv"
    frame = pd.read_csv(path)
    want = sk_roc(frame.label, frame.prob)
    table = cli("roc-auc", path)
    assert table.exit_code == 0, table.stderr
    assert "roc-auc" in table.stdout and "score" in table.stdout and "not a mean" in table.stdout
    got = json.loads(cli("roc-auc", path, "-f", "json").stdout)["results"][0]
    assert close(got["value"], want)
    assert got["higher_is_better"] is True
    assert got["per_sample"] == "score"
    assert got["positives"] == int(frame.label.sum()) and got["negatives"] == int((1 - frame.label).sum())
    assert got["mean"] == pytest.approx(frame.prob.mean(), rel=1e-12)  # the statistics of the scores ranked
    assert got["quantiles"]["max"] == frame.prob.max()
    markdown = cli("roc-auc", SAMPLE / "iris_multiclass.csv", "--multi-class", "ovr", "-f", "markdown").stdout
    assert "| roc-auc(multi\\_class=ovr) |" in markdown and "one vs rest" in markdown
    rows = cli("pr-auc", path, "-f", "csv").stdout.splitlines()
    assert rows[0] == "row,prob,label,score"
    assert [float(r.split(",")[-1]) for r in rows[1:]] == frame.prob.tolist()


def test_eval_with_bce_and_gates(cli):
    path = SAMPLE / "breast_cancer_binary.csv"
    frame = pd.read_csv(path)
    auc, bce = sk_roc(frame.label, frame.prob), log_loss(frame.label, frame.prob)
    result = cli("eval", path, "-l", "roc-auc", "-l", "bce", "-f", "json")
    got = {r["loss"]: r["value"] for r in json.loads(result.stdout)["results"]}
    assert close(got["roc-auc"], auc) and close(got["bce"], bce, rel=1e-9)
    assert cli("roc-auc", path, "--min", str(auc - 1e-6), "-f", "value").exit_code == 0
    failed = cli("roc-auc", path, "--min", str(auc + 1e-6), "-f", "value")
    assert failed.exit_code == 1 and "FAIL roc-auc" in failed.stderr
    assert cli("roc-auc", path, "--max", str(auc - 1e-6), "-f", "value").exit_code == 1
    gates = ["--min", f"roc-auc={auc - 1e-6}", "--max", f"bce={bce + 1e-6}"]
    assert cli("eval", path, "-l", "roc-auc", "-l", "bce", *gates, "-f", "value").exit_code == 0
    worse = cli("eval", path, "-l", "roc-auc", "-l", "bce", "--min", "roc-auc=0.9999", "-f", "value")
    assert worse.exit_code == 1 and "FAIL roc-auc" in worse.stderr


def test_a_baseline_counts_a_lower_auc_as_worse(cli, tmp_path):
    path = SAMPLE / "breast_cancer_binary.csv"
    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps({"roc-auc": 0.999}))
    failed = cli("roc-auc", path, "--baseline", baseline, "-f", "value")
    assert failed.exit_code == 1 and "FAIL roc-auc" in failed.stderr
    baseline.write_text(json.dumps({"roc-auc": 0.99}))
    assert cli("roc-auc", path, "--baseline", baseline, "-f", "value").exit_code == 0


def test_significance_is_refused(cli, expect_error, tmp_path):
    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps({"roc-auc": 0.99}))
    result = cli(
        "roc-auc", SAMPLE / "breast_cancer_binary.csv", "--baseline", baseline, "--significance", "0.05"
    )
    expect_error(result, "--significance: roc-auc keeps no bootstrap sums a baseline can be paired with")


def test_losscli_check_runs_ranking_gates(cli, tmp_path):
    frame = pd.read_csv(SAMPLE / "iris_multiclass.csv")
    y = frame["label"].map({"setosa": 0, "versicolor": 1, "virginica": 2}).to_numpy()
    ovo = sk_roc(y, frame[IRIS].to_numpy(), multi_class="ovo")
    frame.to_csv(tmp_path / "iris.csv", index=False)  # a config reads files beside it
    config = tmp_path / "losscli.toml"
    config.write_text(
        f'[[check]]\nfile = "iris.csv"\nloss = "roc-auc"\nmulti_class = "ovo"\nmin = {ovo + 1e-6}\n'
    )
    result = cli("check", config, "--format", "json")
    assert result.exit_code == 1
    (check,) = json.loads(result.stdout)["checks"]
    assert check["loss"] == "roc-auc(multi_class=ovo)" and close(check["value"], ovo) and not check["passed"]


def test_list_and_explain(cli):
    listing = cli("list", "--task", "multiclass", env={"COLUMNS": "200"}).stdout
    assert "roc-auc" in listing and "pr-auc" in listing and "binary, multiclass" in listing
    page = cli("explain", "roc-auc").stdout
    for needle in ("McClish", "Hand & Till", "roc_auc_score", "134,217,728", "exit 2", "higher is better"):
        assert needle in page, needle
    assert "average_precision_score" in cli("explain", "pr-auc").stdout


# ------------------------------------------------------------- the buffer ----


def test_the_growing_buffer_keeps_every_value_across_the_switch_to_a_map():
    rng = np.random.default_rng(30)
    parts = [rng.normal(size=int(rng.integers(0, 20_000))) for _ in range(40)]  # ~3 MB: past SMALL_BYTES
    buffer = Growing()
    for part in parts:
        buffer.extend(part)
    whole = np.concatenate(parts)
    assert whole.nbytes > SMALL_BYTES
    assert np.array_equal(buffer.values(), whole)
    copy = pickle.loads(pickle.dumps(buffer))
    assert np.array_equal(copy.values(), whole)
    packed = Growing(np.complex128)
    packed.extend(whole + 1j)
    assert np.array_equal(packed.values().real, whole)


def test_a_summary_pickles_with_its_scores():
    y, s, w = binary(31, 3_000, ties=True, weighted=True)
    summary = _ranking_summary.RocAuc({"multi_class": None, "average": "macro", "max_fpr": None})
    summary.update({"y_true": y.astype(float), "y_pred": s}, w, s)
    copy = pickle.loads(pickle.dumps(summary))
    assert copy.value() == summary.value()
    assert math.isfinite(copy.value()) and close(copy.value(), sk_roc(y, s, sample_weight=w))


def test_streamed_prefix_sums_are_the_full_arrays_bits():
    """A full weighted ROC-AUC reads the positives' weight prefix sums a block at a time
    (StreamedPrefix) instead of keeping them (8 bytes a row): for batches of indices that
    never go back, the same bits as Ranked.cum, whatever the batch sizes."""
    from losscli.losses._ranking_kernels import StreamedPrefix, ranked

    rng = np.random.default_rng(3)
    for n in (7, 5_000, 400_000):
        y = rng.integers(0, 2, n)
        s = np.round(rng.normal(size=n) + y, 2)  # ties
        w = rng.uniform(0.1, 3.0, n)

        def packed(mask, s=s, w=w):
            out = np.empty(int(mask.sum()), np.complex128)
            out.real, out.imag = s[mask], w[mask]
            return out

        pos, _ = ranked(packed(y == 1), packed(y == 0))
        whole = pos.cum.copy()
        for _trial in range(4):
            prefix = StreamedPrefix(pos)
            wanted = np.sort(rng.integers(0, pos.size + 1, size=int(rng.integers(1, 20_000))))
            for batch in np.array_split(wanted, int(rng.integers(1, 60))):
                assert np.array_equal(prefix.at(batch), whole[batch])
