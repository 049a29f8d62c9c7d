"""Issue 11 (Trust) on the Dask engine: outputs produced whole or not at all (no stale part
files, a single ``-o FILE``), malformed CSV rows refused exactly as the local engine refuses
them, and connecting to a scheduler that is not one (silent, garbage, another protocol)
bounded in time and exit 2.

Schedulers that are not schedulers are local sockets on 127.0.0.1 served by threads of this
process; every run that could hang runs in a subprocess with a timeout, so a hang fails.
Reference values come from pandas/NumPy on the same rows, never from losscli's output.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture
def on(cluster: Any) -> list[str]:
    """The options that run a command on the module's cluster."""
    return ["--engine", "dask", "--scheduler", cluster.scheduler.address]


# ------------------------------------------------------- scheduler addresses ----


class _Server:
    """A TCP server on 127.0.0.1 that accepts and then: stays silent, sends random bytes,
    or answers like an HTTP server. Connections are kept open until the test ends."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.open: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.open.append(conn)
            if self.mode == "garbage":
                conn.sendall(np.random.default_rng(0).bytes(300))
            elif self.mode == "http":
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.sock.close()
        for conn in self.open:
            conn.close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[_Server]:
    s = _Server(request.param)
    yield s
    s.close()


@pytest.mark.parametrize("server", ["silent"], indirect=True)
def test_a_port_that_never_answers_is_exit_2_after_the_timeout(server, run_cli, sample_parquet, expect_error):
    done = run_cli("mse", sample_parquet, "--engine", "dask", "--scheduler", server.address, "--timeout", "1")
    err = expect_error(done, server.address, "did not answer within 1 s", "--timeout")
    assert "LOSSCLI_TIMEOUT" in err


@pytest.mark.parametrize("server", ["garbage", "http"], indirect=True)
def test_a_port_that_answers_garbage_is_exit_2(server, cli, sample_parquet, expect_error):
    done = cli("mse", sample_parquet, "--engine", "dask", "--scheduler", server.address, "--timeout", "5")
    expect_error(done, server.address, "not as a Dask scheduler")


@pytest.mark.parametrize("server", ["silent"], indirect=True)
def test_the_timeout_comes_from_the_environment_and_the_config(
    server, cli, sample_parquet, expect_error, tmp_path, monkeypatch
):
    args = ("mse", sample_parquet, "--engine", "dask", "--scheduler", server.address)
    expect_error(cli(*args, env={"LOSSCLI_TIMEOUT": "0.5"}), "within 0.5 s")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "losscli.toml").write_text("timeout = 0.25\n")
    expect_error(cli(*args), "within 0.25 s")
    expect_error(cli(*args, "--timeout", "0.3"), "within 0.3 s")  # a flag beats the config
    (tmp_path / "losscli.toml").write_text('timeout = "soon"\n')
    expect_error(cli(*args), "losscli.toml: timeout must be a number of seconds > 0")


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon", ""])
def test_a_timeout_that_is_not_a_positive_number_is_exit_2(value, cli, sample_parquet, expect_error):
    args = ("mse", sample_parquet, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    expect_error(cli(*args, "--timeout", value), "--timeout must be a number of seconds > 0")


@pytest.mark.parametrize(
    ("address", "needle"),
    [
        ("ucx://127.0.0.1:8786", "unsupported protocol 'ucx://'"),
        ("udp://127.0.0.1:8786", "unsupported protocol 'udp://'"),
        ("tcp://[::1", "not a scheduler address"),
        ("tcp://127.0.0.1:notaport", "not a scheduler address"),
        ("tcp://127.0.0.1:9", "cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
    ],
)
def test_addresses_losscli_cannot_use_are_exit_2(address, needle, cli, sample_parquet, expect_error):
    done = cli("mse", sample_parquet, "--engine", "dask", "--scheduler", address, "--timeout", "5")
    expect_error(done, needle)


@pytest.mark.parametrize("server", ["silent"], indirect=True)
def test_check_takes_the_timeout_too(server, cli, sample_csv, expect_error, tmp_path):
    config = tmp_path / "losscli.toml"
    config.write_text(f'[[check]]\nfile = "{sample_csv}"\nloss = "mse"\nmax = 1e9\n')
    done = cli(
        "check",
        str(config),
        "--engine",
        "dask",
        "--scheduler",
        server.address,
        "--timeout",
        "0.5",
        "--allow-outside",
    )
    expect_error(done, "did not answer within 0.5 s")


# ---------------------------------------------------------- malformed CSV rows ----

MALFORMED = {
    "too_few_fields": "pred,label\n1,1\n2,2\n3\n4,4\n",
    "too_many_fields": "pred,label\n1,1\n2,2\n3,3,3\n4,4\n",
    "unclosed_quote": 'pred,label\n1,1\n2,2\n"3,3\n4,4\n',
    "too_few_in_an_unused_column": "pred,label,note\n1,1,a\n2,2\n3,3,c\n",
}


@pytest.mark.parametrize("nan", ["error", "drop"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_rows_are_refused_by_both_engines_alike(case, nan, cli, on, write_file, expect_error):
    path = write_file(f"{case}.csv", MALFORMED[case])
    local = expect_error(cli("mse", path, "--nan", nan))
    dask = expect_error(cli("mse", path, "--nan", nan, *on))
    assert dask == local
    assert "fields but the header has" in local


def test_malformed_rows_in_a_tsv_and_without_a_header(cli, on, write_file, expect_error):
    tsv = write_file("x.tsv", "pred\tlabel\n1\t1\n2\n")
    assert expect_error(cli("mae", tsv, *on)) == expect_error(cli("mae", tsv))
    bare = write_file("bare.csv", "1,1\n2,2,2\n")
    args = ("mae", bare, "--no-header", "--pred", "1", "--label", "2")
    assert expect_error(cli(*args, *on)) == expect_error(cli(*args))


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """CSV byte ranges of 97 bytes (cut mid-line), so a small file is many partitions."""
    from losscli.engine import dask_csv

    monkeypatch.setattr(dask_csv, "BLOCK_BYTES", 97)


def test_byte_ranges_cut_anywhere_read_every_row_once(small_blocks, cli, on, tmp_path):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"pred": rng.normal(size=500).round(4), "label": rng.normal(size=500).round(3)})
    frame.to_csv(tmp_path / "m.csv", index=False)
    done = cli("mse", tmp_path / "m.csv", "-f", "json", *on)
    assert done.exit_code == 0, done.stderr
    import json

    result = json.loads(done.stdout)["results"][0]
    assert result["count"] == 500
    expected = np.mean((frame.pred - frame.label) ** 2)
    assert result["value"] == pytest.approx(expected, rel=1e-12)


def test_a_malformed_row_deep_in_a_split_file_has_its_file_row_number(
    small_blocks, cli, on, tmp_path, expect_error
):
    lines = ["pred,label", *[f"{i},{i + 1}" for i in range(300)]]
    lines[201] = "200"  # data row 201
    path = tmp_path / "deep.csv"
    path.write_text("\n".join(lines) + "\n")
    local = expect_error(cli("mse", path), "row 201 has 1 fields")
    assert expect_error(cli("mse", path, *on)) == local
    lines[201] = "200,oops"
    path.write_text("\n".join(lines) + "\n")
    expect_error(cli("mse", path, *on), "column 'label' row 201: 'oops' is not a number")


def test_compressed_csv_is_read_whole_and_checked_alike(cli, on, tmp_path, expect_error):
    import gzip

    good = "pred,label\n1,2\n3,5\n"
    (tmp_path / "g.csv.gz").write_bytes(gzip.compress(good.encode()))
    done = cli("mse", tmp_path / "g.csv.gz", "-f", "value", *on)
    assert done.exit_code == 0, done.stderr
    assert float(done.stdout) == pytest.approx(np.mean([1.0, 4.0]), rel=1e-12)
    (tmp_path / "bad.csv.gz").write_bytes(gzip.compress(b"pred,label\n1,2\n3\n"))
    expect_error(cli("mse", tmp_path / "bad.csv.gz", *on), "row 2 has 1 fields but the header has 2")


def test_a_file_of_the_glob_without_the_columns_is_exit_2_naming_it(cli, on, tmp_path, expect_error):
    (tmp_path / "a.csv").write_text("pred,label\n1,1\n")
    (tmp_path / "b.csv").write_text("pred,target\n1,1\n")
    err = expect_error(cli("mse", tmp_path / "*.csv", *on), "b.csv: no column 'label'")
    assert "a.csv" not in err.splitlines()[0].split(":")[0]
    (tmp_path / "b.csv").write_text("label,pred,extra\n2,1,x\n")  # the same columns elsewhere: fine
    (tmp_path / "c.csv").write_text("")  # an empty file adds no rows
    done = cli("mse", tmp_path / "*.csv", "-f", "value", *on)
    assert done.exit_code == 0, done.stderr
    assert float(done.stdout) == pytest.approx(np.mean([0.0, 1.0]), rel=1e-12)


# ------------------------------------------------------------ per-sample output ----


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, pd.DataFrame]:
    """Three CSV files (three partitions) of 40, 25 and 35 rows, and their rows."""
    folder = tmp_path_factory.mktemp("parts")
    rng = np.random.default_rng(11)
    frames = []
    for i, n in enumerate((40, 25, 35)):
        frame = pd.DataFrame({"pred": rng.normal(size=n).round(5), "label": rng.normal(size=n).round(5)})
        frame.to_csv(folder / f"in-{i}.csv", index=False)
        frames.append(frame)
    return str(folder / "in-*.csv"), pd.concat(frames, ignore_index=True)


def _losses(frame: pd.DataFrame) -> np.ndarray:
    return ((frame.pred - frame.label) ** 2).to_numpy()


def test_a_smaller_run_leaves_no_stale_parts(parts, cli, on, tmp_path):
    pattern, frame = parts
    out = tmp_path / "losses"
    out.mkdir()
    for i in range(8):  # an earlier, larger run's parts (and a temp file a killed worker left)
        (out / f"part-{i:05d}.parquet").write_bytes(b"stale")
    (out / ".part-00009.parquet.abcd.tmp").write_bytes(b"stale")
    done = cli("mse", pattern, "-o", out, "-f", "value", *on)
    assert done.exit_code == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"part-{i:05d}.parquet" for i in range(3)]
    got = pd.concat([pd.read_parquet(out / n) for n in names], ignore_index=True)
    assert len(got) == len(frame) == 100
    assert np.array_equal(got["loss"].to_numpy(), _losses(frame))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_a_pattern_replaces_only_its_own_parts(parts, cli, on, tmp_path):
    pattern, frame = parts
    out = tmp_path / "mixed"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "mse-part-00007.csv").write_text("stale")
    (out / "mae-part-00007.csv").write_text("another pattern's part")
    done = cli("mse", pattern, "-o", out / "mse-*.csv", "-f", "value", *on)
    assert done.exit_code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "mae-part-00007.csv", *[f"mse-part-{i:05d}.csv" for i in range(3)], "notes.txt",
    ]  # fmt: skip
    assert (out / "notes.txt").read_text() == "mine"
    got = pd.concat([pd.read_csv(out / f"mse-part-{i:05d}.csv") for i in range(3)], ignore_index=True)
    assert np.allclose(got["loss"].to_numpy(), _losses(frame), rtol=1e-15, atol=0)


def test_a_directory_with_files_losscli_did_not_write_is_refused(parts, cli, on, tmp_path, expect_error):
    pattern, _ = parts
    out = tmp_path / "results"
    out.mkdir()
    (out / "model.pkl").write_bytes(b"precious")
    (out / "part-00000.parquet").write_bytes(b"an earlier part")
    expect_error(cli("mse", pattern, "-o", out, *on), "holds files losscli did not write", "model.pkl")
    assert sorted(p.name for p in out.iterdir()) == ["model.pkl", "part-00000.parquet"]
    assert (out / "part-00000.parquet").read_bytes() == b"an earlier part"
    (tmp_path / "afile").write_text("x")
    expect_error(cli("mse", pattern, "-o", tmp_path / "afile", *on), "not a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "results"]


def test_a_failed_run_changes_nothing_and_leaves_no_staging(cli, on, tmp_path, expect_error):
    out = tmp_path / "losses"
    out.mkdir()
    (out / "part-00000.parquet").write_bytes(b"the earlier run")
    bad = tmp_path / "bad.csv"
    bad.write_text("pred,label\n1,1\n2,oops\n")
    expect_error(cli("mse", bad, "-o", out, *on), "'oops' is not a number")
    expect_error(cli("mse", bad, "-o", tmp_path / "new" / "deeper", *on), "'oops' is not a number")
    expect_error(cli("mse", bad, "-o", tmp_path / "one.csv", *on), "'oops' is not a number")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "losses"]
    assert [p.name for p in out.iterdir()] == ["part-00000.parquet"]
    assert (out / "part-00000.parquet").read_bytes() == b"the earlier run"


@pytest.mark.parametrize("name", ["out.csv", "out.tsv", "out.parquet"])
def test_o_file_is_one_file_with_the_local_engines_rows(name, parts, cli, on, tmp_path):
    pattern, frame = parts
    whole = tmp_path / "whole.csv"
    frame.to_csv(whole, index=False)
    local, dask = tmp_path / f"local-{name}", tmp_path / name
    assert cli("mse", whole, "-o", local, "-f", "value").exit_code == 0
    done = cli("mse", pattern, "-o", dask, "-f", "value", *on)
    assert done.exit_code == 0, done.stderr
    assert dask.is_file()
    read = (
        pd.read_parquet if name.endswith(".parquet") else lambda p: pd.read_csv(p, sep=None, engine="python")
    )
    got = read(dask)
    assert got["row"].tolist() == list(range(1, 101))  # dataset-wide row numbers
    assert np.array_equal(got["loss"].to_numpy(), _losses(frame))
    if not name.endswith(".parquet"):
        assert dask.read_bytes() == local.read_bytes()
    else:
        assert got.equals(read(local))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, f"local-{name}", "whole.csv"])


def test_o_file_with_dropped_rows_and_an_id_column(cli, on, tmp_path):
    for i, text in enumerate(
        ["id,pred,label\na,1,2\nb,,3\n", "id,pred,label\nc,,1\n", "id,pred,label\nd,4,4\n"]
    ):
        (tmp_path / f"p-{i}.csv").write_text(text)
    out = tmp_path / "o.csv"
    done = cli("mae", tmp_path / "p-*.csv", "--id", "id", "--nan", "drop", "-o", out, "-f", "value", *on)
    assert done.exit_code == 0, done.stderr
    got = pd.read_csv(out)
    assert got["id"].tolist() == ["a", "d"]
    assert got["loss"].tolist() == [1.0, 0.0]
    assert float(done.stdout) == pytest.approx(0.5)


def test_o_file_replaces_a_file_and_keeps_no_staging(parts, cli, on, tmp_path):
    pattern, frame = parts
    out = tmp_path / "o.parquet"
    out.write_bytes(b"old")
    done = cli("mse", pattern, "-o", out, "-f", "value", *on)
    assert done.exit_code == 0, done.stderr
    assert len(pd.read_parquet(out)) == len(frame)
    assert [p.name for p in tmp_path.iterdir()] == ["o.parquet"]


@pytest.mark.parametrize(
    ("output", "needle"),
    [
        ("", "-o was given an empty path"),
        ("a*/x-*.csv", "'*' may only be in the file name"),
        ("d/x-*-*.csv", "exactly one '*'"),
        ("d/x-*.json", "cannot tell the format"),
        ("missing/out.csv", "no such directory"),
    ],
)
def test_outputs_that_cannot_be_are_exit_2_before_reading(
    output, needle, parts, cli, on, tmp_path, expect_error
):
    pattern, _ = parts
    expect_error(cli("mse", pattern, "-o", str(tmp_path / output) if output else "", *on), needle)
    assert list(tmp_path.iterdir()) == []


def test_staged_parts_commit_and_discard_for_a_caller(parts, cluster, tmp_path):
    """The lead's run flow: make the StagedParts first, commit it with the other outputs."""
    from losscli.engine.dask import run_dask
    from losscli.engine.dask_output import StagedParts
    from losscli.engine.runner import RunOptions
    from losscli.io.source import InputOptions

    pattern, frame = parts
    out = tmp_path / "later"
    staged = StagedParts(str(out))
    run_dask(InputOptions(pattern), [("mse", {})], [RunOptions()], staged)
    assert not out.exists()  # nothing visible before commit
    staged.commit()
    assert len(pd.concat([pd.read_parquet(p) for p in sorted(out.iterdir())])) == len(frame)
    again = StagedParts(str(out))
    run_dask(InputOptions(pattern), [("mse", {})], [RunOptions()], again)
    again.discard()
    assert len(list(out.iterdir())) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["later"]


def test_a_parquet_file_of_the_dataset_without_the_columns_is_exit_2_naming_it(
    cli, on, tmp_path, expect_error
):
    folder = tmp_path / "pq"
    folder.mkdir()
    pd.DataFrame({"pred": [1.0, 2.0], "label": [1.0, 3.0]}).to_parquet(folder / "a.parquet")
    pd.DataFrame({"pred": [1.0, 2.0], "target": [1.0, 3.0]}).to_parquet(folder / "b.parquet")
    expect_error(cli("mse", folder / "*.parquet", *on), "b.parquet: no column 'label'")
    expect_error(cli("mse", folder, *on), "b.parquet: no column 'label'")
    (folder / "b.parquet").unlink()
    hive = folder / "fold=1"
    hive.mkdir()
    pd.DataFrame({"pred": [4.0], "label": [2.0]}).to_parquet(hive / "c.parquet")
    (folder / "a.parquet").unlink()
    done = cli("mse", folder, "--by", "fold", "-f", "value", *on)  # a partition key is a column
    assert done.exit_code == 0, done.stderr
    assert float(done.stdout) == pytest.approx(4.0)


def test_an_output_that_would_replace_an_input_is_exit_2(cli, on, tmp_path, expect_error):
    folder = tmp_path / "losses"
    folder.mkdir()
    pd.DataFrame({"pred": [1.0, 2.0], "label": [1.0, 3.0]}).to_parquet(folder / "part-00000.parquet")
    expect_error(cli("mse", folder, "-o", folder, *on), "inside the input directory")
    one = tmp_path / "one.csv"
    one.write_text("pred,label\n1,2\n")
    expect_error(cli("mse", one, "-o", one, *on), "destroy the input")
    assert one.read_text() == "pred,label\n1,2\n"
    assert [p.name for p in folder.iterdir()] == ["part-00000.parquet"]


@pytest.mark.parametrize("name", ["out.json", "out.jsonl", "out.txt"])
def test_a_file_name_of_a_format_o_does_not_write_is_exit_2(name, parts, cli, on, tmp_path, expect_error):
    pattern, _ = parts
    expect_error(cli("mse", pattern, "-o", tmp_path / name, *on), "cannot tell the format")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------- the local engine's reading rules ----


def test_an_overflowing_weight_sum_is_one_error_line_without_a_numpy_warning(run_cli, on, tmp_path):
    """The Dask engine finished its result outside ``np.errstate``: NumPy's "overflow
    encountered in reduce" RuntimeWarning came before the error line."""
    (tmp_path / "w.csv").write_text("pred,label,w\n1.5,1,1e308\n2,4,1e308\n")
    done = run_cli("mape", tmp_path / "w.csv", "--weight", "w", "--max", "0.1", *on)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert lines[0].startswith("losscli: error: ") and "overflows float64" in lines[0], lines
    assert len(lines) == 2 and lines[1].startswith("  hint: "), lines


def test_a_parquet_file_of_the_dataset_with_a_list_column_is_exit_2_naming_it(
    cli, on, tmp_path, expect_error
):
    """The local engine names the file whose 'pred' is a list; the Dask engine named the
    dataset only (the task failed on a schema taken from the first file)."""
    folder = tmp_path / "ds"
    folder.mkdir()
    pd.DataFrame({"pred": [1.0, 2.0], "label": [1.0, 3.0]}).to_parquet(folder / "a.parquet")
    pd.DataFrame({"pred": [[1.0], [2.0]], "label": [1.0, 3.0]}).to_parquet(folder / "b.parquet")
    local = expect_error(cli("mse", folder), "b.parquet: column 'pred' holds list")
    assert expect_error(cli("mse", folder, *on), "b.parquet: column 'pred' holds list") == local


@pytest.mark.parametrize(
    ("codec", "args"),
    [("utf-16", ["--encoding", "utf-16"]), ("utf-16", []), ("utf-16-le", ["--encoding", "utf-16"]),
     ("latin-1", ["--encoding", "latin-1"])],
)  # fmt: skip
def test_utf16_and_latin1_are_read_as_the_local_engine_reads_them(cli, on, tmp_path, codec, args):
    """The Dask engine parsed the header's raw bytes: a UTF-16 file was "the header holds
    NUL bytes: this is not utf-16 text", a latin-1 name 'préd' was not valid UTF-8."""
    text = "préd,label,note\n1.5,2,é\n-1,0.5,x\n3,3,ü\n"
    (tmp_path / "e.csv").write_bytes(text.encode(codec))
    want = np.mean(np.square(np.array([1.5, -1, 3]) - np.array([2, 0.5, 3])))
    for engine in ([], on):
        done = cli("mse", tmp_path / "e.csv", "--pred", "préd", *args, "-f", "value", *engine)
        assert done.exit_code == 0, done.stderr
        assert float(done.stdout) == pytest.approx(want, rel=1e-12)


def test_quoted_values_with_line_ends_are_read_in_one_range(cli, on, tmp_path):
    rng = np.random.default_rng(4)
    pred, label = rng.normal(size=(2, 300_000)).round(4)
    frame = pd.DataFrame({"pred": pred, "label": label, "note": ['a\nb,\n"c"'] * len(pred)})
    frame.to_csv(tmp_path / "q.csv", index=False)  # ~7 MB: past pyarrow's own blocks
    done = cli("mse", tmp_path / "q.csv", "-f", "value", *on)
    assert done.exit_code == 0, done.stderr
    assert float(done.stdout) == pytest.approx(np.mean((pred - label) ** 2), rel=1e-12)


def test_a_quoted_line_end_across_byte_ranges_is_exit_2_saying_so(
    small_blocks, cli, on, tmp_path, expect_error
):
    """Byte ranges are cut at line ends: a range that ends inside a quoted value cannot be
    read alone, and the next would start inside it. Never a wrong value: exit 2 naming
    the cause and the fix. The note below holds a line that reads like a row (3,4,y): cut
    there, the next range counted it as a row (pyarrow takes an unclosed quote at the end
    of its input as the value's end)."""
    frame = pd.DataFrame({"pred": [1.0] * 60, "label": [2.0] * 60, "note": ["x\n3,4,y"] * 60})
    frame.to_csv(tmp_path / "q.csv", index=False)
    expect_error(
        cli("mse", tmp_path / "q.csv", *on),
        "a quoted value holding line ends runs past byte",
        "--engine local",
    )
    done = cli("mse", tmp_path / "q.csv", "-f", "value")
    assert done.exit_code == 0 and float(done.stdout) == 1.0
