"""Forecasts with uncertainty (probabilistic regression): a Gaussian forecast or an
ensemble scored by the CRPS, a prediction interval by the interval score and its
coverage. (Several quantile columns are the ``quantile`` loss, alias ``pinball``, in
the regression catalog.)

Each is a mean of per-sample scores, so ``--ci``, ``compare``, ``--by`` and gates work
as for any mean; details (coverage, width) come from a summary beside the mean
(``_forecasts_summary``). Kernels in ``_forecasts_kernels``, column rules in
``_forecasts_rules``.
"""

from __future__ import annotations

from typing import Any

from losscli.losses.registry import REGISTRY
from losscli.spec import Bound, LossSpec, Param


def _open_unit(v: Any) -> str | None:
    return None if 0 < v < 1 else "must be in (0, 1)"


ALPHA = Param(
    "alpha", float, 0.1, "α: [lower, upper] is a central 1 − α prediction interval, in (0, 1)", _open_unit
)
INTERVAL_INPUTS = "one label column and the interval's two columns, --lower and --upper (lower <= upper)"
WEIGHTED = frozenset({"weights"})

for _spec in (
    LossSpec(
        name="crps",
        task="regression",
        summary="continuous ranked probability score of a Gaussian forecast or an ensemble",
        formula="Gaussian N(μ, σ²): σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ; "
        "ensemble of m members xᵢ: (1/m)Σ|xᵢ − y| − ΣᵢΣⱼ|xᵢ − xⱼ| / (2m²) (nrg) or / (2m(m − 1)) (fair)",
        kernel="_forecasts_kernels:crps",
        params=(
            Param(
                "estimator",
                str,
                "nrg",
                "an ensemble's estimator: nrg (its empirical distribution's CRPS) or fair (unbiased "
                "for the distribution it samples)",
                choices=("nrg", "fair"),
            ),
        ),
        optional_inputs=("std", "var"),
        members=True,
        shape_rule="_forecasts_rules:crps_shape",
        pred_flavour=lambda _p: "ensemble",
        domain=lambda _p: (Bound("std", ">=", 0), Bound("var", ">=", 0)),
        inputs_text="a Gaussian forecast: its mean (--pred) with --std COL or --var COL; or an ensemble: "
        "its m >= 2 member columns (--pred 'member_*' or a comma list; default member_*, ens_*)",
        equivalents=(
            "scoringrules.crps_normal(y, μ, σ)",
            "properscoring.crps_gaussian(y, μ, σ)",
            "scoringrules.crps_ensemble(y, X, estimator='nrg' | 'fair')",
            "properscoring.crps_ensemble(y, X) (nrg)",
        ),
        notes=(
            "Gaussian when --std or --var is given (--pred is then the mean, one column); otherwise "
            "--pred names the ensemble's members. One column without --std/--var is exit 2, never an "
            "ensemble of one.",
            "σ = 0 is the point forecast μ: ℓ = |y − μ| (the limit; scoringrules and properscoring "
            "give NaN there).",
            "nrg (the default, as scoringrules' and properscoring's) scores the members' empirical "
            "distribution; fair removes the bias of a finite sample, its expected score equals the "
            "sampled distribution's (Ferro 2014). Members are sorted: O(m log m) per row.",
            "Lower is better; in the units of the label. For one member (Python, (n, 1)) nrg is |y − x|.",
        ),
        example="losscli crps forecast.csv --pred 'member_*' --estimator fair",
        properties=WEIGHTED,
    ),
    LossSpec(
        name="interval-score",
        aliases=("winkler",),
        task="regression",
        summary="interval (Winkler) score of a central 1 − α prediction interval",
        formula="ℓ = (u − l) + (2/α)(l − y)·1[y < l] + (2/α)(y − u)·1[y > u]",
        kernel="_forecasts_kernels:interval_score",
        params=(ALPHA,),
        extra_inputs=("lower", "upper"),
        uses_pred=False,
        input_rule="_forecasts_rules:ordered_interval",
        state="_forecasts_summary:IntervalStats",
        inputs_text=INTERVAL_INPUTS,
        equivalents=("scoringrules.interval_score(y, l, u, α)",),
        notes=(
            "Gneiting & Raftery (2007): the width plus 2/α per unit the label falls outside. "
            "--alpha defaults to 0.1 (a 90% interval): give the level your intervals were made for.",
            "JSON and the table also give the interval's nominal level 1 − α, the share of labels "
            "inside, below and above it, and its mean width.",
        ),
        example="losscli interval-score forecast.csv --lower lower --upper upper --alpha 0.1",
        properties=WEIGHTED,
    ),
    LossSpec(
        name="coverage",
        task="regression",
        summary="share of labels inside their prediction interval (should be near 1 − α)",
        formula="ℓ = 1[l <= y <= u]",
        kernel="_forecasts_kernels:covered",
        worst="low",
        params=(
            Param(
                "alpha",
                float,
                None,
                "α of the interval: its nominal level 1 − α is reported beside the coverage (optional)",
                _open_unit,
            ),
        ),
        extra_inputs=("lower", "upper"),
        uses_pred=False,
        input_rule="_forecasts_rules:ordered_interval",
        state="_forecasts_summary:IntervalStats",
        inputs_text=INTERVAL_INPUTS,
        equivalents=("numpy.average((l <= y) & (y <= u), weights=w)",),
        higher_is_better=True,
        notes=(
            "Near the nominal level is what counts: a calibrated 1 − α interval covers about 1 − α "
            "of the labels. Gate it from both sides, e.g. --min 0.85 --max 0.95. compare and baseline "
            "gates read higher as better: falling coverage (overconfident intervals) is the failure "
            "they catch; too-wide intervals show in interval-score and the mean width.",
            "JSON and the table also give the nominal level 1 − α (with --alpha), the shares below "
            "and above the interval, and its mean width.",
        ),
        example="losscli coverage forecast.csv --lower lower --upper upper --alpha 0.1",
        properties=WEIGHTED,
    ),
):
    REGISTRY.register(_spec)
