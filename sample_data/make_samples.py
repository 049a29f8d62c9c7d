"""Generate the sample prediction files used to try out ``losscli``.

Every file is built from a data set that ships inside scikit-learn
(``load_diabetes``, ``load_breast_cancer``, ``load_iris``), so nothing is
downloaded. All predictions are *out-of-fold*: each row's prediction comes
from a model that never saw that row during fitting, which makes the files
honest examples of held-out model output rather than training-set fits.

The script is deterministic (fixed CV seeds, deterministic solvers), so
re-running it reproduces the same numbers on the same library versions.

Run from the repository root::

    python sample_data/make_samples.py

Output files are written next to this script (``sample_data/``).
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import BayesianRidge, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

# Fixed seed for every cross-validation splitter -> reproducible folds.
SEED = 0
# Number of cross-validation folds used for all out-of-fold predictions.
N_SPLITS = 5
# Files land next to this script, regardless of the current working directory.
OUT_DIR = Path(__file__).resolve().parent
# Guard-rail from the sample-data spec: every generated file stays below 1 MB.
MAX_BYTES = 1_000_000


def make_diabetes_regression() -> pd.DataFrame:
    """Out-of-fold Bayesian ridge predictions (with variance) on load_diabetes.

    ``BayesianRidge.predict(..., return_std=True)`` returns the posterior
    predictive standard deviation, i.e. parameter uncertainty *plus* the
    fitted observation noise ``1 / alpha_``. Its square is an honest,
    strictly positive predictive variance for the gaussian-nll loss.
    """
    data = load_diabetes(as_frame=True)
    features: pd.DataFrame = data.data  # 10 mean-centred, scaled features
    target = data.target.to_numpy(dtype=np.float64)
    n_rows = len(target)

    pred = np.empty(n_rows, dtype=np.float64)
    pred_var = np.empty(n_rows, dtype=np.float64)
    # Manual K-fold loop (instead of cross_val_predict) because we need the
    # predictive std as well as the mean, for every row, out-of-fold.
    folds = KFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)
    for train_idx, test_idx in folds.split(features):
        model = BayesianRidge()
        model.fit(features.iloc[train_idx], target[train_idx])
        mean, std = model.predict(features.iloc[test_idx], return_std=True)
        pred[test_idx] = mean
        pred_var[test_idx] = std**2

    # Sample weight rule: 1.0 for patients at or below the median age,
    # 2.0 for patients strictly older than the median (raw median: 50 years).
    # The scaling of the features is monotone, so comparing the scaled age
    # column to its own median gives the same split as the raw ages.
    age = features["age"].to_numpy()
    weight = 1.0 + (age > np.median(age)).astype(np.float64)

    # Group label from the sign of the scaled sex feature. The raw data codes
    # sex as 1/2 (scaled: negative/positive); the data set does not document
    # which code is which, so "F" for code 1 and "M" for code 2 is only a
    # labelling convention for per-group examples.
    sex = np.where(features["sex"].to_numpy() < 0, "F", "M")

    return pd.DataFrame(
        {
            "id": np.arange(n_rows, dtype=np.int64),  # row in load_diabetes
            "pred": pred,
            "label": target,
            "pred_var": pred_var,
            "weight": weight,
            "sex": sex,
        }
    )


def make_diabetes_models() -> pd.DataFrame:
    """Two models' out-of-fold predictions on load_diabetes, on the same rows and folds:
    a Bayesian ridge regression (``pred_ridge``, the ``pred`` of diabetes_regression) and
    a gradient-boosted tree ensemble (``pred_gbm``) — for ``losscli compare``."""
    data = load_diabetes(as_frame=True)
    features: pd.DataFrame = data.data
    target = data.target.to_numpy(dtype=np.float64)
    folds = KFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)
    ridge = cross_val_predict(BayesianRidge(), features, target, cv=folds)
    gbm = cross_val_predict(
        GradientBoostingRegressor(n_estimators=100, max_depth=2, learning_rate=0.05, random_state=SEED),
        features,
        target,
        cv=folds,
    )
    return pd.DataFrame(
        {"id": np.arange(len(target), dtype=np.int64), "label": target, "pred_ridge": ridge, "pred_gbm": gbm}
    )


def make_diabetes_forecast() -> pd.DataFrame:
    """Out-of-fold probabilistic forecasts on load_diabetes (the folds of
    diabetes_regression), for ``crps``, ``quantile``, ``interval-score`` and ``coverage``.

    * ``mean``, ``std``: the ``BayesianRidge`` predictive distribution N(mean, std²)
      (``predict(return_std=True)``, the fitted noise included);
    * ``lower``, ``upper``: its central 90% interval, mean ∓ 1.645 std;
    * ``q05``, ``q25``, ``q50``, ``q75``, ``q95``: its quantiles at 0.05 … 0.95;
    * ``member_01`` … ``member_20``: an ensemble of 20 draws from it (seed 0);
    * ``gbm_01`` … ``gbm_10``: a bagged ensemble, 10 ``GradientBoostingRegressor`` fits
      each on a bootstrap sample of the training folds — no noise term, so its spread is
      only the models' disagreement, far narrower than the label's: for ``compare``.
    """
    data = load_diabetes(as_frame=True)
    features: pd.DataFrame = data.data
    target = data.target.to_numpy(dtype=np.float64)
    n_rows = len(target)
    mean = np.empty(n_rows, dtype=np.float64)
    std = np.empty(n_rows, dtype=np.float64)
    bagged = np.empty((n_rows, 10), dtype=np.float64)
    boot = np.random.default_rng(SEED)
    folds = KFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)
    for train_idx, test_idx in folds.split(features):
        model = BayesianRidge().fit(features.iloc[train_idx], target[train_idx])
        mean[test_idx], std[test_idx] = model.predict(features.iloc[test_idx], return_std=True)
        for b in range(bagged.shape[1]):
            sample = train_idx[boot.integers(0, len(train_idx), len(train_idx))]
            gbm = GradientBoostingRegressor(
                n_estimators=100, max_depth=2, learning_rate=0.05, random_state=SEED + b
            ).fit(features.iloc[sample], target[sample])
            bagged[test_idx, b] = gbm.predict(features.iloc[test_idx])
    normal = NormalDist()
    frame = pd.DataFrame({"id": np.arange(n_rows, dtype=np.int64), "label": target, "mean": mean, "std": std})
    frame["lower"] = mean + normal.inv_cdf(0.05) * std
    frame["upper"] = mean + normal.inv_cdf(0.95) * std
    for level in (0.05, 0.25, 0.5, 0.75, 0.95):
        frame[f"q{round(level * 100):02d}"] = mean + normal.inv_cdf(level) * std
    draws = mean[:, None] + std[:, None] * np.random.default_rng(SEED).standard_normal((n_rows, 20))
    for j in range(draws.shape[1]):
        frame[f"member_{j + 1:02d}"] = draws[:, j]
    for b in range(bagged.shape[1]):
        frame[f"gbm_{b + 1:02d}"] = bagged[:, b]
    age = features["age"].to_numpy()
    frame["weight"] = 1.0 + (age > np.median(age)).astype(np.float64)  # as diabetes_regression
    frame["sex"] = np.where(features["sex"].to_numpy() < 0, "F", "M")
    return frame


def _scaled_logreg() -> Pipeline:
    """Standardise features, then fit an L2-regularised logistic regression."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def make_breast_cancer_binary() -> pd.DataFrame:
    """Out-of-fold probabilities and logits of a logistic model on breast cancer.

    scikit-learn codes the target as 0 = malignant, 1 = benign, so ``prob``
    is the out-of-fold probability of *benign* and ``logit`` is its log-odds.
    """
    data = load_breast_cancer()
    features, target = data.data, data.target
    # The same splitter object (fixed seed) is used for both calls, so
    # ``prob`` and ``logit`` come from identical folds/models and
    # prob == sigmoid(logit) row by row.
    folds = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)
    proba = cross_val_predict(_scaled_logreg(), features, target, cv=folds, method="predict_proba")
    logit = cross_val_predict(_scaled_logreg(), features, target, cv=folds, method="decision_function")
    return pd.DataFrame(
        {
            "id": np.arange(len(target), dtype=np.int64),
            "label": target.astype(np.int64),
            "prob": proba[:, 1],  # column 1 == class 1 == benign
            "logit": logit,
        }
    )


def make_breast_cancer_models() -> pd.DataFrame:
    """Three binary models on the same rows and folds, for ``losscli compare``: the
    logistic model of ``breast_cancer_binary`` (``prob_logreg`` equals its ``prob``),
    Gaussian naive Bayes, and a depth-3 decision tree (20 distinct scores: many ties).
    Each column is the out-of-fold probability of class 1 (benign)."""
    data = load_breast_cancer()
    features, target = data.data, data.target
    folds = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)
    models = {
        "prob_logreg": _scaled_logreg(),
        "prob_nb": GaussianNB(),
        "prob_tree": DecisionTreeClassifier(max_depth=3, random_state=SEED),
    }
    frame = pd.DataFrame({"id": np.arange(len(target), dtype=np.int64), "label": target.astype(np.int64)})
    for name, model in models.items():
        frame[name] = cross_val_predict(model, features, target, cv=folds, method="predict_proba")[:, 1]
    return frame


def make_iris_multiclass() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Out-of-fold multinomial logistic-regression output on load_iris.

    Returns two frames built from the same folds:

    * probabilities with string class labels, and
    * raw decision-function scores (logits) with integer class labels.
    """
    data = load_iris()
    features, target = data.data, data.target
    class_names = [str(name) for name in data.target_names]  # setosa, ...

    folds = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)
    proba = cross_val_predict(_scaled_logreg(), features, target, cv=folds, method="predict_proba")
    logits = cross_val_predict(_scaled_logreg(), features, target, cv=folds, method="decision_function")
    ids = np.arange(len(target), dtype=np.int64)

    probs = pd.DataFrame({"id": ids, "label": np.asarray(class_names)[target]})
    for k, name in enumerate(class_names):
        probs[f"prob_{name}"] = proba[:, k]

    logit_frame = pd.DataFrame({"id": ids, "label": target.astype(np.int64)})
    for k in range(len(class_names)):
        logit_frame[f"logit_{k}"] = logits[:, k]
    return probs, logit_frame


def write_frame(frame: pd.DataFrame, stem: str, out_dir: Path, *, parquet: bool = True) -> list[Path]:
    """Write ``frame`` as ``<stem>.csv`` (and ``<stem>.parquet``) in out_dir.

    CSV floats use pandas' default formatting (shortest round-trip repr), so
    values read back bit-for-bit. Returns the paths that were written.
    """
    paths = [out_dir / f"{stem}.csv"]
    frame.to_csv(paths[0], index=False)
    if parquet:
        paths.append(out_dir / f"{stem}.parquet")
        frame.to_parquet(paths[1], index=False, engine="pyarrow")
    for path in paths:
        size = path.stat().st_size
        if size >= MAX_BYTES:
            msg = f"{path.name} is {size} bytes (limit {MAX_BYTES})"
            raise RuntimeError(msg)
    return paths


def main() -> None:
    """Build every sample file and print a one-line summary per file."""
    iris_probs, iris_logits = make_iris_multiclass()
    outputs: list[tuple[pd.DataFrame, list[Path]]] = []
    for frame, stem, parquet in (
        (make_diabetes_regression(), "diabetes_regression", True),
        (make_diabetes_models(), "diabetes_models", False),
        (make_diabetes_forecast(), "diabetes_forecast", False),
        (make_breast_cancer_binary(), "breast_cancer_binary", True),
        (make_breast_cancer_models(), "breast_cancer_models", False),
        (iris_probs, "iris_multiclass", True),
        (iris_logits, "iris_multiclass_logits", False),
    ):
        outputs.append((frame, write_frame(frame, stem, OUT_DIR, parquet=parquet)))

    for frame, paths in outputs:
        for path in paths:
            print(
                f"{path.name}: {len(frame)} rows, {path.stat().st_size} bytes, columns={list(frame.columns)}"
            )


if __name__ == "__main__":
    main()
