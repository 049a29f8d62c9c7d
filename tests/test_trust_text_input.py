"""Issue 11, reading delimited text: long rows and headers, UTF-16/32, bounded reads of
compressed and piped input, a file that shrinks while it is read, blank cells.

Every case runs the real CLI (in-process, or a real process where a pipe, stdin or
the process's peak memory matters) and checks the exit code, the one-line message and,
on valid input, the value against NumPy.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from conftest import PEAK_WRAPPER

import losscli
from losscli.io.source import InputOptions, open_source

MiB = 1 << 20
PRED = np.array([1.5, -2.25, 3.0, 0.5])
LABEL = np.array([2.0, -1.0, 2.5, 0.0])


def mse(pred: Any, label: Any) -> float:
    d = np.asarray(pred, float) - np.asarray(label, float)
    return float(np.mean(d * d))


def rows_text(notes: list[str] | None = None, header: str = "pred,label,note", sep: str = ",") -> str:
    notes = notes or ["x"] * len(PRED)
    lines = [header.replace(",", sep)]
    lines += [
        f"{p!r}{sep}{y!r}{sep}{n}" for p, y, n in zip(PRED.tolist(), LABEL.tolist(), notes, strict=True)
    ]
    return "\n".join(lines) + "\n"


def value_of(result: Any) -> float:
    """The printed value of a successful run (CliRunner result or CompletedProcess)."""
    code = result.exit_code if hasattr(result, "exit_code") else result.returncode
    out, err = (t if isinstance(t, str) else t.decode() for t in (result.stdout, result.stderr))
    assert code == 0 and err == "", (code, err)
    return float(out)


def zstd(data: bytes) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as out:
        out.write(data)
    return sink.getvalue().to_pybytes()


COMPRESS = {"plain": lambda b: b, "gz": gzip.compress, "zst": zstd, "bz2": bz2.compress}
SUFFIX = {"plain": "", "gz": ".gz", "zst": ".zst", "bz2": ".bz2"}


def run_container(
    cli: Any, run_cli: Any, write_file: Any, name: str, data: bytes, how: str, *args: str
) -> Any:
    """Run ``mse`` on ``data`` as a plain/gz/zst/bz2 file (in-process) or on stdin (a process)."""
    if how == "stdin":
        return run_cli("mse", "-", *args, "-f", "value", input=data, timeout=120)
    path = write_file(name + SUFFIX[how], COMPRESS[how](data))
    return cli("mse", path, *args, "-f", "value")


# ----------------------------------------------------------- 1. long rows ----


@pytest.mark.parametrize("how", ["plain", "gz", "stdin"])
@pytest.mark.parametrize("size", [2 * MiB, 20 * MiB], ids=["2MiB", "20MiB"])
def test_a_long_cell_in_an_unused_column_is_read(cli, run_cli, write_file, how, size):
    notes = ["x", "y" * size, "z", "w" * (size // 2)]
    result = run_container(cli, run_cli, write_file, "long.csv", rows_text(notes).encode(), how)
    assert value_of(result) == pytest.approx(mse(PRED, LABEL), rel=1e-15)


@pytest.mark.parametrize("how", ["plain", "gz", "stdin"])
@pytest.mark.parametrize("size", [2 * MiB, 20 * MiB], ids=["2MiB", "20MiB"])
def test_a_long_cell_in_a_used_column_is_read(cli, run_cli, write_file, how, size):
    # the label of row 2 is written with `size` leading zeros: a number, and a line of `size` bytes
    text = "pred,label\n1.5,2\n-2.25," + "0" * size + "1.5\n3,2.5\n"
    result = run_container(cli, run_cli, write_file, "longnum.csv", text.encode(), how)
    assert value_of(result) == pytest.approx(mse([1.5, -2.25, 3], [2, 1.5, 2.5]), rel=1e-15)


def test_many_short_rows_around_a_long_one_across_blocks(cli, write_file):
    rng = np.random.default_rng(5)
    n = 200_000
    pred, label = np.round(rng.normal(size=(2, n)), 6)
    lines = ["pred,label,note"] + [
        f"{p!r},{y!r},n" for p, y in zip(pred.tolist(), label.tolist(), strict=True)
    ]
    lines[100_001] = lines[100_001][:-1] + "q" * (3 * MiB)
    path = write_file("mixed.csv", "\n".join(lines) + "\n")
    assert value_of(cli("mse", path, "-f", "value")) == pytest.approx(mse(pred, label), rel=1e-12)


# -------------------------------------------- 1b. quoted values with line ends ----
# RFC 4180 lets a quoted value hold line ends (free-text columns, comments). Blocks
# were cut at any line end, and pyarrow was told no value holds one: past pyarrow's
# 1 MiB block such a file was "CSV parser got out of sync with chunker" (exit 2).


def quoted_rows(n: int, note: Any, sep: str = ",") -> tuple[str, np.ndarray, np.ndarray]:
    """``n`` rows of pred, label and a quoted note ``note(i)`` holding line ends."""
    rng = np.random.default_rng(11)
    pred, label = np.round(rng.normal(size=(2, n)), 6)
    lines = [f"pred{sep}label{sep}note\n"]
    lines += [
        f'{p!r}{sep}{y!r}{sep}"{note(i)}"\n'
        for i, (p, y) in enumerate(zip(pred.tolist(), label.tolist(), strict=True))
    ]
    return "".join(lines), pred, label


@pytest.mark.parametrize("how", ["plain", "gz", "stdin"])
@pytest.mark.parametrize("sep", [",", "\t"], ids=["csv", "tsv"])
def test_quoted_values_with_line_ends_are_read_in_every_block(cli, run_cli, write_file, how, sep):
    text, pred, label = quoted_rows(200_000, lambda i: f'line one\nline ""{i}""{sep}two\r\n', sep)
    ext = "csv" if sep == "," else "tsv"
    if how == "stdin":
        result = run_cli("mse", "-", "-f", "json", input=text.encode(), timeout=120)
        payload = result.stdout
    else:
        path = write_file(f"q.{ext}{SUFFIX[how]}", COMPRESS[how](text.encode()))
        payload = cli("mse", path, "-f", "json").stdout
    import json

    got = json.loads(payload)
    assert got["source"]["rows"] == 200_000
    assert got["results"][0]["value"] == pytest.approx(mse(pred, label), rel=1e-12)


@pytest.mark.parametrize("block_bytes", [64, 1 << 10, 1 << 16])
def test_a_block_never_ends_inside_a_quoted_value(tmp_path, block_bytes):
    """Blocks far smaller than a value: every cut lands at a record's end, whatever the
    size (the cut counts the quotes since the block's start)."""
    text, pred, label = quoted_rows(2_000, lambda i: "a\n" * (i % 50) + '""q"",\n')
    path = tmp_path / "q.csv"
    path.write_text(text)
    result = losscli.evaluate(InputOptions(str(path), block_bytes=block_bytes), "mse").results[0]
    assert result.count == 2_000
    assert result.value == pytest.approx(mse(pred, label), rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_random_quoted_values_at_random_block_sizes(tmp_path, seed):
    """Quoted values of random text (line ends, delimiters, doubled quotes, empty) in
    random columns, cut at random block sizes: the rows and the value are those of
    Python's csv module, which reads RFC 4180 by its state machine."""
    import csv
    import io

    rng = np.random.default_rng(seed)
    alphabet = [*'ab,\n"; ', '""']
    n = 400
    pred, label = np.round(rng.normal(size=(2, n)), 6)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(["note", "pred", "label", "more"])
    for p, y in zip(pred.tolist(), label.tolist(), strict=True):
        notes = ["".join(rng.choice(alphabet, size=rng.integers(0, 30))).replace('""', '"') for _ in range(2)]
        writer.writerow([notes[0], p, y, notes[1]])
    text = out.getvalue()
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len(rows) == n  # the reference reads what was written
    path = tmp_path / "r.csv"
    path.write_text(text, newline="")
    for block_bytes in rng.integers(16, 2_000, size=4).tolist():
        result = losscli.evaluate(InputOptions(str(path), block_bytes=block_bytes), "mse").results[0]
        assert result.count == n, block_bytes
        assert result.value == pytest.approx(mse(pred, label), rel=1e-12), block_bytes


@pytest.mark.parametrize("how", ["plain", "gz", "stdin"])
def test_a_quoted_value_with_line_ends_longer_than_a_block_is_read(cli, run_cli, write_file, how):
    """A 20 MiB quoted value of short lines: read on, as a long line is, up to the limit."""
    notes = ["x", '"' + ("y" * 1000 + "\n") * 20_000 + '"', "z", '"a\nb"']
    result = run_container(cli, run_cli, write_file, "bigq.csv", rows_text(notes).encode(), how)
    assert value_of(result) == pytest.approx(mse(PRED, LABEL), rel=1e-15)


def test_stray_quotes_in_unquoted_cells_beside_quoted_line_ends(cli, write_file):
    """pyarrow reads a quote inside an unquoted cell (12" pizza) as text: such quotes do
    not make losscli hold the rest of the file as one value."""
    rng = np.random.default_rng(3)
    n = 100_000
    pred, label = np.round(rng.normal(size=(2, 3 * n)), 6)
    rows = [
        f'{p!r},{y!r},{i}" pizza'
        for i, (p, y) in enumerate(zip(pred[:n].tolist(), label[:n].tolist(), strict=True))
    ]
    rows += [
        f'{p!r},{y!r},"a\nb"'
        for p, y in zip(pred[n : 2 * n].tolist(), label[n : 2 * n].tolist(), strict=True)
    ]
    rows += [
        f'{p!r},{y!r},5" x' for p, y in zip(pred[2 * n :].tolist(), label[2 * n :].tolist(), strict=True)
    ]
    path = write_file("stray.csv", "pred,label,note\n" + "\n".join(rows) + "\n")
    assert value_of(cli("mse", path, "-f", "value")) == pytest.approx(mse(pred, label), rel=1e-12)


@pytest.mark.parametrize("how", ["plain", "gz", "stdin"])
def test_a_row_past_the_limit_is_exit_2_naming_the_row_and_the_setting(
    cli, losscli_exe, process_env, write_file, expect_error, how
):
    notes = ["x", "y", "z" * (2 * MiB), "w"]
    data = rows_text(notes).encode()
    if how == "stdin":
        env = dict(process_env, LOSSCLI_MAX_LINE_BYTES="1M")
        result = subprocess.run(
            [losscli_exe, "mse", "-", "-f", "value"],
            input=data, capture_output=True, env=env, timeout=120, check=False,
        )  # fmt: skip
    else:
        path = write_file("limit.csv" + SUFFIX[how], COMPRESS[how](data))
        result = cli("mse", path, "-f", "value", env={"LOSSCLI_MAX_LINE_BYTES": "1M"})
    err = expect_error(result, "row 3 is longer than 1 MiB", "LOSSCLI_MAX_LINE_BYTES")
    assert "zzz" not in err


def test_raising_the_limit_reads_the_row(cli, write_file):
    path = write_file("raise.csv", rows_text(["x", "y", "z" * (2 * MiB), "w"]))
    assert cli("mse", path, "-f", "value", env={"LOSSCLI_MAX_LINE_BYTES": "1M"}).exit_code == 2
    result = cli("mse", path, "-f", "value", env={"LOSSCLI_MAX_LINE_BYTES": "4M"})
    assert value_of(result) == pytest.approx(mse(PRED, LABEL), rel=1e-15)
    one = InputOptions(path, max_line_bytes=3 * MiB)  # the library's own setting
    assert losscli.evaluate(one, "mse").results[0].value == pytest.approx(mse(PRED, LABEL), rel=1e-15)


@pytest.mark.parametrize("value", ["lots", "0", "2G", "-5", "1.5M"])
def test_a_bad_limit_setting_is_exit_2(cli, write_file, expect_error, value):
    path = write_file("ok.csv", rows_text())
    expect_error(cli("mse", path, env={"LOSSCLI_MAX_LINE_BYTES": value}), "LOSSCLI_MAX_LINE_BYTES", "512M")


# ------------------------------------------------------ 2. UTF-16 / UTF-32 ----

BOM = {
    "utf-16-le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff",
    "utf-32-le": b"\xff\xfe\x00\x00",
    "utf-32-be": b"\x00\x00\xfe\xff",
}
TEXT = rows_text(["café", "日本", '"x,y"', "🙂"]).replace("note", "nöte")


@pytest.mark.parametrize("codec", list(BOM))
@pytest.mark.parametrize("option", [None, "generic", "exact"])
def test_utf16_and_utf32_with_a_byte_order_mark(cli, write_file, codec, option):
    path = write_file("bom.csv", BOM[codec] + TEXT.encode(codec))
    args = {None: (), "generic": ("--encoding", codec[:6]), "exact": ("--encoding", codec)}[option]
    result = cli("mse", path, *args, "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert value_of(result) == pytest.approx(mse(PRED, LABEL), rel=1e-15)


@pytest.mark.parametrize("codec", list(BOM))
def test_utf16_and_utf32_without_a_mark_need_the_option_the_hint_names(cli, write_file, expect_error, codec):
    path = write_file("nobom.csv", TEXT.encode(codec))
    expect_error(cli("mse", path), "NUL", f"--encoding {codec}")
    result = cli("mse", path, "--encoding", codec, "-f", "value")  # the hint works
    assert value_of(result) == pytest.approx(mse(PRED, LABEL), rel=1e-15)


@pytest.mark.parametrize("codec", list(BOM))
def test_the_generic_utf16_or_utf32_option_reads_a_file_without_a_mark(cli, write_file, expect_error, codec):
    """``--encoding utf-16`` (the spelling a user tries) on a file without a mark was exit
    3 (Python's codec: "UTF-16 stream does not start with BOM"): the NUL bytes of the
    ASCII header give the byte order."""
    path = write_file("nobom.csv", TEXT.encode(codec))
    result = cli("mse", path, "--encoding", codec[:6], "-f", "value")
    assert value_of(result) == pytest.approx(mse(PRED, LABEL), rel=1e-15)


def test_the_generic_option_without_a_mark_or_a_guess_asks_for_the_byte_order(cli, write_file, expect_error):
    path = write_file("odd.csv", "āpred,label\n1,2\n".encode("utf-16-le"))  # ā is 01 01: no NUL to go by
    expect_error(cli("mse", path, "--encoding", "utf-16"), "no byte-order mark", "--encoding utf-16-le")


def test_a_mark_that_contradicts_the_option_is_refused_with_a_hint_that_works(cli, write_file, expect_error):
    path = write_file("le.csv", BOM["utf-16-le"] + TEXT.encode("utf-16-le"))
    expect_error(cli("mse", path, "--encoding", "utf-16-be"), "byte-order mark", "--encoding utf-16")
    assert value_of(cli("mse", path, "--encoding", "utf-16", "-f", "value")) == pytest.approx(
        mse(PRED, LABEL)
    )


@pytest.mark.parametrize("how", ["gz", "zst", "stdin"])
def test_utf16_compressed_or_on_stdin(cli, run_cli, write_file, how):
    result = run_container(cli, run_cli, write_file, "u16.csv", TEXT.encode("utf-16"), how)
    assert value_of(result) == pytest.approx(mse(PRED, LABEL), rel=1e-15)


def test_utf16_names_and_a_tsv(cli, write_file):
    text = rows_text(header="préd,label,nöte", sep="\t")
    path = write_file("u16.tsv", text.encode("utf-16"))
    assert value_of(cli("mse", path, "--pred", "préd", "-f", "value")) == pytest.approx(mse(PRED, LABEL))


def test_a_big_utf16_file_streams_across_many_blocks(cli, write_file):
    rng = np.random.default_rng(7)
    n = 300_000  # ~11 MB of UTF-16: cut into 1 MiB pieces mid code unit, and into many blocks
    pred, label = np.round(rng.normal(size=(2, n)), 6)
    text = "pred,label\n" + "".join(
        f"{p!r},{y!r}\n" for p, y in zip(pred.tolist(), label.tolist(), strict=True)
    )
    path = write_file("big16.csv", text.encode("utf-16"))
    want = mse(pred, label)
    assert value_of(cli("mse", path, "-f", "value")) == pytest.approx(want, rel=1e-12)
    small = losscli.evaluate(InputOptions(path, block_bytes=4096), "mse").results[0]
    assert small.value == pytest.approx(want, rel=1e-12)


def test_a_bad_value_in_a_utf16_file_names_its_row(cli, write_file, expect_error):
    path = write_file("bad16.csv", "pred,label\n1,2\n3,x\n".encode("utf-16"))
    expect_error(cli("mse", path), "column 'label' row 2", "'x' is not a number")


def test_bytes_that_are_not_utf16_are_exit_2(cli, write_file, expect_error):
    data = (
        "pred,label\n1,2\n".encode("utf-16-le") + b"\x00\xd8" + "3,5\n".encode("utf-16-le")
    )  # lone surrogate
    path = write_file("broken16.csv", BOM["utf-16-le"] + data)
    expect_error(cli("mse", path), "not valid utf-16", "--encoding")


def test_an_unknown_encoding_is_exit_2(cli, write_file, expect_error):
    expect_error(cli("mse", write_file("ok.csv", rows_text()), "--encoding", "klingon"), "unknown encoding")


def test_single_byte_encodings_still_read(cli, write_file):
    path = write_file("w.csv", rows_text(["€", "œ", "x", "y"]).encode("cp1252"))
    assert value_of(cli("mse", path, "--encoding", "cp1252", "-f", "value")) == pytest.approx(
        mse(PRED, LABEL)
    )
    path = write_file("k.csv", rows_text(header="прогноз,label,note").encode("koi8-r"))
    result = cli("mse", path, "--encoding", "koi8-r", "--pred", "прогноз", "-f", "value")
    assert value_of(result) == pytest.approx(mse(PRED, LABEL))


# --------------------------------------------------------------- 3. headers ----


def wide_header(columns: int, pred_at_end: bool) -> tuple[str, float]:
    names = [f"column_{i}" for i in range(columns)]
    names = [*names, "pred", "label"] if pred_at_end else ["pred", "label", *names]
    rows = []
    for p, y in zip(PRED.tolist(), LABEL.tolist(), strict=True):
        cells = ["0"] * columns
        cells = [*cells, repr(p), repr(y)] if pred_at_end else [repr(p), repr(y), *cells]
        rows.append(",".join(cells))
    return ",".join(names) + "\n" + "\n".join(rows) + "\n", mse(PRED, LABEL)


@pytest.mark.parametrize("how", ["plain", "gz", "stdin"])
@pytest.mark.parametrize("pred_at_end", [True, False], ids=["named-last", "named-first"])
def test_a_header_over_1_mib_is_read_whole(cli, run_cli, write_file, how, pred_at_end):
    text, want = wide_header(160_000, pred_at_end)
    assert text.index("\n") > MiB
    result = run_container(cli, run_cli, write_file, "wide.csv", text.encode(), how)
    assert value_of(result) == pytest.approx(want, rel=1e-15)


def test_a_header_past_the_limit_is_exit_2(cli, write_file, expect_error):
    text, _ = wide_header(160_000, True)
    result = cli("mse", write_file("wide.csv", text), env={"LOSSCLI_MAX_LINE_BYTES": "1M"})
    err = expect_error(result, "the header is longer than 1 MiB", "LOSSCLI_MAX_LINE_BYTES")
    assert "row 1" not in err


def test_a_header_with_a_quoted_line_end_is_still_one_record(cli, write_file):
    path = write_file(
        "q.csv",
        '"no\nte",pred,label\n'
        + "".join(f"n,{p!r},{y!r}\n" for p, y in zip(PRED.tolist(), LABEL.tolist(), strict=True)),
    )
    assert value_of(cli("mse", path, "-f", "value")) == pytest.approx(mse(PRED, LABEL))


# ------------------------------------------------------- 4. bounded reads ----


def run_peak(
    args: list[str], tmp_path: Path, feed: Any = None, limit: str | None = None
) -> tuple[int, str, float]:
    """Exit code, stderr and peak RSS (MiB) of losscli; ``feed(pipe)`` writes its stdin from a thread."""
    peak_file = tmp_path / "peak.txt"
    env = dict(os.environ, PEAK_FILE=str(peak_file))
    env.pop("LOSSCLI_MAX_LINE_BYTES", None)
    if limit is not None:
        env["LOSSCLI_MAX_LINE_BYTES"] = limit
    proc = subprocess.Popen(
        [sys.executable, "-c", PEAK_WRAPPER, *args],
        stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
    reader.start()
    if feed:

        def write() -> None:
            with contextlib.suppress(OSError):  # losscli stopped reading: expected
                feed(proc.stdin)

        threading.Thread(target=write, daemon=True).start()
    try:
        proc.wait(timeout=120)
        reader.join(timeout=10)
    finally:
        proc.kill()
    err = errors[0] if errors else b""
    return proc.returncode, err.decode(), int(peak_file.read_text()) / 1024


def endless(prefix: bytes) -> Any:
    def feed(pipe: Any) -> None:
        pipe.write(prefix)
        chunk = b"y" * (1 << 16)
        while True:  # never a line end, never an end
            pipe.write(chunk)

    return feed


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc for the peak RSS")
@pytest.mark.parametrize(
    "prefix, needle",
    [(b"", "the header is longer than"), (b"pred,label,note\n1,2,", "row 1 is longer than")],
    ids=["header", "row"],
)
def test_an_endless_stream_without_a_line_end_stops_at_the_limit(tmp_path, prefix, needle):
    code, err, peak = run_peak(["mse", "-"], tmp_path, feed=endless(prefix), limit="16M")
    assert code == 2, err
    assert err.startswith("losscli: error: <stdin>: ") and needle in err and "16 MiB" in err, err
    assert "Traceback" not in err and len(err.splitlines()) <= 2
    assert peak < 300, f"peak RSS {peak:.0f} MiB"


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc for the peak RSS")
def test_an_endless_stream_at_the_default_limit_stays_bounded(tmp_path):
    code, err, peak = run_peak(["mse", "-"], tmp_path, feed=endless(b"pred,label\n1,2\n"))
    assert code == 2, err
    assert "row 2 is longer than 256 MiB" in err and "LOSSCLI_MAX_LINE_BYTES" in err, err
    assert peak < 1100, f"peak RSS {peak:.0f} MiB"


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc for the peak RSS")
def test_a_gzip_bomb_with_a_512_mb_line_stays_bounded(tmp_path):
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as fh:  # ~0.5 MB on disk
        fh.write(b"pred,label,note\n1,2,x\n3,5,")
        chunk = b"y" * MiB
        for _ in range(512):
            fh.write(chunk)
        fh.write(b"\n4,4,z\n")
    assert path.stat().st_size < 4 * MiB
    code, err, peak = run_peak(["mse", str(path)], tmp_path)
    assert code == 2, err
    assert "row 2 is longer than 256 MiB" in err, err
    assert peak < 1100, f"peak RSS {peak:.0f} MiB"  # was 1.65 GB, holding the line whole
    code, err, peak = run_peak(["mse", str(path)], tmp_path, limit="32M")
    assert code == 2 and "row 2 is longer than 32 MiB" in err, err
    assert peak < 300, f"peak RSS {peak:.0f} MiB"


@pytest.mark.parametrize("how", ["zst", "bz2"])
def test_other_compressed_long_lines_stop_at_the_limit(cli, write_file, expect_error, how):
    data = b"pred,label,note\n1,2,x\n3,5," + b"y" * (20 * MiB) + b"\n"
    path = write_file("bomb.csv" + SUFFIX[how], COMPRESS[how](data))
    expect_error(cli("mse", path, env={"LOSSCLI_MAX_LINE_BYTES": "8M"}), "row 2 is longer than 8 MiB")


# ---------------------------------------------------- 5. a file that shrinks ----


@pytest.fixture(scope="module")
def shrinking_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, float]:
    rng = np.random.default_rng(9)
    n = 1_000_000
    pred, label = np.round(rng.normal(size=(2, n)), 6)
    text = "pred,label\n" + "".join(
        f"{p!r},{y!r}\n" for p, y in zip(pred.tolist(), label.tolist(), strict=True)
    )
    return text.encode(), mse(pred, label)


@pytest.mark.parametrize("how", ["plain", "gz"])
def test_a_file_truncated_while_it_is_read_is_an_input_error(tmp_path, shrinking_source, how):
    data, want = shrinking_source
    path = tmp_path / ("shrink.csv" + SUFFIX[how])
    path.write_bytes(COMPRESS[how](data))
    size = path.stat().st_size
    assert losscli.evaluate(InputOptions(str(path), block_bytes=MiB), "mse").results[
        0
    ].value == pytest.approx(want)
    source = open_source(InputOptions(str(path), block_bytes=MiB))
    chunks = source.chunks([0, 1], {0, 1})
    next(chunks)  # reading has started (a few blocks ahead at most)
    os.truncate(path, size // 2)
    with pytest.raises(losscli.LossCliError) as caught:
        for _ in chunks:
            pass
    assert caught.value.exit_code == 2
    assert (
        caught.value.message == f"{path}: the file shrank while it was read ({size:,} → {size // 2:,} bytes)"
    )


def _file_position(pid: int, path: Path) -> int | None:
    """Where process ``pid`` is reading ``path`` (from /proc/PID/fdinfo), or None if it has not opened it."""
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                with open(f"/proc/{pid}/fdinfo/{fd}") as fh:
                    return int(fh.readline().split()[1])
    except OSError:
        return None
    return None


@pytest.mark.skipif(not os.path.exists("/proc/self/fdinfo"), reason="needs Linux /proc")
def test_truncating_the_input_under_the_cli_is_exit_2_never_sigbus(
    tmp_path, losscli_exe, process_env, shrinking_source
):
    data, _ = shrinking_source
    path = tmp_path / "shrink.csv"
    path.write_bytes(data * 8)  # ~140 MB: seconds of reading
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [losscli_exe, "mse", str(path), "-o", str(out / "losses.csv")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=process_env,
    )  # fmt: skip
    try:
        while proc.poll() is None:
            position = _file_position(proc.pid, path)
            if position and position > 2 * MiB:
                os.truncate(path, MiB)
                break
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 2, (proc.returncode, err)  # not -7 / 135 (SIGBUS)
    text = err.decode()
    assert "the file shrank while it was read" in text and f"{MiB:,} bytes" in text, text
    assert "Traceback" not in text and len(text.splitlines()) <= 2
    assert os.listdir(out) == []  # no output, no temp file


# ------------------------------------------------------------ 6. blank cells ----

BLANKS = {
    "csv-spaces": ("b.csv", "pred,label\n1,2\n   ,5\n", "'   '"),
    "csv-tabs": ("b.csv", "pred,label\n1,2\n\t\t,5\n", "'\\t\\t'"),
    "csv-quoted-spaces": ("b.csv", 'pred,label\n1,2\n"  ",5\n', "'  '"),
    "tsv-spaces": ("b.tsv", "pred\tlabel\n1\t2\n   \t5\n", "'   '"),
    "tsv-quoted-tabs": ("b.tsv", 'pred\tlabel\n1\t2\n"\t"\t5\n', "'\\t'"),
}


@pytest.mark.parametrize("how", ["file", "stdin"])
@pytest.mark.parametrize("case", BLANKS.values(), ids=BLANKS.keys())
def test_a_blank_cell_names_column_row_and_count(cli, run_cli, write_file, expect_error, case, how):
    name, text, shown = case
    text += text.split("\n", 2)[2]  # the bad row twice: rows 2 and 3
    if how == "file":
        result = cli("mse", write_file(name, text))
        expect_error(
            result, "column 'pred' row 2", "only blanks", shown, "(2 such values)", "leave a missing"
        )
    else:
        args = ("--input-format", "tsv") if name.endswith(".tsv") else ()
        result = run_cli("mse", "-", *args, input=text.encode())
        expect_error(result, "<stdin>: column 'pred' row 2", "only blanks", shown, "2 such values")
    assert "conversion" not in (result.stderr if isinstance(result.stderr, str) else result.stderr.decode())


def test_blank_cells_are_not_dropped_by_nan_drop(cli, write_file, expect_error):
    expect_error(cli("mse", write_file("b.csv", "pred,label\n1,2\n   ,5\n"), "--nan", "drop"), "only blanks")


def test_a_padded_missing_marker_and_padded_numbers(cli, write_file, expect_error):
    expect_error(cli("mse", write_file("na.csv", "pred,label\n1,2\n NA ,5\n")), "row 2", "' NA '", "missing")
    path = write_file("pad.csv", "pred,label\n  1.5\t,\t2 \n")
    assert value_of(cli("mse", path, "-f", "value")) == pytest.approx(0.25)


def test_a_long_bad_cell_is_not_echoed_whole(cli, write_file, expect_error):
    err = expect_error(
        cli("mse", write_file("big.csv", "pred,label\n1,2\n" + "x" * 100_000 + ",5\n")), "row 2"
    )
    assert len(err) < 400 and "100,000 characters" in err


# ---------------------------------------------------- 7. odd bytes in values ----


@pytest.mark.parametrize("sep", [",", "\t"], ids=["csv", "tsv"])
def test_odd_bytes_in_an_unused_column_are_read(cli, write_file, sep):
    notes = ['"a\x00b"', '"\x1b[2K\x1b[1A"', '"q""uote"', '"cr\rlf"']
    raw = "\n".join([f"pred{sep}label{sep}note"] + [
        f"{p!r}{sep}{y!r}{sep}{n}" for p, y, n in zip(PRED.tolist(), LABEL.tolist(), notes, strict=True)
    ]).encode() + b"\n"  # fmt: skip
    raw = raw.replace(b"a\x00b", b"a\x00\xff\xfeb")  # not UTF-8, in a column never decoded
    path = write_file("odd.csv" if sep == "," else "odd.tsv", raw)
    assert value_of(cli("mse", path, "-f", "value")) == pytest.approx(mse(PRED, LABEL), rel=1e-15)
