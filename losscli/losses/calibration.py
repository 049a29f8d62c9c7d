"""The calibration catalog: ``ece``, the binned calibration error with its reliability
table — binary (the positive class's probability) or, with ``--multi-class top-label``,
the top-label error of K class columns (its multiclass variant: registry.resolve). The
Brier score's decomposition over the same bins is ``brier``'s (binary.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from losscli.losses._params import BINS, FROM_LOGITS, STRATEGY, by_logits
from losscli.losses.registry import REGISTRY
from losscli.spec import LossSpec, Param, finalize_state


def _torch_only(v: Any) -> str | None:
    return None if v == "torch" else "must be torch (set by --compat torch)"


NORM = Param(
    "norm", str, "l1", "l1 = ECE, l2 = RMSCE (root mean square), max = MCE", choices=("l1", "l2", "max")
)
BINNING = Param("binning", str, None, "torch: torchmetrics' bins", _torch_only, hidden=True)
TORCH = {"torch": {"binning": "torch"}, "sklearn": {}, "keras": {}}
REPORTED = "the binned calibration error: ECE (--norm l1), RMSCE (l2) or MCE (max)"
NOTES = (
    "Bins: --strategy uniform: --bins equal-width bins on [0, 1]; quantile: bins of equal row counts, "
    "the edges at the confidences' quantiles (np.percentile, as scikit-learn). A confidence on an edge "
    "belongs to the bin below it, the first bin includes 0 (scikit-learn's calibration_curve).",
    "Per bin b: W_b = Σw, mean confidence C_b = Σwc/Σw, observed frequency A_b = Σwa/Σw, gap = C_b − A_b "
    "(> 0: over-confident); empty bins count for nothing. The table output shows the bins with a bar "
    "diagram; -f json has them in results[i].reliability (with ECE, RMSCE and MCE together).",
    "Weights weigh each row in its bin's sums; they do not move quantile edges (bins of equal row counts). "
    "Rows with weight 0 are left out.",
    "--strategy quantile keeps each row's confidence (9 bytes a row, 17 with weights) to place the edges "
    "exactly: up to 10,000,000 rows, else exit 2; uniform bins stream in constant memory.",
    "--compat torch reproduces torchmetrics: a confidence on an edge goes to the bin above, with "
    "torch.linspace's edges, and a confidence of exactly 1 to a bin of its own (torchmetrics #3510).",
    "Per-sample ℓ = c − a (the row's gap: its mean is the mean confidence minus the observed frequency); "
    "--worst K lists the most confident mistakes.",
    "--ci and compare (ECE, RMSCE over uniform bins): the BCa bootstrap of the binned plug-in estimate, "
    "which is biased upward in small samples and not smooth where a bin's gap is 0: the interval holds "
    "the population's binned error about as often as it says only where every bin's gap is well away "
    "from 0 (for a well-calibrated model it lies above the truth, 0). --strategy quantile (the edges move "
    "with each resample) and --norm max (a maximum over bins) have none: exit 2.",
)

MULTI_CLASS = Param(
    "multi_class",
    str,
    None,
    "K probability columns, top-label: c = max p, correct when its class is the label; binary without it",
    choices=("top-label",),
)

ECE = LossSpec(
    name="ece",
    aliases=("calibration-error",),
    task="binary",
    summary="expected calibration error (binned; --norm l2: RMSCE, max: MCE)",
    formula="ℓ = c − a; value = Σ_b (W_b/W)·|C_b − A_b|, C_b and A_b bin b's mean c and a; binary c = p, "
    "a = y; top-label c = max p, a = 1[argmax p = y]",
    kernel="_calibration_kernels:calibration_gap",
    params=(BINS, STRATEGY, NORM, MULTI_CLASS, FROM_LOGITS, BINNING),
    finalize=finalize_state,
    finalize_text=REPORTED,
    state="_calibration_summary:Reliability",
    interval="sums",
    interval_text="the uniform bins' sums (per bin: Σw, Σw·confidence, Σw·outcome)",
    input_rule="_input_rules:probability",
    pred_flavour=by_logits,
    compat=TORCH,
    variant=lambda p: "ece/top-label" if p.get("multi_class") else "",
    equivalents=(
        "torchmetrics.classification.BinaryCalibrationError(n_bins, norm) (uniform bins)",
        "torchmetrics.classification.MulticlassCalibrationError(num_classes, n_bins, norm) with "
        "--multi-class top-label (uniform bins; it computes in float32)",
        "sklearn.calibration.calibration_curve(n_bins, strategy) (the bins: prob_true, prob_pred; "
        "top-label: on (correct, max p))",
    ),
    notes=(
        "Binary: c = p (the positive class's probability), a = y, as torchmetrics' binary metric and "
        "scikit-learn's calibration_curve; labels 0/1, true/false, −1/+1 or --positive.",
        "--multi-class top-label reads K probability columns (as cross-entropy: --pred 'prob_*'; rows "
        "must sum to 1 within 1e-6): c = max_k p_k, a = 1 when that class (the first on ties) is the "
        "label, as torchmetrics' multiclass metric; softmax first with --from-logits.",
        *NOTES,
    ),
    example="losscli ece sample_data/breast_cancer_binary.csv --bins 10",
    properties=frozenset({"weights", "probabilities"}),
)

REGISTRY.register(ECE)
REGISTRY.register_variant(
    "ece/top-label",
    replace(ECE, task="multiclass", input_rule="_input_rules:probability_rows", variant=lambda _p: ""),
)
