"""Column detection for the layouts real files have (issue 13 §3): the prediction names
``y_prob``, ``y_score``, ``proba``, ``probability``; one column per model (``pred_gbm``,
``prediction_ridge``); a binary file's two class columns (``label, prob_0, prob_1``:
binary losses take the positive class's column); class columns named ``0..K−1``.

Each layout is written by pandas and run through the CLI; the value is compared with
scikit-learn on the column the layout means, and ``-f json`` names the column taken.
Every ambiguity is exit 2 listing the candidates, never a guess.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import softmax
from sklearn.metrics import brier_score_loss, log_loss, mean_squared_error

N = 60
RNG = np.random.default_rng(13)
Y = np.r_[0, 1, RNG.integers(0, 2, N - 2)]  # both classes present
P1 = RNG.uniform(0.02, 0.98, N)  # probability of the positive class
Y3 = np.r_[0, 1, 2, RNG.integers(0, 3, N - 3)]
P3 = RNG.dirichlet(np.ones(3), N)
LOGITS3 = RNG.normal(0.0, 2.0, (N, 3))
TRUTH = RNG.normal(0.0, 3.0, N)
PRED_A = TRUTH + RNG.normal(0.0, 1.0, N)
PRED_B = TRUTH + RNG.normal(0.5, 2.0, N)


@pytest.fixture
def csv(tmp_path):
    """``csv({"label": …, "prob_0": …})`` → the path of that table written by pandas."""

    def write(columns: dict[str, object], name: str = "f.csv", header: bool = True) -> str:
        path = tmp_path / name
        pd.DataFrame(columns).to_csv(path, index=False, header=header)
        return str(path)

    return write


def run_json(cli, *args) -> dict:
    result = cli(*args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def taken(report: dict) -> tuple[list[str], float]:
    """The prediction column(s) the run took and the first loss's value."""
    return report["columns"]["pred"], report["results"][0]["value"]


def same(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15)


# ------------------------------------------------------------- binary layouts ----

BINARY_LAYOUTS = [
    pytest.param(
        {"label": Y, "prob_0": 1 - P1, "prob_1": P1}, "prob_1", id="prob_0,prob_1", marks=pytest.mark.smoke
    ),
    pytest.param({"label": Y, "p0": 1 - P1, "p1": P1}, "p1", id="p0,p1"),
    pytest.param({"label": Y, "proba_0": 1 - P1, "proba_1": P1}, "proba_1", id="proba_0,proba_1"),
    pytest.param({"label": Y, "prob_pos": P1, "prob_neg": 1 - P1}, "prob_pos", id="prob_pos,prob_neg"),
    pytest.param({"label": Y, "prob_no": 1 - P1, "prob_yes": P1}, "prob_yes", id="prob_no,prob_yes"),
    pytest.param(
        {"label": np.where(Y == 1, "yes", "no"), "prob_no": 1 - P1, "prob_yes": P1},
        "prob_yes",
        id="yes/no labels, prob_no,prob_yes",
    ),
    pytest.param({"label": Y, "Prob_False": 1 - P1, "Prob_True": P1}, "Prob_True", id="Prob_False,Prob_True"),
    pytest.param({"y": Y, "0": 1 - P1, "1": P1}, "1", id="0,1"),
    pytest.param({"target": Y, "y_prob": P1}, "y_prob", id="y_prob"),
    pytest.param({"label": Y, "proba": P1}, "proba", id="proba"),
    pytest.param({"label": Y, "PROBABILITY": P1}, "PROBABILITY", id="probability (case)"),
    pytest.param({"label": Y, "y_score": P1}, "y_score", id="y_score"),
    pytest.param({"label": Y, "pred_gbm": P1}, "pred_gbm", id="pred_gbm"),
    pytest.param({"label": Y, "prediction_lr": P1, "fold": Y % 3}, "prediction_lr", id="prediction_lr"),
]


@pytest.mark.parametrize(("columns", "column"), BINARY_LAYOUTS)
def test_binary_losses_take_the_positive_class_column(cli, csv, columns, column):
    path = csv(columns)
    report = run_json(cli, "bce", path)
    assert taken(report)[0] == [column]
    assert same(taken(report)[1], log_loss(Y, P1))
    brier = run_json(cli, "brier", path)
    assert taken(brier)[0] == [column]
    assert same(taken(brier)[1], brier_score_loss(Y, P1))


def test_two_class_columns_are_still_all_taken_by_a_multiclass_loss(cli, csv):
    report = run_json(cli, "cross-entropy", csv({"label": Y, "prob_0": 1 - P1, "prob_1": P1}))
    assert report["columns"]["pred"] == ["prob_0", "prob_1"]
    assert same(report["results"][0]["value"], log_loss(Y, np.c_[1 - P1, P1]))


@pytest.mark.parametrize(("positive", "column"), [("dog", "prob_dog"), ("cat", "prob_cat")])
def test_positive_names_the_class_column_a_binary_loss_takes(cli, csv, positive, column):
    animals = np.where(Y == 1, "dog", "cat")
    path = csv({"label": animals, "prob_cat": 1 - P1, "prob_dog": P1})
    report = run_json(cli, "bce", path, "--positive", positive)
    is_positive = (animals == positive).astype(int)
    p = P1 if column == "prob_dog" else 1 - P1
    assert report["columns"]["pred"] == [column]
    assert same(report["results"][0]["value"], log_loss(is_positive, p))


def test_positive_zero_takes_the_class_zero_column(cli, csv):
    """--positive 0 with prob_0/prob_1: the loss of class 0 against prob_0 (= bce of prob_1)."""
    report = run_json(cli, "bce", csv({"label": Y, "prob_0": 1 - P1, "prob_1": P1}), "--positive", "0")
    assert report["columns"]["pred"] == ["prob_0"]
    assert same(report["results"][0]["value"], log_loss(1 - Y, 1 - P1))


def test_minus_one_plus_one_classes(cli, csv):
    labels = np.where(Y == 1, 1, -1)
    path = csv({"label": labels, "prob_-1": 1 - P1, "prob_1": P1})
    report = run_json(cli, "bce", path)
    assert report["columns"]["pred"] == ["prob_1"]
    assert same(report["results"][0]["value"], log_loss(Y, P1))
    assert taken(run_json(cli, "bce", path, "--positive", "+1"))[0] == ["prob_1"]


def test_pred_var_is_the_variance_not_a_model(cli, csv):
    path = csv({"y": TRUTH, "pred_gbm": PRED_A, "pred_var": np.full(N, 2.0)})
    report = run_json(cli, "mse", path)
    assert report["columns"]["pred"] == ["pred_gbm"]
    assert same(report["results"][0]["value"], mean_squared_error(TRUTH, PRED_A))


# --------------------------------------------------------- regression layouts ----

REGRESSION_LAYOUTS = [
    pytest.param({"y": TRUTH, "pred_gbm": PRED_A}, "pred_gbm", id="pred_gbm", marks=pytest.mark.smoke),
    pytest.param({"target": TRUTH, "prediction_ridge": PRED_A}, "prediction_ridge", id="prediction_ridge"),
    pytest.param({"actual": TRUTH, "PRED_Lasso": PRED_A}, "PRED_Lasso", id="PRED_Lasso (case)"),
    pytest.param({"y": TRUTH, "y_score": PRED_A}, "y_score", id="y_score"),
]


@pytest.mark.parametrize(("columns", "column"), REGRESSION_LAYOUTS)
def test_regression_layouts(cli, csv, columns, column):
    report = run_json(cli, "mse", csv(columns))
    assert report["columns"]["pred"] == [column]
    assert same(report["results"][0]["value"], mean_squared_error(TRUTH, PRED_A))


def test_a_column_given_to_another_role_is_not_a_model(cli, csv, expect_error):
    """--weight pred_w and --by pred_fold take those columns: pred_gbm is the only
    prediction; while pred_fold is not given a role, it is a candidate too."""
    weights = RNG.uniform(0.5, 2.0, N)
    fold = np.arange(N) % 3
    path = csv({"y": TRUTH, "pred_gbm": PRED_A, "pred_w": weights, "pred_fold": fold})
    report = run_json(cli, "mse", path, "--weight", "pred_w", "--by", "pred_fold")
    assert report["columns"]["pred"] == ["pred_gbm"]
    assert same(report["results"][0]["value"], mean_squared_error(TRUTH, PRED_A, sample_weight=weights))
    expect_error(cli("mse", path, "--weight", "pred_w"), "'pred_gbm', 'pred_fold'")


def test_each_model_with_pred(cli, csv):
    """The way the ambiguity hint names: one run per model column."""
    path = csv({"y": TRUTH, "pred_gbm": PRED_A, "pred_ridge": PRED_B})
    for column, values in (("pred_gbm", PRED_A), ("pred_ridge", PRED_B)):
        report = run_json(cli, "mse", path, "--pred", column)
        assert same(report["results"][0]["value"], mean_squared_error(TRUTH, values))


# --------------------------------------------------------- multiclass layouts ----


@pytest.mark.smoke
def test_class_columns_named_by_index(cli, csv):
    path = csv({"label": Y3, **{str(c): P3[:, c] for c in range(3)}})
    report = run_json(cli, "cross-entropy", path)
    assert report["columns"]["pred"] == ["0", "1", "2"]
    assert same(report["results"][0]["value"], log_loss(Y3, P3, labels=[0, 1, 2]))


def test_index_columns_in_another_order_map_labels_by_name(cli, csv):
    """Header label,2,0,1: label 2 is the column named 2, not the first class column."""
    path = csv({"label": Y3, "2": P3[:, 2], "0": P3[:, 0], "1": P3[:, 1]})
    report = run_json(cli, "cross-entropy", path)
    assert report["columns"]["pred"] == ["2", "0", "1"]
    assert same(report["results"][0]["value"], log_loss(Y3, P3, labels=[0, 1, 2]))


def test_eleven_index_columns(cli, csv):
    y = np.r_[np.arange(11), RNG.integers(0, 11, N - 11)]
    p = RNG.dirichlet(np.ones(11), N)
    report = run_json(cli, "cross-entropy", csv({"y": y, **{str(c): p[:, c] for c in range(11)}}))
    assert len(report["columns"]["pred"]) == 11
    assert same(report["results"][0]["value"], log_loss(y, p, labels=list(range(11))))


def test_index_columns_as_logits(cli, csv):
    path = csv({"label": Y3, **{str(c): LOGITS3[:, c] for c in range(3)}})
    report = run_json(cli, "cross-entropy", path, "--from-logits")
    assert report["columns"]["pred"] == ["0", "1", "2"]
    assert same(report["results"][0]["value"], log_loss(Y3, softmax(LOGITS3, axis=1), labels=[0, 1, 2]))


def test_mixed_families_follow_the_loss_flavour(cli, csv):
    """prob_* and logit_*: cross-entropy takes the probabilities, --from-logits the logits."""
    columns = {
        "label": Y3,
        **{f"prob_{c}": P3[:, c] for c in range(3)},
        **{f"logit_{c}": LOGITS3[:, c] for c in range(3)},
    }
    path = csv(columns)
    probs = run_json(cli, "cross-entropy", path)
    assert probs["columns"]["pred"] == ["prob_0", "prob_1", "prob_2"]
    assert same(probs["results"][0]["value"], log_loss(Y3, P3, labels=[0, 1, 2]))
    logits = run_json(cli, "cross-entropy", path, "--from-logits")
    assert logits["columns"]["pred"] == ["logit_0", "logit_1", "logit_2"]
    assert same(logits["results"][0]["value"], log_loss(Y3, softmax(LOGITS3, axis=1), labels=[0, 1, 2]))


# ------------------------------------------------------------------ ambiguity ----


@pytest.mark.smoke
def test_two_models_are_ambiguous(cli, csv, expect_error):
    path = csv({"y": TRUTH, "pred_gbm": PRED_A, "pred_ridge": PRED_B})
    err = expect_error(cli("mse", path), "several columns could be the prediction: 'pred_gbm', 'pred_ridge'")
    hint = err.splitlines()[1]
    assert "--pred pred_gbm" in hint and "to compare models, run each with --pred" in hint


AMBIGUOUS = [
    pytest.param(
        "mse",
        {"y": TRUTH, "pred": PRED_A, "pred_gbm": PRED_B},
        ("'pred', 'pred_gbm'", "run each with --pred"),
        id="pred+pred_gbm",
    ),
    pytest.param(
        "mse", {"y": TRUTH, "score": PRED_A, "y_score": PRED_B}, ("'score', 'y_score'",), id="score+y_score"
    ),
    pytest.param("bce", {"label": Y, "y_prob": P1, "proba": P1}, ("'y_prob', 'proba'",), id="y_prob+proba"),
    pytest.param(
        "bce",
        {"label": Y, "pred_gbm": P1, "pred_lr": P1},
        ("'pred_gbm', 'pred_lr'", "--pred pred_gbm"),
        id="bce two models",
    ),
    pytest.param(
        "bce",
        {"label": Y, "pred": Y, "prob_0": 1 - P1, "prob_1": P1},
        ("'pred', 'prob_1'",),
        id="pred+prob_0,prob_1",
    ),
    pytest.param(
        "bce",
        {"label": Y, "p0": 1 - P1, "p1": P1, "prob_0": 1 - P1, "prob_1": P1},
        ("'p1', 'prob_1'",),
        id="p0,p1+prob_0,prob_1",
    ),
    pytest.param(
        "bce",
        {"label": Y, "pred": P1, "prob_cat": 1 - P1, "prob_dog": P1},
        ("'pred', 'prob_cat', 'prob_dog'",),
        id="pred+prob_cat,prob_dog",
    ),
    pytest.param(
        "top-k-error",
        {
            "label": Y3,
            **{f"prob_{c}": P3[:, c] for c in range(3)},
            **{f"logit_{c}": LOGITS3[:, c] for c in range(3)},
        },
        ("several column families", "'prob_0', 'prob_1', 'prob_2'; 'logit_0', 'logit_1', 'logit_2'"),
        id="prob_*+logit_* for top-k-error",
    ),
    pytest.param(
        "cross-entropy",
        {"label": Y3, **{str(c): P3[:, c] for c in range(3)}, **{f"prob_{c}": P3[:, c] for c in range(3)}},
        ("several column families", "'0', '1', '2'", "'prob_0', 'prob_1', 'prob_2'"),
        id="0,1,2+prob_*",
    ),
]


@pytest.mark.parametrize(("loss", "columns", "needles"), AMBIGUOUS)
def test_ambiguity_lists_the_candidates(cli, csv, expect_error, loss, columns, needles):
    expect_error(cli(loss, csv(columns)), "could be the prediction", *needles)


def test_two_class_names_that_do_not_say_which_is_positive(cli, csv, expect_error):
    path = csv({"label": np.where(Y == 1, "dog", "cat"), "prob_cat": 1 - P1, "prob_dog": P1})
    err = expect_error(cli("bce", path), "'prob_cat', 'prob_dog'", "which class is the positive one")
    assert "--positive dog" in err
    expect_error(cli("bce", path, "--positive", "bird"), "--positive 'bird' names neither class column")


def test_positive_that_names_no_class_column(cli, csv, expect_error):
    path = csv({"label": np.where(Y == 1, "spam", "ham"), "prob_0": 1 - P1, "prob_1": P1})
    expect_error(cli("bce", path, "--positive", "spam"), "'prob_0', 'prob_1'", "names neither")


def test_more_than_two_class_columns_for_a_binary_loss(cli, csv, expect_error):
    path = csv({"label": Y, **{f"prob_{c}": P3[:, c] for c in range(3)}})
    expect_error(cli("bce", path), "'prob_0', 'prob_1', 'prob_2' are 3 class columns", "cross-entropy")


def test_two_logit_columns_are_not_one_binary_score(cli, csv, expect_error):
    """Of two softmax logits the binary logit is z₁ − z₀, not z₁: never taken alone."""
    path = csv({"label": Y, "logit_0": LOGITS3[:, 0], "logit_1": LOGITS3[:, 1]})
    for args in (("bce", path, "--from-logits"), ("hinge", path)):
        expect_error(cli(*args), "'logit_0', 'logit_1' are 2 class columns", "z₁ − z₀")


def test_only_index_columns_names_the_missing_label(cli, csv, expect_error):
    """A header 0,1,2,3 (pandas' default names): no label column, no guess at column 0."""
    path = csv({str(c): col for c, col in enumerate([Y3, *P3.T])})
    expect_error(cli("cross-entropy", path), "cannot tell which column is the label", "use --label COL")


@pytest.mark.parametrize(
    "header", [["label", "1", "2", "3"], ["label", "0", "1", "3"], ["label", "00", "01", "02"]]
)
def test_integer_names_that_are_not_0_to_k_minus_1_are_not_classes(cli, csv, expect_error, header):
    path = csv(dict(zip(header, [Y3, *P3.T], strict=True)))
    expect_error(cli("cross-entropy", path), "cannot find the prediction columns", "0..K−1")


def test_no_header_column_names_are_not_class_columns(cli, csv, expect_error):
    """--no-header names columns 1, 2, …: never class columns 0..K−1, for any loss."""
    multi = csv({"a": Y3, **{f"c{c}": P3[:, c] for c in range(3)}}, "multi.csv", header=False)
    expect_error(cli("cross-entropy", multi, "--no-header"), "cannot tell which column is the label")
    expect_error(
        cli("cross-entropy", multi, "--no-header", "--label", "#1"), "cannot find the prediction columns"
    )
    binary = csv({"a": Y, "b": 1 - P1, "c": P1}, "binary.csv", header=False)
    expect_error(
        cli("bce", binary, "--no-header", "--label", "#1"), "cannot tell which column is the prediction"
    )
    # named explicitly, the same file works
    report = run_json(cli, "bce", binary, "--no-header", "--label", "#1", "--pred", "#3")
    assert same(report["results"][0]["value"], log_loss(Y, P1))
    report = run_json(cli, "cross-entropy", multi, "--no-header", "--label", "#1", "--pred", "#2,#3,#4")
    assert same(report["results"][0]["value"], log_loss(Y3, P3, labels=[0, 1, 2]))


def test_python_api_takes_the_positive_class_column():
    import losscli

    frame = pd.DataFrame({"label": Y, "prob_0": 1 - P1, "prob_1": P1})
    result = losscli.evaluate(frame, "bce")
    assert same(result["bce"].value, log_loss(Y, P1))


# ------------------------------------- --no-header names are positions, not classes ----


def _no_header_file(csv) -> tuple[str, np.ndarray]:
    """Three probability columns then the label, no header; labels 1 and 2 only (no 0)."""
    labels = np.r_[1, 2, RNG.integers(1, 3, N - 2)]
    return csv({"p0": P3[:, 0], "p1": P3[:, 1], "p2": P3[:, 2], "y": labels}, "nh.csv", header=False), labels


def test_no_header_class_columns_map_labels_by_column_order(cli, csv):
    """Columns named 1, 2, 3 by --no-header: label 1 is the second column (index 1), not
    the column named '1' (a wrong number with exit 0 before: 1 mapped to #1)."""
    path, labels = _no_header_file(csv)
    report = run_json(cli, "cross-entropy", path, "--no-header", "--pred", "#1,#2,#3", "--label", "#4")
    assert same(report["results"][0]["value"], log_loss(labels, P3, labels=[0, 1, 2]))


def test_no_header_and_text_labels_on_the_dask_engine(cli, csv, cluster):
    """The Dask engine reads CSV labels as text: '1' is still index 1, and a label '0'
    with classes a, b, c is index 0 (was 'name one of the 3 classes')."""
    address = cluster.scheduler.address
    path, labels = _no_header_file(csv)
    args = ("--engine", "dask", "--scheduler", address)
    report = run_json(cli, "cross-entropy", path, "--no-header", "--pred", "#1,#2,#3", "--label", "#4", *args)
    assert same(report["results"][0]["value"], log_loss(labels, P3, labels=[0, 1, 2]))
    named = csv({"label": Y3, **{f"prob_{c}": P3[:, i] for i, c in enumerate("abc")}}, "abc.csv")
    report = run_json(cli, "cross-entropy", named, *args)
    assert same(report["results"][0]["value"], log_loss(Y3, P3, labels=[0, 1, 2]))
