"""The binary catalog: a label in {0, 1} (or true/false, ±1, ``--positive``) and one
score per row — a probability, or a logit with ``--from-logits``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from losscli.losses._params import (
    BINS,
    CLIPPING_COMPAT,
    EPS,
    FROM_LOGITS,
    GAMMA,
    KERAS_EPS,
    LOG_CLAMP,
    POS_WEIGHT,
    STRATEGY,
    by_logits,
    smoothing,
    unit_interval,
)
from losscli.losses.registry import REGISTRY
from losscli.spec import LossSpec, Param


def _logit(_p: Mapping[str, Any]) -> str:
    return "logit"


LABELS_NOTE = "Labels: 0/1, true/false or −1/+1; for two other values say which is positive with --positive."

for _spec in (
    LossSpec(
        name="bce",
        aliases=("log-loss", "binary-cross-entropy"),
        task="binary",
        summary="binary cross-entropy (log loss)",
        formula="ℓ = −[y log p + (1 − y) log(1 − p)], p clipped to [ε, 1 − ε]; "
        "logits x: max(x, 0) − xy + log1p(e^−|x|)",
        kernel="_binary_kernels:bce",
        params=(
            FROM_LOGITS,
            EPS,
            POS_WEIGHT,
            Param("label_smoothing", float, 0.0, "s: labels become y(1 − s) + s/2", smoothing),
            LOG_CLAMP,
        ),
        input_rule="_input_rules:probability",
        pred_flavour=by_logits,
        compat=CLIPPING_COMPAT,
        clips=True,
        equivalents=(
            "sklearn.metrics.log_loss",
            "torch.nn.functional.binary_cross_entropy_with_logits (logits, pos_weight)",
            "keras.losses.BinaryCrossentropy",
        ),
        notes=(
            LABELS_NOTE,
            "Probabilities are clipped to [ε, 1 − ε], ε = float64 eps (scikit-learn); the count is reported.",
            "--compat torch floors log p at −100 instead; --compat keras clips at ε = 1e-7.",
        ),
        example="losscli bce sample_data/breast_cancer_binary.csv",
        properties=frozenset({"weights", "probabilities"}),
    ),
    LossSpec(
        name="hinge",
        task="binary",
        summary="hinge loss on decision scores",
        formula="ℓ = max(0, 1 − y·f), y ∈ {−1, +1}",
        kernel="_binary_kernels:hinge",
        pred_flavour=_logit,
        equivalents=("sklearn.metrics.hinge_loss",),
        notes=(LABELS_NOTE, "f is a decision score (a logit or SVM margin), not a probability."),
        example="losscli hinge sample_data/breast_cancer_binary.csv --pred logit",
        properties=frozenset({"weights"}),
    ),
    LossSpec(
        name="squared-hinge",
        task="binary",
        summary="squared hinge loss on decision scores",
        formula="ℓ = max(0, 1 − y·f)², y ∈ {−1, +1}",
        kernel="_binary_kernels:squared_hinge",
        pred_flavour=_logit,
        equivalents=("keras.losses.SquaredHinge",),
        notes=(LABELS_NOTE,),
        example="losscli squared-hinge sample_data/breast_cancer_binary.csv --pred logit",
        properties=frozenset({"weights"}),
    ),
    LossSpec(
        name="focal",
        task="binary",
        summary="binary focal loss",
        formula="ℓ = (1 − p_t)^γ · BCE, p_t = yp + (1 − y)(1 − p); × (αy + (1 − α)(1 − y)) with --alpha",
        kernel="_binary_kernels:focal",
        params=(
            GAMMA,
            Param("alpha", float, None, "α: class balancing weight of positives, in [0, 1]", unit_interval),
            FROM_LOGITS,
            EPS,
        ),
        input_rule="_input_rules:probability",
        pred_flavour=by_logits,
        compat=KERAS_EPS,
        clips=True,
        equivalents=("keras.losses.BinaryFocalCrossentropy(apply_class_balancing=α given)",),
        notes=(LABELS_NOTE, "Keras clips at ε = 1e-7: use --compat keras to match it exactly."),
        example="losscli focal sample_data/breast_cancer_binary.csv --gamma 2 --alpha 0.25",
        properties=frozenset({"weights", "probabilities"}),
    ),
    LossSpec(
        name="brier",
        task="binary",
        summary="Brier score",
        formula="ℓ = (y − p)²",
        kernel="_binary_kernels:brier",
        params=(BINS, STRATEGY),
        input_rule="_input_rules:probability",
        pred_flavour=lambda _p: "probability",
        state="_calibration_summary:BrierDecomposition",
        equivalents=("sklearn.metrics.brier_score_loss",),
        notes=(
            LABELS_NOTE,
            "Decomposition (Murphy 1973) over --bins bins of p (--strategy uniform or quantile, as ece's), with "
            "P_b, Y_b bin b's mean p and y, W_b its Σw and Y the mean y: reliability Σ_b W_b(P_b − Y_b)²/W − "
            "resolution Σ_b W_b(Y_b − Y)²/W + uncertainty Y(1 − Y) + within-bin Σ w[(p − P_b)² − "
            "2(p − P_b)(y − Y_b)]/W (Stephenson et al. 2008): the parts add up to the Brier score exactly (to "
            "rounding); within-bin is 0 when the forecasts in each bin are equal, and only then do Murphy's "
            "three terms alone add up. In -f json as results[i].decomposition, and as a table after the summary.",
            "The bins change only the decomposition, never the value: the mean of (y − p)², so --ci works.",
        ),
        example="losscli brier sample_data/breast_cancer_binary.csv",
        properties=frozenset({"weights", "probabilities"}),
    ),
    LossSpec(
        name="zero-one",
        task="binary",
        summary="misclassification rate at a threshold",
        formula="ℓ = 1[(p ≥ t) ≠ y]; t = 0.5 on probabilities, 0 on logits",
        kernel="_binary_kernels:zero_one",
        params=(Param("threshold", float, None, "t: a score ≥ t predicts the positive class"), FROM_LOGITS),
        input_rule="_input_rules:thresholded",
        pred_flavour=by_logits,
        equivalents=("sklearn.metrics.zero_one_loss (on predicted labels)",),
        notes=(LABELS_NOTE, "A score equal to the threshold counts as the positive class."),
        example="losscli zero-one sample_data/breast_cancer_binary.csv --threshold 0.3",
        properties=frozenset({"weights"}),
    ),
):
    REGISTRY.register(_spec)
