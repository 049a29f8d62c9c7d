"""Files losscli writes: ``-o`` per-sample losses (atomic) and ``--summary-file`` (appended)."""

from __future__ import annotations

import csv
import os

import numpy as np
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.smoke  # also in the README's fresh-copy run (tests/README.md)

BAD = "pred,label\n1,2\n3,\n4,5\n"  # NaN in row 2: exit 2 without --nan drop


def leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_output_csv_has_the_per_sample_losses(cli, sample_csv, sample_df, sq_err, tmp_path):
    target = tmp_path / "out.csv"
    result = cli("mse", sample_csv, "-o", target, "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert float(result.stdout) == pytest.approx(sq_err.mean(), rel=1e-12)
    with open(target, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["row", "pred", "label", "loss"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 443))
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], sample_df["pred"].to_numpy())
    np.testing.assert_allclose([float(r[3]) for r in rows[1:]], sq_err, rtol=1e-12, atol=0)
    assert leftovers(tmp_path) == []


def test_output_parquet_has_the_per_sample_losses(cli, sample_csv, sample_df, sq_err, tmp_path):
    target = tmp_path / "out.parquet"
    result = cli("mse", sample_csv, "-o", target, "--id", "id")
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(target)
    assert table.column_names == ["id", "pred", "label", "loss"]
    assert [int(v) for v in table.column("id").to_pylist()] == sample_df["id"].tolist()
    np.testing.assert_array_equal(table.column("label").to_numpy(), sample_df["label"].to_numpy())
    np.testing.assert_allclose(table.column("loss").to_numpy(), sq_err, rtol=1e-12, atol=0)
    assert leftovers(tmp_path) == []


def test_output_alongside_a_streamed_format(cli, sample_csv, tmp_path):
    target = tmp_path / "out.tsv"
    result = cli("mse", sample_csv, "-o", target, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "row,pred,label,loss"
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row\tpred\tlabel\tloss"
    assert len(lines) == 443
    assert [line.split("\t")[3] for line in lines[1:]] == [
        line.split(",")[3] for line in result.stdout.splitlines()[1:]
    ]


def test_output_file_gets_the_usual_permissions(cli, sample_csv, tmp_path):
    """A new -o file is created like any other file (mode 0666 minus the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    target = tmp_path / "out.csv"
    result = cli("mse", sample_csv, "-o", target, "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~umask)


@pytest.mark.parametrize("name", ["out.csv", "out.parquet"])
def test_failed_run_writes_no_output_and_leaves_no_temp_file(cli, write_file, tmp_path, expect_error, name):
    path = write_file("bad.csv", BAD)
    expect_error(cli("mse", path, "-o", tmp_path / name), "row 2")
    assert not (tmp_path / name).exists()
    assert leftovers(tmp_path) == []
    assert sorted(os.listdir(tmp_path)) == ["bad.csv"]


def test_failed_run_keeps_an_existing_output_file(cli, write_file, tmp_path, expect_error):
    path = write_file("bad.csv", BAD)
    target = tmp_path / "out.csv"
    target.write_text("previous,content\n", encoding="utf-8")
    expect_error(cli("mse", path, "-o", target), "--nan drop")
    assert target.read_text(encoding="utf-8") == "previous,content\n"
    assert leftovers(tmp_path) == []


def test_failed_run_after_reading_started_leaves_nothing(cli, sample_df, write_file, tmp_path, expect_error):
    """The bad value comes late, after rows were already written to the temp file."""
    df = sample_df[["pred", "label"]].copy()
    big = df.loc[df.index.repeat(400)].reset_index(drop=True)  # 176 800 rows, several chunks
    text = big.to_csv(index=False) + "1,oops\n"
    path = write_file("late.csv", text)
    expect_error(cli("mse", path, "-o", tmp_path / "out.csv"), f"row {len(big) + 1}", "'oops'")
    assert sorted(os.listdir(tmp_path)) == ["late.csv"]


def test_summary_file_appends_one_markdown_table_per_run(cli, sample_csv, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("# CI report\n", encoding="utf-8")
    for loss in ("mse", "mae"):
        result = cli(loss, sample_csv, "--summary-file", summary, "-f", "value")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.count("\n") == 1  # the summary goes to the file, not stdout
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# CI report\n")
    headers = [line for line in text.splitlines() if line.startswith("| loss | value |")]
    assert len(headers) == 2
    rows = [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| m")]
    assert rows == ["mse", "mae"]


def test_summary_file_not_written_when_the_run_fails(cli, write_file, tmp_path, expect_error):
    path = write_file("bad.csv", BAD)
    summary = tmp_path / "summary.md"
    expect_error(cli("mse", path, "--summary-file", summary), "row 2")
    assert not summary.exists()
