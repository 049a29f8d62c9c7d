"""The distribution and multi-label catalogs: K target columns and K prediction columns."""

from __future__ import annotations

from losscli.losses._params import EPS, FROM_LOGITS, KERAS_EPS, POS_WEIGHT, by_logits
from losscli.losses.registry import REGISTRY
from losscli.spec import LossSpec, Param

TARGETS_NOTE = "K target columns by --label 'p_*' (glob or comma list; default label_*, target_*), K predictions by --pred."

for _spec in (
    LossSpec(
        name="kl-div",
        task="distribution",
        summary="Kullback–Leibler divergence KL(p‖q) per row",
        formula="ℓ = Σ_c p_c (log p_c − log q_c)",
        kernel="_distribution_kernels:kl_div",
        params=(Param("log_input", bool, False, "predictions are log q"),),
        input_rule="_input_rules:distributions",
        pred_flavour=lambda _p: "probability",
        equivalents=(
            "torch.nn.functional.kl_div(log q, p, reduction='batchmean')",
            "scipy.special.rel_entr summed per row",
        ),
        notes=(TARGETS_NOTE, "The true per-row KL (torch's batchmean), never torch's element-wise 'mean'."),
        example="losscli kl-div dists.csv --label 'p_*' --pred 'q_*'",
        properties=frozenset({"weights"}),
    ),
    LossSpec(
        name="js-div",
        task="distribution",
        summary="Jensen–Shannon divergence per row",
        formula="ℓ = ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2",
        kernel="_distribution_kernels:js_div",
        input_rule="_input_rules:distributions",
        pred_flavour=lambda _p: "probability",
        equivalents=("torchmetrics.JensenShannonDivergence",),
        notes=(TARGETS_NOTE, "Natural logarithm: values lie in [0, log 2]."),
        example="losscli js-div dists.csv --label 'p_*' --pred 'q_*'",
        properties=frozenset({"weights", "symmetric"}),
    ),
    LossSpec(
        name="soft-cross-entropy",
        task="distribution",
        summary="cross-entropy with probability targets",
        formula="ℓ = −Σ_c p_c log q_c (logits: log q = log softmax x)",
        kernel="_distribution_kernels:soft_cross_entropy",
        params=(FROM_LOGITS, EPS),
        input_rule="_input_rules:distributions",
        pred_flavour=by_logits,
        compat=KERAS_EPS,
        clips=True,
        equivalents=("torch.nn.functional.cross_entropy with probability targets",),
        notes=(TARGETS_NOTE,),
        example="losscli soft-cross-entropy dists.csv --label 'p_*' --pred 'logit_*' --from-logits",
        properties=frozenset({"weights"}),
    ),
    LossSpec(
        name="cosine",
        task="distribution",
        summary="cosine distance between target and prediction rows",
        formula="ℓ = 1 − cos(p, q)",
        kernel="_distribution_kernels:cosine",
        pred_flavour=lambda _p: "any",
        equivalents=("torch.nn.functional.cosine_embedding_loss (y = 1)",),
        notes=(TARGETS_NOTE, "Any real vectors, not only distributions; norms get torch's 1e-12 guard."),
        example="losscli cosine emb.csv --label 'a_*' --pred 'b_*'",
        properties=frozenset({"weights", "symmetric"}),
    ),
    LossSpec(
        name="multilabel-bce",
        task="multilabel",
        summary="binary cross-entropy averaged over K labels",
        formula="ℓ = (1/K) Σ_k BCE(y_k, p_k) (logits: torch's multilabel_soft_margin_loss)",
        kernel="_distribution_kernels:multilabel_bce",
        params=(FROM_LOGITS, POS_WEIGHT, EPS),
        input_rule="_input_rules:label_matrix",
        pred_flavour=by_logits,
        compat=KERAS_EPS,
        clips=True,
        equivalents=(
            "torch.nn.functional.multilabel_soft_margin_loss (logits)",
            "sklearn.metrics.log_loss per label",
        ),
        notes=("K 0/1 label columns by --label (glob or list), K score columns by --pred.",),
        example="losscli multilabel-bce tags.csv --label 'y_*' --pred 'p_*'",
        properties=frozenset({"weights", "probabilities"}),
    ),
    LossSpec(
        name="hamming",
        task="multilabel",
        summary="fraction of labels predicted wrong",
        formula="ℓ = (1/K) Σ_k 1[(s_k ≥ t) ≠ y_k]",
        kernel="_distribution_kernels:hamming",
        params=(
            Param(
                "threshold", float, None, "t: a score ≥ t predicts the label (default 0.5, for probabilities)"
            ),
        ),
        input_rule="_input_rules:label_matrix",
        pred_flavour=lambda _p: "any",
        equivalents=("sklearn.metrics.hamming_loss",),
        notes=("K 0/1 label columns by --label (glob or list), K score columns by --pred.",),
        example="losscli hamming tags.csv --label 'y_*' --pred 'p_*'",
        properties=frozenset({"weights"}),
    ),
):
    REGISTRY.register(_spec)
