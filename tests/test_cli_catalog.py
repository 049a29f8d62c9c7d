"""``--version``, ``list``, ``explain`` and loss aliases."""

from __future__ import annotations

from importlib.metadata import version

import pytest

REGRESSION = [
    "mse",
    "rmse",
    "mae",
    "huber",
    "smooth-l1",
    "log-cosh",
    "mape",
    "smape",
    "msle",
    "rmsle",
    "quantile",
    "poisson",
    "poisson-nll",
    "gamma",
    "tweedie",
    "gaussian-nll",
    "max-error",
    "r2",
]


def first_cells(stdout: str) -> set[str]:
    return {line.split()[0] for line in stdout.splitlines() if line.strip()}


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == f"losscli {version('losscli')}\n"


def test_no_arguments_shows_help(cli):
    result = cli()
    assert result.exit_code in (0, 2)  # click's no_args_is_help: help text, usage exit code
    assert "Usage:" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [[], ["--task", "regression"]], ids=["all", "regression"])
def test_list_has_every_regression_loss(cli, args):
    result = cli("list", *args)
    assert result.exit_code == 0
    assert result.stderr == ""
    names = first_cells(result.stdout)
    assert set(REGRESSION) <= names
    assert "┃" not in result.stdout  # plain text when not a terminal


def test_list_of_a_task_without_losses_yet_is_empty_not_an_error(cli):
    result = cli("list", "--task", "multilabel")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert not set(REGRESSION) & first_cells(result.stdout)


def test_list_shows_aliases(cli):
    result = cli("list")
    mse = next(line for line in result.stdout.splitlines() if line.startswith("mse "))
    assert "l2" in mse


def test_explain_huber(cli):
    result = cli("explain", "huber")
    assert result.exit_code == 0
    assert result.stderr == ""
    text = result.stdout
    assert text.startswith("huber")
    assert "½d²" in text and "δ(|d| − ½δ)" in text  # the formula
    assert "--delta" in text
    assert "torch.nn.functional.huber_loss" in text


@pytest.mark.parametrize("loss", REGRESSION)
def test_every_regression_loss_has_an_explain_page_and_help(cli, loss):
    page = cli("explain", loss)
    assert page.exit_code == 0, page.stderr
    assert page.stdout.startswith(loss)
    assert "per-sample" in page.stdout
    assert cli(loss, "--help").exit_code == 0


def test_explain_by_alias(cli):
    result = cli("explain", "l2")
    assert result.exit_code == 0
    assert result.stdout.startswith("mse")


def test_explain_unknown_loss(cli, expect_error):
    expect_error(cli("explain", "nope"), "unknown loss 'nope'", "losscli list")


def test_explain_misspelt_loss_suggests(cli, expect_error):
    expect_error(cli("explain", "hubr"), "unknown loss 'hubr'", "did you mean 'huber'?")


@pytest.mark.parametrize(
    ("alias", "name", "extra"),
    [("l2", "mse", []), ("l1", "mae", []), ("pinball", "quantile", ["--alpha", "0.8"])],
)
def test_alias_gives_the_same_result(cli, sample_csv, alias, name, extra):
    by_alias = cli(alias, sample_csv, "-f", "json", *extra)
    by_name = cli(name, sample_csv, "-f", "json", *extra)
    assert by_alias.exit_code == by_name.exit_code == 0
    assert by_alias.stderr == ""
    assert by_alias.stdout == by_name.stdout
    named = f"{name}(alpha=0.8)" if extra else name  # non-default parameters are in the name
    assert f'"loss": "{named}"' in by_alias.stdout
