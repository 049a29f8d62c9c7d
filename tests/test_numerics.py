"""Numerics (issue 7): extreme magnitudes, cancellation in r2, chunk-size invariance.

References are NumPy formulas evaluated in float64 (LOSSES.md), scikit-learn on
exactly centred data, or a ``math.fsum`` two-pass formula — never losscli's output.
The rule for extreme inputs: where the float64 reference is finite, losscli gives
it; where it overflows, losscli exits 2 with a clear message. NaN or inf never
reaches stdout.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.metrics import r2_score

import losscli
from losscli.io.source import InputOptions

EPS = float(np.finfo(np.float64).eps)


def _huber(d: np.ndarray) -> np.ndarray:
    a = np.abs(d)
    return np.where(a <= 1.0, 0.5 * d * d, a - 0.5)


REFERENCES = {  # LOSSES.md, default parameters, in float64
    "mse": lambda y, p: np.mean((p - y) ** 2),
    "rmse": lambda y, p: np.sqrt(np.mean((p - y) ** 2)),
    "mae": lambda y, p: np.mean(np.abs(p - y)),
    "huber": lambda y, p: np.mean(_huber(p - y)),
    "smooth-l1": lambda y, p: np.mean(_huber(p - y)),  # β = 1
    "log-cosh": lambda y, p: np.mean(np.abs(p - y) + np.log1p(np.exp(-2 * np.abs(p - y))) - np.log(2)),
    "quantile": lambda y, p: np.mean(np.maximum(0.5 * (y - p), -0.5 * (y - p))),
    "max-error": lambda y, p: np.max(np.abs(p - y)),
    "mape": lambda y, p: np.mean(np.abs(p - y) / np.maximum(np.abs(y), EPS)),
    "r2": lambda y, p: r2_score(y, p),
}


def _log_uniform(rng, lo: float, hi: float, n: int) -> np.ndarray:
    return rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(lo, hi, n)


def _extreme(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(sum(map(ord, kind)))  # fixed per kind
    if kind == "tiny":  # squares underflow to 0
        y = _log_uniform(rng, -310, -290, 50)
        return y, y * rng.uniform(0.5, 1.5, 50)
    if kind == "huge":  # differences fit, squares overflow
        y = _log_uniform(rng, 290, 300, 50)
        return y, y * rng.uniform(0.5, 1.5, 50)
    if kind == "near-max":  # even the differences overflow
        y = np.array([1.7e308, -1.7e308, 1.0, 2.0])
        return y, -y
    if kind == "squares-fit":  # 1e±150: every square is a normal float64
        y = _log_uniform(rng, -150, 150, 200)
        return y, y * rng.uniform(0.5, 1.5, 200)
    raise AssertionError(kind)


def pred_label_csv(p: np.ndarray, y: np.ndarray) -> str:
    """``pred,label`` with repr floats: the file holds exactly these float64 values."""
    return "pred,label\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(p.tolist(), y.tolist(), strict=True))


def _no_constants(token: str) -> float:
    raise AssertionError(f"non-finite {token} in the JSON output")


@pytest.mark.parametrize("data", ["tiny", "huge", "near-max", "squares-fit"])
@pytest.mark.parametrize("loss", list(REFERENCES))
def test_extreme_magnitudes_are_finite_or_a_clear_exit_2(cli, write_file, expect_error, loss, data):
    y, p = _extreme(data)
    path = write_file(f"{data}.csv", pred_label_csv(p, y))
    with np.errstate(all="ignore"):
        ref = float(REFERENCES[loss](y, p))
    result = cli(loss, path, "-f", "json")
    if not math.isfinite(ref):
        expect_error(result, loss, "not finite")
        return
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout, parse_constant=_no_constants)
    got = doc["results"][0]
    tiny_abs = 1e-15 if loss == "log-cosh" else 0.0  # log cosh d ≈ d²/2: only rounding noise is left
    assert got["value"] == pytest.approx(ref, rel=1e-9, abs=tiny_abs)
    for key in ("value", "mean", "sum", "weight_sum"):
        assert math.isfinite(got[key]), key
    assert all(math.isfinite(q) for q in got["quantiles"].values())


def test_overflowing_weights_are_a_clear_exit_2(cli, write_file, expect_error):
    path = write_file("w.csv", "pred,label,w\n1,2,1e308\n3,5,1e308\n")
    expect_error(cli("mse", path, "--weight", "w", "-f", "value"), "not finite")


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_r2_is_scale_invariant_while_squares_fit(cli, write_file, scale):
    rng = np.random.default_rng(5)
    y = rng.normal(size=300)
    p = y + rng.normal(size=300) * 0.3
    ys, ps = y * scale, p * scale
    path = write_file("s.csv", pred_label_csv(ps, ys))
    result = cli("r2", path, "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert float(result.stdout) == pytest.approx(r2_score(y, p), rel=1e-12)


# ------------------------------------------------------ r2 cancellation ----

N = 5000
OFFSETS = [0.0, 1e6, 1e9, 1e12]
BLOCKS = [1 << 26, 4096, 500]


@pytest.fixture(scope="module")
def offset_files(tmp_path_factory):
    """label = offset + N(0, 1), pred = label + N(0, 0.1): the spread is tiny next to the mean."""
    folder = tmp_path_factory.mktemp("offsets")
    out = {}
    rng = np.random.default_rng(9)
    for offset in OFFSETS:
        y = offset + rng.normal(size=N)
        p = y + rng.normal(size=N) * 0.1
        path = folder / f"off{offset:g}.csv"
        path.write_text(pred_label_csv(p, y))
        out[offset] = (str(path), y, p)
    return out


def r2_two_pass(y: np.ndarray, p: np.ndarray) -> float:
    """1 − SSE/SST, sums exactly rounded (math.fsum); SST by the corrected two-pass formula
    Σd² − (Σd)²/n with d = y − mean (exact near the mean), which removes the error of a
    mean that float64 cannot hold exactly."""
    mean = math.fsum(y.tolist()) / y.size
    d = (y - mean).tolist()
    sst = math.fsum(v * v for v in d) - math.fsum(d) ** 2 / y.size
    sse = math.fsum(((y - p) ** 2).tolist())
    return 1.0 - sse / sst


@pytest.mark.parametrize(
    ("offset", "block"),
    [pytest.param(o, b, id=f"{o:g}-{b}") for o in OFFSETS for b in BLOCKS],
)
def test_r2_with_labels_far_from_zero(offset_files, offset, block):
    path, y, p = offset_files[offset]
    centred = r2_score(y - offset, p - offset)  # exact: y − offset is computed without rounding
    two_pass = r2_two_pass(y, p)
    assert two_pass == pytest.approx(centred, rel=1e-12)  # the two references agree
    got = losscli.evaluate(InputOptions(path, block_bytes=block), "r2", rows=0).results[0].value
    assert got == pytest.approx(centred, rel=1e-9)


@pytest.mark.parametrize("offset", [pytest.param(o, id=f"{o:g}") for o in OFFSETS])
def test_r2_is_identical_for_any_chunk_size(offset_files, offset):
    path = offset_files[offset][0]
    values = [
        losscli.evaluate(InputOptions(path, block_bytes=b), "r2", rows=0).results[0].value for b in BLOCKS
    ]
    assert values == pytest.approx([values[0]] * len(values), rel=1e-12)


# ------------------------------------------ chunk sizes on extreme data ----


@pytest.mark.parametrize("loss", [name for name in REFERENCES if name != "r2"])
def test_extreme_magnitudes_give_identical_results_for_any_chunk_size(tmp_path, loss):
    y, p = _extreme("squares-fit")
    path = tmp_path / "x.csv"
    path.write_text(pred_label_csv(p, y))
    results = [
        losscli.evaluate(InputOptions(str(path), block_bytes=b), loss, rows=0).results[0] for b in BLOCKS
    ]
    with np.errstate(all="ignore"):
        ref = float(REFERENCES[loss](y, p))
    for r in results:
        assert r.value == pytest.approx(results[0].value, rel=1e-12)
        assert r.sum == pytest.approx(results[0].sum, rel=1e-12)
        assert r.value == pytest.approx(ref, rel=1e-9)
