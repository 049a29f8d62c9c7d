"""Binary, multiclass, distribution and multi-label losses agree with scikit-learn and
with the closed forms of torch / keras (LOSSES.md, "agrees with").

The closed forms are written here with NumPy, independently of losscli's kernels
(no max-shift, ``logaddexp`` for log σ); torch and keras are not installed.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from sklearn import metrics as skm

import losscli.losses as L
from losscli.errors import DataError, UsageError

REL = 1e-9
K = 4
LABELS = list(range(K))
seeds = pytest.mark.parametrize("seed", [0, 1, 2], ids=["seed0", "seed1", "seed2"])
weighted = pytest.mark.parametrize("weighted", [False, True], ids=["unw", "w"])


approx = partial(pytest.approx, rel=REL, abs=0.0)
close = partial(np.testing.assert_allclose, rtol=REL, atol=0.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def log_softmax_rows(x):  # moderate logits: no max-shift needed
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def softmax_rows(x):
    e = np.exp(log_softmax_rows(x))
    return e / e.sum(axis=1, keepdims=True)


def binary_data(seed, weighted=True, n=80):
    """y in {0, 1}, moderate logits x, p = σ(x) with exact 0s and 1s, weights with zeros."""
    rng = np.random.default_rng(seed)
    y, x = rng.integers(0, 2, n), rng.normal(0.0, 2.5, n)
    y[:4] = [0, 1, 0, 1]
    p = sigmoid(x)
    p[:4] = [0.0, 0.0, 1.0, 1.0]
    w = rng.uniform(0.0, 3.0, n)
    w[::9] = 0.0
    return y, x, p, (w if weighted else None)


def multiclass_data(seed, weighted=True, n=90):
    """Class indices (every class present), logits X, P = softmax(X) with one row whose
    true class has probability 0 (clipped), weights with zeros."""
    rng = np.random.default_rng(seed)
    y, x = rng.integers(0, K, n), rng.normal(0.0, 2.0, (n, K))
    y[:K] = LABELS
    p = softmax_rows(x)
    p[K] = np.eye(K)[(y[K] + 1) % K]
    w = rng.uniform(0.0, 3.0, n)
    w[::9] = 0.0
    return y, x, p, (w if weighted else None)


# ---------------------------------------------------------- scikit-learn ----


@weighted
@seeds
def test_log_loss(seed, weighted):
    y, _, p, w = binary_data(seed, weighted)
    want = skm.log_loss(y, p, labels=[0, 1], sample_weight=w)
    assert L.bce(y, p, sample_weight=w) == approx(want)
    y, _, p, w = multiclass_data(seed, weighted)
    want = skm.log_loss(y, p, labels=LABELS, sample_weight=w)
    assert L.cross_entropy(y, p, sample_weight=w) == approx(want)
    names = ["ant", "bee", "cat", "dog"]  # sorted: sklearn orders string labels
    named = np.array(names, dtype=object)[y]
    want = skm.log_loss(named, p, labels=names, sample_weight=w)
    assert L.cross_entropy(named, p, classes=names, sample_weight=w) == approx(want)


@weighted
@seeds
def test_hinge_loss(seed, weighted):
    y, x, _, w = binary_data(seed, weighted)
    want = skm.hinge_loss(y, x, sample_weight=w)
    assert L.hinge(y, x, sample_weight=w) == approx(want)
    assert L.hinge(2 * y - 1, x, sample_weight=w) == approx(want)
    ref = np.maximum(1 - (2 * y - 1) * x, 0.0) ** 2  # keras SquaredHinge (0/1 labels → ±1)
    assert L.squared_hinge(y, x, sample_weight=w) == approx(np.average(ref, weights=w))
    y, x, _, w = multiclass_data(seed, weighted)
    want = skm.hinge_loss(y, x, labels=LABELS, sample_weight=w)  # Crammer–Singer
    assert L.multiclass_hinge(y, x, sample_weight=w) == approx(want)


@weighted
@seeds
def test_brier_score_loss(seed, weighted):
    y, _, p, w = binary_data(seed, weighted)
    assert L.brier(y, p, sample_weight=w) == approx(skm.brier_score_loss(y, p, sample_weight=w))
    y, _, p, w = multiclass_data(seed, weighted)
    got = L.multiclass_brier(y, p, sample_weight=w)
    # sklearn 1.9, scale_by_half="auto": halved only for fewer than 3 classes
    assert got == approx(skm.brier_score_loss(y, p, labels=LABELS, sample_weight=w))
    unhalved = skm.brier_score_loss(y, p, labels=LABELS, scale_by_half=False, sample_weight=w)
    assert got == approx(unhalved)  # LOSSES.md: not halved
    closed = np.sum((np.eye(K)[y] - p) ** 2, axis=1)
    assert got == approx(np.average(closed, weights=w))
    y, _, p, w = binary_data(seed, weighted)  # K = 2: sklearn's "auto" halves, losscli does not
    two = np.column_stack([1 - p, p])
    got = L.multiclass_brier(y, two, sample_weight=w)
    assert got == approx(skm.brier_score_loss(y, two, labels=[0, 1], scale_by_half=False, sample_weight=w))
    assert got == approx(2 * L.brier(y, p, sample_weight=w))


@pytest.mark.parametrize(("kw", "t"), [({}, 0.5), ({"threshold": 0.3}, 0.3)], ids=["t0.5", "t0.3"])
@weighted
@seeds
def test_zero_one_and_hamming_loss(seed, weighted, kw, t):
    y, x, p, w = binary_data(seed, weighted)
    p[5] = t  # a score at the threshold predicts the positive class
    want = skm.zero_one_loss(y, (p >= t).astype(int), sample_weight=w)
    assert L.zero_one(y, p, **kw, sample_weight=w) == approx(want)
    want = skm.zero_one_loss(y, (x >= 0).astype(int), sample_weight=w)
    assert L.zero_one(y, x, from_logits=True, sample_weight=w) == approx(want)
    rng = np.random.default_rng(seed)
    ys, s, ws = rng.integers(0, 2, (50, 5)), rng.uniform(0, 1, (50, 5)), None if w is None else w[:50] + 0.1
    s[0, 0] = t
    want = skm.hamming_loss(ys, (s >= t).astype(int), sample_weight=ws)
    assert L.hamming(ys, s, **kw, sample_weight=ws) == approx(want)


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@weighted
@seeds
def test_top_k_accuracy(seed, weighted, ties, k):
    y, x, _, w = multiclass_data(seed, weighted)
    x = np.round(x) if ties else x  # many tied scores: the later class ranks first
    want = 1.0 - skm.top_k_accuracy_score(y, x, k=k, labels=LABELS, sample_weight=w)
    assert L.top_k_error(y, x, k=k, sample_weight=w) == approx(want)


# ------------------------------------------------------- torch closed forms ----


@pytest.mark.parametrize(("pw", "s"), [(1.0, 0.0), (3.0, 0.0), (0.4, 0.2), (1.0, 0.1)])
@seeds
def test_bce_torch(seed, pw, s):
    y, x, _, w = binary_data(seed)
    ys = y * (1 - s) + s / 2  # label smoothing
    ref = -(pw * ys * log_sigmoid(x) + (1 - ys) * log_sigmoid(-x))  # binary_cross_entropy_with_logits
    kw = {"pos_weight": pw, "label_smoothing": s}
    close(L.bce(y, x, from_logits=True, **kw, reduction="none"), ref)
    assert L.bce(y, x, from_logits=True, **kw, sample_weight=w) == approx(np.sum(w * ref) / np.sum(w))
    q = sigmoid(x)  # the probability path: the same formula
    close(L.bce(y, q, **kw, reduction="none"), -(pw * ys * np.log(q) + (1 - ys) * np.log(1 - q)))


def torch_cross_entropy(y, logp, s=0.0, weight=None, ignore=None, reduction="mean"):
    """torch.nn.functional.cross_entropy(weight, ignore_index, label_smoothing) on log p."""
    y, wc = np.asarray(y), np.ones(K) if weight is None else np.asarray(weight)
    kept = y != ignore
    yk, lp = y[kept], logp[kept]
    rows = (1 - s) * wc[yk] * -lp[np.arange(yk.size), yk] + s * (wc * -lp).sum(axis=1) / K
    return rows if reduction == "none" else rows.sum() / wc[yk].sum()


W1, W2, W0 = [1.0, 2.0, 0.5, 3.0], [0.5, 1.0, 2.0, 1.5], [0.0, 1.0, 2.0, 1.0]
CE_CASES = [(0, None, None), (0.1, None, None), (0, W1, None), (0.3, W1, None), (0.2, None, -100)]
CE_CASES += [(0.2, W2, -100), (0.1, W2, 2), (0.2, W0, None)]  # -100: rows marked; 2: a class ignored


@pytest.mark.parametrize(("s", "weight", "ignore"), CE_CASES)
@seeds
def test_cross_entropy_and_nll_torch(seed, s, weight, ignore):
    y, x, _, _ = multiclass_data(seed)
    if ignore == -100:
        y[::5] = -100
    kw = {"ignore_label": ignore} | ({"class_weight": ",".join(map(str, weight))} if weight else {})
    logp = log_softmax_rows(x)
    want = torch_cross_entropy(y, logp, s, weight, ignore)
    assert L.cross_entropy(y, x, from_logits=True, label_smoothing=s, **kw) == approx(want)
    q = softmax_rows(x)
    want_q = torch_cross_entropy(y, np.log(q), s, weight, ignore)
    assert L.cross_entropy(y, q, label_smoothing=s, **kw) == approx(want_q)
    assert L.nll(y, logp, **kw) == approx(torch_cross_entropy(y, logp, 0.0, weight, ignore))
    rows = L.cross_entropy(y, x, from_logits=True, label_smoothing=s, **kw, reduction="none")
    kept = y != ignore
    assert rows.shape == y.shape
    assert (rows[~kept] == 0).all()  # left out: 0, as torch reduction="none"
    close(rows[kept], torch_cross_entropy(y, logp, s, weight, ignore, reduction="none"))


@pytest.mark.parametrize(("p", "margin"), [(1, 1.0), (2, 1.0), (1, 0.5), (2, 2.0)])
@seeds
def test_multi_margin_torch(seed, p, margin):
    y, x, _, w = multiclass_data(seed)
    f_y = x[np.arange(y.size), y][:, None]
    terms = np.where(np.eye(K)[y] == 1, 0.0, np.maximum(0.0, margin - f_y + x))
    ref = (terms**p).sum(axis=1) / K  # multi_margin_loss
    got = L.multiclass_hinge(y, x, mode="weston-watkins", p=p, margin=margin, reduction="none")
    close(got, ref)
    got = L.multiclass_hinge(y, x, mode="weston-watkins", p=p, margin=margin, sample_weight=w)
    assert got == approx(np.average(ref, weights=w))
    others = np.where(np.eye(K)[y] == 1, -np.inf, x).max(axis=1)
    cs = np.maximum(0.0, margin + others - f_y[:, 0])
    close(L.multiclass_hinge(y, x, margin=margin, reduction="none"), cs)


def rel_entr(a, b):
    return np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / b), 0.0).sum(axis=1)


@seeds
def test_distribution_torch(seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.full(5, 1.5), 60), rng.dirichlet(np.full(5, 1.5), 60)
    p[:3] = [0.0, 0.2, 0.3, 0.5, 0.0]  # zero targets: terms vanish
    w = rng.uniform(0.1, 3.0, 60)
    kl = rel_entr(p, q)
    assert L.kl_div(p, q) == approx(kl.sum() / kl.size)  # kl_div(log q, p, 'batchmean')
    assert L.kl_div(p, np.log(q), log_input=True) == approx(kl.sum() / kl.size)
    close(L.kl_div(p, q, reduction="none"), kl)
    m = (p + q) / 2
    js = 0.5 * rel_entr(p, m) + 0.5 * rel_entr(q, m)
    close(L.js_div(p, q, reduction="none"), js)
    assert L.js_div(p, q, sample_weight=w) == approx(np.average(js, weights=w))
    close(L.soft_cross_entropy(p, q, reduction="none"), -(p * np.log(q)).sum(axis=1))
    x = rng.normal(0, 2, q.shape)  # cross_entropy with probability targets
    close(L.soft_cross_entropy(p, x, from_logits=True, reduction="none"), -(p * log_softmax_rows(x)).sum(1))
    a, b = rng.normal(0, 1, (2, 30, 6))
    b[0] = 0.0  # zero vector: cos = 0 thanks to the 1e-12 guard
    norms = np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    cos = 1 - (a * b).sum(1) / norms  # cosine_embedding_loss, y = 1
    close(L.cosine(a, b, reduction="none"), cos)
    assert cos[0] == 1.0


@pytest.mark.parametrize("pw", [1.0, 2.5])
@seeds
def test_multilabel_soft_margin_torch(seed, pw):
    rng = np.random.default_rng(seed)
    y, x = rng.integers(0, 2, (40, 6)), rng.normal(0, 2.5, (40, 6))
    ref = -(pw * y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x)).mean(axis=1)
    close(L.multilabel_bce(y, x, from_logits=True, pos_weight=pw, reduction="none"), ref)
    assert L.multilabel_bce(y, sigmoid(x), pos_weight=pw) == approx(ref.mean())


# ------------------------------------------------------- keras closed forms ----


@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, None), (2.0, 0.25), (0.5, 0.7), (0.0, None)])
@seeds
def test_binary_focal_keras(seed, gamma, alpha):
    y, x, p, w = binary_data(seed)
    c = np.clip(p, 1e-7, 1 - 1e-7)  # keras clips the bce at epsilon() = 1e-7 ...
    bce = -(y * np.log(c) + (1 - y) * np.log(1 - c))
    p_t = y * p + (1 - y) * (1 - p)  # ... but not p_t
    ref = (1 - p_t) ** gamma * bce
    if alpha is not None:  # apply_class_balancing=True
        ref *= y * alpha + (1 - y) * (1 - alpha)
    kw = {"gamma": gamma, "alpha": alpha}
    close(L.focal(y, p, **kw, compat="keras", reduction="none"), ref)
    assert L.focal(y, p, **kw, compat="keras") == approx(ref.mean())
    assert L.focal(y, p, **kw, compat="keras", sample_weight=w) == approx(np.sum(w * ref) / y.size)
    assert L.focal(y, x, **kw, from_logits=True) == approx(L.focal(y, sigmoid(x), **kw))


@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, 0.25), (1.0, 1.0), (0.0, 0.5)])
@seeds
def test_categorical_focal_keras(seed, gamma, alpha):
    y, x, p, _ = multiclass_data(seed)
    c = np.clip(p / p.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)[np.arange(y.size), y]
    ref = alpha * (1 - c) ** gamma * -np.log(c)
    close(L.multiclass_focal(y, p, gamma=gamma, alpha=alpha, compat="keras", reduction="none"), ref)
    got = L.multiclass_focal(y, x, gamma=gamma, alpha=alpha, from_logits=True)
    assert got == approx(L.multiclass_focal(y, softmax_rows(x), gamma=gamma, alpha=alpha))


@seeds
def test_logits_equal_probabilities(seed):
    y, x, _, _ = binary_data(seed)
    assert L.bce(y, x, from_logits=True) == approx(L.bce(y, sigmoid(x)))
    y, x, _, _ = multiclass_data(seed)
    assert L.cross_entropy(y, x, from_logits=True) == approx(L.cross_entropy(y, softmax_rows(x)))
    kw = {"label_smoothing": 0.2, "class_weight": "1,2,3,4"}
    assert L.cross_entropy(y, x, from_logits=True, **kw) == approx(L.cross_entropy(y, softmax_rows(x), **kw))


def test_normalize_does_not_rescale_logits():
    """--normalize renormalises probability rows; logits must be left alone (or refused)."""
    y, x, _, _ = multiclass_data(4)
    try:
        got = L.cross_entropy(y, x, from_logits=True, normalize=True)
    except UsageError:
        return
    assert got == approx(L.cross_entropy(y, x, from_logits=True))


# ------------------------------------------------ LOSSES.md reference values ----


def test_reference_values():
    assert L.bce([1, 0], [0.0, 0.0]) == approx(18.021826694558577, rel=1e-15)
    assert L.brier([0, 1], [0.2, 0.6]) == approx(0.1, rel=1e-15)
    logits = [[2.0, 0.5, -1.0]]
    assert round(L.cross_entropy([0], logits, from_logits=True, label_smoothing=0.1), 4) == 0.3913
    assert round(L.cross_entropy([0], logits, from_logits=True), 4) == 0.2413
    assert round(L.kl_div([[0.2, 0.8]], [[0.5, 0.5]]), 4) == 0.1927
    assert L.kl_div([[0.2, 0.8]], [[0.5, 0.5]]) == approx(0.2 * math.log(0.4) + 0.8 * math.log(1.6))
    assert L.multiclass_hinge([3], [[0.1, 0.2, 0.4, 0.8]], mode="weston-watkins") == approx(0.325, rel=1e-14)


def test_compat_presets():
    torch_bce = L.bce([1, 1, 0], [0.0, 0.0, 1.0], compat="torch", reduction="none")
    np.testing.assert_array_equal(torch_bce, [100.0, 100.0, 100.0])  # log floored at −100
    assert L.cross_entropy([1], [[1.0, 0.0]], compat="torch") == 100.0
    assert L.bce([1], [0.0], compat="keras") == approx(-math.log(1e-7))
    assert L.cross_entropy([1], [[1.0, 0.0]], compat="keras") == approx(-math.log(1e-7))
    assert L.bce([1], [0.0], compat="sklearn") == approx(-math.log(np.finfo(float).eps))
    assert L.mse([0, 0], [1, 2], sample_weight=[1, 3], compat="keras") == approx(6.5)  # Σwℓ / N
    assert L.mse([0, 0], [1, 2], sample_weight=[1, 3]) == approx(3.25)  # Σwℓ / Σw
    want = (-math.log(0.8) - 3 * math.log(0.7)) / 2
    assert L.bce([1, 0], [0.8, 0.3], sample_weight=[1, 3], compat="keras") == approx(want)
    assert L.mape([2.0, 4.0], [1.0, 5.0], compat="keras") == approx(100 * (0.5 + 0.25) / 2)  # percent


# ------------------------------------------------------------- labels ----

SPELLINGS = [(["true", "false", "True", "FALSE"], {}), (np.array([True, False, True, False]), {})]
SPELLINGS += [([1, -1, 1, -1], {}), ([1.0, 0.0, 1.0, 0.0], {}), (["cat", "dog"] * 2, {"positive": "cat"})]
SPELLINGS += [
    (["no", "yes"] * 2, {"positive": "no"}),
    ([5, 2] * 2, {"positive": 5}),
    ([5.0, 2.0] * 2, {"positive": 5.0}),
]
SPELLING_IDS = [
    "true-false",
    "bool",
    "pm1",
    "float01",
    "positive-cat",
    "positive-no",
    "positive-5",
    "positive-5.0",
]


@pytest.mark.parametrize(("y", "kw"), SPELLINGS, ids=SPELLING_IDS)
def test_binary_label_spellings(y, kw):
    p = np.array([0.9, 0.2, 0.6, 0.35])
    for fn in (L.bce, L.brier, L.hinge, L.zero_one, L.focal):
        assert fn(y, p, **kw) == approx(fn([1, 0, 1, 0], p)), fn.__name__


BAD_LABELS = [  # (loss, labels, keywords, first bad index, the label as given)
    (L.bce, [0, 1, -1, 1], {}, 2, "-1"),
    (L.bce, ["a", "b", "c"], {"positive": "a"}, 2, "c"),
    (L.bce, [0, 2, 1], {}, 1, "2"),
    (L.bce, ["no", "maybe"], {}, 1, "maybe"),
    (L.bce, ["true", None, "false"], {}, 1, "None"),
    (L.cross_entropy, [0, 7, 1], {}, 1, "7"),
    (L.cross_entropy, [0, -1, 1], {}, 1, "-1"),
    (L.cross_entropy, ["a", "zebra", "b"], {"classes": list("abc")}, 1, "zebra"),
]
bad_labels = pytest.mark.parametrize(
    ("fn", "y", "kw", "index", "shown"),
    BAD_LABELS,
    ids=[
        "mix-0-and-minus1",
        "3-strings",
        "binary-2",
        "word",
        "missing",
        "class-7",
        "class-minus1",
        "unknown-name",
    ],
)


def raise_bad_label(fn, y, kw):
    pred = np.full(len(y), 0.5) if fn is L.bce else np.full((len(y), 3), 1 / 3)
    with pytest.raises(DataError) as exc:
        fn(y, pred, **kw)
    return str(exc.value)


@bad_labels
def test_bad_labels_raise_naming_the_row(fn, y, kw, index, shown):
    assert f"index {index}:" in raise_bad_label(fn, y, kw)


@bad_labels
def test_bad_label_errors_show_the_label_as_given(fn, y, kw, index, shown):
    message = raise_bad_label(fn, y, kw)
    assert shown in message.split(f"index {index}:")[1].split(";")[0], message  # not a mapped value


def test_class_names_and_indices():
    p = np.array([[0.2, 0.3, 0.5], [0.1, 0.8, 0.1], [0.6, 0.2, 0.2]])
    want = -np.mean(np.log([0.5, 0.8, 0.6]))
    for y, kw in [([2, 1, 0], {}), (np.array([2.0, 1, 0]), {}), (["c", "b", "A"], {"classes": list("abc")})]:
        assert L.cross_entropy(y, p, **kw) == approx(want)


@pytest.mark.parametrize("names", [list("abcd"), list("ab")], ids=["4-names", "2-names"])
def test_classes_must_name_every_column(names):
    with pytest.raises((UsageError, DataError)):  # an error, not an IndexError
        L.cross_entropy(["a", "b", "a"], np.full((3, 3), 1 / 3), classes=names)


def test_ignore_label_leaves_rows_out():
    y, x, p, w = multiclass_data(5)
    y[1::4] = -1
    keep = y != -1
    got = L.cross_entropy(y, p, ignore_label=-1, sample_weight=w)
    assert got == approx(L.cross_entropy(y[keep], p[keep], sample_weight=w[keep]))
    logp, cw = log_softmax_rows(x), "1,2,3,4"
    assert L.nll(y, logp, ignore_label=-1, class_weight=cw) == approx(
        L.nll(y[keep], logp[keep], class_weight=cw)
    )
    kw = {"from_logits": True, "label_smoothing": 0.1}
    assert L.cross_entropy(y, x, ignore_label=-1, **kw) == approx(L.cross_entropy(y[keep], x[keep], **kw))
