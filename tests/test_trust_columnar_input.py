"""Issue 11 ("Trust"): JSON Lines, Parquet, Arrow IPC/Feather and input paths.

Each class of problem has its example and neighbours here, run through the real CLI:
exit code, one-line message, no traceback, and on valid input the value NumPy computes
from the same numbers.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files, pipes and signals")

PRED = [1.5, -2.25, 3.0, 0.125, 7.0]
LABEL = [2.0, -1.0, 3.5, 0.0, 4.75]


def mse(pred, label) -> float:
    d = np.asarray(pred, float) - np.asarray(label, float)
    return float(np.mean(d * d))


def value(result) -> float:
    out = result.stdout if isinstance(result.stdout, str) else result.stdout.decode()
    assert result_code(result) == 0, (out, result.stderr)
    return float(out)


def result_code(result) -> int:
    return result.exit_code if hasattr(result, "exit_code") else result.returncode


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def records(extra: list | None = None) -> list[dict]:
    """PRED/LABEL as objects, the i-th with ``junk = extra[i]`` when given."""
    out = [{"pred": p, "label": y} for p, y in zip(PRED, LABEL, strict=True)]
    for i, junk in enumerate(extra or []):
        out[i]["junk"] = junk
    return out


def nested(depth: int, kind: str) -> str:
    return '{"a":' * depth + "1" + "}" * depth if kind == "object" else "[" * depth + "]" * depth


# ------------------------------------------------- JSON Lines: nesting depth ----


@pytest.mark.parametrize("depth", [20_000, 1_000_000])
@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("where", ["first-line", "last-line"])
def test_jsonl_deeply_nested_unused_field_is_skipped(run_cli, tmp_path, depth, kind, where):
    """The 40 KB file that segfaulted (exit 139): pyarrow's schema inference recursed."""
    lines = [json.dumps(r) for r in records()]
    at = 0 if where == "first-line" else len(lines) - 1
    lines[at] = lines[at][:-1] + f', "junk": {nested(depth, kind)}}}'
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("mse", path, "-f", "value")
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


@pytest.mark.parametrize("kind", ["array", "object"])
def test_jsonl_deeply_nested_used_field_is_exit_2_naming_the_row(run_cli, tmp_path, expect_error, kind):
    lines = [json.dumps(r) for r in records()]
    lines[2] = '{"pred": ' + nested(20_000, kind) + ', "label": 1}'
    path = tmp_path / "deepused.jsonl"
    path.write_text("\n".join(lines) + "\n")
    expect_error(run_cli("mse", path), "deepused.jsonl", "row 3", "'pred'")


@pytest.mark.parametrize("kind", ["array", "object"])
def test_jsonl_deep_field_after_the_sampled_lines(cli, tmp_path, kind):
    """Names come from the first lines; a deep unused value in line 1,500 is skipped by pyarrow."""
    pred = np.arange(2000.0) % 7
    lines = [json.dumps({"pred": p, "label": 1.0}) for p in pred.tolist()]
    lines[1499] = lines[1499][:-1] + f', "junk": {nested(100_000, kind)}}}'
    path = tmp_path / "later.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert value(cli("mse", path, "-f", "value")) == pytest.approx(mse(pred, np.ones(2000)), rel=1e-12)


def test_jsonl_deep_line_that_is_not_json_is_exit_2(cli, tmp_path, expect_error):
    path = tmp_path / "deepbad.jsonl"
    path.write_text('{"pred": 1, "label": 2, "junk": ' + nested(50_000, "array") + ', "x": "open}\n')
    expect_error(cli("mse", path), "deepbad.jsonl", "row 1", "not valid JSON")


# ------------------------------------------------- JSON Lines: long lines ----


def test_jsonl_20_mb_line_is_read(cli, tmp_path):
    recs = records(["x" * 20_000_000])
    path = tmp_path / "long.jsonl"
    path.write_text(jsonl(recs))
    assert value(cli("mse", path, "-f", "value")) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


def test_jsonl_line_past_the_bound_says_how_to_raise_it(cli, tmp_path, expect_error):
    recs = records([None, None, "y" * (3 << 20)])
    path = tmp_path / "toolong.jsonl"
    path.write_text(jsonl(recs))
    err = expect_error(
        cli("mse", path, env={"LOSSCLI_MAX_LINE_BYTES": "2M"}),
        "toolong.jsonl",
        "line 3",
        "2 MiB",
        "LOSSCLI_MAX_LINE_BYTES",
    )
    assert "yyyy" not in err
    assert value(cli("mse", path, "-f", "value", env={"LOSSCLI_MAX_LINE_BYTES": "8M"})) == pytest.approx(
        mse(PRED, LABEL), rel=1e-12
    )


@pytest.mark.parametrize("bad", ["0", "-1", "lots", "2G"])
def test_line_bound_setting_must_be_a_sane_number(cli, tmp_path, expect_error, bad):
    path = tmp_path / "ok.jsonl"
    path.write_text(jsonl(records()))
    expect_error(cli("mse", path, env={"LOSSCLI_MAX_LINE_BYTES": bad}), "LOSSCLI_MAX_LINE_BYTES")


# ------------------------------------------- JSON Lines: only used fields matter ----


@pytest.mark.parametrize(
    "junk",
    [[1, "two", 3], [{"a": 1}, 2, [3]], [None, True, "x", 4.5], [[1, 2], {"b": []}, "s"]],
    ids=["int-then-string", "object-then-number", "null-bool-string-float", "array-object-string"],
)
def test_jsonl_unused_field_may_change_type(cli, tmp_path, junk):
    path = tmp_path / "drift.jsonl"
    path.write_text(jsonl(records(junk)))
    assert value(cli("mse", path, "-f", "value")) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


def test_jsonl_unused_field_changes_type_after_many_lines(cli, tmp_path):
    """The change comes long after the lines the names are taken from, in a later block."""
    rng = np.random.default_rng(4)
    pred, label = rng.normal(size=400_000).round(6), rng.normal(size=400_000).round(6)
    body = [
        f'{{"pred": {p!r}, "label": {y!r}, "junk": {i}}}'
        for i, (p, y) in enumerate(zip(pred.tolist(), label.tolist(), strict=True))
    ]
    body[-3] = body[-3].replace('"junk": ', '"junk": "text" , "x": ').replace(f"{len(body) - 3}}}", "1}")
    path = tmp_path / "late.jsonl"
    path.write_text("\n".join(body) + "\n")
    assert path.stat().st_size > 8 << 20  # more than one block
    assert value(cli("mse", path, "-f", "value")) == pytest.approx(mse(pred, label), rel=1e-9)


@pytest.mark.parametrize(
    ("line", "needles"),
    [
        ('{"pred": "x", "label": 1}', ("row 3", "'pred'", "text")),
        ('{"pred": 1, "label": {"v": 1}}', ("row 3", "'label'", "object")),
        ('{"pred": [1], "label": 1}', ("row 3", "'pred'", "array")),
        ('{"pred": 1e400, "label": 1}', ("row 3", "'pred'", "too large")),
        ('{"pred": 1,', ("row 3", "not valid JSON")),
        ("[1, 2]", ("row 3", "not a JSON object")),
    ],
    ids=["string", "object", "array", "overflow", "truncated", "not-an-object"],
)
def test_jsonl_type_errors_name_the_1_based_row(cli, tmp_path, expect_error, line, needles):
    lines = [json.dumps(r) for r in records()]
    lines[2] = line
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    expect_error(cli("mse", path), "bad.jsonl", *needles)


def test_jsonl_row_numbers_count_across_blocks(cli, tmp_path, expect_error):
    n = 500_000
    body = [f'{{"pred": {i % 7}, "label": 1}}' for i in range(n)]
    body[n - 2] = '{"pred": "oops", "label": 1}'  # row n - 1
    path = tmp_path / "far.jsonl"
    path.write_text("\n".join(body) + "\n")
    assert path.stat().st_size > 8 << 20
    expect_error(cli("mse", path), "far.jsonl", f"row {n - 1}", "'pred'")


def test_jsonl_blank_lines_are_not_rows_but_the_line_is_named(cli, tmp_path, expect_error):
    path = tmp_path / "blank.jsonl"
    path.write_text('{"pred": 1, "label": 2}\n\n\n{"pred": true, "label": 2}\n')
    expect_error(cli("mse", path), "blank.jsonl", "row 2 (line 4)", "'pred'")


def test_jsonl_number_beyond_double_in_an_unused_field_is_a_clear_exit_2(cli, tmp_path, expect_error):
    """pyarrow's JSON parser rejects 1e400 even in a skipped field: said plainly, with the row."""
    path = tmp_path / "huge.jsonl"
    path.write_text(jsonl(records([0, 0, 0, [[1e400]]])).replace("Infinity", "1e400"))
    expect_error(cli("mse", path), "huge.jsonl", "row 4", "too large for a double")


@pytest.mark.parametrize("codec", ["gzip", "zstd"])
def test_compressed_jsonl(cli, tmp_path, codec):
    path = tmp_path / ("d.jsonl.gz" if codec == "gzip" else "d.jsonl.zst")
    with pa.CompressedOutputStream(str(path), codec) as out:
        out.write(jsonl(records([1, "a", {"b": 2}])).encode())
    assert value(cli("mse", path, "-f", "value")) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


@pytest.mark.parametrize("text", ["", "\n\n", "{}\n{}\n"], ids=["empty", "blank-lines", "empty-objects"])
def test_jsonl_without_rows_or_fields_is_exit_2(cli, tmp_path, expect_error, text):
    path = tmp_path / "none.jsonl"
    path.write_text(text)
    expect_error(cli("mse", path), "none.jsonl", "no rows" if "{" not in text else "no fields")


# -------------------------------------------------- JSON Lines: stdin memory ----


def _peak_rss_mib(args: list[str], stdin_path: Path, env: dict[str, str]) -> tuple[int, str, float]:
    """Exit code, stdout and peak RSS (MiB) of ``args`` run with ``stdin_path`` as stdin,
    measured by a fresh Python that has no other children (RUSAGE_CHILDREN)."""
    probe = (
        "import resource, subprocess, sys, json\n"
        "with open(sys.argv[1], 'rb') as f:\n"
        "    p = subprocess.run(sys.argv[2:], stdin=f, capture_output=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([p.returncode, p.stdout.decode(), p.stderr.decode(), peak]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(stdin_path), *args],
        capture_output=True,
        env=env,
        timeout=300,
        check=True,
    )
    code, stdout, stderr, peak = json.loads(out.stdout)
    assert code == 0, stderr
    return code, stdout, peak


@POSIX
def test_jsonl_on_stdin_streams_in_bounded_memory(losscli_exe, process_env, tmp_path):
    """~300 MB of JSON Lines on stdin: buffered whole it would need well over 300 MiB."""
    rng = np.random.default_rng(5)
    pred, label = rng.normal(size=10_000).round(6), rng.normal(size=10_000).round(6)
    pad = "p" * 200  # an unused field: most of the bytes
    text = "".join(
        f'{{"pred": {p!r}, "label": {y!r}, "pad": "{pad}"}}\n'
        for p, y in zip(pred.tolist(), label.tolist(), strict=True)
    )
    path = tmp_path / "big.jsonl"
    repeats = 120
    with open(path, "w") as fh:
        for _ in range(repeats):
            fh.write(text)
    assert path.stat().st_size > 280e6
    _, stdout, peak = _peak_rss_mib(
        [losscli_exe, "mse", "-", "-f", "json", "--input-format", "jsonl"], path, process_env
    )
    doc = json.loads(stdout)
    assert doc["source"]["rows"] == 10_000 * repeats
    assert doc["results"][0]["value"] == pytest.approx(mse(pred, label), rel=1e-9)
    print(f"peak RSS {peak:.0f} MiB")
    assert peak < 250, f"peak RSS {peak:.0f} MiB for a {path.stat().st_size / 2**20:.0f} MiB stream"


# --------------------------------------------------- Parquet: directories ----


def _table(pred=PRED, label=LABEL, **extra) -> pa.Table:
    return pa.table({"pred": pred, "label": label, **extra})


def test_parquet_directory_with_a_list_column_in_file_2_names_file_and_column(cli, tmp_path, expect_error):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(_table(), folder / "a.parquet")
    pq.write_table(pa.table({"pred": [[1.0], [2.0]], "label": [1.0, 2.0]}), folder / "b.parquet")
    expect_error(cli("mse", folder), "b.parquet", "'pred'", "not numbers")


def test_parquet_directory_file_missing_a_column_is_named(cli, tmp_path, expect_error):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(_table(), folder / "1.parquet")
    pq.write_table(_table(), folder / "2.parquet")
    pq.write_table(pa.table({"pred": PRED}), folder / "3.parquet")
    expect_error(cli("mse", folder), "3.parquet", "'label'")


def test_parquet_directory_string_where_numbers_were(cli, tmp_path, expect_error):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(_table(), folder / "1.parquet")
    pq.write_table(_table(label=[str(v) for v in LABEL]), folder / "2.parquet")
    expect_error(cli("mse", folder), "2.parquet", "'label'", "string")


def test_parquet_directory_int_and_double_files_mix(cli, tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(_table(), folder / "1.parquet")
    pq.write_table(_table(pred=[1, 2, 3], label=[1, 1, 1]), folder / "2.parquet")
    want = mse([*PRED, 1, 2, 3], [*LABEL, 1, 1, 1])
    assert value(cli("mse", folder, "-f", "value")) == pytest.approx(want, rel=1e-12)


def test_parquet_directory_garbage_file_is_named(cli, tmp_path, expect_error):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(_table(), folder / "1.parquet")
    (folder / "2.parquet").write_bytes(b"PAR1 this is not parquet at all PAR1")
    expect_error(cli("mse", folder), "2.parquet", "unreadable parquet")


@POSIX
def test_parquet_directory_of_many_files_uses_few_descriptors(losscli_exe, process_env, tmp_path):
    """300 files read under a limit of 64 open descriptors: each file is closed after it is read."""
    import resource

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(300):
        pq.write_table(_table([float(i)], [0.0]), folder / f"part-{i:03d}.parquet")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    proc = subprocess.run(
        [losscli_exe, "mse", str(folder), "-f", "value"],
        capture_output=True,
        env=process_env,
        timeout=120,
        preexec_fn=limit,
    )
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == pytest.approx(mse(np.arange(300.0), np.zeros(300)), rel=1e-12)


@pytest.mark.parametrize("big", [2**53 + 1, 2**63 - 1, -(2**62) - 3])
def test_parquet_int64_beyond_2_53_reads_as_the_nearest_double(cli, tmp_path, big):
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"pred": pa.array([big, 3], pa.int64()), "label": [1.5, 2.0]}), path)
    want = mse(np.array([big, 3], dtype=np.int64).astype(np.float64), [1.5, 2.0])
    assert value(cli("mse", path, "-f", "value")) == want


def test_parquet_uint64_beyond_2_53(cli, tmp_path):
    path = tmp_path / "u.parquet"
    pq.write_table(pa.table({"pred": pa.array([2**64 - 1, 1], pa.uint64()), "label": [0.0, 0.0]}), path)
    want = mse(np.array([2**64 - 1, 1], dtype=np.uint64).astype(np.float64), [0, 0])
    assert value(cli("mse", path, "-f", "value")) == want


# ------------------------------------------------ Parquet: Hive, literal names ----


@pytest.fixture
def hive(tmp_path) -> Path:
    folder = tmp_path / "hive"
    for x, (a, b) in {1: (0, 2), 2: (2, 5)}.items():
        (folder / f"x={x}").mkdir(parents=True)
        pq.write_table(_table(PRED[a:b], LABEL[a:b]), folder / f"x={x}" / f"part-{x}.parquet")
    (folder / "_SUCCESS").write_text("")
    return folder


def test_hive_partitioned_directory_is_read_recursively(cli, hive):
    assert value(cli("mse", hive, "-f", "value")) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


def test_hive_partition_key_works_as_by(cli, hive):
    result = cli("mse", hive, "--by", "x", "-f", "json")
    assert result.exit_code == 0, result.stderr
    groups = {str(g["group"]): g["value"] for g in json.loads(result.stdout)["results"][0]["groups"]}
    assert groups["1"] == pytest.approx(mse(PRED[:2], LABEL[:2]), rel=1e-12)
    assert groups["2"] == pytest.approx(mse(PRED[2:], LABEL[2:]), rel=1e-12)


def test_nested_directories_without_hive_names(cli, tmp_path):
    (tmp_path / "d" / "deeper").mkdir(parents=True)
    pq.write_table(_table(PRED[:1], LABEL[:1]), tmp_path / "d" / "a.parquet")
    pq.write_table(_table(PRED[1:], LABEL[1:]), tmp_path / "d" / "deeper" / "b.parquet")
    assert value(cli("mse", tmp_path / "d", "-f", "value")) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


@pytest.mark.parametrize("name", ["q[1].parquet", "star*.parquet", "what?.parquet"])
def test_existing_file_with_glob_characters_is_used_literally(cli, tmp_path, name):
    pq.write_table(_table(), tmp_path / name)
    pq.write_table(_table([0.0] * 5, [0.0] * 5), tmp_path / "q1.parquet")  # what the glob would match
    assert value(cli("mse", tmp_path / name, "-f", "value")) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


def test_a_glob_still_matches(cli, tmp_path, expect_error):
    pq.write_table(_table(PRED[:2], LABEL[:2]), tmp_path / "p1.parquet")
    pq.write_table(_table(PRED[2:], LABEL[2:]), tmp_path / "p2.parquet")
    assert value(cli("mse", tmp_path / "p*.parquet", "-f", "value")) == pytest.approx(
        mse(PRED, LABEL), rel=1e-12
    )
    expect_error(cli("mse", tmp_path / "nothing*.parquet"), "no files match")


# ------------------------------------------------------ Arrow IPC on stdin ----


def _ipc_stream_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=2):
            writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _ipc_file_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    feather.write_feather(table, sink)
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize("kind", ["stream", "file"])
def test_arrow_ipc_on_stdin_is_sniffed(run_cli, kind):
    data = (_ipc_stream_bytes if kind == "stream" else _ipc_file_bytes)(_table())
    result = run_cli("mse", "-", "-f", "json", input=data)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["source"]["format"] == "arrow"
    assert doc["results"][0]["value"] == pytest.approx(mse(PRED, LABEL), rel=1e-12)


_HELD = """
import io, sys
import losscli.io.source as source
source.MAX_HELD_BYTES = 1000  # a small bound, to show what happens past it
sys.argv = ["losscli", *sys.argv[1:]]
from losscli.cli import main
main()
"""


@POSIX
@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_a_random_access_format_on_stdin_is_held_only_to_a_bound(process_env, fmt):
    """Parquet and IPC files need random access, so a pipe is held in memory: it was read
    whole (3 GB of /dev/zero with --input-format parquet: killed at 2.5 GB RSS). Past the
    bound (1 GiB; 1,000 bytes here) it is exit 2 saying to give a file instead."""
    table = pa.table({"pred": np.arange(1000.0), "label": np.arange(1000.0)})
    sink = pa.BufferOutputStream()
    if fmt == "parquet":
        pq.write_table(table, sink)
    else:
        feather.write_feather(table, sink)
    data = sink.getvalue().to_pybytes()
    assert len(data) > 1000
    proc = subprocess.run(
        [sys.executable, "-c", _HELD, "mse", "-", "--input-format", fmt],
        input=data, capture_output=True, env=process_env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.decode().splitlines()
    assert lines[0].startswith("losscli: error: <stdin>: ") and "held in memory" in lines[0], lines
    assert lines[1] == "  hint: save it to a file and give its path: a file is read in pieces"


@POSIX
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc for the peak RSS")
def test_an_endless_pipe_as_parquet_stops_at_the_bound(process_env, tmp_path):
    """An endless pipe as ``--input-format parquet``: exit 2 at the 1 GiB bound, with a
    peak RSS (VmHWM, from the process's own /proc entry) near the bound, not the input."""
    from conftest import PEAK_WRAPPER

    env = dict(process_env, PEAK_FILE=str(tmp_path / "peak"))
    proc = subprocess.Popen(
        [sys.executable, "-c", PEAK_WRAPPER, "mse", "-", "--input-format", "parquet"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    zeros = bytes(1 << 20)
    try:
        for _ in range(3000):  # 3 GiB, if losscli read it all
            proc.stdin.write(zeros)
    except BrokenPipeError:
        pass  # losscli stopped reading
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 2, err
    assert b"held in memory" in err and b"over 1 GiB" in err, err
    peak_mib = int((tmp_path / "peak").read_text()) / 1024
    assert peak_mib < 1800, peak_mib


@POSIX
def test_arrow_ipc_stream_through_a_pipe(losscli_exe, process_env, tmp_path):
    path = tmp_path / "s.arrows"
    path.write_bytes(_ipc_stream_bytes(_table()))
    script = 'cat "$1" | "$0" mse - -f value'
    proc = subprocess.run(
        ["bash", "-c", script, losscli_exe, str(path)], capture_output=True, env=process_env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


def test_arrow_stream_in_a_file(cli, tmp_path):
    path = tmp_path / "s.arrow"
    path.write_bytes(_ipc_stream_bytes(_table()))
    assert value(cli("mse", path, "-f", "value")) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


def test_truncated_arrow_on_stdin_is_exit_2(run_cli, expect_error):
    data = _ipc_stream_bytes(_table())
    expect_error(run_cli("mse", "-", input=data[: len(data) // 2]), "<stdin>", "arrow")


# ------------------------------------------- files that shrink while being read ----


@pytest.fixture(scope="module")
def big_columnar(tmp_path_factory) -> dict[str, Path]:
    """~6M rows as Parquet (many row groups), Arrow IPC file and JSON Lines."""
    folder = tmp_path_factory.mktemp("shrink")
    rng = np.random.default_rng(6)
    n = 6_000_000
    table = pa.table({"pred": rng.normal(size=n), "label": rng.normal(size=n)})
    paths = {"parquet": folder / "big.parquet", "arrow": folder / "big.arrow", "jsonl": folder / "big.jsonl"}
    pq.write_table(table, paths["parquet"], row_group_size=200_000, compression="none")
    feather.write_feather(table, str(paths["arrow"]), compression="uncompressed", chunksize=200_000)
    small = table.slice(0, 1_500_000)
    with open(paths["jsonl"], "w") as fh:
        fh.writelines(
            f'{{"pred": {p!r}, "label": {y!r}}}\n'
            for p, y in zip(small["pred"].to_pylist(), small["label"].to_pylist(), strict=True)
        )
    return paths


def _wait_until_open(pid: int, path: Path, timeout: float = 30) -> None:
    """Until process ``pid`` has ``path`` open (Linux /proc), so the truncation comes while it reads."""
    fds = Path(f"/proc/{pid}/fd")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if any(os.readlink(fd) == str(path) for fd in fds.iterdir()):
                return
        except OSError:  # a descriptor closed while listed, or the process is gone
            if not fds.exists():
                return
        time.sleep(0.002)


@POSIX
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the file is open")
@pytest.mark.parametrize("fmt", ["parquet", "arrow", "jsonl"])
def test_input_truncated_while_read_is_exit_2_never_sigbus(
    losscli_exe, process_env, big_columnar, tmp_path, fmt
):
    import shutil

    codes = []
    for attempt, delay in enumerate([0.0, 0.05, 0.2, 0.1, 0.4]):
        path = tmp_path / f"copy-{attempt}.{fmt}"
        shutil.copyfile(big_columnar[fmt], path)
        proc = subprocess.Popen(
            [losscli_exe, "mse", str(path), "-f", "value"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=process_env,
        )
        _wait_until_open(proc.pid, path)
        time.sleep(delay)
        os.truncate(path, path.stat().st_size // 3)
        out, err = proc.communicate(timeout=120)
        codes.append(proc.returncode)
        assert proc.returncode in (0, 2), (proc.returncode, err.decode())
        assert b"Traceback" not in err
        if proc.returncode == 2:
            lines = err.decode().splitlines()
            assert 1 <= len(lines) <= 2 and lines[0].startswith("losscli: error: "), err
            assert "shrank" in lines[0] and path.name in lines[0], err
        else:
            float(out)
    assert 2 in codes, f"no run was caught reading (exit codes {codes}): make the file bigger"


@pytest.mark.parametrize("fmt", ["arrow-stream", "jsonl"])
def test_truncation_at_a_record_boundary_is_not_a_silent_end(tmp_path, fmt):
    """A stream format cut exactly between records looks complete; the reader compares
    with the size at opening. (Library level: the cut must come between two chunks.)"""
    from losscli.errors import InputError
    from losscli.io.source import InputOptions, open_source

    n = 10
    table = _table([1.0] * n, [0.0] * n)
    if fmt == "jsonl":
        path = tmp_path / "cut.jsonl"
        path.write_text(jsonl([{"pred": 1.0, "label": 0.0}] * 200_000))
        options = InputOptions(str(path), block_bytes=1 << 16)
        cut = path.read_bytes().index(b"\n", 1 << 17) + 1
    else:
        path = tmp_path / "cut.arrow"
        path.write_bytes(_ipc_stream_bytes(table))
        options = InputOptions(str(path))
        cut = len(_ipc_stream_bytes(table.slice(0, 4))) - 8  # two batches of 2, no end marker
    source = open_source(options)
    chunks = source.chunks([0, 1], {0, 1})
    next(chunks)
    os.truncate(path, cut)
    with pytest.raises(InputError, match="shrank"):
        for _ in chunks:
            pass


# ---------------------------------------------------------------- paths ----


def test_symlink_loop_says_so(cli, tmp_path, expect_error):
    os.symlink(tmp_path / "b.parquet", tmp_path / "a.parquet")
    os.symlink(tmp_path / "a.parquet", tmp_path / "b.parquet")
    expect_error(cli("mse", tmp_path / "a.parquet"), "a.parquet", "symlink loop")


def test_a_symlink_loop_as_baseline_config_or_a_configs_file_says_so(cli, tmp_path, expect_error):
    """The input said "symlink loop"; a baseline said "Too many levels of symbolic links",
    ``losscli check LOOP`` said "no such config file"."""
    os.symlink(tmp_path / "y", tmp_path / "x")
    os.symlink(tmp_path / "x", tmp_path / "y")
    (tmp_path / "in.csv").write_text("pred,label\n1,2\n")
    expect_error(
        cli("mse", tmp_path / "in.csv", "--baseline", tmp_path / "x"),
        "x: cannot read the baseline: a symlink loop",
    )
    expect_error(cli("check", tmp_path / "x"), "x: symlink loop")
    expect_error(cli("check", "--config", tmp_path / "x"), "x: symlink loop")
    expect_error(cli("check", tmp_path / "missing.toml"), "missing.toml: no such config file")
    (tmp_path / "losscli.toml").write_text('[[check]]\nfile = "x"\nloss = "mse"\nmax = 1\n')
    expect_error(cli("check", tmp_path / "losscli.toml"), "symlink loop")


def test_missing_parent_folder_is_named(cli, tmp_path, expect_error):
    expect_error(cli("mse", tmp_path / "nope" / "x.jsonl"), "no such file", "nope")


def test_path_through_a_file(cli, tmp_path, expect_error):
    (tmp_path / "f.parquet").write_bytes(b"x")
    expect_error(cli("mse", tmp_path / "f.parquet" / "x.parquet"), "not a folder")


@pytest.mark.parametrize("length", [300, 5000])
def test_name_too_long(cli, tmp_path, expect_error, length):
    err = expect_error(cli("mse", tmp_path / ("n" * length + ".parquet")), "file name too long")
    assert len(err) < 600


@POSIX
@pytest.mark.parametrize("ext", ["parquet", "jsonl", "arrow"])
def test_0xff_byte_in_a_file_name(run_cli, tmp_path, ext):
    name = os.fsdecode(b"n\xffame." + ext.encode())
    path = tmp_path / name
    if ext == "parquet":
        with open(path, "wb") as fh:
            pq.write_table(_table(), fh)
    elif ext == "arrow":
        path.write_bytes(_ipc_file_bytes(_table()))
    else:
        path.write_text(jsonl(records()))
    result = run_cli("mse", path, "-f", "value")
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


@POSIX
def test_0xff_byte_in_a_missing_name_is_shown_escaped(run_cli, tmp_path, expect_error):
    path = os.path.join(str(tmp_path), os.fsdecode(b"gone\xff.parquet"))
    err = expect_error(run_cli("mse", path), "no such file")
    assert "gone" in err and ("\\udcff" in err or "\\xff" in err)


@POSIX
@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads regardless of permissions"
)
def test_permission_denied(cli, tmp_path, expect_error):
    path = tmp_path / "secret.parquet"
    pq.write_table(_table(), path)
    path.chmod(0o000)
    try:
        expect_error(cli("mse", path), "secret.parquet", "permission denied")
    finally:
        path.chmod(0o600)
