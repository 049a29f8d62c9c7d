"""Issue 13 §4, outputs: what a first-time user reads back from losscli.

1. Per-sample rows (``-f csv/tsv/jsonl``, ``-o`` CSV/Parquet, the Dask engine's ``-o DIR``
   parts) carry the ``--by`` group columns as written and, for multiclass losses, the
   ``predicted`` and ``p(true)`` columns the table shows; added columns never take an input
   column's name; numbers read back exactly; CSV quotes only where RFC 4180 needs it.
2. A check's reason (value, limit or baseline, tolerance) in Markdown, JUnit and
   ``check --format json``.
3. The probability-sum error gives the row's sum and its distance from 1.
4. The clipping warning only when clipping changed the value beyond rounding.
5. A loss with parameters is named one way everywhere (``top-k-error(k=2)``).

References come from scikit-learn and NumPy, never from losscli's own output.
"""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, mean_squared_error, top_k_accuracy_score

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
IRIS = pd.read_csv(SAMPLES / "iris_multiclass.csv")
CLASSES = ["setosa", "versicolor", "virginica"]
PROBS = [f"prob_{c}" for c in CLASSES]
P = IRIS[PROBS].to_numpy()
Y = IRIS["label"].map(CLASSES.index).to_numpy()
EPS = float(np.finfo(np.float64).eps)


def per_row_log_loss(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """scikit-learn's log loss of each row on its own."""
    return np.array([log_loss([yi], [pi], labels=[0, 1, 2]) for pi, yi in zip(p, y, strict=True)])


@pytest.fixture
def iris_groups(tmp_path: Path) -> tuple[str, pd.DataFrame]:
    """Iris with two text group columns: 'fold' holds '007' and '7' (two groups as written)
    and 'site' a name with a comma (CSV must quote it)."""
    frame = IRIS.copy()
    frame["fold"] = np.where(np.arange(len(frame)) % 3 == 0, "007", "7")
    frame["site"] = np.where(np.arange(len(frame)) % 2 == 0, "north", "south, east")
    path = tmp_path / "iris_groups.csv"
    frame.to_csv(path, index=False)
    return str(path), pd.read_csv(path, dtype={"fold": str, "site": str})


def read_rows(fmt: str, text: str) -> list[dict[str, str]]:
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    return list(csv.DictReader(io.StringIO(text), delimiter="\t" if fmt == "tsv" else ","))


# ------------------------------------------------ 1. per-sample group and class columns ----


@pytest.mark.smoke
@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_per_sample_rows_carry_groups_predicted_and_p_true(cli, iris_groups, fmt):
    path, frame = iris_groups
    result = cli("cross-entropy", path, "--by", "fold", "--by", "site", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    rows = read_rows(fmt, result.stdout)
    assert list(rows[0]) == ["row", *PROBS, "label", "fold", "site", "predicted", "p(true)", "loss"]
    assert [r["fold"] for r in rows] == frame["fold"].tolist()  # '007' stays '007'
    assert [r["site"] for r in rows] == frame["site"].tolist()
    assert [r["predicted"] for r in rows] == [CLASSES[i] for i in P.argmax(axis=1)]
    np.testing.assert_array_equal([float(r["p(true)"]) for r in rows], P[np.arange(len(Y)), Y])
    np.testing.assert_allclose([float(r["loss"]) for r in rows], per_row_log_loss(P, Y), rtol=1e-12)


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_output_file_carries_the_same_columns(cli, iris_groups, tmp_path, ext):
    path, frame = iris_groups
    out = tmp_path / f"losses.{ext}"
    result = cli("cross-entropy", path, "--by", "fold,site", "-o", out, "-f", "value")
    assert result.exit_code == 0, result.stderr
    got = pd.read_csv(out, dtype={"fold": str}) if ext == "csv" else pd.read_parquet(out)
    assert list(got.columns) == ["row", *PROBS, "label", "fold", "site", "predicted", "p(true)", "loss"]
    assert got["fold"].tolist() == frame["fold"].tolist() and got["site"].tolist() == frame["site"].tolist()
    assert got["predicted"].tolist() == [CLASSES[i] for i in P.argmax(axis=1)]
    np.testing.assert_allclose(got["loss"].to_numpy(), per_row_log_loss(P, Y), rtol=1e-12)


def test_regression_rows_carry_each_group_column_once(cli, sample_csv, sample_df):
    """--by sex --by id with --id id: the id leads the row and is not repeated."""
    result = cli("mse", sample_csv, "--id", "id", "--by", "sex", "--by", "id", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id", "pred", "label", "sex", "loss"]
    assert [r["sex"] for r in rows] == sample_df["sex"].tolist()
    losses = np.array([float(r["loss"]) for r in rows])
    assert np.mean(losses) == pytest.approx(
        mean_squared_error(sample_df["label"], sample_df["pred"]), rel=1e-12
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_added_column_never_takes_an_input_columns_name(cli, write_file, fmt):
    """Input columns keep their names; an added one gets '_' appended (predicted_, loss_)."""
    text = "label,prob_a,prob_b,predicted\na,0.9,0.1,x\nb,0.3,0.7,y\n"
    result = cli("cross-entropy", write_file("clash.csv", text), "--by", "predicted", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    rows = read_rows(fmt, result.stdout)
    assert list(rows[0]) == ["row", "prob_a", "prob_b", "label", "predicted", "predicted_", "p(true)", "loss"]
    assert [r["predicted"] for r in rows] == ["x", "y"]  # the input's column
    assert [r["predicted_"] for r in rows] == ["a", "b"]  # the predicted class
    result = cli("mse", write_file("loss.csv", "loss,label\n3,1\n"), "--pred", "loss", "-f", fmt)
    (row,) = read_rows(fmt, result.stdout)
    assert list(row) == ["row", "loss", "label", "loss_"]
    assert (float(row["loss"]), float(row["loss_"])) == (3.0, (3.0 - 1.0) ** 2)


def test_the_same_loss_twice_is_refused(cli, sample_csv, expect_error):
    expect_error(cli("eval", sample_csv, "-l", "mse", "-l", "mse", "-f", "csv"), "mse is asked for twice")


@pytest.mark.smoke
def test_csv_numbers_read_back_exactly_and_quotes_only_where_needed(cli, sample_csv, sample_df, write_file):
    result = cli("mse", sample_csv, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    d = sample_df["pred"].to_numpy() - sample_df["label"].to_numpy()
    assert [float(r["loss"]) for r in rows] == (d * d).tolist()  # bit for bit: one product each
    result = cli("cross-entropy", SAMPLES / "iris_multiclass.csv", "-f", "csv")
    lines = result.stdout.splitlines()
    assert lines[1].split(",")[4:6] == ["setosa", "setosa"]  # class names unquoted
    back = [[float(r[c]) for c in PROBS] for r in csv.DictReader(io.StringIO(result.stdout))]
    source = [
        [float(r[c]) for c in PROBS]
        for r in csv.DictReader(io.StringIO((SAMPLES / "iris_multiclass.csv").read_text()))
    ]
    assert back == source  # every input number read back exactly (1.710306402914791e-7 too)
    text = 'label,prob_a,prob_b,site\na,0.9,0.1,"x,1"\nb,0.3,0.7,"say ""y"""\n'
    result = cli("cross-entropy", write_file("quoted.csv", text), "--by", "site", "-f", "csv")
    assert result.stdout.splitlines()[1:] == [
        f'1,0.9,0.1,a,"x,1",a,0.9,{-math.log(0.9)!r}',
        f'2,0.3,0.7,b,"say ""y""",b,0.7,{-math.log(0.7)!r}',
    ]


def test_dask_parts_carry_groups_and_predicted(cli, iris_groups, tmp_path):
    pytest.importorskip("distributed")
    import logging

    import distributed

    path, frame = iris_groups
    folder = tmp_path / "in"
    folder.mkdir()
    whole = pd.read_csv(path, dtype={"fold": str, "site": str})
    whole.iloc[:70].to_csv(folder / "a.csv", index=False)
    whole.iloc[70:].to_csv(folder / "b.csv", index=False)
    out = tmp_path / "parts"
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as lc,
        distributed.Client(lc) as client,
    ):
        result = cli(
            "cross-entropy", folder / "*.csv", "--by", "fold", "-o", out, "-f", "value",
            "--engine", "dask", "--scheduler", client.scheduler.address,
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    parts = sorted(out.glob("part-*.parquet"))
    got = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    assert list(got.columns) == ["row", *PROBS, "label", "fold", "predicted", "p(true)", "loss"]
    assert got["fold"].tolist() == frame["fold"].tolist()
    assert got["predicted"].tolist() == [CLASSES[i] for i in P.argmax(axis=1)]
    np.testing.assert_array_equal(got["p(true)"].to_numpy(), P[np.arange(len(Y)), Y])
    np.testing.assert_allclose(got["loss"].to_numpy(), per_row_log_loss(P, Y), rtol=1e-12)


# ------------------------------------------------------------- 2. why a check failed ----


@pytest.mark.smoke
def test_markdown_junit_and_verdict_say_why(cli, sample_csv, sample_df, tmp_path):
    value = mean_squared_error(sample_df["label"], sample_df["pred"])
    base = value * 0.97  # 3% better than this run: fails an rtol of 2%
    baseline = tmp_path / "base.json"
    baseline.write_text(json.dumps({"mse": base}))
    junit = tmp_path / "junit.xml"
    args = ("--baseline", baseline, "--rtol", "2%", "--junit", junit, "-f", "markdown")
    result = cli("mse", sample_csv, *args)
    assert result.exit_code == 1
    why = (
        f"{value:.6g} worse than baseline {base:.6g} by {value - base:.3g} > "
        f"tolerance {0.02 * base:.3g} (rtol 2%)"
    )
    assert f"FAIL mse {why}" in result.stderr.splitlines()
    row = next(line for line in result.stdout.splitlines() if line.startswith("| mse |") and "FAIL" in line)
    assert row.rstrip(" |").endswith(why.replace(">", "&gt;"))  # the Markdown cell (escaped)
    failure = ET.parse(junit).getroot().find(".//failure")
    assert failure is not None and failure.get("message") == f"mse: {why}"
    result = cli("mse", sample_csv, "--max", "2000", "-f", "markdown")
    assert f"| {value:.6g} &gt; max 2000 |" in result.stdout  # '>' escaped in Markdown


def test_check_json_detail_says_why(cli, tmp_path, sample_csv, sample_df):
    value = mean_squared_error(sample_df["label"], sample_df["pred"])
    (tmp_path / "base.json").write_text(json.dumps({"mse": value - 50}))
    (tmp_path / "losscli.toml").write_text(
        f'[[check]]\nname = "m"\nfile = "{sample_csv}"\nloss = "mse"\nmax = 2000\n\n'
        f'[[check]]\nname = "b"\nfile = "{sample_csv}"\nloss = "mse"\nbaseline = "base.json"\natol = 10\n'
    )
    result = cli("check", tmp_path / "losscli.toml", "--format", "json", "--allow-outside")
    assert result.exit_code == 1, result.stderr
    details = [c["detail"] for c in json.loads(result.stdout)["checks"]]
    assert details == [
        f"{value:.6g} > max 2000",
        f"{value:.6g} worse than baseline {value - 50:.6g} by {50:.3g} > tolerance 10 (atol 10)",
    ]


def test_a_value_that_rounds_to_the_limit_shows_more_digits(cli, sample_csv, sample_df):
    value = mean_squared_error(sample_df["label"], sample_df["pred"])
    limit = value - 1e-4  # reads alike at six digits (2978.69), yet smaller
    result = cli("mse", sample_csv, "--max", repr(limit), "-f", "value")
    verdict = result.stderr.splitlines()[0]
    shown, _, rest = verdict.removeprefix("FAIL mse ").partition(" > max ")
    assert shown != rest and float(shown) > float(rest)


# -------------------------------------------------------------- 3. the probability sum ----


@pytest.mark.smoke
def test_probability_sum_error_shows_the_sum_and_distance(cli, write_file, expect_error):
    text = "label,prob_a,prob_b\na,0.5,0.5\nb,0.5,0.5312\n"
    err = expect_error(cli("cross-entropy", write_file("sum.csv", text)), "row 2")
    assert "its probabilities sum to 1.0312 (off by 0.0312; tolerance 1e-06)" in err
    assert "--normalize" in err and "--from-logits" in err.splitlines()[1]
    text = "label,prob_a,prob_b\na,0.5,0.5000023\n"  # 2.3e-6 off: the sum keeps the digits to show it
    err = expect_error(cli("multiclass-brier", write_file("sum2.csv", text)))
    assert "sum to 1.0000023 (off by 2.3e-06; tolerance 1e-06)" in err


# ---------------------------------------------------------------------- 4. clipping ----


@pytest.mark.parametrize(
    ("p", "warned"),
    [
        (1.0, False),  # true class at 1: clipped to 1 − ε, ℓ = ε instead of 0 (rounding)
        (0.0, True),  # true class at 0: ℓ = −log ε instead of ∞
        (1e-300, True),  # below ε: ℓ = 36 instead of 691
    ],
)
def test_clipping_warns_only_when_it_changed_the_value(cli, write_file, p, warned):
    text = f"label,prob\n1,{p!r}\n0,0.2\n1,0.7\n"
    result = cli("bce", write_file("clip.csv", text), "-f", "json")
    assert result.exit_code == 0, result.stderr
    res = json.loads(result.stdout)["results"][0]
    assert res["clipped"] == 1  # always counted in JSON
    y, q = np.array([1, 0, 1]), np.array([p, 0.2, 0.7])
    assert res["value"] == pytest.approx(log_loss(y, q), rel=1e-12)  # scikit-learn clips at ε too
    assert ("were clipped" in result.stderr) is warned
    assert result.stderr.count("\n") == int(warned)


def test_clipping_on_the_iris_samples_is_silent(cli):
    result = cli("cross-entropy", SAMPLES / "iris_multiclass.csv", "-f", "json")
    assert result.stderr == ""
    assert json.loads(result.stdout)["results"][0]["clipped"] == int(
        ((P < EPS) | (P > 1 - EPS))[np.arange(len(Y)), Y].sum()
    )


# ------------------------------------------------------------ 5. one name everywhere ----


@pytest.mark.smoke
def test_top_k_error_has_one_name_everywhere(cli, tmp_path):
    iris = SAMPLES / "iris_multiclass.csv"
    want = 1 - top_k_accuracy_score(Y, P, k=2, labels=[0, 1, 2])
    name = "top-k-error(k=2)"
    junit = tmp_path / "j.xml"
    result = cli("top-k-error", iris, "--k", "2", "--max", "0.5", "--junit", junit, "-f", "json")
    (entry,) = json.loads(result.stdout)["results"]
    assert entry["loss"] == name and entry["params"] == {"k": 2} and entry["value"] == pytest.approx(want)
    assert json.loads(result.stdout)["checks"][0]["name"] == name
    assert ET.parse(junit).getroot().find(".//testcase").get("name") == name
    assert result.stderr.startswith(f"PASS {name} ")
    table = cli("top-k-error", iris, "--k", "2").stdout
    assert any(line.split()[:1] == [name] for line in table.splitlines())
    assert f"| {name} |" in cli("top-k-error", iris, "--k", "2", "-f", "markdown").stdout
    both = cli("eval", iris, "-l", "top-k-error:k=2", "-l", "top-k-error", "-f", "csv").stdout
    assert both.splitlines()[0].endswith(f",loss_{name},loss_top-k-error")
    values = cli("eval", iris, "-l", "top-k-error:k=2", "-l", "top-k-error", "-f", "value").stdout
    assert [line.split("\t")[0] for line in values.splitlines()] == [name, "top-k-error"]
    default = json.loads(cli("top-k-error", iris, "-f", "json").stdout)["results"][0]
    assert default["loss"] == "top-k-error" and default["value"] == pytest.approx(
        1 - top_k_accuracy_score(Y, P, k=1)
    )
    assert "top-k-error" in cli("list").stdout
    assert "top-k-error(k=2) with --k 2" in cli("explain", "top-k-error").stdout


def test_check_names_follow_the_rule(cli, tmp_path):
    iris = SAMPLES / "iris_multiclass.csv"
    (tmp_path / "losscli.toml").write_text(
        f'[[check]]\nfile = "{iris}"\nloss = "top-k-error"\nk = 2\nmax = 0.5\n'
    )
    result = cli("check", tmp_path / "losscli.toml", "--format", "json", "--allow-outside")
    (check,) = json.loads(result.stdout)["checks"]
    assert check["name"] == "iris_multiclass.csv/top-k-error(k=2)" and check["loss"] == "top-k-error(k=2)"


def test_a_gate_may_name_the_loss_without_its_parameters(cli):
    iris = SAMPLES / "iris_multiclass.csv"
    result = cli("eval", iris, "-l", "top-k-error:k=2", "-l", "cross-entropy", "--max", "top-k-error=0.5")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("PASS top-k-error(k=2) ")
