"""Every loss as a NumPy function, generated from the registry.

``mse(y_true, y_pred, *, sample_weight=None, reduction="mean")`` returns the
reported value like scikit-learn; ``reduction="none"`` the per-sample losses
like torch. Importing this package does not import NumPy; calling a loss does.
"""

from __future__ import annotations

from losscli.losses._api import LossFunction, make_public
from losscli.losses.registry import all_losses, get_loss
from losscli.spec import LossSpec, Param

mse: LossFunction = make_public("mse")
rmse: LossFunction = make_public("rmse")
mae: LossFunction = make_public("mae")
huber: LossFunction = make_public("huber")
smooth_l1: LossFunction = make_public("smooth-l1")
log_cosh: LossFunction = make_public("log-cosh")
mape: LossFunction = make_public("mape")
smape: LossFunction = make_public("smape")
msle: LossFunction = make_public("msle")
rmsle: LossFunction = make_public("rmsle")
quantile: LossFunction = make_public("quantile")
poisson: LossFunction = make_public("poisson")
poisson_nll: LossFunction = make_public("poisson-nll")
gamma: LossFunction = make_public("gamma")
tweedie: LossFunction = make_public("tweedie")
gaussian_nll: LossFunction = make_public("gaussian-nll")
max_error: LossFunction = make_public("max-error")
r2: LossFunction = make_public("r2")
bce: LossFunction = make_public("bce")
hinge: LossFunction = make_public("hinge")
squared_hinge: LossFunction = make_public("squared-hinge")
focal: LossFunction = make_public("focal")
brier: LossFunction = make_public("brier")
zero_one: LossFunction = make_public("zero-one")
cross_entropy: LossFunction = make_public("cross-entropy")
nll: LossFunction = make_public("nll")
multiclass_hinge: LossFunction = make_public("multiclass-hinge")
multiclass_brier: LossFunction = make_public("multiclass-brier")
multiclass_focal: LossFunction = make_public("multiclass-focal")
top_k_error: LossFunction = make_public("top-k-error")
kl_div: LossFunction = make_public("kl-div")
js_div: LossFunction = make_public("js-div")
soft_cross_entropy: LossFunction = make_public("soft-cross-entropy")
cosine: LossFunction = make_public("cosine")
multilabel_bce: LossFunction = make_public("multilabel-bce")
hamming: LossFunction = make_public("hamming")
roc_auc: LossFunction = make_public("roc-auc")
pr_auc: LossFunction = make_public("pr-auc")
crps: LossFunction = make_public("crps")
interval_score: LossFunction = make_public("interval-score")
coverage: LossFunction = make_public("coverage")
ece: LossFunction = make_public("ece")
accuracy: LossFunction = make_public("accuracy")
balanced_accuracy: LossFunction = make_public("balanced-accuracy")
precision: LossFunction = make_public("precision")
recall: LossFunction = make_public("recall")
f1: LossFunction = make_public("f1")
fbeta: LossFunction = make_public("fbeta")
mcc: LossFunction = make_public("mcc")

__all__ = [
    "LossFunction",
    "LossSpec",
    "Param",
    "accuracy",
    "all_losses",
    "balanced_accuracy",
    "bce",
    "brier",
    "cosine",
    "coverage",
    "cross_entropy",
    "crps",
    "ece",
    "f1",
    "fbeta",
    "focal",
    "gamma",
    "gaussian_nll",
    "get_loss",
    "hamming",
    "hinge",
    "huber",
    "interval_score",
    "js_div",
    "kl_div",
    "log_cosh",
    "mae",
    "mape",
    "max_error",
    "mcc",
    "mse",
    "msle",
    "multiclass_brier",
    "multiclass_focal",
    "multiclass_hinge",
    "multilabel_bce",
    "nll",
    "poisson",
    "poisson_nll",
    "pr_auc",
    "precision",
    "quantile",
    "r2",
    "recall",
    "rmse",
    "rmsle",
    "roc_auc",
    "smape",
    "smooth_l1",
    "soft_cross_entropy",
    "squared_hinge",
    "top_k_error",
    "tweedie",
    "zero_one",
]
