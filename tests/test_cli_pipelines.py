"""Pipelines: ``--labels`` (row-aligned or ``--on`` a key), ``--by`` groups, ``-o`` Parquet,
JSONL/Arrow/Parquet-directory/glob inputs, ``--color``, and a broken pipe with a gate."""

from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

BOX = set("─│┃━┏┓┗┛┡┩└┘┌┐╇╹")


def mse_of(df: pd.DataFrame) -> float:
    return float(mean_squared_error(df["label"], df["pred"]))


@pytest.fixture
def split(sample_df, tmp_path) -> dict[str, str]:
    """The sample as predictions (id,pred,sex) and label files (id,label) in several shapes."""
    labels = sample_df[["id", "label"]]
    frames = {
        "preds": sample_df[["id", "pred", "sex"]],
        "truth": labels,
        "shuffled": labels.sample(frac=1, random_state=0),
        "partial": labels.iloc[:400].sample(frac=1, random_state=1),
        "short": labels.iloc[:400],
        "long": pd.concat([labels, labels.iloc[:5]]),
    }
    paths = {}
    for name, frame in frames.items():
        paths[name] = str(tmp_path / f"{name}.csv")
        frame.to_csv(paths[name], index=False)
    return paths


def value(result) -> float:
    assert result.exit_code == 0, result.stderr
    return float(result.stdout)


# ----------------------------------------------------------------- --labels ----


def test_labels_file_aligned_by_row_equals_the_single_file(cli, sample_csv, sample_df, split):
    single = value(cli("mse", sample_csv, "-f", "value"))
    result = cli("mse", split["preds"], "--labels", split["truth"], "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data["results"][0]["value"] == pytest.approx(single, rel=1e-12)
    assert data["results"][0]["value"] == pytest.approx(mse_of(sample_df), rel=1e-12)
    assert data["source"]["rows_used"] == 442


@pytest.mark.parametrize(("labels", "other"), [("short", "preds"), ("long", "preds")])
def test_unequal_lengths_without_on_name_both_files(cli, split, expect_error, labels, other):
    expect_error(cli("mse", split["preds"], "--labels", split[labels]), f"{labels}.csv", f"{other}.csv")


def test_join_on_a_key_with_shuffled_labels(cli, sample_df, split):
    got = value(cli("mse", split["preds"], "--labels", split["shuffled"], "--on", "id", "-f", "value"))
    assert got == pytest.approx(mse_of(sample_df), rel=1e-12)


def test_unmatched_keys_are_warned_about_and_counted(cli, sample_df, split):
    result = cli("mse", split["preds"], "--labels", split["partial"], "--on", "id", "-f", "json")
    assert result.exit_code == 0, result.stderr
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("losscli: warning:") and "42" in warning
    data = json.loads(result.stdout)
    assert (data["source"]["rows_used"], data["source"]["rows_dropped"]) == (400, 42)
    assert data["results"][0]["value"] == pytest.approx(mse_of(sample_df.iloc[:400]), rel=1e-12)


def test_duplicate_keys_in_the_label_file(cli, sample_df, tmp_path, split, expect_error):
    dup = tmp_path / "dup.csv"
    pd.concat([sample_df[["id", "label"]], sample_df[["id", "label"]].iloc[3:4]]).to_csv(dup, index=False)
    expect_error(cli("mse", split["preds"], "--labels", dup, "--on", "id"), "dup.csv", "'id'", "not unique")


@pytest.fixture(scope="module")
def big_pair(tmp_path_factory) -> tuple[Path, float]:
    """50 000 rows as preds.csv (id,pred) + truth.csv / shuffled.csv (id,label); the NumPy mse."""
    folder = tmp_path_factory.mktemp("pair")
    rng = np.random.default_rng(7)
    n = 50_000
    ids, pred, label = np.arange(n), rng.normal(size=n), rng.normal(size=n)
    pd.DataFrame({"id": ids, "pred": pred}).to_csv(folder / "preds.csv", index=False)
    truth = pd.DataFrame({"id": ids, "label": label})
    truth.to_csv(folder / "truth.csv", index=False)
    truth.sample(frac=1, random_state=3).to_csv(folder / "shuffled.csv", index=False)
    return folder, float(np.mean((pred - label) ** 2))


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Every input the CLI opens is read in small blocks (many chunks per file)."""
    import losscli.io.source as source

    for module in ("losscli.engine.plan", "losscli.io.columnar", "losscli.io.delimited"):
        importlib.import_module(module)  # they bind the real class: import them before patching

    @dataclasses.dataclass(frozen=True)
    class Tiny(source.InputOptions):
        chunk_rows: int = 1000
        block_bytes: int = 1 << 14

    monkeypatch.setattr(source, "InputOptions", Tiny)


@pytest.mark.parametrize(("labels", "on"), [("truth.csv", None), ("shuffled.csv", "id")])
def test_labels_file_over_many_chunks(cli, big_pair, tiny_chunks, count_reads, labels, on):
    folder, want = big_pair
    join = ("--on", on) if on else ()
    got = value(cli("mse", folder / "preds.csv", "--labels", folder / labels, *join, "-f", "value"))
    assert got == pytest.approx(want, rel=1e-12)
    assert count_reads["chunks"]["preds.csv"] > 5 and count_reads["chunks"][labels] > 5, count_reads


# --------------------------------------------------------------------- --by ----


@pytest.mark.parametrize("weighted", [False, True])
def test_by_group_json_matches_numpy(cli, sample_csv, sample_df, weighted):
    extra = ("--weight", "weight") if weighted else ()
    result = cli("mse", sample_csv, "--by", "sex", *extra, "-f", "json")
    assert result.exit_code == 0, result.stderr
    groups = json.loads(result.stdout)["results"][0]["groups"]
    assert sorted(g["group"] for g in groups) == ["F", "M"]
    for entry in groups:
        part = sample_df[sample_df["sex"] == entry["group"]]
        w = part["weight"] if weighted else None
        want = mean_squared_error(part["label"], part["pred"], sample_weight=w)
        assert entry["value"] == pytest.approx(want, rel=1e-12)
        assert entry["count"] == len(part)


def test_by_group_in_plain_table_and_markdown(cli, sample_csv, sample_df):
    want = {g: (mse_of(part), len(part)) for g, part in sample_df.groupby("sex")}
    table = cli("mse", sample_csv, "--by", "sex")
    markdown = cli("mse", sample_csv, "--by", "sex", "-f", "markdown")
    assert table.exit_code == markdown.exit_code == 0
    assert "\x1b[" not in table.stdout and not BOX & set(table.stdout)
    rows = {line.split()[1]: line.split() for line in table.stdout.splitlines() if line.startswith("mse ")}
    cells = [line.strip("|").split("|") for line in markdown.stdout.splitlines() if line.startswith("|")]
    md = {row[1]: row for row in cells}
    for group, (mse, count) in want.items():
        assert rows[group][2:] == [f"{mse:.6g}", str(count)]
        assert [c.strip() for c in md[f" {group} "]] == ["mse", group, f"{mse:.6g}", str(count)]


# ------------------------------------------------------------ files, formats ----


def test_eval_output_parquet(cli, sample_csv, sample_df, tmp_path):
    out = tmp_path / "out.parquet"
    result = cli("eval", sample_csv, "-l", "mse", "-l", "mae", "-o", out, "-f", "value")
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(out)
    assert table.num_rows == 442
    d = sample_df["pred"].to_numpy() - sample_df["label"].to_numpy()
    np.testing.assert_allclose(table.column("loss_mse").to_numpy(), d * d, rtol=1e-12)
    np.testing.assert_allclose(table.column("loss_mae").to_numpy(), np.abs(d), rtol=1e-12)
    assert mean_absolute_error(sample_df["label"], sample_df["pred"]) == pytest.approx(
        float(result.stdout.splitlines()[1].split("\t")[1]), rel=1e-12
    )


@pytest.mark.parametrize("ext", ["jsonl", "arrow"])
def test_jsonl_and_arrow_inputs(cli, sample_df, tmp_path, ext):
    path = tmp_path / f"data.{ext}"
    if ext == "jsonl":  # the json module writes floats at full precision (pandas does not)
        path.write_text("".join(json.dumps(r) + "\n" for r in sample_df.to_dict(orient="records")))
    else:
        feather.write_feather(pa.Table.from_pandas(sample_df, preserve_index=False), path)
    result = cli("mse", path, "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"]["format"] == ext and data["source"]["rows"] == 442
    assert data["results"][0]["value"] == pytest.approx(mse_of(sample_df), rel=1e-12)


@pytest.mark.parametrize("pattern", ["", "*.parquet"])
def test_parquet_directory_and_glob(cli, sample_df, tmp_path, pattern):
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, rows in enumerate([slice(0, 150), slice(150, 300), slice(300, 442)]):
        sample_df.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False)
    target = str(folder / pattern) if pattern else str(folder)
    result = cli("mse", target, "-f", "json")  # the glob reaches losscli unexpanded
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"]["rows"] == 442
    assert data["results"][0]["value"] == pytest.approx(mse_of(sample_df), rel=1e-12)


def test_color_always_and_never(cli, sample_csv):
    rich = cli("mse", sample_csv, "--color", "always")
    plain = cli("mse", sample_csv, "--color", "never")
    assert rich.exit_code == plain.exit_code == 0
    assert "\x1b[" in rich.stdout and BOX & set(rich.stdout)
    assert "\x1b[" not in plain.stdout and not BOX & set(plain.stdout)
    assert "2978.69" in plain.stdout


# -------------------------------------------------------------- broken pipe ----


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
@pytest.mark.parametrize(("gate", "code"), [((), 0), (("--max", "0"), 1)])
def test_broken_pipe_exits_with_the_verdict(losscli_exe, process_env, big_csv, tmp_path, gate, code):
    err = tmp_path / "stderr.txt"
    script = '"$0" mse "$1" --format csv "${@:3}" 2>"$2" | head -1; exit "${PIPESTATUS[0]}"'
    proc = subprocess.run(
        ["bash", "-c", script, losscli_exe, big_csv, str(err), *gate],
        capture_output=True,
        env=process_env,
        timeout=60,
        check=False,
    )
    assert proc.stdout.decode().splitlines() == ["row,pred,label,loss"]
    stderr = err.read_text()
    assert proc.returncode == code, stderr
    if code == 0:
        assert stderr == ""
    else:
        (line,) = stderr.splitlines()
        assert line.startswith("FAIL mse") and "max 0" in line
