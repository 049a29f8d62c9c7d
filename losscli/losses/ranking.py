"""The ranking catalog: ``roc-auc`` and ``pr-auc``, higher is better.

Not means of per-sample losses: each value ranks every used row's score, so each loss
keeps the scores in a summary (:mod:`losscli.losses._ranking_summary`) and its per-sample
column shows the score ranked. Binary (one score column) by default; with
``--multi-class ovr|ovo`` the multiclass variant reads K score columns, as
cross-entropy does (:func:`losscli.losses.registry.resolve`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from losscli.losses._params import FROM_LOGITS, by_logits
from losscli.losses.registry import REGISTRY
from losscli.spec import LossSpec, Param, finalize_state


def _fpr(v: Any) -> str | None:
    return None if 0 < v <= 1 else "must be in (0, 1]"


RANKED = replace(
    FROM_LOGITS,
    help="the scores are logits: K class columns are ranked as softmax probabilities "
    "(one binary score ranks the same either way)",
)
AVERAGE = Param(
    "average",
    str,
    "macro",
    "how the K classes' values are averaged: macro (plain mean) or weighted (by each class's rows, "
    "or weight; ovo: by each pair's rows)",
    choices=("macro", "weighted"),
)
KEPT_NOTE = (
    "Not a mean of per-sample losses: the value ranks every used row's score, so all are kept in "
    "memory (8 bytes a row; 16 with --weight; 8·K, 8·(K + 1) with --weight, for K classes): at most "
    "134,217,728 numbers per result (1 GiB), else exit 2, never an approximation. The per-sample "
    "column (score; true_class_score: the score of the row's own class) and the JSON mean, sum "
    "and quantiles are those of the scores ranked; details: positives and negatives (binary), "
    "one_vs_rest / one_vs_one (multiclass: each class's or pair's value)."
)
SCORES_NOTE = (
    "Any real scores rank: probabilities, logits or margins; no threshold, no [0, 1] check. Ties "
    "count ½. Labels: 0/1, true/false, −1/+1, or --positive."
)
MULTICLASS_NOTE = (
    "--multi-class ovr|ovo reads K score columns (as cross-entropy) and averages the classes' "
    "values --average macro|weighted, as scikit-learn. The class scores need not sum to 1: each "
    "column is ranked as given, with a warning when rows do not sum to 1 (scikit-learn refuses "
    "them); --from-logits ranks softmax probabilities."
)
ROC_CI_NOTE = (
    "--ci and compare: the grouped jackknife over 64 groups of units (see 'Confidence interval' below), "
    "cut to [0, 1]. With every row its own group it is DeLong's variance (DeLong et al. 1988) to within "
    "O(1/n), (N − 1)/N · (S₁₀/(m − 1) + S₀₁/(n − 1)) against S₁₀/m + S₀₁/n; 64 groups estimate it with "
    "63 degrees of freedom (hence t). Cost: 1 byte a row kept; the AUC (binary, ovr, ovo) with each "
    "group left out from pair sums, O(n log n) for all groups; --max-fpr recomputed on the rows "
    "outside each group, O(64 · n log n)."
)
PR_CI_NOTE = (
    "--ci and compare: the grouped jackknife over 64 groups of units (see 'Confidence interval' below), "
    "cut to [0, 1]. Cost: 1 byte a row kept; each group's average precision from the whole's counts "
    "less the group's at every positive's score, O(64 · n)."
)
UNDEFINED_NOTE = (
    "Undefined values are exit 2 (scikit-learn returns NaN or 0 with a warning): one class only, a "
    "class with no rows, weights summing to 0 — for the file and for each --by group."
)

ROC_AUC = LossSpec(
    name="roc-auc",
    aliases=("auroc",),
    task="binary",
    summary="area under the ROC curve",
    formula="ℓ = s, the score ranked; value = Σᵢⱼ wᵢwⱼ(1[sᵢ > sⱼ] + ½·1[sᵢ = sⱼ]) / (W₁W₀), "
    "i positive, j negative",
    kernel="_ranking_kernels:score",
    params=(
        Param(
            "multi_class",
            str,
            None,
            "K score columns: one vs rest (ovr) or one vs one (ovo, Hand & Till); binary without it",
            choices=("ovr", "ovo"),
        ),
        AVERAGE,
        Param(
            "max_fpr",
            float,
            None,
            "m: the partial AUC over FPR ≤ m, McClish-standardised: ½(1 + (A − m²/2)/(m − m²/2)); binary",
            _fpr,
        ),
        RANKED,
    ),
    finalize=finalize_state,
    finalize_text="the area under the ROC curve, all scores ranked, ties ½",
    higher_is_better=True,
    state="_ranking_summary:RocAuc",
    worst="",
    interval="jackknife",
    variant=lambda p: "roc-auc/multiclass" if p.get("multi_class") else "",
    pred_flavour=by_logits,
    equivalents=(
        "sklearn.metrics.roc_auc_score (sample_weight, max_fpr, multi_class='ovr'|'ovo', average='macro'|'weighted')",
    ),
    notes=(
        KEPT_NOTE,
        SCORES_NOTE,
        MULTICLASS_NOTE + " ovo (Hand & Till 2001) takes no --weight, as in scikit-learn.",
        "--max-fpr m (binary): the area A under the ROC curve for FPR ≤ m, its last step cut by linear "
        "interpolation, reported as ½(1 + (A − m²/2) / (m − m²/2)) (McClish 1989; 0.5 is chance).",
        UNDEFINED_NOTE,
        ROC_CI_NOTE,
    ),
    example="losscli roc-auc sample_data/iris_multiclass.csv --multi-class ovr",
    properties=frozenset({"weights", "ranking"}),
)

PR_AUC = LossSpec(
    name="pr-auc",
    aliases=("average-precision", "auprc"),
    task="binary",
    summary="average precision (area under the precision–recall steps)",
    formula="ℓ = s, the score ranked; value = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds, highest "
    "first (steps, not the trapezoid)",
    kernel="_ranking_kernels:score",
    params=(
        Param(
            "multi_class",
            str,
            None,
            "K score columns: one vs rest (ovr), each class against the others; binary without it",
            choices=("ovr",),
        ),
        AVERAGE,
        RANKED,
    ),
    finalize=finalize_state,
    finalize_text="average precision, Σ (Rₙ − Rₙ₋₁)·Pₙ over all scores ranked",
    higher_is_better=True,
    state="_ranking_summary:PrAuc",
    worst="",
    interval="jackknife",
    variant=lambda p: "pr-auc/multiclass" if p.get("multi_class") else "",
    pred_flavour=by_logits,
    equivalents=(
        "sklearn.metrics.average_precision_score (sample_weight; multiclass: on label-binarised y, "
        "average='macro'|'weighted')",
    ),
    notes=(
        KEPT_NOTE,
        SCORES_NOTE + " No negatives: every precision is 1, so AP = 1.",
        MULTICLASS_NOTE,
        UNDEFINED_NOTE,
        PR_CI_NOTE,
    ),
    example="losscli pr-auc sample_data/breast_cancer_binary.csv",
    properties=frozenset({"weights", "ranking"}),
)

for _spec in (ROC_AUC, PR_AUC):
    REGISTRY.register(_spec)
    REGISTRY.register_variant(
        f"{_spec.name}/multiclass",
        replace(_spec, task="multiclass", kernel="_ranking_kernels:true_class_score", variant=lambda _p: ""),
    )
