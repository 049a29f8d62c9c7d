"""``--by`` shows per group what the whole input's result shows: each group's details
(``groups[i]`` in JSON: the Brier decomposition, the pinball loss per quantile level and
the WIS, an interval's coverage and width, the reliability table, the one-vs-rest
AUCs, the confusion matrix) and, in the table and Markdown, each group's detail tables
under a heading naming the group, for the first ``--group-details`` groups.

References, never losscli's own output: the Brier decomposition per group is Murphy's
(1973) formula with the within-bin terms (Stephenson, Coelho & Jolliffe 2008) computed
here from the group's rows, its sum ``sklearn.metrics.brier_score_loss``; the pinball
loss per level is ``sklearn.metrics.mean_pinball_loss`` on the group's rows; the WIS is
Bracher et al. (2021)'s formula written here; coverage and width are NumPy weighted
means; reliability bins are ``sklearn.calibration.calibration_curve``'s; one-vs-rest AUCs
are ``roc_auc_score``'s; confusion matrices ``confusion_matrix``'s.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from brier_reference import murphy_parts
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, confusion_matrix, mean_pinball_loss, roc_auc_score

import losscli
from losscli.io.source import InputOptions
from losscli.losses import all_losses

approx = pytest.approx
LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


# ------------------------------------------------------------------ references ----


def murphy(y: np.ndarray, p: np.ndarray, w: np.ndarray, edges: np.ndarray) -> dict[str, float]:
    """Murphy's parts and the within-bin terms, bin by bin from the rows, with
    scikit-learn's binning rule (e_k < p ≤ e_{k+1}, the first bin from 0)."""
    parts = murphy_parts(y, p, w, edges)
    return {
        "reliability": parts["reliability"],
        "resolution": parts["resolution"],
        "uncertainty": parts["uncertainty"],
        "within_bin": parts["within_bin_variance"] - 2 * parts["within_bin_covariance"],
        "base_rate": parts["base_rate"],
    }


def wis(y: np.ndarray, q: np.ndarray, w: np.ndarray) -> float:
    """Bracher et al. (2021): (1/(K + ½))(½|y − m| + Σ_k (α_k/2)·IS_αk) for the median
    and the central intervals (q05, q95) (α = 0.1) and (q25, q75) (α = 0.5), weighted mean."""
    m = q[:, 2]
    total = 0.5 * np.abs(y - m)
    for alpha, lo, hi in ((0.1, q[:, 0], q[:, 4]), (0.5, q[:, 1], q[:, 3])):
        score = (hi - lo) + (2 / alpha) * (lo - y) * (y < lo) + (2 / alpha) * (y - hi) * (y > hi)
        total = total + alpha / 2 * score
    return float(np.average(total / 2.5, weights=w))


# ------------------------------------------------------------------------ data ----


def binary_frame(n: int, seed: int, groups: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n)
    return pd.DataFrame(
        {
            "label": (rng.uniform(0, 1, n) < p**1.4).astype(int),
            "prob": p,
            "g": rng.choice(groups, n),
            "w": rng.uniform(0, 2, n),
        }
    )


def quantile_frame(n: int, seed: int) -> pd.DataFrame:
    """Quantile columns q05 … q95 of a Gaussian forecast, a group and weights."""
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    mu, sigma = rng.normal(0, 3, n), rng.uniform(0.5, 2, n)
    y = mu + rng.normal(0, 1.3, n) * sigma
    frame = pd.DataFrame({"label": y})
    for t in LEVELS:
        frame[f"q{round(t * 100):02d}"] = mu + sigma * norm.ppf(t)
    frame["lower"], frame["upper"] = frame["q05"], frame["q95"]
    frame["g"] = rng.choice(["a", "b", "c"], n)
    frame["w"] = rng.uniform(0, 2, n)
    return frame


def saved(tmp_path: Path, frame: pd.DataFrame, name: str = "d.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def groups_of(cli: Any, *args: Any) -> list[dict[str, Any]]:
    done = cli(*args, "-f", "json")
    assert done.exit_code == 0, done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)["results"][0]["groups"]
    return found


# ------------------------------------------------------------ JSON, per group ----


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_brier_decomposition_of_each_group_is_the_formula_on_its_rows(cli, tmp_path, strategy, weighted):
    frame = binary_frame(3000, 3, ["a", "b", "c"])
    path = saved(tmp_path, frame)
    extra = ["--weight", "w"] if weighted else []
    groups = groups_of(cli, "brier", path, "--by", "g", "--bins", 8, "--strategy", strategy, *extra)
    assert [g["group"] for g in groups] == ["a", "b", "c"]
    for group in groups:
        rows = frame[frame.g == group["group"]]
        y, p = rows.label.to_numpy(), rows.prob.to_numpy()
        w = rows.w.to_numpy() if weighted else np.ones(y.size)
        edges = np.linspace(0, 1, 9) if strategy == "uniform" else np.percentile(p, np.linspace(0, 100, 9))
        parts = group["decomposition"]
        assert parts["strategy"] == strategy and parts["n_bins"] == 8
        for key, want in murphy(y, p, w, edges).items():
            assert parts[key] == approx(want, rel=1e-9, abs=1e-15), (group["group"], key)
        brier = brier_score_loss(y, p, sample_weight=w)
        assert group["value"] == approx(brier, rel=1e-12)
        added = parts["reliability"] - parts["resolution"] + parts["uncertainty"] + parts["within_bin"]
        assert added == approx(brier, rel=1e-12)


def test_pinball_per_level_and_wis_of_each_group_are_sklearns_on_its_rows(cli, tmp_path):
    frame = quantile_frame(1500, 5)
    path = saved(tmp_path, frame)
    groups = groups_of(cli, "quantile", path, "--pred", "q*", "--by", "g", "--weight", "w")
    assert [g["group"] for g in groups] == ["a", "b", "c"]
    for group in groups:
        rows = frame[frame.g == group["group"]]
        y, w = rows.label.to_numpy(), rows.w.to_numpy()
        q = rows[[f"q{round(t * 100):02d}" for t in LEVELS]].to_numpy()
        want = [mean_pinball_loss(y, q[:, j], alpha=t, sample_weight=w) for j, t in enumerate(LEVELS)]
        assert [d["level"] for d in group["levels"]] == list(LEVELS)
        assert [d["value"] for d in group["levels"]] == approx(want, rel=1e-12)
        assert group["value"] == approx(np.mean(want), rel=1e-12)
        assert group["wis"] == approx(wis(y, q, w), rel=1e-12)
        assert group["interval_alphas"] == approx([0.1, 0.5])


@pytest.mark.parametrize("loss", ["interval-score", "coverage"])
def test_interval_details_of_each_group_are_weighted_means_of_its_rows(cli, tmp_path, loss):
    frame = quantile_frame(900, 7)
    path = saved(tmp_path, frame)
    groups = groups_of(cli, loss, path, "--alpha", 0.1, "--by", "g", "--weight", "w")
    for group in groups:
        rows = frame[frame.g == group["group"]]
        y, lo, hi, w = (rows[c].to_numpy() for c in ("label", "lower", "upper", "w"))
        assert group["nominal"] == approx(0.9)
        assert group["coverage"] == approx(np.average((lo <= y) & (y <= hi), weights=w), rel=1e-12)
        assert group["below"] == approx(np.average(y < lo, weights=w), rel=1e-12)
        assert group["above"] == approx(np.average(y > hi, weights=w), rel=1e-12)
        assert group["mean_width"] == approx(np.average(hi - lo, weights=w), rel=1e-12)


def test_reliability_and_one_vs_rest_of_each_group_are_sklearns(cli, tmp_path):
    frame = binary_frame(2000, 9, ["x", "y"])
    path = saved(tmp_path, frame)
    for group in groups_of(cli, "ece", path, "--by", "g", "--bins", 6):
        rows = frame[frame.g == group["group"]]
        prob_true, prob_pred = calibration_curve(rows.label, rows.prob, n_bins=6)
        filled = [b for b in group["reliability"]["bins"] if b["count"]]
        assert [b["observed"] for b in filled] == approx(prob_true, rel=1e-12)
        assert [b["mean_confidence"] for b in filled] == approx(prob_pred, rel=1e-12)
    rng = np.random.default_rng(9)
    scores = rng.dirichlet([1, 1, 1], 600)
    labels = np.array([rng.choice(3, p=s) for s in scores])
    multi = pd.DataFrame({"label": labels, "g": rng.choice(["u", "v"], 600)})
    for k in range(3):
        multi[f"prob_{k}"] = scores[:, k]
    path = saved(tmp_path, multi, "m.csv")
    for group in groups_of(cli, "roc-auc", path, "--multi-class", "ovr", "--by", "g"):
        rows = (multi.g == group["group"]).to_numpy()
        want = [roc_auc_score(labels[rows] == k, scores[rows, k]) for k in range(3)]
        assert [r["value"] for r in group["one_vs_rest"]] == approx(want, rel=1e-12)


@pytest.mark.parametrize("spec", [s for s in all_losses() if s.state], ids=lambda s: s.name)
def test_every_loss_with_a_summary_gives_each_group_the_whole_inputs_details(spec):
    """Registry-wide (a property of the spec, ``LossSpec.state``): a group holding every
    row has exactly the whole input's details, and with two groups each has the same keys."""
    rng = np.random.default_rng(25)
    n = 400
    quantiles = np.sort(rng.normal(0, 1, (n, 5)), axis=1)
    frame = pd.DataFrame({"label": rng.integers(0, 2, n), "prob": rng.uniform(0, 1, n)})
    for j, t in enumerate(LEVELS):
        frame[f"q{round(t * 100):02d}"] = quantiles[:, j]
    frame["lower"], frame["upper"] = frame["q05"], frame["q95"]
    pred = {"pred": "q*"} if spec.members else {}
    whole = losscli.evaluate(frame.assign(g="all"), spec.name, by="g", **pred).results[0]
    assert whole.details, spec.name
    assert whole.groups is not None and whole.groups[0].details == whole.details
    split = losscli.evaluate(frame.assign(g=rng.choice(["a", "b"], n)), spec.name, by="g", **pred)
    for group in split.results[0].groups or ():
        assert group.details is not None and set(group.details) == set(whole.details), spec.name


def test_group_details_are_the_same_bits_for_any_chunking(tmp_path):
    """Each group's details come from the same exact sums however the rows are cut."""
    frame = quantile_frame(2000, 11)
    binary = binary_frame(2000, 11, ["a", "b", "c"])
    paths = saved(tmp_path, frame, "q.csv"), saved(tmp_path, binary, "b.csv")
    runs = [
        (paths[0], "quantile", {"pred": "q*"}),
        (paths[0], "coverage", {}),
        (paths[1], "brier", {}),
        (paths[1], "brier", {"params": {"strategy": "quantile", "bins": 5}}),
    ]
    for path, loss, kw in runs:
        details = []
        for rows in (97, 4096, 1 << 20):
            source = InputOptions(str(path), chunk_rows=rows)
            result = losscli.evaluate(source, loss, by="g", weight="w", **kw).results[0]
            details.append([g.details for g in result.groups or ()])
        assert details[0] and all(d is not None for d in details[0]), loss
        assert details[0] == details[1] == details[2], loss


def test_dask_partitions_give_the_local_group_details(cluster, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    binary = binary_frame(4000, 13, ["a", "b"])
    local = losscli.evaluate(binary, "brier", by="g", weight="w").results[0]
    remote = losscli.evaluate(dd.from_pandas(binary, npartitions=3), "brier", by="g", weight="w").results[0]
    for mine, theirs in zip(local.groups or (), remote.groups or (), strict=True):
        assert mine.details is not None and theirs.details is not None
        for key, value in mine.details["decomposition"].items():
            if isinstance(value, float):
                assert theirs.details["decomposition"][key] == approx(value, rel=1e-12, abs=1e-16), key


# --------------------------------------------------------- tables and Markdown ----


def _plain_grids(text: str) -> dict[str, list[str]]:
    """title → its lines, for plain-text output (each table ends with a blank line)."""
    grids: dict[str, list[str]] = {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").splitlines()
        if lines:
            grids[lines[0]] = lines[1:]
    return grids


def _term(lines: list[str], term: str) -> float:
    row = next(line for line in lines if line.startswith(term))
    return float(row[len(term) :].strip())


def test_table_shows_each_groups_decomposition_under_its_name(cli, tmp_path):
    frame = binary_frame(2400, 15, ["a", "b", "c"])
    path = saved(tmp_path, frame)
    done = cli("brier", path, "--by", "g", "--bins", 5, "--rows", 0)
    assert done.exit_code == 0, done.stderr
    grids = _plain_grids(done.stdout)
    assert "brier(bins=5) decomposition · 5 uniform bins" in grids  # the whole input's first
    titles = list(grids)
    for key in ("a", "b", "c"):
        title = f"g={key} · brier(bins=5) decomposition · 5 uniform bins"
        assert title in grids, done.stdout
        assert titles.index(title) > titles.index("by g")  # after the groups table
        rows = frame[frame.g == key]
        y, p = rows.label.to_numpy(), rows.prob.to_numpy()
        want = murphy(y, p, np.ones(y.size), np.linspace(0, 1, 6))
        lines = grids[title]
        assert _term(lines, "reliability") == approx(want["reliability"], rel=1e-5)
        assert _term(lines, "− resolution") == approx(want["resolution"], rel=1e-5)
        assert _term(lines, "+ uncertainty") == approx(want["uncertainty"], rel=1e-5)
        assert _term(lines, "= brier(bins=5)") == approx(brier_score_loss(y, p), rel=1e-5)
        assert not any(line.startswith("value = reliability") for line in lines)  # said once, above
    assert "more group" not in done.stdout  # 3 groups: every one shown


def test_eval_shows_each_groups_tables_group_by_group(cli, tmp_path):
    """f1 and precision of a group share one confusion matrix (shown once per group)."""
    frame = binary_frame(1200, 17, ["a", "b"])
    path = saved(tmp_path, frame)
    done = cli("eval", path, "-l", "f1", "-l", "precision", "-l", "ece:bins=4", "--by", "g", "--rows", 0)
    assert done.exit_code == 0, done.stderr
    titles = [t for t in _plain_grids(done.stdout) if t.startswith("g=")]
    matrix = "confusion matrix (rows: true class; columns: predicted class, 1 when score ≥ 0.5)"
    reliability = "ece(bins=4) reliability · 4 uniform bins"
    assert titles == [f"g={k} · {t}" for k in ("a", "b") for t in (matrix, reliability)]
    grids = _plain_grids(done.stdout)
    for key in ("a", "b"):
        rows = frame[frame.g == key]
        want = confusion_matrix(rows.label, (rows.prob >= 0.5).astype(int), labels=[0, 1])
        lines = grids[f"g={key} · {matrix}"]
        for i in range(2):
            cells = lines[1 + i].split()
            assert [int(c) for c in cells[1:3]] == want[i].tolist()


def test_group_details_limit_and_its_note(cli, tmp_path, expect_error):
    frame = binary_frame(2400, 19, [f"s{i:02d}" for i in range(12)])
    path = saved(tmp_path, frame)
    heading = re.compile(r"^g=(s\d\d) · confusion matrix", re.M)

    done = cli("f1", path, "--by", "g", "--rows", 0)
    assert heading.findall(done.stdout) == [f"s{i:02d}" for i in range(10)]  # the first 10 by default
    assert (
        "… 2 more groups' detail tables are in -f json (--group-details all shows them here)" in done.stdout
    )
    done = cli("f1", path, "--by", "g", "--rows", 0, "--group-details", "11")
    assert len(heading.findall(done.stdout)) == 11
    assert "… 1 more group's detail tables are in -f json" in done.stdout
    done = cli("f1", path, "--by", "g", "--rows", 0, "--group-details", "all")
    assert len(heading.findall(done.stdout)) == 12 and "more group" not in done.stdout
    done = cli("f1", path, "--by", "g", "--rows", 0, "--group-details", "0")
    assert heading.findall(done.stdout) == [] and "more group" not in done.stdout
    assert "by g" in done.stdout  # the groups table is still there
    markdown = cli("f1", path, "--by", "g", "-f", "markdown", "--group-details", "3").stdout
    assert re.findall(r"^\*\*g=(s\d\d) · confusion matrix", markdown, re.M) == ["s00", "s01", "s02"]
    assert "… 9 more groups' detail tables are in -f json" in markdown
    data = json.loads(cli("f1", path, "--by", "g", "-f", "json", "--group-details", "0").stdout)
    assert all("confusion_matrix" in g for g in data["results"][0]["groups"])  # JSON has every group's
    for bad in ("x", "-1"):
        expect_error(cli("f1", path, "--by", "g", "--group-details", bad), "--group-details")


def test_markdown_shows_each_groups_per_level_table(cli, tmp_path):
    frame = quantile_frame(600, 21)
    path = saved(tmp_path, frame)
    done = cli("quantile", path, "--pred", "q*", "--by", "g", "-f", "markdown")
    assert done.exit_code == 0, done.stderr
    for key in ("a", "b", "c"):
        title = f"**g={key} · quantile: pinball loss per level**"
        assert title in done.stdout
        section = done.stdout.split(title, 1)[1].split("\n\n**", 1)[0]
        rows = frame[frame.g == key]
        for t in LEVELS:
            want = mean_pinball_loss(rows.label, rows[f"q{round(t * 100):02d}"], alpha=t)
            cell = re.search(rf"^\| {re.escape(f'{t:.6g}')}0* \| (\S+) \|$", section, re.M)
            assert cell is not None, (t, section)
            assert float(cell.group(1)) == approx(want, rel=1e-5)


# ------------------------------------------------------------ a real terminal ----


@pytest.mark.parametrize("width", [80, 120])
def test_group_tables_fit_a_terminal(losscli_exe, terminal, tmp_path, width):
    """At 80 and 120 columns: each group's heading, its confusion matrix counts and its
    decomposition's value whole, no number cut, no line wider, the left-out groups said."""
    frame = binary_frame(1500, 23, ["north", "south", "east"])
    path = saved(tmp_path, frame)
    args = ["eval", str(path), "-l", "f1", "-l", "brier", "--by", "g", "--rows", "0", "--group-details", "2"]
    screen = terminal(" ".join([losscli_exe, *args]), width, height=200, history=400)
    assert "DONE-0" in screen, screen
    lines = screen.splitlines()
    assert all(len(line) <= width for line in lines), screen
    assert not any(re.search(r"\d…", line) for line in lines if line[:1] in "│┃"), screen
    shown = ["east", "north"]  # groups sorted: east, north, south; the first two shown
    for key in ("east", "north", "south"):
        matrix_at = next((i for i, line in enumerate(lines) if line.startswith(f"g={key} · confusion")), None)
        parts_at = next((i for i, line in enumerate(lines) if line.startswith(f"g={key} · brier")), None)
        if key not in shown:
            assert matrix_at is None and parts_at is None, screen
            continue
        assert matrix_at is not None and parts_at is not None, screen
        rows = frame[frame.g == key]
        want = confusion_matrix(rows.label, (rows.prob >= 0.5).astype(int), labels=[0, 1])
        table = [line for line in lines[matrix_at:parts_at] if line.startswith("│ ")]
        for i in range(2):
            cells = [c.strip() for c in table[i].strip("│").split("│")]
            assert [int(c) for c in cells[1:3]] == want[i].tolist(), screen
        value_row = next(line for line in lines[parts_at:] if line.startswith("│ = brier"))
        value = float(value_row.strip("│").split("│")[1])
        assert value == approx(brier_score_loss(rows.label, rows.prob), rel=1e-5)
    note = "… 1 more group's detail tables are in -f json (--group-details all shows them here)"
    squeezed = re.sub(r"\s", "", "".join(lines))  # the note may wrap: compare without whitespace
    assert re.sub(r"\s", "", note) in squeezed, screen
