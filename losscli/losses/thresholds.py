"""The thresholded classification catalog: accuracy, balanced accuracy, precision, recall,
F1 / F_β and MCC, each a function of the confusion matrix of the predicted classes.

Each takes either one score column (binary: ŷ = 1[p ≥ t], t = 0.5 on probabilities, 0
with ``--from-logits``, as zero-one) or K class columns (multiclass: ŷ = the class of the
highest score; read as cross-entropy reads them), the form the columns call for
(:attr:`LossSpec.multiclass`). ℓ, the per-sample column, is 1 for a misclassified row;
accuracy's value is 1 − its mean (its ``--ci`` and ``compare`` are a mean's); the others'
values come from the confusion matrix (:mod:`losscli.losses._thresholds_summary`), whose
cells the bootstrap of ``--ci`` and ``compare`` resamples (``interval="sums"``).
"""

from __future__ import annotations

from dataclasses import replace

from losscli.losses._params import FROM_LOGITS, by_logits, non_negative
from losscli.losses.registry import REGISTRY
from losscli.spec import LossSpec, Param, finalize_complement, finalize_state

THRESHOLD = Param("threshold", float, None, "t: a score ≥ t predicts the positive class (one score column)")
AVERAGE = Param(
    "average",
    str,
    "binary",
    "binary (the positive class), micro, macro or weighted (by true count), as scikit-learn's average",
    choices=("binary", "micro", "macro", "weighted"),
)
ZERO_DIVISION = Param(
    "zero_division",
    str,
    "warn",
    "value of a 0/0 ratio: warn (0 and a warning, scikit-learn's default), 0, 1 or nan (left out of the average)",
    choices=("warn", "0", "1", "nan"),
)
RATIO_PARAMS = (THRESHOLD, FROM_LOGITS, AVERAGE, ZERO_DIVISION)
FORMS_NOTE = (
    "One score column: the positive class is predicted when p ≥ t (t = 0.5 on probabilities, 0 with "
    "--from-logits; a score equal to t is positive); labels 0/1, true/false, −1/+1 or --positive. "
    "K class columns (--pred 'prob_*', or found as cross-entropy finds them): the predicted class is "
    "the highest score (ties: the first column); labels are class indices or column suffixes."
)
PER_SAMPLE_NOTE = (
    "Per-sample column 'misclassified': 1 where the predicted class is not the label, else 0; its mean "
    "in the JSON is the error rate. The confusion matrix (rows true class, columns predicted) is in the "
    "table, the Markdown and the JSON ('confusion_matrix')."
)
AVERAGE_NOTE = (
    "--average binary scores the positive class (label 1; with K = 2 class columns the second); micro, "
    "macro and weighted average over the classes that occur as a label or a prediction, as "
    "scikit-learn's default labels."
)
ZERO_NOTE = (
    "A 0/0 ratio (no predicted or no true rows of a class) is 0 with a warning, as scikit-learn's "
    "zero_division='warn'; --zero-division 0, 1 or nan chooses (nan leaves the class out of the average; "
    "a value left undefined is exit 2)."
)


def _with_multiclass(spec: LossSpec) -> LossSpec:
    """The spec with its multiclass form (a registered variant the columns pick, not the
    parameters): K class columns, probabilities (rows summing to 1) unless
    --from-logits, read as cross-entropy reads them."""
    twin = replace(spec, task="multiclass", input_rule="_input_rules:probability_rows")
    return replace(spec, multiclass=twin)


def _metric(
    name: str,
    summary: str,
    value: str,
    state: str,
    equivalent: str,
    params: tuple[Param, ...] = RATIO_PARAMS,
    aliases: tuple[str, ...] = (),
    notes: tuple[str, ...] = (AVERAGE_NOTE, ZERO_NOTE),
    example: str = "",
) -> LossSpec:
    return _with_multiclass(
        LossSpec(
            name=name,
            aliases=aliases,
            task="binary",
            summary=summary,
            formula=f"ℓ = 1[ŷ ≠ y]; value = {value}",
            kernel="_thresholds_kernels:misclassified",
            params=params,
            finalize=finalize_state,
            finalize_text=f"{value} of the confusion matrix",
            higher_is_better=True,
            input_rule="_input_rules:thresholded",
            pred_flavour=by_logits,
            equivalents=(equivalent,),
            notes=(FORMS_NOTE, PER_SAMPLE_NOTE, *notes),
            example=example or f"losscli {name} sample_data/breast_cancer_binary.csv",
            properties=frozenset({"weights"}),
            state=f"_thresholds_summary:{state}",
            interval="sums",
            interval_text="the confusion matrix's cells (per class: TP, predicted and true weight)",
        )
    )


for _spec in (
    _with_multiclass(
        LossSpec(
            name="accuracy",
            task="binary",
            summary="accuracy: the share of rows classified right (higher is better)",
            formula="ℓ = 1[ŷ ≠ y]; value = 1 − Σwℓ / Σw",
            kernel="_thresholds_kernels:misclassified",
            params=(THRESHOLD, FROM_LOGITS),
            finalize=finalize_complement,
            finalize_text="1 − Σwℓ / Σw (the weighted share of rows classified right)",
            higher_is_better=True,
            input_rule="_input_rules:thresholded",
            pred_flavour=by_logits,
            equivalents=("sklearn.metrics.accuracy_score", "1 − zero-one"),
            notes=(
                FORMS_NOTE,
                PER_SAMPLE_NOTE,
                "A weighted mean of ℓ, so --ci gives an interval and compare compares models.",
            ),
            example="losscli accuracy sample_data/breast_cancer_binary.csv --threshold 0.3",
            properties=frozenset({"weights"}),
            state="_thresholds_summary:AccuracySummary",
        )
    ),
    _metric(
        "balanced-accuracy",
        "balanced accuracy: the mean recall over the classes (higher is better)",
        "mean over classes c of TP_c / true_c",
        "BalancedAccuracySummary",
        "sklearn.metrics.balanced_accuracy_score",
        params=(
            THRESHOLD,
            FROM_LOGITS,
            Param("adjusted", bool, False, "rescale so that chance scores 0 and a perfect model 1"),
        ),
        notes=(
            "Classes that are predicted but never a label are left out of the mean (with a warning), as "
            "scikit-learn does; --adjusted gives (value − 1/K) / (1 − 1/K).",
        ),
        example="losscli balanced-accuracy sample_data/iris_multiclass.csv",
    ),
    _metric(
        "precision",
        "precision: the share of predicted positives that are positive (higher is better)",
        "TP / (TP + FP)",
        "PrecisionSummary",
        "sklearn.metrics.precision_score",
        aliases=("ppv",),
    ),
    _metric(
        "recall",
        "recall (sensitivity): the share of positives predicted positive (higher is better)",
        "TP / (TP + FN)",
        "RecallSummary",
        "sklearn.metrics.recall_score",
        aliases=("sensitivity", "tpr"),
    ),
    _metric(
        "f1",
        "F1 score: the harmonic mean of precision and recall (higher is better)",
        "2·TP / (2·TP + FP + FN)",
        "F1Summary",
        "sklearn.metrics.f1_score",
        aliases=("f1-score",),
        example="losscli f1 sample_data/iris_multiclass.csv --average macro",
    ),
    _metric(
        "fbeta",
        "F-beta score: recall weighed β times as much as precision (higher is better)",
        "(1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP)",
        "FBetaSummary",
        "sklearn.metrics.fbeta_score",
        params=(
            Param(
                "beta",
                float,
                1.0,
                "β >= 0: recall weighs β times as much as precision (torchmetrics' default 1: F1)",
                non_negative,
            ),
            *RATIO_PARAMS,
        ),
        aliases=("f-beta", "fbeta-score"),
        example="losscli fbeta sample_data/breast_cancer_binary.csv --beta 2",
    ),
    _metric(
        "mcc",
        "Matthews correlation coefficient (higher is better, in [−1, 1])",
        "(n·ΣTP_c − Σ true_c·pred_c) / √((n² − Σ pred_c²)(n² − Σ true_c²))",
        "MccSummary",
        "sklearn.metrics.matthews_corrcoef",
        params=(THRESHOLD, FROM_LOGITS),
        aliases=("matthews-corrcoef", "phi"),
        notes=(
            "0/0 (every row the same true class, or the same predicted class) is reported as 0.0 with "
            "a warning, as scikit-learn returns 0.0.",
        ),
    ),
):
    REGISTRY.register(_spec)
    assert _spec.multiclass is not None
    REGISTRY.register_variant(f"{_spec.name}/multiclass", _spec.multiclass)  # pickles by this key
