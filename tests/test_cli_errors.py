"""The exit-code table of SPEC §6, one test per row (httpie's ``test_exit_status``).

Every error: the exit code, an empty stdout, one or two stderr lines starting
``losscli: error:`` (Typer's own usage errors keep their usual form), no traceback.
"""

from __future__ import annotations

import os

import pytest
from sklearn.metrics import mean_squared_error

import losscli.losses._regression_kernels as kernels

pytestmark = pytest.mark.smoke  # also in the README's fresh-copy run (tests/README.md)

GOOD = "pred,label\n1,2\n3,5\n4,4\n"


# ---------------------------------------------------------------- 0: success ----


def test_success_exits_0_with_result_on_stdout_only(cli, sample_csv, sample_df):
    result = cli("mse", sample_csv, "-f", "value")
    assert result.exit_code == 0
    assert result.stderr == ""
    want = mean_squared_error(sample_df["label"], sample_df["pred"])
    assert float(result.stdout) == pytest.approx(want, rel=1e-12)


# ---------------------------------------------- 2: the invocation is unusable ----


def test_unknown_loss_is_a_usage_error_with_suggestions(cli, sample_csv, expect_usage_error):
    err = expect_usage_error(cli("msee", sample_csv), "msee")
    assert "'mse'" in err  # Typer's "Did you mean 'mse', …?"


def test_unknown_option_is_a_usage_error(cli, sample_csv, expect_usage_error):
    expect_usage_error(cli("mse", sample_csv, "--bogus"), "--bogus")


def test_parameter_of_the_wrong_type_is_a_usage_error(cli, sample_csv, expect_usage_error):
    expect_usage_error(cli("huber", sample_csv, "--delta", "abc"), "--delta")


def test_missing_file(cli, tmp_path, expect_error):
    missing = tmp_path / "nope.csv"
    expect_error(cli("mse", missing), "nope.csv", "no such file")


def test_directory_is_not_a_file(cli, tmp_path, expect_error):
    folder = tmp_path / "folder"
    folder.mkdir()
    expect_error(cli("mse", folder), "folder", "directory")


def test_unknown_column_names_it_lists_columns_and_suggests(cli, sample_csv, expect_error):
    err = expect_error(cli("mse", sample_csv, "--pred", "prd"), "'prd'", "did you mean 'pred'?")
    for column in ("id", "pred", "label", "pred_var", "weight", "sex"):
        assert f"'{column}'" in err


def test_column_position_out_of_range(cli, sample_csv, expect_error):
    expect_error(cli("mse", sample_csv, "--pred", "#9"), "#9", "6 columns")


def test_ambiguous_default_label_lists_both_candidates(cli, write_file, expect_error):
    path = write_file("amb.csv", "label,target,pred\n1,2,3\n2,3,4\n")
    err = expect_error(cli("mse", path), "'label'", "'target'", "--label")
    assert "several columns" in err


def test_no_default_prediction_column(cli, write_file, expect_error):
    path = write_file("nopred.csv", "a,label\n1,2\n")
    expect_error(cli("mse", path), "--pred", "'a'", "'label'")


def test_text_in_numeric_column_names_column_and_row(cli, write_file, expect_error):
    path = write_file("text.csv", "pred,label\n1,2\n3,oops\n4,5\n")
    err = expect_error(cli("mse", path), "'label'", "row 2", "'oops'")
    assert "text.csv" in err


def test_nan_without_nan_drop_names_row_and_suggests_drop(cli, write_file, expect_error):
    path = write_file("nan.csv", "pred,label\n1,2\n3,4\n5,\n6,NaN\n")
    expect_error(cli("mse", path), "'label'", "row 3", "2 such rows", "--nan drop")


def test_infinite_value_is_an_error_even_with_nan_drop(cli, write_file, expect_error):
    path = write_file("inf.csv", "pred,label\n1,2\ninf,4\n5,6\n")
    expect_error(cli("mse", path, "--nan", "drop"), "'pred'", "row 2", "inf")


def test_empty_file(cli, write_file, expect_error):
    expect_error(cli("mse", write_file("empty.csv", "")), "empty.csv", "no rows")


def test_header_only_file(cli, write_file, expect_error):
    expect_error(cli("mse", write_file("header.csv", "pred,label\n")), "header.csv", "no rows")


def test_everything_dropped_by_nan_drop(cli, write_file, expect_error):
    path = write_file("holes.csv", "pred,label\n1,\n,2\nnan,3\n")
    expect_error(cli("mse", path, "--nan", "drop"), "no rows", "3 rows", "dropped")


@pytest.mark.parametrize(
    ("loss", "option", "value"),
    [("huber", "--delta", "-1"), ("quantile", "--alpha", "1.5"), ("tweedie", "--power", "0.5")],
)
def test_bad_parameter_value(cli, sample_csv, expect_error, loss, option, value):
    expect_error(cli(loss, sample_csv, option, value), loss, option, value)


def test_domain_violation_names_the_row(cli, write_file, expect_error):
    path = write_file("neg.csv", "pred,label\n1,2\n2,3\n-3,1\n4,5\n0,1\n")
    expect_error(cli("poisson", path), "poisson", "'pred'", "row 3", "2 such rows")


def test_negative_weight(cli, write_file, expect_error):
    path = write_file("w.csv", "pred,label,w\n1,2,1\n2,3,-1\n")
    expect_error(cli("mse", path, "--weight", "w"), "'w'", "row 2")


def test_non_numeric_parquet_column(cli, sample_parquet, expect_error):
    expect_error(cli("mse", sample_parquet, "--pred", "sex"), "'sex'", "not numbers")


def test_garbage_bytes_named_parquet(cli, write_file, expect_error):
    path = write_file("garbage.parquet", os.urandom(200) + b"not parquet at all")
    expect_error(cli("mse", path), "garbage.parquet", "parquet")


@pytest.mark.parametrize("rows", ["abc", "-3", "1.5"])
def test_invalid_rows_value(cli, sample_csv, expect_error, rows):
    expect_error(cli("mse", sample_csv, "--rows", rows), "--rows", rows)


def test_output_with_unknown_extension(cli, sample_csv, tmp_path, expect_error):
    target = tmp_path / "out.xyz"
    expect_error(cli("mse", sample_csv, "-o", target), "out.xyz", ".csv")
    assert sorted(os.listdir(tmp_path)) == []


def test_unknown_task_in_list(cli, expect_error):
    expect_error(cli("list", "--task", "nope"), "'nope'", "regression")


def test_markup_in_a_column_name_is_printed_literally_in_errors(cli, sample_csv, expect_error):
    expect_error(cli("mse", sample_csv, "--pred", "[red]x[/red]"), "'[red]x[/red]'")


# ------------------------------------------------------- 3: internal error ----


@pytest.fixture
def broken_kernel(monkeypatch):
    def boom(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(kernels, "squared_error", boom)


def test_internal_error_exits_3_and_asks_for_debug(cli, write_file, broken_kernel, expect_error):
    err = expect_error(cli("mse", write_file("ok.csv", GOOD)), "RuntimeError", "boom", code=3)
    assert "--debug" in err


def test_internal_error_with_debug_shows_the_traceback(cli, write_file, broken_kernel):
    result = cli("mse", write_file("ok.csv", GOOD), "--debug")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "Traceback" in result.stderr
    assert "RuntimeError: boom" in result.stderr
    assert result.stderr.splitlines()[-2].startswith("losscli: error: internal error")


def test_internal_error_with_losscli_debug_env_shows_the_traceback(cli, write_file, broken_kernel):
    result = cli("mse", write_file("ok.csv", GOOD), env={"LOSSCLI_DEBUG": "1"})
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "Traceback" in result.stderr


def test_user_errors_show_a_traceback_only_with_debug(cli, tmp_path):
    result = cli("mse", tmp_path / "nope.csv", "--debug")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("losscli: error: ")
