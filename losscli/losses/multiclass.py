"""The multiclass catalog: one label column (a class index or a class name) and K
score columns — probabilities, logits (``--from-logits``) or log-probabilities."""

from __future__ import annotations

from typing import Any

from losscli.losses._params import (
    CLASS_WEIGHT,
    CLIPPING_COMPAT,
    EPS,
    FROM_LOGITS,
    GAMMA,
    IGNORE_LABEL,
    KERAS_EPS,
    LOG_CLAMP,
    NORMALIZE,
    at_least_one,
    by_logits,
    positive,
    smoothing,
    unit_interval,
)
from losscli.losses.registry import REGISTRY
from losscli.spec import LossSpec, Param


def _p_choice(v: Any) -> str | None:
    return None if v in (1, 2) else "must be 1 or 2"


COLUMNS_NOTE = (
    "K score columns by --pred 'prob_*' (a glob) or a comma list, else the family p0..pK, prob_*, "
    "proba_* (logit_* with --from-logits); labels are class indices 0..K−1 or the columns' suffixes "
    "(prob_cat ↔ cat)."
)

for _spec in (
    LossSpec(
        name="cross-entropy",
        aliases=("ce", "categorical-cross-entropy"),
        task="multiclass",
        summary="categorical cross-entropy (multiclass log loss)",
        formula="ℓ = −w_y log p_y, p clipped to [ε, 1]; logits x: logsumexp(x) − x_y",
        kernel="_multiclass_kernels:cross_entropy",
        params=(
            FROM_LOGITS,
            Param(
                "label_smoothing",
                float,
                0.0,
                "s (torch): (1 − s)·nll + s·mean over classes of −log p",
                smoothing,
            ),
            CLASS_WEIGHT,
            IGNORE_LABEL,
            EPS,
            NORMALIZE,
            LOG_CLAMP,
        ),
        input_rule="_input_rules:probability_rows",
        pred_flavour=by_logits,
        compat=CLIPPING_COMPAT,
        clips=True,
        equivalents=(
            "sklearn.metrics.log_loss(labels=…)",
            "torch.nn.functional.cross_entropy (logits; label_smoothing, weight, ignore_index)",
            "keras.losses.SparseCategoricalCrossentropy",
        ),
        notes=(
            COLUMNS_NOTE,
            "Probability rows must sum to 1 within 1e-6 (--normalize renormalises them).",
            "With --class-weight the mean divides by Σ w_y, as torch does.",
            "--compat torch floors log p at −100 instead of clipping; --compat keras clips at 1e-7.",
        ),
        example="losscli cross-entropy sample_data/iris_multiclass.csv",
        properties=frozenset({"weights", "probabilities"}),
    ),
    LossSpec(
        name="nll",
        task="multiclass",
        summary="negative log-likelihood of log-probabilities",
        formula="ℓ = −w_y x_y on log-probabilities x",
        kernel="_multiclass_kernels:nll",
        params=(CLASS_WEIGHT, IGNORE_LABEL),
        input_rule="_input_rules:log_probability_rows",
        pred_flavour=lambda _p: "log-probability",
        equivalents=("torch.nn.functional.nll_loss",),
        notes=(COLUMNS_NOTE, "Default columns: logprob_*, log_prob_*, logp_*."),
        example="losscli nll logprobs.csv --pred 'logp_*'",
        properties=frozenset({"weights"}),
    ),
    LossSpec(
        name="multiclass-hinge",
        task="multiclass",
        summary="multiclass hinge loss on decision scores",
        formula="Crammer–Singer: ℓ = max(0, m + max_{c≠y} f_c − f_y); "
        "Weston–Watkins: Σ_{c≠y} max(0, m − f_y + f_c)^p / K",
        kernel="_multiclass_kernels:multiclass_hinge",
        params=(
            Param(
                "mode",
                str,
                "crammer-singer",
                "crammer-singer or weston-watkins",
                choices=("crammer-singer", "weston-watkins"),
            ),
            Param("margin", float, 1.0, "m, the margin (> 0)", positive),
            Param("p", int, 1, "exponent of Weston–Watkins terms (1 or 2)", _p_choice),
        ),
        input_rule="_input_rules:scores",
        pred_flavour=lambda _p: "logit",
        equivalents=(
            "sklearn.metrics.hinge_loss (Crammer–Singer)",
            "torch.nn.functional.multi_margin_loss (Weston–Watkins)",
        ),
        notes=(COLUMNS_NOTE,),
        example="losscli multiclass-hinge sample_data/iris_multiclass_logits.csv --mode weston-watkins",
        properties=frozenset({"weights"}),
    ),
    LossSpec(
        name="multiclass-brier",
        task="multiclass",
        summary="multiclass Brier score (not halved)",
        formula="ℓ = Σ_c (1[c = y] − p_c)²",
        kernel="_multiclass_kernels:multiclass_brier",
        params=(NORMALIZE,),
        input_rule="_input_rules:probability_rows",
        pred_flavour=lambda _p: "probability",
        equivalents=("sklearn.metrics.brier_score_loss (multiclass)",),
        notes=(COLUMNS_NOTE,),
        example="losscli multiclass-brier sample_data/iris_multiclass.csv",
        properties=frozenset({"weights", "probabilities"}),
    ),
    LossSpec(
        name="multiclass-focal",
        task="multiclass",
        summary="categorical focal loss",
        formula="ℓ = α(1 − p_y)^γ · (−log p_y), p clipped to [ε, 1 − ε]",
        kernel="_multiclass_kernels:multiclass_focal",
        params=(
            GAMMA,
            Param("alpha", float, 0.25, "α, the weighting factor, in [0, 1]", unit_interval),
            FROM_LOGITS,
            EPS,
        ),
        input_rule="_input_rules:probability_rows",
        pred_flavour=by_logits,
        compat=KERAS_EPS,
        clips=True,
        equivalents=("keras.losses.CategoricalFocalCrossentropy",),
        notes=(COLUMNS_NOTE, "Keras clips at ε = 1e-7: use --compat keras to match it exactly."),
        example="losscli multiclass-focal sample_data/iris_multiclass.csv",
        properties=frozenset({"weights", "probabilities"}),
    ),
    LossSpec(
        name="top-k-error",
        task="multiclass",
        summary="top-k error rate",
        formula="ℓ = 1[y ∉ the k highest scores]",
        kernel="_multiclass_kernels:top_k_error",
        params=(Param("k", int, 1, "how many top-scored classes count as a hit (>= 1)", at_least_one),),
        input_rule="_input_rules:scores",
        pred_flavour=lambda _p: "any",
        equivalents=("1 − sklearn.metrics.top_k_accuracy_score",),
        notes=(COLUMNS_NOTE, "Ties rank the later class first, as scikit-learn does."),
        example="losscli top-k-error sample_data/iris_multiclass.csv --k 2",
        properties=frozenset({"weights"}),
    ),
):
    REGISTRY.register(_spec)
