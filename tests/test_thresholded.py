"""Issue 15 §2: the thresholded classification metrics (accuracy, balanced-accuracy,
precision, recall, f1, fbeta, mcc) against scikit-learn's ``accuracy_score``,
``balanced_accuracy_score``, ``precision_score``, ``recall_score``, ``fbeta_score`` /
``f1_score`` and ``matthews_corrcoef`` on the predicted classes (1[p ≥ t], or the
argmax of K class columns): binary and multiclass, every ``average``, sample weights,
every ``zero_division`` (and scikit-learn's warning), classes never predicted or never a
label; the same values for any chunking, per ``--by`` group, over Dask partitions; the
confusion matrix in the table (also in a real terminal, 80 columns), JSON and Markdown;
errors are exit 2. Every expected value comes from scikit-learn or a formula.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

import losscli
import losscli.losses as L
from losscli.errors import DataError
from losscli.io.source import InputOptions
from losscli.render.model import number

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data"
NAMES = ("accuracy", "balanced-accuracy", "precision", "recall", "f1", "fbeta", "mcc")
RATIOS = ("precision", "recall", "f1", "fbeta")
AVERAGES = ("micro", "macro", "weighted")
REL = 1e-12


def reference(name: str, y: Any, yhat: Any, w: Any = None, **params: Any) -> float:
    """scikit-learn's value of ``name`` on predicted classes ``yhat``."""
    kw: dict[str, Any] = {"sample_weight": w}
    if name in RATIOS:
        kw["average"] = params.get("average", "binary")
        zero = params.get("zero_division", "warn")
        kw["zero_division"] = zero if zero == "warn" else float(zero)
    if name == "fbeta":
        kw["beta"] = params.get("beta", 1.0)
    if name == "balanced-accuracy":
        kw["adjusted"] = params.get("adjusted", False)
    fn = {
        "accuracy": sk.accuracy_score,
        "balanced-accuracy": sk.balanced_accuracy_score,
        "precision": sk.precision_score,
        "recall": sk.recall_score,
        "f1": sk.f1_score,
        "fbeta": sk.fbeta_score,
        "mcc": sk.matthews_corrcoef,
    }[name]
    return float(fn(y, yhat, **kw))


def ours(name: str, y: Any, scores: Any, w: Any = None, **params: Any) -> float:
    value: float = getattr(L, name.replace("-", "_"))(y, scores, sample_weight=w, **params)
    return value


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=REL, abs=1e-15)


def binary_data(seed: int, n: int = 300) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
    p[:4] = [0.5, 0.3, 0.5, 0.3]  # scores on the thresholds: p ≥ t is positive
    return y, p, rng.uniform(0, 3, n)


def multiclass_data(seed: int, n: int = 300, k: int = 4) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    s = rng.dirichlet(np.ones(k), n)
    s[np.arange(n), y] += rng.uniform(0, 0.5, n)  # better than chance
    return y, s / s.sum(axis=1, keepdims=True), rng.uniform(0, 3, n)


# ------------------------------------------------------------ vs scikit-learn ----


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", NAMES)
def test_binary_agrees_with_sklearn(name, weighted, seed):
    y, p, w = binary_data(seed)
    w = w if weighted else None
    for params, t in (({}, 0.5), ({"threshold": 0.3}, 0.3)):
        assert same(ours(name, y, p, w, **params), reference(name, y, (p >= t).astype(int), w))
    logits = np.log(p + 1e-9) - np.log1p(-p + 1e-9)
    got = ours(name, y, logits, w, from_logits=True)
    assert same(got, reference(name, y, (logits >= 0).astype(int), w))


@pytest.mark.parametrize("average", ["binary", *AVERAGES])
@pytest.mark.parametrize("name", RATIOS)
def test_binary_every_average_agrees_with_sklearn(name, average):
    y, p, w = binary_data(2)
    for weights in (None, w):
        got = ours(name, y, p, weights, average=average, beta=2.0) if name == "fbeta" else None
        if got is not None:
            expected = reference(name, y, (p >= 0.5).astype(int), weights, average=average, beta=2.0)
        else:
            got = ours(name, y, p, weights, average=average)
            expected = reference(name, y, (p >= 0.5).astype(int), weights, average=average)
        assert same(got, expected)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("name", RATIOS)
def test_multiclass_every_average_agrees_with_sklearn(name, average, seed):
    y, s, w = multiclass_data(seed)
    yhat = s.argmax(axis=1)
    for weights in (None, w):
        assert same(
            ours(name, y, s, weights, average=average), reference(name, y, yhat, weights, average=average)
        )
    if name == "fbeta":
        for beta in (0.0, 0.5, 2.0):
            got = ours(name, y, s, w, average=average, beta=beta)
            assert same(got, reference(name, y, yhat, w, average=average, beta=beta))


@pytest.mark.parametrize("name", ["accuracy", "balanced-accuracy", "mcc"])
def test_multiclass_unaveraged_metrics_agree_with_sklearn(name):
    y, s, w = multiclass_data(3, k=5)
    for weights in (None, w):
        assert same(ours(name, y, s, weights), reference(name, y, s.argmax(axis=1), weights))
    if name == "balanced-accuracy":
        got = ours(name, y, s, w, adjusted=True)
        assert same(got, reference(name, y, s.argmax(axis=1), w, adjusted=True))


def test_class_names_and_argmax_ties():
    """String labels name the classes (``classes=``); a tie predicts the first column."""
    y = np.array(["cat", "dog", "emu", "dog"])
    s = np.array([[0.5, 0.5, 0.0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.4, 0.3, 0.3]])
    names = ["cat", "dog", "emu"]
    yhat = np.array(names)[[0, 1, 2, 0]]
    for name in RATIOS:
        got = ours(name, y, s, average="macro", classes=names)
        assert same(got, reference(name, y, yhat, average="macro"))
    assert same(ours("mcc", y, s, classes=names), sk.matthews_corrcoef(y, yhat))


def test_string_labels_with_positive():
    y = np.array(["spam", "ham", "spam", "ham", "spam"])
    p = np.array([0.9, 0.6, 0.2, 0.1, 0.7])
    yhat = np.where(p >= 0.5, "spam", "ham")
    assert same(L.f1(y, p, positive="spam"), sk.f1_score(y, yhat, pos_label="spam"))
    assert same(L.recall(y, p, positive="spam"), sk.recall_score(y, yhat, pos_label="spam"))


# ------------------------------------------------------------ zero division ----

ZERO_CASES = {  # y, predicted positive? — each makes some ratio 0/0
    "nothing predicted positive": ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]),
    "no positive label": ([0, 0, 0, 0], [0.9, 0.2, 0.3, 0.4]),
    "no positive at all": ([0, 0, 0], [0.1, 0.2, 0.3]),
    "all right": ([0, 1, 1], [0.1, 0.8, 0.9]),
}


def _with_warnings(fn: Any) -> tuple[float, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    return value, [str(w.message) for w in caught]


@pytest.mark.parametrize("zero", ["warn", "0", "1", "nan"])
@pytest.mark.parametrize("average", ["binary", *AVERAGES])
@pytest.mark.parametrize("case", list(ZERO_CASES))
@pytest.mark.parametrize("name", RATIOS)
def test_zero_division_agrees_with_sklearn_and_warns_when_it_does(name, case, average, zero):
    y, p = (np.array(v) for v in ZERO_CASES[case])
    yhat = (p >= 0.5).astype(int)
    expected, sk_said = _with_warnings(lambda: reference(name, y, yhat, average=average, zero_division=zero))
    if math.isnan(expected):  # scikit-learn's NaN: losscli never reports one (exit 2, DataError)
        with pytest.raises(DataError, match="zero_division='nan' leaves it undefined"):
            ours(name, y, p, average=average, zero_division=zero)
        return
    got, said = _with_warnings(lambda: ours(name, y, p, average=average, zero_division=zero))
    assert same(got, expected), (got, expected)
    sk_warned = any("ill-defined" in text for text in sk_said)
    assert any("ill-defined" in text for text in said) == sk_warned, (said, sk_said)
    if sk_warned:
        assert any("zero_division='0', '1' or 'nan'" in text for text in said)  # Python spelling


def test_a_class_never_predicted_and_a_class_never_a_label():
    """Class 2 is never predicted (precision 0/0), class 3 never a label (recall 0/0),
    class 4 neither (left out of every average, as scikit-learn's default labels)."""
    y = np.array([0, 1, 2, 2, 0, 1, 1, 0])
    guess = np.array([0, 1, 0, 3, 0, 1, 3, 1])
    s = np.full((y.size, 5), 0.05)
    s[np.arange(y.size), guess] = 0.8
    w = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.25, 2.0])
    for name in RATIOS:
        for average in AVERAGES:
            for zero in ("warn", "0", "1", "nan"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    got = ours(name, y, s, w, average=average, zero_division=zero)
                    expected = reference(name, y, guess, w, average=average, zero_division=zero)
                assert not math.isnan(expected)  # nan leaves the undefined classes out of the mean
                assert same(got, expected), (name, average, zero, got, expected)
    for name in ("accuracy", "balanced-accuracy", "mcc"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert same(ours(name, y, s, w), reference(name, y, guess, w)), name


def test_a_class_predicted_but_never_a_label_warns_for_balanced_accuracy():
    y = np.array([0, 0, 1, 1])
    s = np.array([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1]])
    got, said = _with_warnings(lambda: L.balanced_accuracy(y, s))
    with pytest.warns(UserWarning, match="y_pred contains classes not in y_true"):
        expected = sk.balanced_accuracy_score(y, s.argmax(axis=1))
    assert same(got, expected)
    assert any("predicted but never a label" in text for text in said), said


def test_mcc_of_one_class_is_0_with_a_warning():
    y = np.array([1, 1, 1, 0])
    got, said = _with_warnings(lambda: L.mcc(y, np.array([0.9, 0.8, 0.7, 0.6])))
    assert got == sk.matthews_corrcoef(y, [1, 1, 1, 1]) == 0.0
    assert any("undefined" in text for text in said)


def test_huge_and_tiny_weights_give_the_unweighted_values():
    """Every metric is a ratio of the matrix's sums: weights of 1e300 or 1e-300 each
    (whose n² would overflow or underflow) change nothing."""
    y, s, _ = multiclass_data(4, n=40)
    for scale in (1e300, 1e-300):
        w = np.full(y.size, scale)
        for name in NAMES:
            params = {"average": "macro"} if name in RATIOS else {}
            assert same(ours(name, y, s, w, **params), reference(name, y, s.argmax(axis=1), **params)), name


# ------------------------------------------------------- chunks, groups, Dask ----


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "data.csv") -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def multiclass_frame(seed: int, n: int = 400) -> pd.DataFrame:
    y, s, w = multiclass_data(seed, n=n, k=3)
    rng = np.random.default_rng(seed + 1)
    frame = pd.DataFrame({"label": np.array(["ant", "bee", "cat"])[y]})
    for j, c in enumerate(("ant", "bee", "cat")):
        frame[f"prob_{c}"] = s[:, j]
    frame["w"] = w
    frame["fold"] = rng.integers(0, 4, n)
    return frame.sort_values("label", kind="stable").reset_index(drop=True)  # the first chunks: 'ant' only


@pytest.mark.parametrize("name", NAMES)
def test_any_chunking_gives_the_sklearn_value(tmp_path, name):
    """Sorted by label, the first chunks see one class only: classes merge by label."""
    frame = multiclass_frame(5)
    path = _write(tmp_path, frame)
    names = ["ant", "bee", "cat"]
    yhat = np.array(names)[frame[[f"prob_{c}" for c in names]].to_numpy().argmax(axis=1)]
    params = {"average": "weighted"} if name in RATIOS else {}
    expected = reference(name, frame.label, yhat, frame.w, **params)
    for block in (150, 600, 1 << 23):
        source = InputOptions(path, block_bytes=block)
        result = losscli.evaluate(source, (name, params), weight="w").results[0]
        assert same(result.value, expected), block


@pytest.mark.parametrize("name", NAMES)
def test_by_groups_agree_with_sklearn_per_group(cli, tmp_path, name):
    frame = multiclass_frame(6)
    path = _write(tmp_path, frame)
    extra = ["--average", "macro"] if name in RATIOS else []
    done = cli(name, path, "--by", "fold", "--weight", "w", "-f", "json", *extra)
    assert done.exit_code == 0, done.stderr
    groups = json.loads(done.stdout)["results"][0]["groups"]
    params = {"average": "macro"} if name in RATIOS else {}
    names = ["ant", "bee", "cat"]
    for group in groups:
        part = frame[frame.fold == group["group"]]
        yhat = np.array(names)[part[[f"prob_{c}" for c in names]].to_numpy().argmax(axis=1)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = reference(name, part.label, yhat, part.w, **params)
        assert same(group["value"], expected), group
    assert sorted(g["group"] for g in groups) == sorted(frame.fold.unique().tolist())


def test_dask_partitions_merge_classes_by_label(cluster):
    """Four partitions of rows sorted by label: one sees only 'ant', another 'ant' and
    'bee': their matrices merge by class label into scikit-learn's values (the
    multiclass form of each loss travels between worker processes)."""
    dd = pytest.importorskip("dask.dataframe")
    frame = multiclass_frame(7)
    ddf = dd.from_pandas(frame, npartitions=4)
    names = ["ant", "bee", "cat"]
    yhat = np.array(names)[frame[[f"prob_{c}" for c in names]].to_numpy().argmax(axis=1)]
    losses = [("f1", {"average": "macro"}), "mcc", "accuracy", ("recall", {"average": "weighted"})]
    result = losscli.evaluate(ddf, losses, weight="w", by="fold")
    for got, (name, params) in zip(
        result.results,
        [("f1", {"average": "macro"}), ("mcc", {}), ("accuracy", {}), ("recall", {"average": "weighted"})],
        strict=True,
    ):
        assert same(got.value, reference(name, frame.label, yhat, frame.w, **params)), name
        matrix = sk.confusion_matrix(frame.label, yhat, labels=names, sample_weight=frame.w)
        np.testing.assert_allclose(got.details["confusion_matrix"]["matrix"], matrix, rtol=1e-12)


def test_the_summary_merges_classes_seen_in_one_part_only():
    """Two parts of a binary run: one holds only negatives; merged = the whole."""
    from losscli.losses._thresholds_summary import F1Summary

    y, p, w = binary_data(8, n=50)
    order = np.argsort(y, kind="stable")
    y, p, w = y[order], p[order], w[order]
    cut = int(np.sum(y == 0))
    parts = [F1Summary({"average": "macro"}) for _ in range(2)]
    for part, rows in zip(parts, (slice(0, cut), slice(cut, None)), strict=True):
        part.update({"y_true": y[rows].astype(float), "y_pred": p[rows]}, w[rows], np.zeros(0))
    parts[0].merge(parts[1])
    expected = sk.f1_score(y, (p >= 0.5).astype(int), average="macro", sample_weight=w)
    assert same(parts[0].value(), expected)


# ------------------------------------------------------------------ the CLI ----


def test_table_shows_the_confusion_matrix(cli):
    done = cli("f1", DATA / "iris_multiclass.csv", "--average", "macro", "--rows", "0")
    assert done.exit_code == 0, done.stderr
    frame = pd.read_csv(DATA / "iris_multiclass.csv")
    names = ["setosa", "versicolor", "virginica"]
    yhat = np.array(names)[frame[[f"prob_{c}" for c in names]].to_numpy().argmax(axis=1)]
    matrix = sk.confusion_matrix(frame.label, yhat, labels=names)
    lines = done.stdout.splitlines()
    assert any(
        line.split()[:2] == ["f1(average=macro)", number(sk.f1_score(frame.label, yhat, average="macro"))]
        for line in lines
    )
    at = next(i for i, line in enumerate(lines) if line.startswith("confusion matrix"))
    assert "rows" in lines[at] and "highest score" in lines[at]
    assert lines[at + 1].split() == ["true", "\\", "predicted", *names, "total"]
    for i, name in enumerate(names):
        assert lines[at + 2 + i].split() == [name, *map(str, matrix[i]), str(matrix[i].sum())]
    assert lines[at + 5].split() == ["total", *map(str, matrix.sum(axis=0)), str(matrix.sum())]


def test_json_holds_the_matrix_per_class_scores_and_the_per_sample_column(cli, tmp_path):
    frame = pd.read_csv(DATA / "breast_cancer_binary.csv")
    yhat = (frame.prob >= 0.3).astype(int)
    done = cli("precision", DATA / "breast_cancer_binary.csv", "--threshold", "0.3", "-f", "json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    assert result["value"] == pytest.approx(sk.precision_score(frame.label, yhat), rel=REL)
    assert result["higher_is_better"] is True and result["per_sample"] == "misclassified"
    assert result["confusion_matrix"] == {
        "labels": [0, 1],
        "matrix": sk.confusion_matrix(frame.label, yhat).tolist(),
        "threshold": 0.3,
    }
    assert result["per_class"]["labels"] == [1]
    assert result["per_class"]["support"] == [int(frame.label.sum())]
    assert result["mean"] == pytest.approx(float(np.mean(yhat != frame.label)), rel=REL)
    rows = cli("precision", DATA / "breast_cancer_binary.csv", "--threshold", "0.3", "-f", "csv")
    column = pd.read_csv(__import__("io").StringIO(rows.stdout))["misclassified"]
    assert column.tolist() == (yhat != frame.label).astype(int).tolist()


def test_weighted_json_matrix_holds_weight_sums(cli, tmp_path):
    frame = multiclass_frame(9, n=60)
    path = _write(tmp_path, frame)
    done = cli("mcc", path, "--weight", "w", "-f", "json")
    names = ["ant", "bee", "cat"]
    yhat = np.array(names)[frame[[f"prob_{c}" for c in names]].to_numpy().argmax(axis=1)]
    matrix = json.loads(done.stdout)["results"][0]["confusion_matrix"]
    assert matrix["labels"] == names and "threshold" not in matrix
    expected = sk.confusion_matrix(frame.label, yhat, labels=names, sample_weight=frame.w)
    np.testing.assert_allclose(matrix["matrix"], expected, rtol=1e-12)


def test_markdown_has_the_matrix_table(cli):
    done = cli("mcc", DATA / "breast_cancer_binary.csv", "-f", "markdown")
    assert done.exit_code == 0, done.stderr
    frame = pd.read_csv(DATA / "breast_cancer_binary.csv")
    matrix = sk.confusion_matrix(frame.label, (frame.prob >= 0.5).astype(int))
    text = done.stdout
    assert "**confusion matrix (rows: true class; columns: predicted class, 1 when score ≥ 0.5)**" in text
    assert "| true \\\\ predicted | 0 | 1 | total |" in text
    assert f"| 0 | {matrix[0, 0]} | {matrix[0, 1]} | {matrix[0].sum()} |" in text
    assert (
        f"| total | {matrix[0, 0] + matrix[1, 0]} | {matrix[0, 1] + matrix[1, 1]} | {matrix.sum()} |" in text
    )


def test_eval_with_bce_gates_and_one_matrix_for_several_metrics(cli):
    path = DATA / "breast_cancer_binary.csv"
    frame = pd.read_csv(path)
    yhat = (frame.prob >= 0.5).astype(int)
    done = cli("eval", path, "-l", "f1", "-l", "precision", "-l", "bce", "-f", "json", "--min", "f1=0.5")
    assert done.exit_code == 0, done.stderr
    doc = json.loads(done.stdout)
    values = {r["loss"]: r["value"] for r in doc["results"]}
    assert values["f1"] == pytest.approx(sk.f1_score(frame.label, yhat), rel=REL)
    assert values["bce"] == pytest.approx(sk.log_loss(frame.label, frame.prob), rel=1e-9)
    assert doc["passed"] is True
    failed = cli("eval", path, "-l", "f1", "-l", "bce", "--min", "f1=0.99", "--rows", "0")
    assert failed.exit_code == 1 and "FAIL f1" in failed.stderr
    table = cli("eval", path, "-l", "f1", "-l", "precision", "--rows", "0").stdout
    titles = [line for line in table.splitlines() if line.startswith("confusion matrix (")]
    assert len(titles) == 1  # the same matrix, shown once
    high = cli("accuracy", path, "--max", "0.5")
    assert high.exit_code == 1  # accuracy is higher-is-better, but --max is a plain upper bound


def test_accuracy_has_an_interval_and_compares_models(cli, tmp_path):
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 400)
    frame = pd.DataFrame(
        {
            "label": y,
            "pred_a": np.clip(0.4 * y + rng.uniform(0, 0.6, 400), 0, 1),
            "pred_b": rng.uniform(0, 1, 400),
        }
    )
    path = _write(tmp_path, frame)
    done = cli("accuracy", path, "--pred", "pred_a", "--ci", "-f", "json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    expected = sk.accuracy_score(y, frame.pred_a >= 0.5)
    assert result["value"] == pytest.approx(expected, rel=REL)
    assert result["ci"]["low"] < expected < result["ci"]["high"]
    zero_one = json.loads(cli("zero-one", path, "--pred", "pred_a", "--ci", "-f", "json").stdout)["results"][
        0
    ]
    assert result["ci"]["low"] == pytest.approx(1 - zero_one["ci"]["high"], rel=1e-12)  # 1 − mean
    compared = cli("compare", path, "--pred", "pred_a,pred_b", "-l", "accuracy", "-f", "json")
    assert compared.exit_code == 0, compared.stderr
    diff = json.loads(compared.stdout)["comparisons"][0]
    assert diff["difference"] == pytest.approx(
        sk.accuracy_score(y, frame.pred_b >= 0.5) - expected, rel=1e-12
    )
    assert diff["verdict"] == "worse"


def test_the_columns_or_the_other_losses_pick_the_form(cli, write_file):
    """Two class columns: the positive class's column, cut at the threshold (0.5 is
    positive); both named: the argmax (a tie is the first class); beside
    cross-entropy: K class columns."""
    path = write_file("two.csv", "label,prob_0,prob_1\n0,0.8,0.2\n1,0.5,0.5\n1,0.3,0.7\n0,0.4,0.6\n")
    y, p1 = np.array([0, 1, 1, 0]), np.array([0.2, 0.5, 0.7, 0.6])
    one = json.loads(cli("f1", path, "-f", "json").stdout)["results"][0]
    assert one["value"] == pytest.approx(sk.f1_score(y, (p1 >= 0.5).astype(int)), rel=REL)
    assert one["confusion_matrix"]["labels"] == [0, 1]
    both = json.loads(cli("f1", path, "--pred", "prob_0,prob_1", "-f", "json").stdout)["results"][0]
    assert both["value"] == pytest.approx(sk.f1_score(y, [0, 0, 1, 1]), rel=REL)
    assert both["confusion_matrix"]["labels"] == ["0", "1"] and "threshold" not in both["confusion_matrix"]
    done = cli("eval", DATA / "iris_multiclass.csv", "-l", "mcc", "-l", "cross-entropy", "-f", "json")
    frame = pd.read_csv(DATA / "iris_multiclass.csv")
    names = ["setosa", "versicolor", "virginica"]
    yhat = np.array(names)[frame[[f"prob_{c}" for c in names]].to_numpy().argmax(axis=1)]
    mcc = json.loads(done.stdout)["results"][0]
    assert mcc["value"] == pytest.approx(sk.matthews_corrcoef(frame.label, yhat), rel=REL)


def test_worst_rows_are_the_misclassified_ones(cli):
    frame = pd.read_csv(DATA / "breast_cancer_binary.csv")
    wrong = np.flatnonzero((frame.prob >= 0.5).astype(int) != frame.label)
    done = cli("f1", DATA / "breast_cancer_binary.csv", "--worst", "5", "--rows", "0")
    at = done.stdout.splitlines().index(
        next(line for line in done.stdout.splitlines() if line.startswith("worst 5 rows"))
    )
    rows = [int(line.split()[0]) for line in done.stdout.splitlines()[at + 2 : at + 7]]
    assert rows == (wrong[:5] + 1).tolist()


def test_worst_rows_over_many_chunks_are_the_first_misclassified():
    """0/1 losses tie by the hundred: --worst keeps the earliest rows of the top value
    whatever the chunking (it kept any of them)."""
    frame = pd.read_csv(DATA / "breast_cancer_binary.csv")
    wrong = np.flatnonzero((frame.prob >= 0.5).astype(int) != frame.label) + 1
    for block in (300, 2_000, 1 << 23):
        source = InputOptions(str(DATA / "breast_cancer_binary.csv"), block_bytes=block)
        for name in ("accuracy", "zero-one"):
            result = losscli.evaluate(source, name, worst=7)
            assert result.worst is not None and result.worst.numbers().tolist() == wrong[:7].tolist()


def test_list_and_explain(cli):
    listing = cli("list", "--task", "multiclass").stdout
    for name in NAMES:
        assert re.search(rf"^{re.escape(name)}\s.*binary, multiclass", listing, re.M), name
    page = cli("explain", "f1").stdout
    assert "binary, multiclass" in page and "misclassified" in page and "sklearn.metrics.f1_score" in page
    assert (
        "BCa bootstrap of the confusion matrix's cells" in page
    )  # --ci: tests/test_summary_intervals_sums.py
    assert "not available" not in page and "not available" not in cli("explain", "accuracy").stdout


def test_accuracy_is_a_loss_now_and_top_k_accuracy_keeps_its_hint(cli, expect_usage_error):
    assert cli("accuracy", DATA / "breast_cancer_binary.csv", "-f", "value").exit_code == 0
    expect_usage_error(cli("top-k-accuracy", DATA / "iris_multiclass.csv"), "1 − top-k-error")
    assert "accuracy" not in L.registry.COMPLEMENTS


# ------------------------------------------------------------------- errors ----


def test_errors_are_exit_2_with_one_clear_line(cli, expect_error, write_file):
    iris = DATA / "iris_multiclass.csv"
    expect_error(cli("f1", iris), "3 class columns", "--average macro, micro or weighted")
    expect_error(
        cli("f1", iris, "--average", "macro", "--threshold", "0.3"), "--threshold cuts one score column"
    )
    expect_error(
        cli("f1", iris, "--average", "macro", "--positive", "setosa"), "--positive names the positive label"
    )
    expect_error(cli("precision", iris, "--average", "nope"), "must be one of binary, micro, macro, weighted")
    expect_error(
        cli("recall", iris, "--zero-division", "2", "--average", "macro"), "must be one of warn, 0, 1, nan"
    )
    scores = write_file("scores.csv", "label,score\n0,-1.5\n1,2.0\n")
    expect_error(cli("f1", scores), "probability in [0, 1]", "--from-logits", "--threshold")
    rows = write_file("rows.csv", "label,prob_a,prob_b,prob_c\na,0.5,0.5,0.5\n")
    expect_error(cli("mcc", rows), "sum to 1", "--from-logits")
    both = write_file("both.csv", "label,pred,prob_a,prob_b,prob_c\na,0.4,0.2,0.3,0.5\n")
    expect_error(cli("mcc", both), "one score column ('pred') or 3 class columns", "--pred")
    undefined = write_file("none.csv", "label,prob,g\n0,0.1,a\n0,0.2,a\n1,0.9,b\n")
    expect_error(
        cli("precision", undefined, "--zero-division", "nan", "--by", "g"),
        "(group 'a'): precision is 0/0",
        "--zero-division 0 or 1",
    )
    # --ci and compare on the confusion matrix: tests/test_summary_intervals_sums.py; what is
    # still refused: an interval from a single row
    expect_error(
        cli("f1", write_file("one.csv", "label,prob\n1,0.9\n"), "--ci"),
        "f1: no confidence interval",
        "at least 2",
    )
    baseline = write_file("b.json", '{"f1": 0.9}')
    expect_error(
        cli("f1", DATA / "breast_cancer_binary.csv", "--baseline", baseline, "--significance", "0.05"),
        "--significance: f1 keeps no bootstrap sums a baseline can be paired with",
    )


def test_warnings_name_the_zero_division_option(cli, write_file):
    path = write_file("nopos.csv", "label,prob\n0,0.1\n0,0.2\n1,0.3\n")
    done = cli("precision", path, "-f", "value")
    assert done.exit_code == 0 and float(done.stdout) == 0.0
    assert "precision is ill-defined for the positive class 1" in done.stderr
    assert "--zero-division 0, 1 or nan chooses" in done.stderr
    assert cli("precision", path, "-f", "value", "--zero-division", "1").stderr == ""


# --------------------------------------------------------- a real terminal ----


@pytest.mark.parametrize("width", [80])
def test_the_matrix_fits_a_terminal(losscli_exe, terminal, width):
    """At 80 columns: the value whole, the matrix's counts whole, no line wider."""
    frame = pd.read_csv(DATA / "iris_multiclass.csv")
    names = ["setosa", "versicolor", "virginica"]
    yhat = np.array(names)[frame[[f"prob_{c}" for c in names]].to_numpy().argmax(axis=1)]
    args = ["f1", str(DATA / "iris_multiclass.csv"), "--average", "macro", "--rows", "3"]
    screen = terminal(" ".join([losscli_exe, *args]), width, height=80)
    assert "DONE-0" in screen, screen
    lines = screen.splitlines()
    assert all(len(line) <= width for line in lines), screen
    value = number(sk.f1_score(frame.label, yhat, average="macro"))
    assert any(re.match(rf"│ f1\(average=macro\)\s+│\s+{re.escape(value)}\s+│", line) for line in lines), (
        screen
    )
    matrix = sk.confusion_matrix(frame.label, yhat, labels=names)
    for i, name in enumerate(names):
        row = next(line for line in lines if line.startswith(f"│ {name} "))
        assert [c.strip() for c in row.strip("│").split("│")] == [
            name,
            *map(str, matrix[i]),
            str(matrix[i].sum()),
        ]
    assert not any(re.search(r"\d…", line) for line in lines), screen


def test_each_group_carries_its_own_confusion_matrix(cli, tmp_path):
    """--by: every JSON group holds the confusion matrix of its own rows (sklearn's)."""
    from sklearn.metrics import confusion_matrix

    rng = np.random.default_rng(11)
    n = 400
    y = rng.integers(0, 2, n)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
    g = rng.choice(["a", "b", "c"], n)
    path = tmp_path / "g.csv"
    pd.DataFrame({"label": y, "prob": p, "g": g}).to_csv(path, index=False)
    done = cli("f1", path, "--by", "g", "-f", "json")
    assert done.exit_code == 0, done.stderr
    groups = json.loads(done.stdout)["results"][0]["groups"]
    assert [group["group"] for group in groups] == ["a", "b", "c"]
    for group in groups:
        rows = g == group["group"]
        expected = confusion_matrix(y[rows], (p[rows] >= 0.5).astype(int), labels=[0, 1])
        assert group["confusion_matrix"]["matrix"] == expected.tolist()
