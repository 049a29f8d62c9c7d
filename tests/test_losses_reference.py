"""losscli's regression losses agree with scikit-learn and with the documented
closed forms of torch / keras / torchmetrics (LOSSES.md, "agrees with").

The closed forms below are written independently of losscli's kernels, one
sample at a time with :mod:`math`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

import losscli.losses as L

pytestmark = pytest.mark.smoke  # also in the README's fresh-copy run (tests/README.md)

SEEDS = [0, 1, 2, 7]
REL = 1e-9
seeds = pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])


def approx(want, rel=REL):
    return pytest.approx(want, rel=rel, abs=0.0)


def case_id(fn, params, *tags):
    return "-".join([fn.__name__, *(f"{k}={v}" for k, v in params.items()), *tags])


# ---------------------------------------------------------------- data ----


def make_data(kind, seed, n=64):
    """(y_true, y_pred, weights) inside the domain named by ``kind``."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.0, 3.0, n)
    weights[rng.integers(0, n, 3)] = 0.0
    if kind == "real":
        y = rng.normal(0.0, 3.0, n)
        return y, y + rng.normal(0.0, 2.0, n), weights
    if kind == "gt-1":  # msle: values > -1, some negative
        return rng.uniform(-0.9, 6.0, n), rng.uniform(-0.9, 6.0, n), weights
    if kind == "count":  # y >= 0 with zeros, y_pred > 0
        return rng.poisson(2.0, n).astype(float), rng.uniform(0.05, 5.0, n), weights
    if kind == "positive":
        return rng.uniform(0.05, 5.0, n), rng.uniform(0.05, 5.0, n), weights
    if kind == "real-vs-positive":  # tweedie p < 0: any y, y_pred > 0
        return rng.normal(1.0, 2.0, n), rng.uniform(0.05, 5.0, n), weights
    raise AssertionError(kind)


# ------------------------------------------------------- scikit-learn ----

# (losscli function, sklearn function, keyword params both take, data kind)
TWEEDIE_DATA = {-1: "real-vs-positive", 0: "real", 1: "count", 1.5: "count"}
SKLEARN_CASES = [
    (L.mse, skm.mean_squared_error, {}, "real"),
    (L.rmse, skm.root_mean_squared_error, {}, "real"),
    (L.mae, skm.mean_absolute_error, {}, "real"),
    (L.mape, skm.mean_absolute_percentage_error, {}, "real"),
    (L.msle, skm.mean_squared_log_error, {}, "gt-1"),
    (L.rmsle, skm.root_mean_squared_log_error, {}, "gt-1"),
    *[(L.quantile, skm.mean_pinball_loss, {"alpha": a}, "real") for a in (0.05, 0.5, 0.9, 0.99)],
    (L.poisson, skm.mean_poisson_deviance, {}, "count"),
    (L.gamma, skm.mean_gamma_deviance, {}, "positive"),
    *[
        (
            L.tweedie,
            skm.mean_tweedie_deviance,
            {"power": p},
            TWEEDIE_DATA.get(p, "positive"),
        )
        for p in (-1, 0, 1, 1.5, 2, 3)
    ],
    (L.max_error, skm.max_error, {}, "real"),
    (L.r2, skm.r2_score, {}, "real"),
]
SKLEARN_RUNS = [
    pytest.param(fn, sk, params, kind, w, id=case_id(fn, params, "w" if w else "unw"))
    for fn, sk, params, kind in SKLEARN_CASES
    for w in ([False] if sk is skm.max_error else [False, True])  # no sample_weight
]


@seeds
@pytest.mark.parametrize(("fn", "sk_fn", "params", "kind", "weighted"), SKLEARN_RUNS)
def test_agrees_with_sklearn(fn, sk_fn, params, kind, weighted, seed):
    y, p, w = make_data(kind, seed)
    kw = {"sample_weight": w} if weighted else {}
    got, want = fn(y, p, **params, **kw), sk_fn(y, p, **params, **kw)
    assert isinstance(got, float)
    assert got == approx(float(want))


def test_max_error_weights_only_select_samples():
    y, p, w = make_data("real", 3)
    keep = w > 0
    assert L.max_error(y, p, sample_weight=w) == skm.max_error(y[keep], p[keep])


# ------------------------------------------- closed forms (no sklearn) ----


def ref_huber(y, p, delta=1.0):  # torch.nn.functional.huber_loss
    d = abs(p - y)
    return 0.5 * d * d if d < delta else delta * (d - 0.5 * delta)


def ref_smooth_l1(y, p, beta=1.0):  # torch.nn.functional.smooth_l1_loss
    d = abs(p - y)
    if beta == 0:
        return d
    return 0.5 * d * d / beta if d < beta else d - 0.5 * beta


def _softplus(t):
    return max(t, 0.0) + math.log1p(math.exp(-abs(t)))


def ref_log_cosh(y, p):  # keras.losses.LogCosh: x + softplus(-2x) - log 2
    x = p - y
    return x + _softplus(-2.0 * x) - math.log(2.0)


def ref_smape(y, p, eps=1.17e-6):  # torchmetrics SymmetricMeanAbsolutePercentageError
    return 2.0 * abs(p - y) / max(abs(y) + abs(p), eps)


def ref_poisson_nll(y, p, log_input=True, full=False, eps=1e-8):  # torch poisson_nll_loss
    loss = math.exp(p) - y * p if log_input else p - y * math.log(p + eps)
    if full and y > 1:
        loss += y * math.log(y) - y + 0.5 * math.log(2.0 * math.pi * y)
    return loss


def ref_gaussian_nll(y, p, var, full=False, eps=1e-6):  # torch gaussian_nll_loss
    v = max(var, eps)
    loss = 0.5 * (math.log(v) + (p - y) ** 2 / v)
    return loss + 0.5 * math.log(2.0 * math.pi) if full else loss


def closed_form_data(kind, seed, n=200):
    rng = np.random.default_rng(seed)
    y = rng.normal(0.0, 2.0, n)
    p = y + rng.normal(0.0, 2.0, n) * rng.choice([1e-3, 1.0, 10.0], n)
    if kind == "smape":  # zeros on both sides: 0 / eps = 0
        y[:3], p[:3] = 0.0, [0.0, 1e-9, -2.0]
    elif kind == "counts-log":
        y = rng.poisson(2.5, n).astype(float)
    elif kind == "counts-rate":
        y, p = rng.poisson(2.5, n).astype(float), rng.uniform(0.0, 6.0, n)
        p[:2] = 0.0
    elif kind == "var":
        var = rng.uniform(0.0, 3.0, n)
        var[:4] = [0.0, 1e-9, 1e-6, 2e-6]  # below, at and above the eps floor
        return y, p, var
    return y, p, None


CLOSED_FORM_CASES = [
    *[(L.huber, ref_huber, {"delta": d}, "real") for d in (1.0, 0.5, 3.0)],
    *[(L.smooth_l1, ref_smooth_l1, {"beta": b}, "real") for b in (1.0, 0.0, 2.5)],
    (L.log_cosh, ref_log_cosh, {}, "real"),
    *[(L.smape, ref_smape, {"eps": e}, "smape") for e in (1.17e-6, 0.1)],
    (L.poisson_nll, ref_poisson_nll, {}, "counts-log"),
    (L.poisson_nll, ref_poisson_nll, {"full": True}, "counts-log"),
    (L.poisson_nll, ref_poisson_nll, {"log_input": False}, "counts-rate"),
    (
        L.poisson_nll,
        ref_poisson_nll,
        {"log_input": False, "full": True, "eps": 1e-3},
        "counts-rate",
    ),
    *[(L.gaussian_nll, ref_gaussian_nll, {"full": f}, "var") for f in (False, True)],
    (L.gaussian_nll, ref_gaussian_nll, {"eps": 0.5}, "var"),
]


@seeds
@pytest.mark.parametrize(
    ("fn", "ref", "params", "kind"),
    [pytest.param(*c, id=case_id(c[0], c[2])) for c in CLOSED_FORM_CASES],
)
def test_matches_closed_form(fn, ref, params, kind, seed):
    y, p, var = closed_form_data(kind, seed)
    extra = () if var is None else (var,)
    rows = zip(y, p, *extra, strict=True) if extra else zip(y, p, strict=True)
    want = np.array([ref(*map(float, row), **params) for row in rows])
    got = fn(y, p, *extra, **params, reduction="none")
    assert got.shape == y.shape
    # log-cosh cancels to ~1e-16 absolute for tiny d in any stable formula
    np.testing.assert_allclose(got, want, rtol=REL, atol=1e-15 if fn is L.log_cosh else 0.0)
    w = np.random.default_rng(seed + 100).uniform(0.0, 2.0, y.size)
    assert fn(y, p, *extra, **params) == approx(want.mean())
    got_w = fn(y, p, *extra, **params, sample_weight=w)
    assert got_w == approx(float(np.sum(w * want) / np.sum(w)))


def test_log_cosh_is_log_of_cosh():
    d = np.linspace(-20.0, 20.0, 401)
    want = np.array([math.log(math.cosh(x)) for x in d])
    np.testing.assert_allclose(L.log_cosh(np.zeros_like(d), d, reduction="none"), want, atol=1e-13)


# ------------------------------------------------ LOSSES.md reference ----


@pytest.mark.parametrize(
    ("got", "want"),
    [
        (lambda: L.mse([0, 0, 0], [1, 2, 3], sample_weight=[1, 2, 3]), 6.0),
        (lambda: L.huber([0, 0, 0], [1, 2, 3], delta=2.0), 13 / 6),
        (lambda: L.quantile([1, 2, 3], [2, 2, 2], alpha=0.9), 1 / 3),
    ],
    ids=["mse-weighted", "huber-delta2", "quantile-alpha0.9"],
)
def test_reference_values(got, want):
    assert got() == approx(want, rel=1e-15)


def test_reference_poisson_nll_full():
    got = L.poisson_nll([3.0], [0.5], full=True)
    assert round(got, 4) == 1.9128
    assert got == approx(ref_poisson_nll(3.0, 0.5, full=True), rel=1e-12)


@pytest.mark.parametrize("d", [100.0, -100.0], ids=["d=100", "d=-100"])
def test_reference_log_cosh_100(d):
    got = L.log_cosh([0.0], [d])
    assert math.isfinite(got)
    assert round(got, 5) == 99.30685
    assert got == approx(100.0 - math.log(2.0), rel=1e-15)


@pytest.mark.parametrize("d", [1e5, 1e300, -1e300], ids=["1e5", "1e300", "-1e300"])
def test_log_cosh_finite_at_large_d(d):
    got = L.log_cosh([0.0], [d])
    assert math.isfinite(got)
    assert got == approx(abs(d) - math.log(2.0), rel=1e-15)


@pytest.mark.parametrize(
    ("y", "p", "want"),
    [
        ([1, 1, 1], [1, 1, 2], 0.0),
        ([1, 1, 1], [1, 1, 1], 1.0),
        ([4.0] * 5, [3.0] * 5, 0.0),
    ],
    ids=["constant-imperfect", "constant-perfect", "constant-4"],
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_reference_r2_constant_labels(y, p, want, weighted):
    w = np.arange(1.0, len(y) + 1.0) if weighted else None
    got = L.r2(y, p, sample_weight=w)  # must not raise
    assert got == want
    assert got == skm.r2_score(y, p, sample_weight=w)


@seeds
def test_smooth_l1_beta0_equals_mae(seed):
    y, p, w = make_data("real", seed)
    np.testing.assert_array_equal(
        L.smooth_l1(y, p, beta=0.0, reduction="none"), L.mae(y, p, reduction="none")
    )
    assert L.smooth_l1(y, p, beta=0.0, sample_weight=w) == L.mae(y, p, sample_weight=w)


@pytest.mark.parametrize("beta", [0.1, 0.5, 1.0, 2.0, 7.5])
def test_smooth_l1_times_beta_equals_huber(beta):
    y, p, _ = make_data("real", 11, n=300)
    p[0] = y[0] + beta  # exactly at the kink
    smooth = L.smooth_l1(y, p, beta=beta, reduction="none")
    huber = L.huber(y, p, delta=beta, reduction="none")
    np.testing.assert_allclose(smooth * beta, huber, rtol=1e-12, atol=0.0)
