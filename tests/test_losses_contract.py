"""Registry-wide contract of every regression loss: invariances, reductions,
chunked accumulation, input validation and the shape of the public API.

Inputs are generated from each spec's own domain, so a new loss is covered by
adding its name to SIMPLE (the completeness test insists on it).
"""

from __future__ import annotations

import subprocess
import sys
from functools import partial

import numpy as np
import pytest

import losscli.losses as L
from losscli.accumulate.loss import LossAccumulator
from losscli.errors import DataError, UsageError
from losscli.losses._api import python_name
from losscli.spec import finalize_mean

REL = 1e-12
approx = partial(pytest.approx, rel=REL, abs=0.0)

# (loss name, params): every registered regression loss at least once.
SIMPLE = "mse rmse mae huber smooth-l1 log-cosh mape smape msle rmsle quantile poisson"
SIMPLE += " poisson-nll gamma tweedie gaussian-nll max-error r2 crps interval-score coverage"
VARIANTS = {
    "huber": [{"delta": 0.3}],
    "smooth-l1": [{"beta": 0.0}, {"beta": 2.5}],
    "quantile": [{"alpha": 0.9}],
    "poisson-nll": [
        {"full": True},
        {"log_input": False},
        {"log_input": False, "full": True},
    ],
    "tweedie": [{"power": p} for p in (-1.0, 1.0, 1.5, 2.0, 3.0)],
    "gaussian-nll": [{"full": True}],
    "interval-score": [{"alpha": 0.5}],
    "coverage": [{"alpha": 0.2}],
}
CASES = [(n, params) for n in SIMPLE.split() for params in [{}, *VARIANTS.get(n, [])]]


def case_id(name, params):
    return "-".join([name, *(f"{k}={v}" for k, v in params.items())])


def roles_of(spec):
    """The input roles the arrays below hold: every required one and the first optional
    one (crps's std: a Gaussian forecast; its var is the same with σ² given)."""
    return spec.inputs[: len(spec.inputs) - len(spec.optional_inputs) + min(len(spec.optional_inputs), 1)]


def make_inputs(name, params, seed, n=40):
    """One valid array per input role (:func:`roles_of`): beyond every lower bound of the
    domain; an interval's lower bound below its upper one."""
    spec = L.get_loss(name)
    rng = np.random.default_rng(seed)
    bound = spec.bind(params)
    bounds = {b.role: b for b in spec.domain(bound)}
    arrays = []
    roles = roles_of(spec)
    for role in roles:
        if role in bounds:
            arrays.append(bounds[role].value + rng.uniform(0.05, 4.0, n))
        else:
            arrays.append(rng.normal(0.5, 2.0, n))
    if name in ("poisson", "poisson-nll") or 1 <= bound.get("power", 0) < 2:
        arrays[0] = np.floor(arrays[0])  # counts, zeros included where allowed
    if "lower" in roles and "upper" in roles:
        i, j = roles.index("lower"), roles.index("upper")
        arrays[i], arrays[j] = np.minimum(arrays[i], arrays[j]), np.maximum(arrays[i], arrays[j])
    return arrays


def weights_for(n, seed):
    w = np.random.default_rng(seed + 1000).uniform(0.0, 3.0, n)
    w[::7] = 0.0
    return w


def evaluate(name, params, arrays, **kw):
    return getattr(L, python_name(name))(*arrays, **params, **kw)


def with_property(prop=None):
    """CASES as pytest params, optionally only the losses having ``prop``."""
    keep = [c for c in CASES if prop is None or prop in L.get_loss(c[0]).properties]
    return pytest.mark.parametrize(("name", "params"), [pytest.param(*c, id=case_id(*c)) for c in keep])


parametrize_all = with_property()
seeds = pytest.mark.parametrize("seed", [0, 1, 2], ids=["seed0", "seed1", "seed2"])


# ---------------------------------------------------------- invariances ----


@seeds
@parametrize_all
def test_order_invariance(name, params, seed):
    arrays = make_inputs(name, params, seed)
    w = weights_for(arrays[0].size, seed)
    perm = np.random.default_rng(seed + 5).permutation(arrays[0].size)
    shuffled = [a[perm] for a in arrays]
    assert evaluate(name, params, shuffled) == approx(evaluate(name, params, arrays))
    got = evaluate(name, params, shuffled, sample_weight=w[perm])
    assert got == approx(evaluate(name, params, arrays, sample_weight=w))


@seeds
@parametrize_all
def test_unit_weights_equal_no_weights(name, params, seed):
    arrays = make_inputs(name, params, seed)
    ones = np.ones(arrays[0].size)
    for reduction in ("mean", "sum"):
        got = evaluate(name, params, arrays, sample_weight=ones, reduction=reduction)
        assert got == approx(evaluate(name, params, arrays, reduction=reduction))


@seeds
@with_property("weights")
def test_integer_weights_equal_repeated_rows(name, params, seed):
    arrays = make_inputs(name, params, seed)
    counts = np.random.default_rng(seed + 9).integers(0, 4, arrays[0].size)
    counts[0] = 2
    repeated = [np.repeat(a, counts) for a in arrays]
    got = evaluate(name, params, arrays, sample_weight=counts)
    assert got == approx(evaluate(name, params, repeated))
    got_sum = evaluate(name, params, arrays, sample_weight=counts, reduction="sum")
    assert got_sum == approx(evaluate(name, params, repeated, reduction="sum"))


@seeds
@with_property("symmetric")
def test_symmetric(name, params, seed):
    y, p, *extra = make_inputs(name, params, seed)
    for reduction in ("none", "mean"):
        swapped = evaluate(name, params, [p, y, *extra], reduction=reduction)
        assert swapped == approx(evaluate(name, params, [y, p, *extra], reduction=reduction))


# ---------------------------------------------------- chunked accumulation ----


def accumulate(name, params, losses, w, y, cuts=None, arrays=None):
    """One LossAccumulator over everything, or one per chunk merged together. A loss with
    its own summary (``spec.state``) is fed the inputs by role too (``arrays``)."""
    spec = L.get_loss(name)
    inputs = dict(zip(roles_of(spec), arrays, strict=True)) if spec.state else None
    total = LossAccumulator(spec, spec.bind(params))
    if cuts is None:
        total.update(losses, w, y, inputs=inputs)
        return total.result()
    for idx in np.split(np.arange(y.size), cuts):
        part = LossAccumulator(spec, spec.bind(params))
        chunk = None if inputs is None else {role: a[idx] for role, a in inputs.items()}
        part.update(losses[idx], None if w is None else w[idx], y[idx], inputs=chunk)
        total.merge(part)
    return total.result()


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@seeds
@parametrize_all
def test_chunk_invariance(name, params, seed, weighted):
    arrays = make_inputs(name, params, seed, n=101)
    y = arrays[0]
    losses = evaluate(name, params, arrays, reduction="none")
    w = weights_for(y.size, seed) if weighted else None
    cuts = np.sort(np.random.default_rng(seed + 3).integers(0, y.size + 1, 6))
    whole = accumulate(name, params, losses, w, y, arrays=arrays)
    merged = accumulate(name, params, losses, w, y, cuts, arrays)  # some chunks may be empty
    assert merged.count == whole.count == y.size
    for field in ("value", "mean", "sum", "weight_sum"):
        assert getattr(merged, field) == approx(getattr(whole, field)), field
    assert merged.quantiles == approx(whole.quantiles)
    assert _numbers(merged.details) == approx(_numbers(whole.details))  # a summary's details
    assert whole.value == approx(evaluate(name, params, arrays, sample_weight=w))


def _numbers(details):
    """A result's details (None, or a dict of numbers, None and lists of dicts) as a flat list."""
    if isinstance(details, dict):
        return [x for key in sorted(details) for x in _numbers(details[key])]
    if isinstance(details, list):
        return [x for item in details for x in _numbers(item)]
    return [] if details is None else [float(details)]


@pytest.mark.parametrize("label", [1.0, 0.1, 1 / 3], ids=["1.0", "0.1", "1/3"])
def test_r2_constant_labels_chunk_invariant(label):
    """Constant labels have SST = 0 however they are chunked (LOSSES.md: 0.0 or 1.0)."""
    y = np.full(3, label)
    losses = L.r2(y, y + np.array([0.0, 0.0, 0.1]), reduction="none")
    merged = accumulate("r2", {}, losses, None, y, [1, 2])
    assert merged.value == 0.0
    assert accumulate("r2", {}, losses, None, y).value == merged.value


# ------------------------------------------------------------ reductions ----


@seeds
@parametrize_all
def test_reductions(name, params, seed):
    spec = L.get_loss(name)
    arrays = make_inputs(name, params, seed)
    w = weights_for(arrays[0].size, seed)
    per_sample = evaluate(name, params, arrays, reduction="none")
    assert per_sample.shape == (arrays[0].size,)
    assert per_sample.dtype == np.float64
    assert np.all(np.isfinite(per_sample))
    assert evaluate(name, params, arrays, reduction="sum") == approx(per_sample.sum())
    weighted_sum = evaluate(name, params, arrays, sample_weight=w, reduction="sum")
    assert weighted_sum == approx(float(np.sum(w * per_sample)))
    if spec.finalize is finalize_mean:
        assert evaluate(name, params, arrays) == approx(per_sample.mean())
        mean_w = evaluate(name, params, arrays, sample_weight=w)
        assert mean_w == approx(float(np.sum(w * per_sample) / np.sum(w)))


@pytest.mark.parametrize(
    ("name", "finalize"),
    [
        ("rmse", lambda d: np.sqrt(np.mean(d * d))),
        ("max-error", lambda d: np.abs(d).max()),
    ],
    ids=["rmse", "max-error"],
)
def test_non_mean_finalizers(name, finalize):
    y, p = make_inputs(name, {}, 4)
    assert evaluate(name, {}, [y, p]) == approx(finalize(p - y))
    y, p = make_inputs("rmsle", {}, 4)
    assert L.rmsle(y, p) == approx(np.sqrt(L.msle(y, p)))


# ------------------------------------------------------------ validation ----

DOMAIN_CASES = [
    (name, params, bound)
    for name, params in CASES
    for bound in L.get_loss(name).domain(L.get_loss(name).bind(params))
    if bound.role in roles_of(L.get_loss(name))
]


@pytest.mark.parametrize("below", [0.0, 1.5], ids=["at-bound", "beyond"])
@pytest.mark.parametrize(
    ("name", "params", "bound"),
    DOMAIN_CASES,
    ids=[f"{case_id(n, p)}-{b.role}{b.op}{b.value:g}" for n, p, b in DOMAIN_CASES],
)
def test_domain_violation_names_role_and_index(name, params, bound, below):
    arrays = make_inputs(name, params, 0)
    i = L.get_loss(name).inputs.index(bound.role)
    if bound.op == ">=":
        arrays[i][5] = bound.value
        evaluate(name, params, arrays)  # the bound itself is allowed
        below = below or 1e-9
    arrays[i][[5, 9]] = bound.value - below
    with pytest.raises(DataError) as exc:
        evaluate(name, params, arrays)
    assert bound.role in str(exc.value)
    assert "index 5" in str(exc.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@parametrize_all
def test_non_finite_input_raises(name, params, bad):
    spec = L.get_loss(name)
    for role_index, role in enumerate([*roles_of(spec), "sample_weight"]):
        arrays = make_inputs(name, params, 0)
        w = weights_for(arrays[0].size, 0)
        target = w if role == "sample_weight" else arrays[role_index]
        target[3] = bad
        with pytest.raises(DataError) as exc:
            evaluate(name, params, arrays, sample_weight=w)
        assert role.replace("sample_", "") in str(exc.value)
        assert "index 3" in str(exc.value)


@parametrize_all
def test_length_mismatch_raises(name, params):
    arrays = make_inputs(name, params, 0)
    for i in range(len(arrays)):
        short = [a[:-1] if j == i else a for j, a in enumerate(arrays)]
        with pytest.raises(DataError):
            evaluate(name, params, short)
    with pytest.raises(DataError):
        evaluate(name, params, arrays, sample_weight=np.ones(arrays[0].size + 1))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@parametrize_all
def test_empty_input_raises(name, params, reduction):
    empty = [np.zeros(0) for _ in L.get_loss(name).inputs]
    with pytest.raises(DataError):
        evaluate(name, params, empty, reduction=reduction)


BAD_PARAMS = [
    ("huber", "delta", -1.0),
    ("huber", "delta", 0.0),
    ("huber", "delta", float("nan")),
    ("quantile", "alpha", 1.5),
    ("quantile", "alpha", 0.0),
    ("tweedie", "power", 0.5),
    ("smooth-l1", "beta", -1.0),
    ("mape", "eps", 0.0),
    ("quantile", "levels", "0.5,1.5"),
    ("quantile", "levels", "0.5,0.5"),
    ("crps", "estimator", "qd"),
    ("interval-score", "alpha", 0.0),
    ("coverage", "alpha", 1.0),
]


@pytest.mark.parametrize(
    ("name", "params"),
    [pytest.param(n, {k: v}, id=f"{n}-{k}={v}") for n, k, v in BAD_PARAMS],
)
def test_bad_params_raise_usage_error(name, params):
    arrays = make_inputs(name, {}, 0)
    with pytest.raises(UsageError):
        evaluate(name, params, arrays)


def test_unknown_param_and_bad_reduction():
    with pytest.raises(UsageError):
        L.get_loss("mse").bind({"delta": 1.0})
    with pytest.raises(TypeError):  # a Python signature: unknown keyword
        L.mse([1.0], [2.0], delta=1.0)
    with pytest.raises(UsageError):
        L.mse([1.0], [2.0], reduction="median")


# ------------------------------------------------------------ public API ----


def test_every_regression_loss_is_exported_and_covered():
    specs = L.all_losses("regression")
    assert {s.name for s in specs} == {name for name, _ in CASES}
    for spec in specs:
        fn = getattr(L, python_name(spec.name), None)
        assert callable(fn), spec.name
        assert fn.__name__ == python_name(spec.name)
        assert python_name(spec.name) in L.__all__
        for alias in spec.names:
            assert L.get_loss(alias) is spec


def test_import_does_not_import_numpy():
    code = "import sys, losscli.losses as L; L.all_losses(); sys.exit('numpy' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True)
    assert proc.returncode == 0, "importing losscli.losses imported numpy"
