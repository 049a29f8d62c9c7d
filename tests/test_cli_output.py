"""Every ``--format`` (SPEC §4) on the sample file, checked against NumPy/scikit-learn."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from importlib.metadata import version

import numpy as np
import pytest
from sklearn import metrics as skm

pytestmark = pytest.mark.smoke  # also in the README's fresh-copy run (tests/README.md)

BOX = set("┃━┏┓┗┛┡┩│─┌┐└┘╇╋")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
N = 442


def sections(text: str) -> dict[str, list[list[str]]]:
    """Plain tables: blank-line separated blocks of title, header, rows (cells split on 2+ spaces)."""
    out = {}
    for block in text.strip("\n").split("\n\n"):
        title, *lines = block.splitlines()
        out[title] = [re.split(r"\s{2,}", line.strip()) for line in lines]
    return out


def by_title(tables: dict[str, list[list[str]]], prefix: str) -> list[list[str]]:
    found = [rows for title, rows in tables.items() if title.startswith(prefix)]
    assert len(found) == 1, list(tables)
    return found[0]


def close6(cell: str, want: float) -> bool:
    """A table cell shows 6 significant digits."""
    return float(cell) == pytest.approx(want, rel=5e-6)


# ------------------------------------------------------------------ table ----


def test_table_is_plain_text_when_not_a_terminal(cli, sample_csv, sq_err):
    result = cli("mse", sample_csv)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert not BOX & set(result.stdout)
    assert "\x1b[" not in result.stdout
    tables = sections(result.stdout)
    head = by_title(tables, "per-sample losses")
    assert head[0] == ["row", "pred", "label", "loss"]
    assert [r[0] for r in head[1:11]] == [str(i) for i in range(1, 11)]
    assert all(close6(r[3], sq_err[i]) for i, r in enumerate(head[1:11]))
    assert head[11] == [f"… {N - 10} more rows (--rows N or --rows all to show more)"]
    summary = by_title(tables, sample_csv)
    # issue 13: no mean column that repeats the value (mse's value is the mean of ℓ)
    assert summary[0] == ["loss", "value", "sum", "count", "p50", "p90", "p99", "max"]
    row = dict(zip(summary[0], summary[1], strict=True))
    assert row["loss"] == "mse"
    assert row["count"] == str(N)
    assert close6(row["value"], sq_err.mean())
    assert close6(row["sum"], sq_err.sum())
    assert close6(row["max"], sq_err.max())


def test_table_rows_all_shows_every_row_and_no_left_out_note(cli, sample_csv, sq_err):
    result = cli("mse", sample_csv, "--rows", "all")
    assert result.exit_code == 0
    head = by_title(sections(result.stdout), "per-sample losses")
    assert len(head) == 1 + N
    assert [int(r[0]) for r in head[1:]] == list(range(1, N + 1))
    assert all(len(r) == 4 and close6(r[3], sq_err[i]) for i, r in enumerate(head[1:]))
    assert "more rows" not in result.stdout


def test_table_rows_n(cli, sample_csv):
    result = cli("mse", sample_csv, "--rows", "3")
    head = by_title(sections(result.stdout), "per-sample losses")
    assert [r[0] for r in head[1:4]] == ["1", "2", "3"]
    assert head[4] == [f"… {N - 3} more rows (--rows N or --rows all to show more)"]


def test_table_worst_k_in_descending_order(cli, sample_csv, sq_err):
    result = cli("mse", sample_csv, "--worst", "3")
    assert result.exit_code == 0
    worst = by_title(sections(result.stdout), "worst 3 rows")
    assert worst[0] == ["row", "pred", "label", "loss"]
    top = np.argsort(-sq_err, kind="stable")[:3]
    assert [int(r[0]) for r in worst[1:]] == [int(i) + 1 for i in top]
    assert all(close6(r[3], sq_err[i]) for r, i in zip(worst[1:], top, strict=True))


def test_color_always_gives_rich_box_drawing(cli, sample_csv):
    result = cli("mse", sample_csv, "--color", "always")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "┃" in result.stdout and "━" in result.stdout
    plain = ANSI.sub("", result.stdout)
    assert "p50" in plain and "p99" in plain and "mse" in plain


def test_markup_in_column_names_is_printed_literally(cli, write_file):
    path = write_file("markup.csv", "[bold]pred[/bold],label\n1,2\n3,5\n")
    result = cli("mse", path, "--pred", "[bold]pred[/bold]")
    assert result.exit_code == 0, result.stderr
    assert "[bold]pred[/bold]" in result.stdout


def test_markup_in_column_names_is_printed_literally_with_color(cli, write_file):
    path = write_file("markup.csv", "[bold]pred[/bold],[red]y[/red]\n1,2\n3,5\n")
    result = cli("mse", path, "--pred", "#1", "--label", "[red]y[/red]", "--color", "always")
    assert result.exit_code == 0, result.stderr
    plain = ANSI.sub("", result.stdout)
    assert "[bold]pred[/bold]" in plain
    assert "[red]y[/red]" in plain


# ------------------------------------------------------------------- json ----


def test_json_schema_and_values(cli, sample_csv, sample_df, sq_err):
    result = cli("mse", sample_csv, "-f", "json")
    assert result.exit_code == 0
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert set(doc) == {"losscli_version", "source", "columns", "results", "passed"}
    assert doc["losscli_version"] == version("losscli")
    assert doc["source"] == {
        "path": sample_csv,
        "format": "csv",
        "rows": N,
        "rows_used": N,
        "rows_dropped": 0,
    }
    assert doc["columns"] == {"pred": ["pred"], "label": "label", "weight": None}
    assert doc["passed"] is True
    (res,) = doc["results"]
    assert set(res) == {
        "loss",
        "params",
        "value",
        "mean",
        "sum",
        "count",
        "weight_sum",
        "higher_is_better",
        "quantiles",
    }
    want = skm.mean_squared_error(sample_df["label"], sample_df["pred"])
    assert res["loss"] == "mse"
    assert res["params"] == {}
    assert res["value"] == pytest.approx(want, rel=1e-9)
    assert res["mean"] == pytest.approx(want, rel=1e-9)
    assert res["sum"] == pytest.approx(sq_err.sum(), rel=1e-9)
    assert res["count"] == N and isinstance(res["count"], int)
    assert res["weight_sum"] == pytest.approx(float(N), rel=1e-12)
    assert res["higher_is_better"] is False
    q = res["quantiles"]
    assert set(q) == {"p50", "p90", "p99", "max"}
    for key, pct in (("p50", 50), ("p90", 90), ("p99", 99)):
        lo = np.percentile(sq_err, pct, method="lower")
        hi = np.percentile(sq_err, pct, method="higher")
        assert lo * 0.99 <= q[key] <= hi * 1.01, (key, q[key], lo, hi)
    assert q["max"] == pytest.approx(sq_err.max(), rel=1e-12)


def test_json_params_weights_and_direction(cli, sample_csv, sample_df):
    result = cli("r2", sample_csv, "-f", "json", "--weight", "weight")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["columns"] == {"pred": ["pred"], "label": "label", "weight": "weight"}
    (res,) = doc["results"]
    w = sample_df["weight"]
    want = skm.r2_score(sample_df["label"], sample_df["pred"], sample_weight=w)
    assert res["value"] == pytest.approx(want, rel=1e-9)
    assert res["higher_is_better"] is True
    assert res["weight_sum"] == pytest.approx(w.sum(), rel=1e-12)

    huber = json.loads(cli("huber", sample_csv, "-f", "json", "--delta", "2").stdout)["results"][0]
    assert huber["params"] == {"delta": 2.0}


# ------------------------------------------------------ per-sample streams ----


def test_csv_one_row_per_sample_in_input_order(cli, sample_csv, sample_df, sq_err):
    result = cli("mse", sample_csv, "-f", "csv")
    assert result.exit_code == 0
    assert result.stderr == ""
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["row", "pred", "label", "loss"]
    body = rows[1:]
    assert [int(r[0]) for r in body] == list(range(1, N + 1))
    np.testing.assert_array_equal([float(r[1]) for r in body], sample_df["pred"].to_numpy())
    np.testing.assert_array_equal([float(r[2]) for r in body], sample_df["label"].to_numpy())
    np.testing.assert_allclose([float(r[3]) for r in body], sq_err, rtol=1e-12, atol=0)


def test_csv_id_column_replaces_row(cli, sample_csv, sample_df, sq_err):
    result = cli("mse", sample_csv, "-f", "csv", "--id", "id")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "pred", "label", "loss"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in sample_df["id"]]
    np.testing.assert_allclose([float(r[3]) for r in rows[1:]], sq_err, rtol=1e-12, atol=0)


def test_tsv(cli, sample_csv, sq_err):
    result = cli("mse", sample_csv, "-f", "tsv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "row\tpred\tlabel\tloss"
    assert len(lines) == 1 + N
    cells = [line.split("\t") for line in lines[1:]]
    assert all(len(c) == 4 for c in cells)
    np.testing.assert_allclose([float(c[3]) for c in cells], sq_err, rtol=1e-12, atol=0)


def test_tsv_id_column_is_written_verbatim(cli, sample_csv, sample_df):
    """TSV has no quoting: an --id value is the cell's text, as `cut -f1` shows it."""
    result = cli("mse", sample_csv, "-f", "tsv", "--id", "id")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "id\tpred\tlabel\tloss"
    assert [line.split("\t")[0] for line in lines[1:]] == [str(i) for i in sample_df["id"]]


def test_jsonl_one_object_per_sample(cli, sample_csv, sample_df, sq_err):
    result = cli("mse", sample_csv, "-f", "jsonl")
    assert result.exit_code == 0
    assert result.stderr == ""
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == N
    assert all(set(o) == {"row", "pred", "label", "loss"} for o in objects)
    assert [o["row"] for o in objects] == list(range(1, N + 1))
    np.testing.assert_array_equal([o["label"] for o in objects], sample_df["label"].to_numpy())
    np.testing.assert_allclose([o["loss"] for o in objects], sq_err, rtol=1e-12, atol=0)


# --------------------------------------------------------- summary formats ----


def test_markdown_pipe_table(cli, sample_csv, sq_err):
    result = cli("mse", sample_csv, "-f", "markdown")
    assert result.exit_code == 0
    assert result.stderr == ""
    table = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert len(table) == 3
    header, separator, row = ([c.strip() for c in line.strip("|").split("|")] for line in table)
    assert header == ["loss", "value", "sum", "count", "p50", "p90", "p99", "max"]
    assert all(re.fullmatch(r":?-{3,}:?", c) for c in separator)
    assert row[0] == "mse" and row[3] == str(N)  # counts without separators in machine formats
    assert close6(row[1], sq_err.mean())
    assert not BOX & set(result.stdout)


SK_CASES = [
    ("mse", [], lambda y, p: skm.mean_squared_error(y, p)),
    ("rmse", [], lambda y, p: skm.root_mean_squared_error(y, p)),
    ("mae", [], lambda y, p: skm.mean_absolute_error(y, p)),
    ("mape", [], lambda y, p: skm.mean_absolute_percentage_error(y, p)),
    ("msle", [], lambda y, p: skm.mean_squared_log_error(y, p)),
    ("rmsle", [], lambda y, p: skm.root_mean_squared_log_error(y, p)),
    ("quantile", ["--alpha", "0.9"], lambda y, p: skm.mean_pinball_loss(y, p, alpha=0.9)),
    ("poisson", [], lambda y, p: skm.mean_poisson_deviance(y, p)),
    ("gamma", [], lambda y, p: skm.mean_gamma_deviance(y, p)),
    ("tweedie", ["--power", "1.5"], lambda y, p: skm.mean_tweedie_deviance(y, p, power=1.5)),
    ("max-error", [], lambda y, p: skm.max_error(y, p)),
    ("r2", [], lambda y, p: skm.r2_score(y, p)),
]


@pytest.mark.parametrize(("loss", "extra", "reference"), SK_CASES, ids=[c[0] for c in SK_CASES])
def test_value_is_full_precision(cli, sample_csv, sample_df, loss, extra, reference):
    result = cli(loss, sample_csv, "-f", "value", *extra)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    text = result.stdout
    assert text.endswith("\n") and text.count("\n") == 1
    value = float(text)
    assert text == f"{value!r}\n"
    want = reference(sample_df["label"].to_numpy(), sample_df["pred"].to_numpy())
    assert math.isclose(value, want, rel_tol=1e-12, abs_tol=0.0), (value, want)
