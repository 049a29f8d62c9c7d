"""Registry-wide contract of every binary, multiclass, distribution and multi-label loss:
invariances, reductions, chunked accumulation, validation. Inputs follow each spec's task
and prediction flavour; a new loss is covered by adding it to SIMPLE (checked below)."""

from __future__ import annotations

import importlib.util
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import losscli.losses as L
from losscli.accumulate.loss import LossAccumulator
from losscli.errors import DataError, UsageError
from losscli.losses._api import python_name
from losscli.losses.inputs import JobInputs
from losscli.losses.registry import resolve
from losscli.spec import finalize_mean

REL = 1e-12
K = 4
CW = "1,2,0.5,3"
approx = partial(pytest.approx, rel=REL, abs=0.0)

SIMPLE = "bce hinge squared-hinge focal brier zero-one cross-entropy nll multiclass-hinge multiclass-brier"
SIMPLE += " multiclass-focal top-k-error kl-div js-div soft-cross-entropy cosine multilabel-bce hamming"
SIMPLE += " roc-auc pr-auc"
SIMPLE += " ece"
SIMPLE += " accuracy balanced-accuracy precision recall f1 fbeta mcc"  # issue 15 §2
VARIANTS = {
    "bce": [{"from_logits": True}, {"pos_weight": 2.5, "label_smoothing": 0.1}],
    "focal": [{"from_logits": True, "alpha": 0.25}, {"gamma": 0.5, "alpha": 0.7}],
    "zero-one": [{"from_logits": True}, {"threshold": 0.3}],
    "cross-entropy": [
        {"from_logits": True},
        {"label_smoothing": 0.2},
        {"class_weight": CW},
        {"ignore_label": -1},
    ],
    "cross-entropy ": [{"from_logits": True, "label_smoothing": 0.1, "class_weight": CW, "ignore_label": -1}],
    "nll": [{"class_weight": CW}, {"ignore_label": -1, "class_weight": CW}],
    "multiclass-hinge": [{"mode": "weston-watkins"}, {"mode": "weston-watkins", "p": 2, "margin": 0.5}],
    "multiclass-focal": [{"from_logits": True}, {"gamma": 0.0, "alpha": 1.0}],
    "top-k-error": [{"k": 2}],
    "kl-div": [{"log_input": True}],
    "soft-cross-entropy": [{"from_logits": True}],
    "multilabel-bce": [{"from_logits": True}, {"pos_weight": 2.0}],
    "hamming": [{"threshold": 0.3}],
    "roc-auc": [{"max_fpr": 0.3}, {"multi_class": "ovr"}, {"multi_class": "ovr", "average": "weighted"}],
    "pr-auc": [{"multi_class": "ovr"}, {"multi_class": "ovr", "average": "weighted", "from_logits": True}],
    "brier": [{"bins": 4, "strategy": "quantile"}],
    "ece": [
        {"norm": "max", "bins": 7},
        {"from_logits": True, "norm": "l2"},
        {"multi_class": "top-label"},
        {"multi_class": "top-label", "from_logits": True, "bins": 5, "norm": "l2"},
    ],
    "accuracy": [{"from_logits": True}, {"threshold": 0.3}],
    "balanced-accuracy": [{"adjusted": True}],
    "precision": [{"average": "micro"}, {"zero_division": "1"}],
    "recall": [{"average": "weighted"}],
    "f1": [{"average": "macro"}],
    "fbeta": [{"beta": 2.0}, {"beta": 0.5, "from_logits": True}],
    "mcc": [{"from_logits": True}],
}
CASES = [(n, p) for n in SIMPLE.split() for p in [{}, *VARIANTS.get(n, []), *VARIANTS.get(n + " ", [])]]


def case_id(name, params):
    return "-".join([name, *(f"{k}={v}" for k, v in params.items())])


def cases(keep=lambda spec, params: True):
    chosen = [c for c in CASES if keep(L.get_loss(c[0]), c[1])]
    return pytest.mark.parametrize(("name", "params"), [pytest.param(*c, id=case_id(*c)) for c in chosen])


parametrize_all = cases()
seeds = pytest.mark.parametrize("seed", [0, 1], ids=["seed0", "seed1"])


def flavour(name, params):
    spec = L.get_loss(name)
    return spec.pred_flavour(spec.bind(params))


def running(name, params):
    """The spec that runs for these parameters (roc-auc with multi_class: its multiclass variant)."""
    spec = L.get_loss(name)
    return resolve(spec, spec.bind(params))


def make_inputs(name, params, seed, n=40):
    """(y_true, y_pred) valid for the loss, with a few probabilities that get clipped."""
    spec, rng, kind = running(name, params), np.random.default_rng(seed), flavour(name, params)
    shape = (n,) if spec.task == "binary" else (n, K)
    if spec.task in ("binary", "multilabel"):
        y = rng.integers(0, 2, shape)
        y[:2] = [[0], [1]] if y.ndim == 2 else [0, 1]
        if kind == "logit":
            return y, rng.normal(0.0, 2.0, shape)
        p = rng.uniform(0.01, 0.99, shape)
        p[2:4] = [[0.0], [1.0]] if p.ndim == 2 else [0.0, 1.0]  # clipped
        return y, p
    q = rng.dirichlet(np.full(K, 1.5), n)
    if spec.task == "multiclass":
        y = rng.integers(0, K, n)
        y[:K] = np.arange(K)
        y[1::6] = params.get("ignore_label", y[1::6])
        q[K] = np.eye(K)[(y[K] + 1) % K]  # the true class at probability 0: clipped
    else:
        y = rng.dirichlet(np.full(K, 1.5), n)
        y[0] = [0.5, 0.5, 0.0, 0.0]  # zero targets
        q[1] = q[1] if name == "kl-div" else [0.0, 0.0, 1.0, 0.0]  # q = 0 where p > 0: clipped
    if kind == "logit":
        return y, rng.normal(0.0, 2.0, (n, K))
    logs = kind == "log-probability" or params.get("log_input")
    return y, (np.log(np.maximum(q, 1e-300)) if logs else q)


def weights_for(n, seed):
    w = np.random.default_rng(seed + 1000).uniform(0.0, 3.0, n)
    w[::7] = 0.0
    return w


def evaluate(name, params, arrays, **kw):
    return getattr(L, python_name(name))(*arrays, **params, **kw)


# ---------------------------------------------------------- invariances ----


@seeds
@parametrize_all
def test_order_and_weight_invariances(name, params, seed):
    y, p = make_inputs(name, params, seed)
    w = weights_for(len(y), seed)
    perm = np.random.default_rng(seed + 5).permutation(len(y))  # order
    assert evaluate(name, params, [y[perm], p[perm]]) == approx(evaluate(name, params, [y, p]))
    got = evaluate(name, params, [y[perm], p[perm]], sample_weight=w[perm])
    assert got == approx(evaluate(name, params, [y, p], sample_weight=w))
    counts = np.random.default_rng(seed + 9).integers(0, 4, len(y))
    counts[0] = 2
    repeated = [np.repeat(y, counts, axis=0), np.repeat(p, counts, axis=0)]
    for reduction in ("mean", "sum"):
        got = evaluate(name, params, [y, p], sample_weight=np.ones(len(y)), reduction=reduction)
        assert got == approx(evaluate(name, params, [y, p], reduction=reduction))  # unit weights
        got = evaluate(name, params, [y, p], sample_weight=counts, reduction=reduction)
        assert got == approx(evaluate(name, params, repeated, reduction=reduction))  # integer weights


# ---------------------------------------------------- chunked accumulation ----


def accumulate(name, params, y, p, w, cuts):
    """Kernel output chunk by chunk (as the engine runs it) into merged accumulators."""
    spec = running(name, params)
    bound = spec.bind(params)
    names = [str(i) for i in range(K)] if spec.task == "multiclass" else None
    adapter, total = JobInputs(spec, bound, names, None), LossAccumulator(spec, bound)
    for idx in np.split(np.arange(len(y)), cuts):
        inputs, ignored, issue = adapter.prepare({"y_true": y[idx], "y_pred": p[idx].astype(np.float64)})
        assert issue is None
        out = adapter.compute(inputs, ignored)
        part = LossAccumulator(spec, bound)
        weights = None if w is None else w[idx]
        part.update(out.losses, weights, inputs["y_true"], out.factor, out.clipped, inputs=inputs)
        total.merge(part)
    return total.result()


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@seeds
@parametrize_all
def test_chunk_invariance(name, params, seed, weighted):
    y, p = make_inputs(name, params, seed, n=101)
    w = weights_for(len(y), seed) if weighted else None
    cuts = np.sort(np.random.default_rng(seed + 3).integers(1, len(y), 6).repeat(2)[1:])  # empty chunks
    whole = accumulate(name, params, y, p, w, [])
    merged = accumulate(name, params, y, p, w, cuts)
    assert merged.count == whole.count
    for field in ("value", "mean", "sum", "weight_sum"):
        assert getattr(merged, field) == approx(getattr(whole, field)), field
    assert merged.clipped == whole.clipped
    if L.get_loss(name).clips and flavour(name, params) == "probability":
        assert whole.clipped > 0
    assert whole.value == approx(evaluate(name, params, [y, p], sample_weight=w))


# ------------------------------------------------------------ reductions ----


@seeds
@parametrize_all
def test_reductions(name, params, seed):
    y, p = make_inputs(name, params, seed)
    w = weights_for(len(y), seed)
    per_sample = evaluate(name, params, [y, p], reduction="none")
    assert per_sample.shape == (len(y),)
    assert per_sample.dtype == np.float64
    kept = np.ones(len(y), bool) if "ignore_label" not in params else y != params["ignore_label"]
    assert np.all(np.isfinite(per_sample[kept]))
    factor = kept.astype(float)  # class weights: the mean divides by Σ w·w_y (torch)
    if "class_weight" in params:
        factor *= np.array(params["class_weight"].split(","), float)[np.where(kept, y, 0)]
    assert evaluate(name, params, [y, p], reduction="sum") == approx(per_sample[kept].sum())
    assert evaluate(name, params, [y, p], sample_weight=w, reduction="sum") == approx(
        np.sum((w * per_sample)[kept])
    )
    mean_w = evaluate(name, params, [y, p], sample_weight=w)
    assert np.isfinite(mean_w)
    if (
        L.get_loss(name).finalize is not finalize_mean
    ):  # a summary's value (ranks, counts, bins) is no mean of ℓ
        return
    assert evaluate(name, params, [y, p]) == approx(per_sample[kept].sum() / factor.sum())
    assert mean_w == approx(np.sum((w * per_sample)[kept]) / np.sum(w * factor))


# ------------------------------------------------------------ validation ----


@pytest.mark.parametrize("bad", [1.5, -0.25], ids=["above-1", "below-0"])
@cases(lambda spec, params: "probabilities" in spec.properties and not params.get("from_logits"))
def test_probability_outside_unit_interval(name, params, bad):
    y, p = make_inputs(name, params, 0)
    if p.ndim == 1 or L.get_loss(name).task == "multilabel":
        p[(3, 0) if p.ndim == 2 else 3] = bad
    else:
        p[3] = [bad, 1 - bad, 0.0, 0.0]  # the row still sums to 1
    with pytest.raises(DataError) as exc:
        evaluate(name, params, [y, p])
    assert "index 3" in str(exc.value)


def sums_checked(spec, params):
    rows = spec.input_rule.endswith(("probability_rows", "distributions"))
    return rows and flavour(spec.name, params) == "probability" and not params.get("log_input")


@cases(sums_checked)
def test_rows_must_sum_to_one(name, params):
    y, p = make_inputs(name, params, 0)
    p[3] *= 1.1
    with pytest.raises(DataError) as exc:
        evaluate(name, params, [y, p])
    assert "index 3" in str(exc.value)
    if "normalize" in {q.name for q in L.get_loss(name).params}:
        normalized = p / p.sum(axis=1, keepdims=True)
        want = evaluate(name, params, [y, normalized])
        assert evaluate(name, {**params, "normalize": True}, [y, p]) == approx(want)
        p[6] = 0.0  # nothing to renormalise: an error, not NaN
        with pytest.raises(DataError) as exc:
            evaluate(name, {**params, "normalize": True}, [y, p])
        assert "index 6" in str(exc.value)
    if L.get_loss(name).task == "distribution":  # the targets are distributions too
        y[5] *= 0.9
        with pytest.raises(DataError) as exc:
            evaluate(name, params, [y, p / p.sum(axis=1, keepdims=True)])
        assert "index 5" in str(exc.value)


@cases(lambda spec, params: spec.task in ("binary", "multiclass", "multilabel"))
def test_label_outside_classes(name, params):
    y, p = make_inputs(name, params, 0)
    bads = {"binary": (2, -2, 0.5), "multiclass": (K, -2, 0.5), "multilabel": (2, -1, 0.5)}
    for bad in bads[running(name, params).task]:
        y_bad = y.astype(float)
        y_bad[(3, 1) if y.ndim == 2 else 3] = bad
        with pytest.raises(DataError) as exc:
            evaluate(name, params, [y_bad, p])
        assert "index 3" in str(exc.value)


@cases(lambda spec, params: spec.task in ("distribution", "multilabel"))
def test_mismatched_columns(name, params):
    y, p = make_inputs(name, params, 0)
    with pytest.raises(DataError):
        evaluate(name, params, [y, np.column_stack([p, p[:, :1]])])
    with pytest.raises(DataError):
        evaluate(name, params, [y[:, :-1], p])


@parametrize_all
def test_nan_inputs_raise(name, params):
    y, p = make_inputs(name, params, 0)
    for role in ("y_true", "y_pred", "sample_weight"):
        arrays, w = [y.astype(float), p.copy()], weights_for(len(y), 0)
        target = w if role == "sample_weight" else arrays[role == "y_pred"]
        target[3] = np.nan
        with pytest.raises(DataError) as exc:
            evaluate(name, params, arrays, sample_weight=w)
        assert "index 3" in str(exc.value), role


BAD_PARAMS = [("focal", {"alpha": 2.0}), ("multiclass-focal", {"alpha": 2.0}), ("focal", {"gamma": -1.0})]
BAD_PARAMS += [
    ("bce", {"label_smoothing": 1.0}),
    ("cross-entropy", {"label_smoothing": 1.0}),
    ("bce", {"eps": 0}),
]
BAD_PARAMS += [
    ("top-k-error", {"k": 0}),
    ("multiclass-hinge", {"mode": "bogus"}),
    ("multiclass-hinge", {"p": 3}),
]
BAD_PARAMS += [("cross-entropy", {"class_weight": "1,2"}), ("nll", {"class_weight": "1,2,3,4,5"})]
BAD_PARAMS += [("cross-entropy", {"class_weight": "1,x,2,3"}), ("bce", {"pos_weight": 0.0})]


@pytest.mark.parametrize(("name", "params"), [pytest.param(n, p, id=case_id(n, p)) for n, p in BAD_PARAMS])
def test_bad_params_raise_usage_error(name, params):
    y, p = make_inputs(name, {}, 0)
    with pytest.raises(UsageError):
        evaluate(name, params, [y, p])


# ------------------------------------------------------------ public API ----


def regression_contract_cases():
    path = Path(__file__).with_name("test_losses_contract.py")
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location("_contract", path))
    module.__spec__.loader.exec_module(module)
    return module.CASES


def test_every_loss_is_exported_and_covered():
    covered = {name for name, _ in CASES} | {name for name, _ in regression_contract_cases()}
    specs = L.all_losses()
    assert {s.name for s in specs} == covered
    assert {s.name for s in specs if s.task != "regression"} == {name for name, _ in CASES}
    for spec in specs:
        fn = getattr(L, python_name(spec.name), None)
        assert callable(fn), spec.name
        assert python_name(spec.name) in L.__all__
        for alias in spec.names:
            assert L.get_loss(alias) is spec
    for name, params in CASES:  # every variant names real, valid parameters
        L.get_loss(name).bind(params)
