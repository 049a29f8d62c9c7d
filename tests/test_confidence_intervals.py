"""``--ci`` (issue 14 §1): BCa bootstrap intervals, tested as statistics.

- Coverage: on simulated data whose population loss is known exactly, the nominal 95 %
  interval covers the truth in about 95 % of 400 data sets (n = 50, 1,000 and 100,000;
  mse, mae, r2, bce, cross-entropy). The seeds are fixed, so the figures are the same on
  every run (no flaky test); the bounds allow about ±4 Monte-Carlo standard errors
  (√(0.95·0.05/400) ≈ 1.1 %): on the same 400 bce data sets at n = 1,000, scipy's BCa
  and even the textbook normal interval cover 92.75 %, so the data sets' own luck moves
  the figure by that much.
- Agreement with an independent implementation: scipy.stats.bootstrap(method="BCa") on
  the per-row losses (rows are the units below 1,000 rows).
- Reproducibility: the same interval for any chunk size and any split into partitions.
- Errors: max-error, a level outside (0, 1), a single row.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

import losscli
from losscli.accumulate.loss import LossAccumulator
from losscli.accumulate.units import BUCKETS, UnitSums, row_units
from losscli.intervals import CiSettings
from losscli.io.source import InputOptions
from losscli.losses.registry import get_loss

P = np.array([0.1, 0.3, 0.6, 0.9])
Q = P**1.3  # the true frequencies: a miscalibrated model
BCE_TRUE = float(np.mean(-Q * np.log(P) - (1 - Q) * np.log(1 - P)))
PK = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6]])
QK = np.array([[0.6, 0.3, 0.1], [0.3, 0.4, 0.3], [0.1, 0.2, 0.7]])
CE_TRUE = float(np.mean(-(QK * np.log(PK)).sum(axis=1)))


def simulate(loss: str, n: int, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], float]:
    """A data set and the population value of ``loss`` (exact, from the model)."""
    if loss in ("mse", "mae"):
        y = rng.normal(size=n)  # pred − y ~ N(0, 1): E(d²) = 1, E|d| = √(2/π)
        return {"pred": y + rng.normal(size=n), "label": y}, 1.0 if loss == "mse" else math.sqrt(2 / math.pi)
    if loss == "r2":
        y = rng.normal(size=n)  # R² = 1 − E(d²)/Var(y) = 1 − 0.25
        return {"pred": y + 0.5 * rng.normal(size=n), "label": y}, 0.75
    if loss == "bce":
        i = rng.integers(0, 4, size=n)
        return {"pred": P[i], "label": (rng.random(n) < Q[i]).astype(float)}, BCE_TRUE
    i = rng.integers(0, 3, size=n)
    label = (rng.random(n)[:, None] > np.cumsum(QK[i], axis=1)).sum(axis=1)
    return {f"prob_{k}": PK[i, k] for k in range(3)} | {"label": label}, CE_TRUE


def coverage(loss: str, n: int, datasets: int = 400) -> float:
    rng = np.random.default_rng(20261207)
    hits = 0
    for seed in range(datasets):
        data, truth = simulate(loss, n, rng)
        ci = losscli.evaluate(data, loss, ci=0.95, resamples=1000, seed=seed, rows=0).results[0].ci
        assert ci is not None and ci.low <= ci.high
        hits += ci.low <= truth <= ci.high
    return hits / datasets


@pytest.mark.parametrize("loss", ["mse", "mae", "r2", "bce", "cross-entropy"])
@pytest.mark.parametrize("n", [50, 1000])
def test_the_95_percent_interval_covers_the_truth_about_95_percent_of_the_time(loss, n):
    found = coverage(loss, n)
    assert 0.905 <= found <= 0.99, f"{loss}, n={n}: coverage {found}"


@pytest.mark.parametrize("loss", ["mse", "bce", "r2"])
def test_bucketed_intervals_on_100000_rows_cover_about_95_percent(loss):
    found = coverage(loss, 100_000)
    assert 0.905 <= found <= 0.99, f"{loss}, n=100000: coverage {found}"


@pytest.mark.smoke
@pytest.mark.parametrize("n", [60, 400])
def test_rows_as_units_agree_with_scipys_bca_bootstrap(n):
    rng = np.random.default_rng(n)
    y = rng.normal(size=n)
    pred = y + rng.standard_t(4, size=n)
    ours = losscli.evaluate({"pred": pred, "label": y}, "mse", ci=0.9, resamples=4000, rows=0).results[0].ci
    ref = stats.bootstrap(
        ((pred - y) ** 2,), np.mean, confidence_level=0.9, n_resamples=20000, method="BCa", random_state=1
    ).confidence_interval
    width = ref.high - ref.low
    assert ours.units == n and not ours.bucketed
    assert abs(ours.low - ref.low) < 0.08 * width and abs(ours.high - ref.high) < 0.08 * width


def test_r2_interval_agrees_with_a_paired_scipy_bootstrap():
    rng = np.random.default_rng(3)
    y = rng.normal(size=300)
    pred = y + 0.7 * rng.normal(size=300)

    def r2(a, b, axis=-1):
        sse = ((a - b) ** 2).sum(axis=axis)
        return 1 - sse / ((a - a.mean(axis=axis, keepdims=True)) ** 2).sum(axis=axis)

    ref = stats.bootstrap(
        (y, pred), r2, paired=True, n_resamples=20000, method="BCa", random_state=2
    ).confidence_interval
    ours = losscli.evaluate({"pred": pred, "label": y}, "r2", ci=0.95, resamples=4000, rows=0).results[0].ci
    width = ref.high - ref.low
    assert abs(ours.low - ref.low) < 0.08 * width and abs(ours.high - ref.high) < 0.08 * width


@pytest.mark.smoke
@pytest.mark.parametrize("loss", ["mse", "r2", "rmse"])
def test_the_same_interval_for_any_chunk_size(tmp_path, loss):
    rng = np.random.default_rng(5)
    n = 30_000  # past the bucket count: the bucketed path
    y = 1e6 + rng.normal(size=n)  # labels far from 0: r2's moments move between shifts
    pred = y + rng.normal(size=n)
    path = tmp_path / "p.csv"
    path.write_text(
        "pred,label\n" + "".join(f"{p!r},{t!r}\n" for p, t in zip(pred.tolist(), y.tolist(), strict=True))
    )
    found = []
    for chunk_rows in (997, 4096, 1 << 20):
        result = losscli.evaluate(InputOptions(str(path), chunk_rows=chunk_rows), loss, ci=0.95, rows=0)
        found.append(result.results[0].ci)
    assert all(ci.bucketed and ci.units == BUCKETS for ci in found)
    for ci in found[1:]:
        assert ci.low == pytest.approx(found[0].low, rel=1e-9)
        assert ci.high == pytest.approx(found[0].high, rel=1e-9)


def test_merged_partitions_give_the_whole_inputs_interval():
    """The Dask engine's merge: states of parts, merged in any order, equal one state."""
    rng = np.random.default_rng(9)
    n = 12_000
    y = 5e8 + rng.normal(size=n)
    d = (rng.normal(size=n)) ** 2
    spec = get_loss("r2")

    def state(lo: int, hi: int) -> LossAccumulator:
        acc = LossAccumulator(spec, spec.bind(), resampled=True)
        acc.update(d[lo:hi], None, y[lo:hi], units=row_units(np.arange(lo + 1, hi + 1)))
        return acc

    whole = state(0, n).interval(CiSettings(), "row")
    parts = [state(0, 5000), state(5000, 5100), state(5100, n)]
    merged = parts[2]
    merged.merge(parts[1])
    merged.merge(parts[0])
    got = merged.interval(CiSettings(), "row")
    assert got.low == pytest.approx(whole.low, rel=1e-9) and got.high == pytest.approx(whole.high, rel=1e-9)


def test_unit_sums_switch_to_buckets_past_the_bucket_count_and_keep_totals():
    for buckets, distinct in ((10, False), (16, True)):
        sums = UnitSums(2, buckets=buckets)
        sums.add(np.arange(8, dtype=np.uint64), [np.full(8, 2.0), None], distinct=distinct)
        assert not sums.bucketed and sums.units().shape == (8, 2)
        sums.add(np.arange(8, 30, dtype=np.uint64), [np.full(22, 2.0), None], distinct=distinct)
        assert sums.bucketed and sums.units().shape == (buckets, 2)
        assert sums.units().sum(axis=0).tolist() == [60.0, 30.0]


def test_buckets_are_random_subsets_of_sorted_rows():
    """A file sorted by its loss must not give look-alike buckets: the spread of bucket
    means is that of random subsets (not of every M-th row, which would be near 0)."""
    from losscli.accumulate.units import bucket_of

    n = 1024 * 200
    losses = np.sort(np.random.default_rng(0).exponential(size=n))
    where = bucket_of(np.arange(n, dtype=np.uint64))
    counts = np.bincount(where, minlength=1024)
    means = np.bincount(where, weights=losses, minlength=1024) / counts
    expected = losses.std() / np.sqrt(counts.mean())  # random subsets of ~200 rows
    assert 0.85 * expected < means.std() < 1.15 * expected
    assert counts.min() > 120  # every bucket used, none starved


@pytest.mark.smoke
def test_cli_json_markdown_and_groups_carry_the_interval(cli, write_file):
    rng = np.random.default_rng(1)
    y = rng.normal(size=200)
    rows = "".join(
        f"{p!r},{t!r},{'ab'[i % 2]}\n"
        for i, (p, t) in enumerate(zip((y + rng.normal(size=200)).tolist(), y.tolist(), strict=True))
    )
    path = write_file("p.csv", "pred,label,g\n" + rows)
    result = cli("mse", path, "--ci", "--by", "g", "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    ci = doc["results"][0]["ci"]
    assert ci["level"] == 0.95 and ci["method"] == "bca" and ci["resamples"] == 2000 and ci["seed"] == 0
    assert ci["low"] < doc["results"][0]["value"] < ci["high"]
    for group in doc["results"][0]["groups"]:
        assert group["ci"]["low"] < group["value"] < group["ci"]["high"]
    markdown = cli("mse", path, "--ci", "0.9", "-f", "markdown")
    assert "90% CI" in markdown.stdout
    seeded = [json.loads(cli("mse", path, "--ci", "--seed", s, "-f", "json").stdout) for s in ("0", "0", "7")]
    assert seeded[0]["results"][0]["ci"] == seeded[1]["results"][0]["ci"] != seeded[2]["results"][0]["ci"]


def test_block_resampling_widens_the_interval_of_autocorrelated_errors():
    """AR(1) errors with φ = 0.9: the row bootstrap treats them as independent and is far
    too narrow; blocks of 50 rows keep the dependence (the interval's width grows
    about √((1 + φ)/(1 − φ)) ≈ 4.4-fold for a mean of errors; for squared errors it
    is wider too)."""
    rng = np.random.default_rng(4)
    n = 20_000
    e = np.empty(n)
    e[0] = rng.normal()
    for i in range(1, n):
        e[i] = 0.9 * e[i - 1] + math.sqrt(1 - 0.81) * rng.normal()
    data = {"pred": e, "label": np.zeros(n)}
    rows = losscli.evaluate(data, "mae", ci=0.95, rows=0).results[0].ci
    blocks = losscli.evaluate(data, "mae", ci=0.95, ci_block=50, rows=0).results[0].ci
    assert blocks.unit == "block of 50 rows" and rows.unit == "row"
    assert (blocks.high - blocks.low) > 2.5 * (rows.high - rows.low)


@pytest.mark.smoke
def test_max_error_and_bad_levels_and_one_row_are_exit_2(cli, write_file):
    path = write_file("p.csv", "pred,label\n1,2\n3,3\n")
    refused = cli("max-error", path, "--ci")
    assert refused.exit_code == 2 and "not a smooth function of sums" in refused.stderr
    assert "Traceback" not in refused.stderr
    level = cli("mse", path, "--ci", "95")
    assert level.exit_code == 2 and "between 0 and 1" in level.stderr
    one = cli("mse", write_file("one.csv", "pred,label\n1,2\n"), "--ci")
    assert one.exit_code == 2 and "at least 2" in one.stderr


def test_an_id_column_makes_the_interval_independent_of_row_order(tmp_path):
    rng = np.random.default_rng(8)
    n = 5000
    y = rng.normal(size=n)
    pred = y + rng.normal(size=n)
    ids = rng.permutation(n)
    order = rng.permutation(n)
    first = losscli.evaluate({"pred": pred, "label": y, "id": ids}, "mse", id="id", ci=0.95, rows=0)
    shuffled = {"pred": pred[order], "label": y[order], "id": ids[order]}
    second = losscli.evaluate(shuffled, "mse", id="id", ci=0.95, rows=0)
    a, b = first.results[0].ci, second.results[0].ci
    assert a.unit.startswith("id") and a.low == pytest.approx(b.low, rel=1e-9)
    assert a.high == pytest.approx(b.high, rel=1e-9)
