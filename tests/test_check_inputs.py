"""Issue 13 §3: ``losscli check`` takes every input option a loss command has —
``labels``, ``on``, ``by``, ``id``, ``weight``, ``input_format``, ``delimiter`` — so a
separate-labels setup can be checked in CI. Relative ``labels`` paths are relative to
the config's folder and guarded like ``file``; ``labels`` is an input (no report may
overwrite it); checks sharing ``file`` but not their read options are each right, and
each distinct (file, read options) is read once.

Expected values: scikit-learn on frames joined and grouped by pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "diabetes_regression.csv"


@pytest.fixture(autouse=True)
def no_losscli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "LOSSCLI_CONFIG",
        "LOSSCLI_RTOL",
        "LOSSCLI_ATOL",
        "LOSSCLI_ALLOW_OUTSIDE",
        "LOSSCLI_EXIT_ZERO",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions (sample_id, pred, sex, fold, weight) and their labels (sample_id,
    label) in a shuffled order, from the diabetes sample."""
    df = pd.read_csv(SAMPLE)
    preds = pd.DataFrame(
        {
            "sample_id": [f"s{i:03d}" for i in df["id"]],
            "pred": df["pred"],
            "sex": df["sex"],
            "fold": df["id"] % 3,
            "weight": df["weight"],
        }
    )
    labels = pd.DataFrame({"sample_id": preds["sample_id"], "label": df["label"]})
    return preds, labels.sample(frac=1.0, random_state=7).reset_index(drop=True)


@pytest.fixture
def proj(tmp_path: Path, frames: tuple[pd.DataFrame, pd.DataFrame]) -> Path:
    preds, labels = frames
    (tmp_path / "preds").mkdir()
    preds.to_csv(tmp_path / "preds" / "oof.csv", index=False)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    return tmp_path


def joined(frames: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    preds, labels = frames
    return preds.merge(labels, on="sample_id", validate="one_to_one")


def write_config(folder: Path, *checks: str, top: str = "") -> Path:
    path = folder / "losscli.toml"
    path.write_text(top + "".join(f"[[check]]\n{c}\n" for c in checks), encoding="utf-8")
    return path


def run_json(cli, config: Path, *args: str, code: int = 0) -> dict[str, dict]:
    result = cli("check", config, "-f", "json", *args)
    assert result.exit_code == code, result.stderr
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


JOINED = 'file = "preds/oof.csv"\nlabels = "labels.csv"\non = "sample_id"\n'


# --------------------------------------------------------------- labels + on ----


@pytest.mark.smoke
def test_a_check_with_labels_and_on_matches_sklearn_on_the_joined_frame(cli, proj, frames):
    frame = joined(frames)
    expected = mean_squared_error(frame["label"], frame["pred"])
    config = write_config(proj, f'name = "oof/mse"\n{JOINED}loss = "mse"\nmax = {expected * 1.0001}')
    checks = run_json(cli, config)
    assert checks["oof/mse"]["value"] == pytest.approx(expected, rel=1e-12)
    assert checks["oof/mse"]["passed"] and checks["oof/mse"]["file"].endswith("oof.csv")
    tight = write_config(proj, f'name = "oof/mse"\n{JOINED}loss = "mse"\nmax = {expected * 0.999}')
    result = cli("check", tight)
    assert result.exit_code == 1 and result.stderr.startswith("FAIL oof/mse ")


def test_labels_aligned_by_row_without_on(cli, proj, frames):
    preds, _ = frames
    frame = joined(frames)  # in the predictions' order
    frame[["label"]].to_csv(proj / "aligned.csv", index=False)
    expected = mean_absolute_error(frame["label"], preds["pred"])
    config = write_config(
        proj, 'name = "a"\nfile = "preds/oof.csv"\nlabels = "aligned.csv"\nloss = "mae"\nmax = 1e9'
    )
    assert run_json(cli, config)["a"]["value"] == pytest.approx(expected, rel=1e-12)


def test_a_shuffled_labels_file_without_on_is_exit_2_not_a_wrong_number(cli, proj, expect_error):
    """Both files have sample_id: read row by row, the first mismatch stops the run (§2)."""
    config = write_config(
        proj, 'name = "a"\nfile = "preds/oof.csv"\nlabels = "labels.csv"\nloss = "mse"\nmax = 1e9'
    )
    expect_error(cli("check", config), "sample_id")


def test_checks_sharing_a_file_but_not_labels_or_on_or_by_are_each_right(cli, proj, frames, count_reads):
    preds, labels = frames
    noisy = labels.assign(label=labels["label"] + 10.0)
    noisy.to_csv(proj / "labels_b.csv", index=False)
    preds.assign(label=preds["pred"] * 0.5).to_csv(proj / "preds" / "self.csv", index=False)
    frame, frame_b = joined(frames), joined((preds, noisy))
    config = write_config(
        proj,
        f'name = "a/mse"\n{JOINED}loss = "mse"\nmax = 1e9',
        f'name = "a/mae"\n{JOINED}loss = "mae"\nmax = 1e9',
        f'name = "a/by"\n{JOINED}loss = "mse"\nmax = 1e9\nby = "sex"',
        'name = "b/mse"\nfile = "preds/oof.csv"\nlabels = "labels_b.csv"\non = "sample_id"\nloss = "mse"\nmax = 1e9',
        'name = "plain"\nfile = "preds/self.csv"\nloss = "mse"\nmax = 1e9',
    )
    checks = run_json(cli, config)
    assert checks["a/mse"]["value"] == pytest.approx(
        mean_squared_error(frame["label"], frame["pred"]), rel=1e-12
    )
    assert checks["a/mae"]["value"] == pytest.approx(
        mean_absolute_error(frame["label"], frame["pred"]), rel=1e-12
    )
    assert checks["a/by"]["value"] == checks["a/mse"]["value"]
    b = mean_squared_error(frame_b["label"], frame_b["pred"])
    assert checks["b/mse"]["value"] == pytest.approx(b, rel=1e-12) and b != pytest.approx(
        checks["a/mse"]["value"]
    )
    assert checks["plain"]["value"] == pytest.approx(mean_squared_error(preds["pred"] * 0.5, preds["pred"]))
    # one read per distinct (file, read options): oof.csv with labels.csv (3 checks) and with labels_b.csv
    assert count_reads["reads"] == {"oof.csv": 2, "labels.csv": 1, "labels_b.csv": 1, "self.csv": 1}


# ---------------------------------------------------------------------- by ----


@pytest.mark.smoke
def test_by_reports_groups_in_json_and_gates_on_the_overall_value(cli, proj, frames):
    frame = joined(frames)
    overall = mean_squared_error(frame["label"], frame["pred"])
    per_sex = {k: mean_squared_error(g["label"], g["pred"]) for k, g in frame.groupby("sex")}
    assert max(per_sex.values()) > overall  # a limit between them: the verdict is the overall value's
    limit = (overall + max(per_sex.values())) / 2
    config = write_config(proj, f'name = "by-sex"\n{JOINED}loss = "mse"\nmax = {limit}\nby = "sex"')
    check = run_json(cli, config)["by-sex"]
    assert check["passed"] and check["value"] == pytest.approx(overall, rel=1e-12)
    groups = {g["group"]: g for g in check["groups"]}
    assert set(groups) == set(per_sex)
    for key, value in per_sex.items():
        assert groups[key]["value"] == pytest.approx(value, rel=1e-12)
        assert groups[key]["count"] == int((frame["sex"] == key).sum())


@pytest.mark.parametrize("by", ['["sex", "fold"]', '"sex,fold"'])
def test_by_several_columns_groups_by_their_combination(cli, proj, frames, by):
    frame = joined(frames)
    config = write_config(proj, f'name = "c"\n{JOINED}loss = "mae"\nmax = 1e9\nby = {by}')
    groups = run_json(cli, config)["c"]["groups"]
    expected = {
        (sex, int(fold)): mean_absolute_error(g["label"], g["pred"])
        for (sex, fold), g in frame.groupby(["sex", "fold"])
    }
    got = {(g["group"]["sex"], int(g["group"]["fold"])): g["value"] for g in groups}
    assert got == pytest.approx(expected, rel=1e-12)


def test_a_check_without_by_has_no_groups_in_json(cli, proj):
    config = write_config(proj, f'name = "c"\n{JOINED}loss = "mae"\nmax = 1e9')
    assert "groups" not in run_json(cli, config)["c"]


# ------------------------------------------------------------ weight and id ----


def test_weight_matches_sklearns_sample_weight(cli, proj, frames):
    frame = joined(frames)
    expected = mean_squared_error(frame["label"], frame["pred"], sample_weight=frame["weight"])
    config = write_config(proj, f'name = "w"\n{JOINED}loss = "mse"\nweight = "weight"\nmax = 1e9')
    value = run_json(cli, config)["w"]["value"]
    assert value == pytest.approx(expected, rel=1e-12)
    assert value != pytest.approx(mean_squared_error(frame["label"], frame["pred"]), rel=1e-6)


def test_id_names_a_column_of_the_predictions(cli, proj, frames, expect_error):
    frame = joined(frames)
    config = write_config(proj, f'name = "i"\n{JOINED}loss = "mse"\nid = "sample_id"\nmax = 1e9')
    assert run_json(cli, config)["i"]["value"] == pytest.approx(
        mean_squared_error(frame["label"], frame["pred"])
    )
    missing = write_config(proj, f'name = "i"\n{JOINED}loss = "mse"\nid = "row_key"\nmax = 1e9')
    expect_error(cli("check", missing), "row_key")


# ------------------------------------------------ input_format and delimiter ----


@pytest.mark.smoke
def test_delimiter_reads_a_semicolon_file_and_labels_with_it(cli, proj, frames):
    preds, labels = frames
    preds.to_csv(proj / "preds" / "semi.csv", sep=";", index=False)
    labels.to_csv(proj / "labels_semi.csv", sep=";", index=False)
    frame = joined(frames)
    config = write_config(
        proj,
        'name = "s"\nfile = "preds/semi.csv"\nlabels = "labels_semi.csv"\non = "sample_id"\n'
        'delimiter = ";"\nloss = "mse"\nmax = 1e9',
    )
    assert run_json(cli, config)["s"]["value"] == pytest.approx(
        mean_squared_error(frame["label"], frame["pred"]), rel=1e-12
    )


def test_input_format_overrides_the_extension(cli, proj, frames, expect_error):
    preds, _ = frames
    preds.to_csv(proj / "preds" / "export.txt", sep="\t", index=False)
    frame = joined(frames)
    check = 'name = "t"\nfile = "preds/export.txt"\nlabels = "labels.csv"\non = "sample_id"\nloss = "mse"\nmax = 1e9'
    config = write_config(proj, check + '\ninput_format = "tsv"')
    assert run_json(cli, config)["t"]["value"] == pytest.approx(
        mean_squared_error(frame["label"], frame["pred"]), rel=1e-12
    )
    as_parquet = write_config(proj, check + '\ninput_format = "parquet"')
    result = cli("check", as_parquet)
    assert result.exit_code == 2 and "export.txt" in result.stderr


# ----------------------------------------------------------- paths and guards ----


@pytest.mark.smoke
def test_a_labels_path_outside_the_config_folder_is_refused(
    cli, proj, tmp_path_factory, frames, expect_error
):
    outside = tmp_path_factory.mktemp("outside")
    frames[1].to_csv(outside / "labels.csv", index=False)
    config = write_config(
        proj, f'name = "o"\nfile = "preds/oof.csv"\nlabels = "{outside / "labels.csv"}"\non = "sample_id"\n'
        'loss = "mse"\nmax = 1e9'
    )  # fmt: skip
    expect_error(cli("check", config), "check #1 ('o'): key 'labels' points outside the config's folder")
    relative = write_config(
        proj, 'name = "o"\nfile = "preds/oof.csv"\nlabels = "../' + outside.name + '/labels.csv"\n'
        'on = "sample_id"\nloss = "mse"\nmax = 1e9'
    )  # fmt: skip
    expect_error(cli("check", relative), "key 'labels' points outside")
    assert cli("check", config, "--allow-outside").exit_code == 0


def test_relative_labels_are_relative_to_the_config_folder(cli, proj, monkeypatch, frames):
    monkeypatch.chdir(proj / "preds")  # not the config's folder
    config = write_config(proj, f'name = "r"\n{JOINED}loss = "mse"\nmax = 1e9')
    frame = joined(frames)
    assert run_json(cli, config)["r"]["value"] == pytest.approx(
        mean_squared_error(frame["label"], frame["pred"])
    )


@pytest.mark.parametrize("option", ["--junit", "--summary-file"])
def test_no_report_may_overwrite_the_labels_file(cli, proj, expect_error, option):
    before = (proj / "labels.csv").read_bytes()
    config = write_config(proj, f'name = "c"\n{JOINED}loss = "mse"\nmax = 1e9')
    expect_error(cli("check", config, option, proj / "labels.csv"), "labels.csv")
    assert (proj / "labels.csv").read_bytes() == before


def test_on_without_labels_is_exit_2(cli, proj, expect_error):
    config = write_config(proj, 'name = "c"\nfile = "preds/oof.csv"\non = "sample_id"\nloss = "mse"\nmax = 1')
    expect_error(cli("check", config), "check #1 ('c'): key 'on' joins a labels file: add labels")


@pytest.mark.parametrize(
    ("key", "literal", "expected", "shown"),
    [
        ("labels", "5", "a path string (relative to the config's folder)", "the integer 5"),
        ("labels", '""', "", ""),
        ("on", '["sample_id"]', "a column name string", "an array"),
        ("by", "3", "a column name string (or a comma list) or an array of them", "the integer 3"),
        ("by", "[]", "a column name string (or a comma list) or an array of them", "an array"),
        ("weight", "true", "a column name string", "the boolean true"),
        ("id", "1.5", "a column name string", "the number 1.5"),
        ("input_format", '"xlsx"', 'one of "csv"', 'the string "xlsx"'),
        ("delimiter", '";;"', "one character", 'the string ";;"'),
    ],
)
def test_wrong_types_exit_2_naming_file_check_key_and_type(
    cli, proj, expect_error, key, literal, expected, shown
):
    config = write_config(
        proj, f'name = "c"\nfile = "preds/oof.csv"\nloss = "mse"\nmax = 1\n{key} = {literal}'
    )
    if literal == '""':
        expect_error(cli("check", config), "losscli.toml: check #1 ('c'): key 'labels' is an empty path")
        return
    expect_error(
        cli("check", config), f"losscli.toml: check #1 ('c'): key '{key}' must be {expected}", f"got {shown}"
    )


def test_labels_with_the_dask_engine_is_a_clear_error(cli, proj, expect_error):
    pytest.importorskip("distributed")
    config = write_config(proj, f'name = "c"\n{JOINED}loss = "mse"\nmax = 1e9')
    expect_error(cli("check", config, "--engine", "dask"), "not available with --engine dask")
