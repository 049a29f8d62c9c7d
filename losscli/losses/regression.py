"""The regression catalog: one prediction column, one label column.

Each entry is metadata only (formula, parameters, domain, equivalents); the
NumPy kernels live in ``_regression_kernels`` and load on first use.
Notation: ŷ prediction, y label, d = ŷ − y.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from losscli.losses._forecasts_rules import levels_constraint
from losscli.losses._params import FLOAT64_EPS, non_negative, positive
from losscli.losses.registry import REGISTRY
from losscli.spec import (
    Bound,
    LossSpec,
    Param,
    finalize_max,
    finalize_r2,
    finalize_sqrt,
)


def _open_unit(v: Any) -> str | None:
    return None if 0 < v < 1 else "must be in (0, 1)"


def _tweedie_power(v: Any) -> str | None:
    return "must not be in (0, 1): no Tweedie distribution exists there" if 0 < v < 1 else None


def _tweedie_domain(p: Mapping[str, Any]) -> tuple[Bound, ...]:
    power = p["power"]
    if power < 0:
        return (Bound("y_pred", ">", 0),)
    if power == 0:
        return ()
    if power < 2:
        return (Bound("y_true", ">=", 0), Bound("y_pred", ">", 0))
    return (Bound("y_true", ">", 0), Bound("y_pred", ">", 0))


def _poisson_nll_domain(p: Mapping[str, Any]) -> tuple[Bound, ...]:
    return () if p["log_input"] else (Bound("y_pred", ">=", 0),)


SYMMETRIC = frozenset({"symmetric", "weights"})
WEIGHTED = frozenset({"weights"})
SIGNED = frozenset({"weights", "signed"})  # ℓ may be negative (a log-likelihood without its constant)

for _spec in (
    LossSpec(
        name="mse",
        aliases=("l2", "mean-squared-error"),
        task="regression",
        summary="mean squared error",
        formula="ℓ = d²",
        kernel="_regression_kernels:squared_error",
        equivalents=("sklearn.metrics.mean_squared_error", "torch.nn.functional.mse_loss"),
        example="losscli mse preds.csv --pred pred --label label",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="rmse",
        task="regression",
        summary="root mean squared error",
        formula="ℓ = d²; value = √mean",
        kernel="_regression_kernels:squared_error",
        finalize=finalize_sqrt,
        finalize_text="√(Σwℓ/Σw)",
        equivalents=("sklearn.metrics.root_mean_squared_error",),
        notes=("'mean' and 'sum' in the JSON are those of d²; 'value' is their square root.",),
        example="losscli rmse preds.csv",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="mae",
        aliases=("l1", "mean-absolute-error"),
        task="regression",
        summary="mean absolute error",
        formula="ℓ = |d|",
        kernel="_regression_kernels:absolute_error",
        equivalents=("sklearn.metrics.mean_absolute_error", "torch.nn.functional.l1_loss"),
        example="losscli mae preds.csv",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="huber",
        task="regression",
        summary="quadratic near zero, linear beyond delta",
        formula="ℓ = ½d² if |d| ≤ δ else δ(|d| − ½δ)",
        kernel="_regression_kernels:huber",
        params=(Param("delta", float, 1.0, "δ, where the loss turns linear (> 0)", positive),),
        equivalents=("torch.nn.functional.huber_loss(delta=δ)", "keras.losses.Huber(delta=δ)"),
        example="losscli huber preds.csv --delta 2",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="smooth-l1",
        task="regression",
        summary="Huber divided by beta (torch's SmoothL1)",
        formula="ℓ = ½d²/β if |d| < β else |d| − ½β; β = 0 gives |d|",
        kernel="_regression_kernels:smooth_l1",
        params=(Param("beta", float, 1.0, "β, where the loss turns linear (>= 0)", non_negative),),
        equivalents=("torch.nn.functional.smooth_l1_loss(beta=β)",),
        notes=("smooth-l1 with β equals huber with δ = β, divided by β.",),
        example="losscli smooth-l1 preds.csv --beta 0.5",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="log-cosh",
        task="regression",
        summary="logarithm of the hyperbolic cosine of the error",
        formula="ℓ = log cosh d = |d| + log1p(e^(−2|d|)) − log 2",
        kernel="_regression_kernels:log_cosh",
        equivalents=("keras.losses.LogCosh",),
        notes=("Computed in the stable form: finite for any finite d (d = 1000 gives 999.307).",),
        example="losscli log-cosh preds.csv",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="mape",
        task="regression",
        summary="mean absolute percentage error, as a fraction",
        formula="ℓ = |d| / max(|y|, ε)",
        kernel="_regression_kernels:mape",
        params=(
            Param("eps", float, FLOAT64_EPS, "ε, the floor of |y| (> 0)", positive),
            Param("percent", bool, False, "Keras: report percent (×100)", hidden=True),
        ),
        compat={"keras": {"eps": 1e-7, "percent": True}},
        equivalents=(
            "sklearn.metrics.mean_absolute_percentage_error",
            "keras.losses.MeanAbsolutePercentageError",
        ),
        notes=("A fraction, not percent: 0.05 means 5%. Keras reports percent with ε = 1e-7.",),
        example="losscli mape preds.csv",
        properties=WEIGHTED,
    ),
    LossSpec(
        name="smape",
        task="regression",
        summary="symmetric mean absolute percentage error, as a fraction of 2",
        formula="ℓ = 2|d| / max(|y| + |ŷ|, ε)",
        kernel="_regression_kernels:smape",
        params=(Param("eps", float, 1.17e-06, "ε, the floor of |y| + |ŷ| (> 0)", positive),),
        equivalents=("torchmetrics.SymmetricMeanAbsolutePercentageError",),
        notes=("ε defaults to torchmetrics' 1.17e-6; values lie in [0, 2].",),
        example="losscli smape preds.csv",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="msle",
        task="regression",
        summary="mean squared logarithmic error",
        formula="ℓ = (log1p ŷ − log1p y)²",
        kernel="_regression_kernels:squared_log_error",
        domain=lambda _p: (Bound("y_true", ">", -1), Bound("y_pred", ">", -1)),
        equivalents=("sklearn.metrics.mean_squared_log_error",),
        example="losscli msle preds.csv",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="rmsle",
        task="regression",
        summary="root mean squared logarithmic error",
        formula="ℓ = (log1p ŷ − log1p y)²; value = √mean",
        kernel="_regression_kernels:squared_log_error",
        finalize=finalize_sqrt,
        finalize_text="√(Σwℓ/Σw)",
        domain=lambda _p: (Bound("y_true", ">", -1), Bound("y_pred", ">", -1)),
        equivalents=("sklearn.metrics.root_mean_squared_log_error",),
        example="losscli rmsle preds.csv",
        properties=SYMMETRIC,
    ),
    LossSpec(
        name="quantile",
        aliases=("pinball",),
        task="regression",
        summary="pinball loss of the alpha-quantile, or of several quantile columns at once",
        formula="r = y − ŷ; ℓ = max(αr, (α − 1)r); K columns: ℓ = (1/K)Σ_k max(τ_k r_k, (τ_k − 1)r_k)",
        kernel="_forecasts_kernels:quantiles",
        params=(
            Param(
                "alpha", float, 0.5, "α, the quantile level of one prediction column, in (0, 1)", _open_unit
            ),
            Param(
                "levels",
                str,
                None,
                "the levels of several quantile columns, in --pred's order (default: read from their names)",
                levels_constraint,
            ),
        ),
        members=True,
        shape_rule="_forecasts_rules:quantile_shape",
        state="_forecasts_summary:QuantileLevels",
        pred_flavour=lambda _p: "quantile",
        equivalents=(
            "sklearn.metrics.mean_pinball_loss(alpha=α)",
            "mean over levels of sklearn.metrics.mean_pinball_loss(alpha=τ_k)",
            "scoringrules.weighted_interval_score (wis, when the levels pair up around a median)",
        ),
        notes=(
            "Under-prediction costs α per unit, over-prediction 1 − α.",
            "Several columns (--pred 'q_*' or a list): each column's level comes from its name's "
            "ending number — q0.05, q_0.95 as written; digits only are decimals after '0.' (q05 = 0.05, "
            "q95 = 0.95, q975 = 0.975); one digit alone (q5) is ambiguous, exit 2 — or from --levels. "
            "The value is the mean over levels; JSON 'levels' and the table give each level's.",
            "When the levels are a median and pairs α/2, 1 − α/2, JSON 'wis' is the weighted interval "
            "score (Bracher et al. 2021), which equals twice the mean pinball loss.",
            "One column keeps its level α (--alpha), whatever its name.",
        ),
        example="losscli quantile preds.csv --alpha 0.9",
        properties=WEIGHTED,
    ),
    LossSpec(
        name="poisson",
        aliases=("poisson-deviance",),
        task="regression",
        summary="mean Poisson deviance",
        formula="ℓ = 2(y log(y/ŷ) − y + ŷ), with 0·log 0 = 0",
        kernel="_regression_kernels:poisson_deviance",
        domain=lambda _p: (Bound("y_true", ">=", 0), Bound("y_pred", ">", 0)),
        equivalents=("sklearn.metrics.mean_poisson_deviance",),
        notes=("torch's PoissonNLLLoss is 'poisson-nll'.",),
        example="losscli poisson counts.csv",
        properties=WEIGHTED,
    ),
    LossSpec(
        name="poisson-nll",
        task="regression",
        summary="Poisson negative log-likelihood (torch's PoissonNLLLoss)",
        formula="log-rate z: ℓ = eᶻ − yz; rate ŷ: ℓ = ŷ − y log(ŷ + ε); "
        "full adds y log y − y + ½ log(2πy) for y > 1",
        kernel="_regression_kernels:poisson_nll",
        params=(
            Param("log_input", bool, True, "predictions are log-rates z (torch's default)"),
            Param("full", bool, False, "add the Stirling term of log(y!)"),
            Param("eps", float, 1e-8, "ε added to the rate before log (> 0)", positive),
        ),
        domain=_poisson_nll_domain,
        equivalents=("torch.nn.functional.poisson_nll_loss(log_input, full, eps)",),
        example="losscli poisson-nll counts.csv --full",
        properties=SIGNED,
    ),
    LossSpec(
        name="gamma",
        aliases=("gamma-deviance",),
        task="regression",
        summary="mean Gamma deviance",
        formula="ℓ = 2(log(ŷ/y) + y/ŷ − 1)",
        kernel="_regression_kernels:gamma_deviance",
        domain=lambda _p: (Bound("y_true", ">", 0), Bound("y_pred", ">", 0)),
        equivalents=("sklearn.metrics.mean_gamma_deviance",),
        example="losscli gamma claims.csv",
        properties=WEIGHTED,
    ),
    LossSpec(
        name="tweedie",
        task="regression",
        summary="mean Tweedie deviance with power p",
        formula="p=0: d²; p=1: Poisson; p=2: Gamma; else 2(max(y,0)^(2−p)/((1−p)(2−p)) "
        "− yŷ^(1−p)/(1−p) + ŷ^(2−p)/(2−p))",
        kernel="_regression_kernels:tweedie_deviance",
        params=(Param("power", float, 0.0, "p, the Tweedie power (not in (0, 1))", _tweedie_power),),
        domain=_tweedie_domain,
        equivalents=("sklearn.metrics.mean_tweedie_deviance(power=p)",),
        notes=("p < 0 needs ŷ > 0; 1 <= p < 2 needs y >= 0, ŷ > 0; p >= 2 needs y, ŷ > 0.",),
        example="losscli tweedie claims.csv --power 1.5",
        properties=WEIGHTED,
    ),
    LossSpec(
        name="gaussian-nll",
        task="regression",
        summary="Gaussian negative log-likelihood with a predicted variance column",
        formula="v = max(var, ε); ℓ = ½(log v + d²/v) [+ ½ log 2π with --full]",
        kernel="_regression_kernels:gaussian_nll",
        params=(
            Param("full", bool, False, "add the constant ½ log 2π"),
            Param("eps", float, 1e-6, "ε, the floor of the variance (> 0)", positive),
        ),
        extra_inputs=("var",),
        domain=lambda _p: (Bound("var", ">=", 0),),
        equivalents=("torch.nn.functional.gaussian_nll_loss(full, eps)",),
        notes=("Needs the predicted variance: --var COL (default names: var, variance, sigma2).",),
        example="losscli gaussian-nll preds.csv --var var",
        properties=SIGNED,
    ),
    LossSpec(
        name="max-error",
        task="regression",
        summary="the largest absolute error",
        formula="ℓ = |d|; value = max ℓ",
        kernel="_regression_kernels:absolute_error",
        finalize=finalize_max,
        finalize_text="max ℓ (samples with weight > 0)",
        equivalents=("sklearn.metrics.max_error",),
        notes=("Weights only select samples (weight 0 excludes one); 'mean' is the MAE.",),
        example="losscli max-error preds.csv",
        properties=frozenset({"symmetric"}),
    ),
    LossSpec(
        name="r2",
        task="regression",
        summary="coefficient of determination (higher is better)",
        formula="ℓ = d²; value = 1 − SSE/SST, SST = Σw(y − ȳ_w)²",
        kernel="_regression_kernels:squared_error",
        finalize=finalize_r2,
        finalize_text="1 − Σwd² / Σw(y − ȳ_w)²",
        higher_is_better=True,
        needs_label_variance=True,
        equivalents=("sklearn.metrics.r2_score",),
        notes=(
            "Constant labels (SST = 0): 1.0 for a perfect fit, else 0.0, as scikit-learn's "
            "force_finite=True; a warning says so.",
            "'mean' in the JSON is the weighted MSE.",
        ),
        example="losscli r2 preds.csv",
        properties=WEIGHTED,
    ),
):
    REGISTRY.register(_spec)
