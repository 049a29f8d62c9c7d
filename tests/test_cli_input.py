"""Inputs (SPEC §3, §8): every file format, delimiters, headers, encodings, weights, NaN policy."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import mean_squared_error

pytestmark = pytest.mark.smoke  # also in the README's fresh-copy run (tests/README.md)


def value_of(result) -> float:
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return float(result.stdout)


def same(got: float, want: float, rel: float = 1e-12) -> bool:
    return math.isclose(got, want, rel_tol=rel, abs_tol=0.0)


@pytest.fixture(scope="session")
def mse_ref(sample_df) -> float:
    return float(mean_squared_error(sample_df["label"], sample_df["pred"]))


@pytest.fixture(scope="session")
def formats_dir(tmp_path_factory, sample_df):
    """The sample table written in every input format (by pandas/pyarrow, not losscli)."""
    folder = tmp_path_factory.mktemp("formats")
    text = sample_df.to_csv(index=False)
    table = pa.Table.from_pandas(sample_df, preserve_index=False)
    sample_df.to_csv(folder / "d.csv.gz", index=False, compression="gzip")
    with pa.CompressedOutputStream(str(folder / "d.csv.zst"), "zstd") as out:
        out.write(text.encode())
    sample_df.to_csv(folder / "d.tsv", index=False, sep="\t")
    pq.write_table(table, folder / "d.parquet")
    feather.write_feather(table, str(folder / "d.arrow"))
    with open(folder / "d.jsonl", "w", encoding="utf-8") as fh:
        for record in sample_df.to_dict(orient="records"):
            fh.write(json.dumps(record) + "\n")  # repr floats: exact round trip
    parts = folder / "parts"
    parts.mkdir()
    for i, (a, b) in enumerate([(0, 100), (100, 250), (250, len(sample_df))]):
        pq.write_table(table.slice(a, b - a), parts / f"part-{i}.parquet")
    return folder


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("d.csv.gz", "csv"),
        ("d.csv.zst", "csv"),
        ("d.tsv", "tsv"),
        ("d.parquet", "parquet"),
        ("d.arrow", "arrow"),
        ("d.jsonl", "jsonl"),
        ("parts", "parquet"),
    ],
)
def test_every_input_format_gives_the_same_mse(cli, formats_dir, mse_ref, name, fmt):
    path = formats_dir / name
    assert same(value_of(cli("mse", path, "-f", "value")), mse_ref)
    source = json.loads(cli("mse", path, "-f", "json").stdout)["source"]
    assert source["format"] == fmt
    assert source["rows"] == source["rows_used"] == 442


def test_parquet_directory_keeps_row_order(cli, formats_dir, sample_df):
    result = cli("mse", formats_dir / "parts", "-f", "jsonl", "--id", "id")
    assert result.exit_code == 0, result.stderr
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert [int(i) for i in ids] == sample_df["id"].tolist()


def test_sample_parquet(cli, sample_parquet, mse_ref):
    assert same(value_of(cli("mse", sample_parquet, "-f", "value")), mse_ref)


def test_input_format_overrides_the_extension(cli, write_file):
    path = write_file("data.txt", "pred\tlabel\n1\t2\n3\t5\n")
    assert value_of(cli("mse", path, "--input-format", "tsv", "-f", "value")) == 2.5


def test_no_header_with_positions(cli, sample_df, write_file, mse_ref):
    path = write_file("nohdr.csv", sample_df[["id", "pred", "label"]].to_csv(index=False, header=False))
    result = cli("mse", path, "--no-header", "--pred", "#2", "--label", "#3", "-f", "value")
    assert same(value_of(result), mse_ref)


def test_no_header_columns_are_named_by_number(cli, write_file):
    path = write_file("nohdr.csv", "7,1,2\n8,3,5\n")
    result = cli("mse", path, "--no-header", "--pred", "2", "--label", "3", "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["columns"]["pred"] == ["2"] and doc["columns"]["label"] == "3"
    assert doc["source"]["rows"] == 2
    assert doc["results"][0]["value"] == 2.5


def test_columns_by_position_with_a_header(cli, sample_csv, mse_ref):
    assert same(value_of(cli("mse", sample_csv, "--pred", "#2", "--label", "#3", "-f", "value")), mse_ref)


def test_semicolon_delimiter_on_a_csv(cli, sample_df, write_file, mse_ref):
    path = write_file("semi.csv", sample_df.to_csv(index=False, sep=";"))
    assert same(value_of(cli("mse", path, "--delimiter", ";", "-f", "value")), mse_ref)


def test_utf8_bom_and_crlf(cli, sample_df, write_file, mse_ref):
    text = sample_df.to_csv(index=False, lineterminator="\r\n")
    path = write_file("bom.csv", b"\xef\xbb\xbf" + text.encode())
    result = cli("mse", path, "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["columns"]["label"] == "label"
    assert same(doc["results"][0]["value"], mse_ref)
    assert doc["source"]["rows"] == 442


def test_bom_on_the_first_column_is_not_part_of_its_name(cli, write_file):
    path = write_file("bom.csv", "\ufeffpred,label\r\n1,2\r\n3,5\r\n")
    assert value_of(cli("mse", path, "--pred", "pred", "-f", "value")) == 2.5


def test_weight_matches_sklearn(cli, sample_csv, sample_df):
    want = mean_squared_error(sample_df["label"], sample_df["pred"], sample_weight=sample_df["weight"])
    assert same(value_of(cli("mse", sample_csv, "--weight", "weight", "-f", "value")), want)


def test_default_column_names_are_case_insensitive(cli, write_file):
    path = write_file("case.csv", "Y_Pred,Target\n1,2\n3,5\n")
    assert value_of(cli("mse", path, "-f", "value")) == 2.5


def test_nan_drop_counts_dropped_rows(cli, sample_df, write_file):
    df = sample_df[["pred", "label"]].copy()
    df.loc[[3, 10], "label"] = np.nan
    df.loc[[10, 20], "pred"] = np.nan
    path = write_file("holes.csv", df.to_csv(index=False))
    result = cli("mse", path, "--nan", "drop", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert doc["source"]["rows"] == 442
    assert doc["source"]["rows_used"] == 439
    assert doc["source"]["rows_dropped"] == 3
    kept = df.dropna()
    want = mean_squared_error(kept["label"], kept["pred"])
    assert same(doc["results"][0]["value"], want)
    assert doc["results"][0]["count"] == 439


def test_nan_drop_keeps_row_numbers_of_the_input(cli, write_file):
    path = write_file("holes.csv", "pred,label\n1,2\n,3\n4,6\n")
    result = cli("mse", path, "--nan", "drop", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["row"] for r in rows] == [1, 3]
    assert [r["loss"] for r in rows] == [1.0, 4.0]


def test_only_used_columns_need_to_be_numeric(cli, write_file):
    path = write_file("extra.csv", 'note,pred,label,other\nhello,1,2,x\n"a, b",3,5,\nworld,4,4,y\n')
    result = cli("mse", path, "-f", "value")
    assert same(value_of(result), 5 / 3)


def test_unused_parquet_column_of_text_is_fine(cli, write_file, tmp_path):
    table = pa.table({"name": ["a", "b"], "pred": [1.0, 3.0], "label": [2, 5]})
    pq.write_table(table, tmp_path / "t.parquet")
    assert value_of(cli("mse", tmp_path / "t.parquet", "-f", "value")) == 2.5


def test_integer_and_quoted_numbers(cli, write_file):
    path = write_file("ints.csv", 'pred,label\n"1",2\n3,"5"\n')
    assert value_of(cli("mse", path, "-f", "value")) == 2.5
