"""Hardening (issue 7): one case per kind of bad or odd input, and what losscli must do.

Every unusable input is a clean exit 2 (SPEC §6): nothing on stdout, one
``losscli: error: …`` line naming the file and the problem (plus an optional
``  hint: …`` line), no traceback, and no ``-o`` file or temp file left behind.
Every odd but valid input (BOM, CRLF, ``-0``, one row, 10 000 columns, markup or
commas in column names) works and gives the value NumPy computes from the same
numbers. Real processes are used only for FIFOs, permissions, standard streams
and signals. Cases that show a bug are kept as strict xfails (``BUG: …``); the
list with reproductions is in tests/README.md.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files, pipes and signals")
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOT_ROOT = pytest.mark.skipif(AS_ROOT, reason="root reads and writes regardless of permissions")

PRED = np.array([1.5, -2.25, 3.0, 0.125, 7.0])
LABEL = np.array([2.0, -1.0, 3.5, 0.0, 4.75])


def csv_text(header: list[str], *columns: np.ndarray, nl: str = "\n", final: bool = True) -> str:
    lines = [",".join(header), *(",".join(repr(float(v)) for v in row) for row in zip(*columns, strict=True))]
    return nl.join(lines) + (nl if final else "")


def mse(pred, label) -> float:
    d = np.asarray(pred, float) - np.asarray(label, float)
    return float(np.mean(d * d))


def check_error_lines(err: str) -> None:
    """The second line of an error, when there is one, is the hint (losscli.cli.boundary)."""
    lines = err.splitlines()
    if len(lines) == 2:
        assert lines[1].lstrip().startswith("hint: "), err


# ---------------------------------------------------------------- inputs ----


def _parquet_bytes(rows: int = 1000, **write_options) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"pred": np.arange(rows, dtype=float), "label": np.arange(rows, dtype=float) + 1})
    sink = io.BytesIO()
    pq.write_table(table, sink, **write_options)
    return sink.getvalue()


def truncated_parquet() -> bytes:
    data = _parquet_bytes()
    return data[: len(data) // 2]  # the footer is gone


def corrupt_parquet_page() -> bytes:
    """A valid footer, but compressed page bytes overwritten in the middle of the file."""
    data = bytearray(_parquet_bytes(100_000, compression="snappy", row_group_size=20_000))
    mid = len(data) // 3
    data[mid : mid + 2000] = np.random.default_rng(1).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    return bytes(data)


def string_column_parquet() -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"pred": ["1.5", "2"], "label": [1.0, 2.0]}), sink)
    return sink.getvalue()


@functools.cache
def ten_thousand_columns() -> tuple[str, float]:
    rng = np.random.default_rng(10)
    data = rng.normal(size=(4, 10_000))
    header = [f"c{i}" for i in range(9_998)] + ["pred", "label"]
    text = csv_text(header, *data.T)
    return text, mse(data[:, -2], data[:, -1])


@dataclass
class Case:
    """One kind of input: a file name, its content (bytes, text, or a factory), the options."""

    name: str
    content: bytes | str | Callable[[], bytes | str] | None  # None: a directory; "missing": no file
    args: tuple[str, ...] = ()
    needles: tuple[str, ...] = ()
    want: float | None = None
    rows: int | None = None
    loss: str = "mse"
    extra: dict = field(default_factory=dict)

    def make(self, folder: Path) -> Path:
        path = folder / self.name
        content = self.content() if callable(self.content) else self.content
        if content is None:
            path.mkdir()
        elif content == "missing":
            pass
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return path


GOOD = "pred,label\n1,2\n3,5\n"
ERRORS = {
    # empty and structurally broken text
    "empty-file": Case("empty.csv", "", needles=("no rows",)),
    "header-only": Case("header.csv", "pred,label\n", needles=("no rows",)),
    "blank-lines-only": Case("blank.csv", "\n\n\n", needles=("no rows",)),
    "ragged-short-row": Case("short.csv", "pred,label\n1,2\n3\n4,5\n", needles=("row 2",)),
    "ragged-long-row": Case("long.csv", "pred,label\n1,2\n3,4,5\n", needles=("row 2",)),
    "unclosed-quote": Case("quote.csv", 'pred,label\n1,2\n"3,4\n5,6\n', needles=("row 2", "quot")),
    # encodings
    "latin1-in-header": Case(
        "hdr1.csv", "préd,label\n1,2\n".encode("latin-1"), needles=("utf-8", "--encoding")
    ),
    "latin1-in-used-column": Case("val1.csv", b"pred,label\n1,2\n3,\xe95\n", needles=("utf-8", "--encoding")),
    # a UTF-16 file with a byte-order mark is read (WORKS); without one its NUL bytes give the codec
    "utf16-file-without-bom": Case(
        "u16.csv", "pred,label\n1,2\n".encode("utf-16-le"), needles=("NUL", "--encoding utf-16-le")
    ),
    "random-binary-as-csv": Case("noise.csv", np.random.default_rng(0).bytes(400)),
    "nul-byte-in-a-number": Case("nul.csv", "pred,label\n1,2\x00\n3,5\n", needles=("'label'", "row 1")),
    # column names
    "duplicate-names-by-default": Case("dup.csv", "pred,pred,label\n1,2,3\n", needles=("'pred'", "--pred")),
    "duplicate-names-chosen": Case(
        "dup2.csv", "pred,pred,label\n1,2,3\n", ("--pred", "pred"), needles=("'pred'", "#1", "#2")
    ),
    "markup-header-not-found": Case(
        "markup.csv", "[bold]pred[/bold],label\n1,2\n", needles=("'[bold]pred[/bold]'", "--pred")
    ),
    # numbers
    "overflowing-1e400": Case("e400.csv", "pred,label\n1,2\n1e400,5\n", needles=("'pred'", "row 2")),
    "nan-text": Case("nan.csv", "pred,label\n1,2\nNaN,5\n", needles=("'pred'", "row 2", "--nan drop")),
    "minus-inf-text": Case("inf.csv", "pred,label\n1,2\n3,-inf\n", needles=("'label'", "row 2", "inf")),
    "quoted-empty-string": Case(
        "qe.csv", 'pred,label\n1,2\n"",5\n', needles=("'pred'", "row 2", "--nan drop")
    ),
    "thousands-separator": Case("k.csv", 'pred,label\n"1,234",2\n', needles=("'pred'", "row 1", "'1,234'")),
    "hex-number": Case("hex.csv", "pred,label\n1,2\n0x10,2\n", needles=("'pred'", "row 2", "'0x10'")),
    # binary formats
    "garbage-named-parquet": Case(
        "garbage.parquet", np.random.default_rng(2).bytes(300), needles=("parquet",)
    ),
    "truncated-parquet": Case("trunc.parquet", truncated_parquet, needles=("parquet",)),
    "corrupt-parquet-page": Case("corrupt.parquet", corrupt_parquet_page, needles=("parquet",)),
    "parquet-string-column": Case(
        "strings.parquet", string_column_parquet, needles=("'pred'", "not numbers")
    ),
    "garbage-named-arrow": Case("garbage.arrow", np.random.default_rng(3).bytes(300), needles=("arrow",)),
    "malformed-jsonl": Case("bad.jsonl", '{"pred": 1, "label": 2}\n{"pred": 3,\n', needles=("jsonl",)),
    # compression
    "gzip-that-is-plain-text": Case("plain.csv.gz", GOOD, needles=("cannot read",)),
    "truncated-gzip": Case("cut.csv.gz", gzip.compress(GOOD.encode() * 50)[:40]),
    "bz2-that-is-plain-text": Case("plain.csv.bz2", GOOD),
    "zst-that-is-plain-text": Case("plain.csv.zst", GOOD),
    # not a file
    "directory": Case("folder", None, needles=("is a directory",)),
    "missing-file": Case("nope.csv", "missing", needles=("no such file",)),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_unusable_input_is_a_clean_exit_2_and_writes_nothing(cli, tmp_path, expect_error, case):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    path = case.make(src)
    result = cli(case.loss, path, *case.args, "-o", out / "losses.csv", "-f", "value")
    err = expect_error(result, case.name, *case.needles)
    check_error_lines(err)
    assert os.listdir(out) == []  # no -o file, no temp file


WORKS = {
    "bom-and-crlf": Case(
        "bc.csv", b"\xef\xbb\xbf" + csv_text(["pred", "label"], PRED, LABEL, nl="\r\n").encode()
    ),
    "bom-only": Case("bom.csv", "\ufeff" + csv_text(["pred", "label"], PRED, LABEL)),
    "crlf-without-final-newline": Case(
        "cr.csv", csv_text(["pred", "label"], PRED, LABEL, nl="\r\n", final=False)
    ),
    "latin1-in-an-unused-column": Case(
        "note.csv",
        "note,pred,label\ncafé,1.5,2\nthé,-2.25,-1\n".encode("latin-1"),
        want=mse([1.5, -2.25], [2, -1]),
    ),
    "latin1-with-encoding-option": Case(
        "lat.csv",
        csv_text(["préd", "label"], PRED, LABEL).encode("latin-1"),
        ("--encoding", "latin-1", "--pred", "préd"),
    ),
    "negative-zero": Case("zero.csv", "pred,label\n-0,0\n-0.0,1\n0,-0\n", want=mse([0, 0, 0], [0, 1, 0])),
    "single-row": Case("one.csv", "pred,label\n1.5,-2\n", want=3.5**2),
    "ten-thousand-columns": Case(
        "wide.csv", lambda: ten_thousand_columns()[0], want=ten_thousand_columns()[1]
    ),
    "markup-in-column-names": Case(
        "mk.csv",
        csv_text(["[bold]pred[/bold]", "[red]y[/red]"], PRED, LABEL),
        ("--pred", "[bold]pred[/bold]", "--label", "[red]y[/red]"),
    ),
    "comma-and-space-in-names": Case(
        "cs.csv", csv_text(['"pr,ed"', "la bel"], PRED, LABEL), ("--pred", "pr,ed", "--label", "la bel")
    ),
    "duplicate-names-by-position": Case(
        "dupp.csv", "pred,pred,label\n1,2,3\n4,5,6\n", ("--pred", "#1"), want=mse([1, 4], [3, 6])
    ),
    "empty-column-name": Case("en.csv", "pred,,label\n1,9,2\n3,9,5\n", want=mse([1, 3], [2, 5])),
    "trailing-delimiter": Case("td.csv", "pred,label,\n1,2,\n3,5,\n", want=mse([1, 3], [2, 5])),
    "padded-and-signed-numbers": Case("pad.csv", "pred,label\n 1 ,+2\n+3, 5\n", want=mse([1, 3], [2, 5])),
    "quoted-newline-in-unused-cell": Case(
        "qn.csv", 'pred,label,note\n1,2,"a\nb"\n3,5,x\n', want=mse([1, 3], [2, 5]), rows=2
    ),
    "nan-dropped-on-request": Case(
        "nd.csv", "pred,label\n1,2\nNaN,4\n3,\n3,5\n", ("--nan", "drop"), want=mse([1, 3], [2, 5]), rows=4
    ),
    "utf16-file-with-bom": Case("u16b.csv", "pred,label\n1,2\n".encode("utf-16"), want=1.0),
    "gzip-compressed": Case("z.csv.gz", gzip.compress(csv_text(["pred", "label"], PRED, LABEL).encode())),
    "bz2-compressed": Case("z.csv.bz2", bz2.compress(csv_text(["pred", "label"], PRED, LABEL).encode())),
}


@pytest.mark.parametrize("case", WORKS.values(), ids=WORKS.keys())
def test_odd_but_valid_input_gives_the_numpy_value(cli, tmp_path, case):
    src = tmp_path / "in"
    src.mkdir()
    path = case.make(src)
    target = tmp_path / "losses.csv"
    result = cli(case.loss, path, *case.args, "-o", target, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    want = mse(PRED, LABEL) if case.want is None else case.want
    assert doc["results"][0]["value"] == pytest.approx(want, rel=1e-12, abs=0)
    used = doc["results"][0]["count"]
    if case.rows is not None:
        assert doc["source"]["rows"] == case.rows
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == used + 1  # header + one row per used sample
    assert sorted(os.listdir(tmp_path)) == ["in", "losses.csv"]


# ------------------------------------- bugs this battery found (now fixed) ----


def test_cr_only_line_ends_work_or_fail_cleanly(cli, write_file):
    path = write_file("mac.csv", csv_text(["pred", "label"], PRED, LABEL, nl="\r"))
    result = cli("mse", path, "-f", "value")
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 0:
        assert float(result.stdout) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


def test_newline_inside_a_quoted_header_name(cli, write_file):
    path = write_file("qh.csv", '"pr\ned",label\n1,2\n3,5\n')
    result = cli("mse", path, "--pred", "#1", "--label", "#2", "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert float(result.stdout) == mse([1, 3], [2, 5])


def test_jsonl_parse_error_names_the_1_based_row(cli, write_file, expect_error):
    lines = [json.dumps({"pred": i, "label": 1}) for i in range(6)]
    lines[4] = '{"pred": 1,'  # the 5th data row
    path = write_file("rows.jsonl", "\n".join(lines) + "\n")
    expect_error(cli("mse", path), "rows.jsonl", "row 5")


def test_undecodable_bytes_name_the_column_and_row(cli, write_file, expect_error):
    path = write_file("where.csv", b"pred,label\n1,2\n3,4\n5,\xe96\n")
    expect_error(cli("mse", path), "where.csv", "'label'", "row 3")


@pytest.mark.parametrize("column", ["bad\nname", "\x1b[31mred\x1b[0m"], ids=["newline", "ansi-escape"])
def test_control_characters_in_column_names_are_escaped(cli, tmp_path, expect_error, column):
    """Parquet (or JSON Lines) column names can hold any character; an error lists them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "ctl.parquet"
    pq.write_table(pa.table({column: [1.0], "label": [2.0]}), path)
    err = expect_error(cli("mse", path), "ctl.parquet", "--pred")  # at most two lines
    assert "\x1b" not in err


# ------------------------------------------------------------ output paths ----


@pytest.mark.parametrize(
    "target",
    ["/proc/nonexistent/x.csv", "missing-parent/x.csv", "missing-parent/x.parquet"],
    ids=["proc", "missing-parent-csv", "missing-parent-parquet"],
)
def test_output_where_nothing_can_be_written(cli, tmp_path, write_file, expect_error, target):
    path = write_file("ok.csv", GOOD)
    where = target if target.startswith("/") else str(tmp_path / target)
    err = expect_error(cli("mse", path, "-o", where, "-f", "value"), where, "cannot write")
    check_error_lines(err)
    assert sorted(os.listdir(tmp_path)) == ["ok.csv"]


@pytest.mark.parametrize(
    ("option", "name"),
    [("-o", "out.csv"), ("-o", "out.parquet"), ("--write-baseline", "base.json"), ("--junit", "report.xml")],
)
def test_output_onto_an_existing_directory(cli, tmp_path, write_file, expect_error, option, name):
    path = write_file("ok.csv", GOOD)
    (tmp_path / name).mkdir()
    gate = ("--max", "100") if option == "--junit" else ()
    result = cli("mse", path, option, tmp_path / name, *gate, "-f", "value")
    assert result.exit_code == 2, result.stderr
    assert "losscli: error: " in result.stderr and name in result.stderr
    assert sorted(os.listdir(tmp_path)) == sorted(["ok.csv", name])
    assert os.listdir(tmp_path / name) == []


@NOT_ROOT
@POSIX
def test_output_in_a_read_only_directory(cli, tmp_path, write_file, expect_error):
    path = write_file("ok.csv", GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        expect_error(cli("mse", path, "-o", locked / "x.csv", "-f", "value"), "x.csv", "cannot write")
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o755)


@NOT_ROOT
@POSIX
def test_input_without_read_permission(cli, write_file, expect_error):
    path = write_file("secret.csv", GOOD)
    os.chmod(path, 0)
    try:
        expect_error(cli("mse", path), "secret.csv", "permission denied")
    finally:
        os.chmod(path, 0o644)


# ---------------------------------------------------------------- FIFOs ----


def _run_on_fifo(losscli_exe: str, env: dict[str, str], folder: Path, data: bytes):
    """losscli reading a named pipe that a thread feeds; never waits more than 20 s."""
    fifo = folder / "pipe.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        try:
            with open(fifo, "wb") as fh:  # blocks until a reader opens the pipe
                fh.write(data)
        except BrokenPipeError:
            pass  # the reader gave up early

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        proc = subprocess.run(
            [losscli_exe, "mse", str(fifo), "-f", "value"],
            capture_output=True,
            env=env,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("losscli hung on a named pipe")
    finally:
        if writer.is_alive():  # losscli never opened the pipe: release the writer
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            writer.join(5)
            os.close(fd)
    return proc


@POSIX
def test_named_pipe_never_hangs_and_fails_cleanly_if_at_all(losscli_exe, process_env, tmp_path):
    data = csv_text(["pred", "label"], PRED, LABEL).encode()
    proc = _run_on_fifo(losscli_exe, process_env, tmp_path, data)
    assert proc.returncode in (0, 2), proc.stderr
    assert b"Traceback" not in proc.stderr
    if proc.returncode == 0:
        assert float(proc.stdout) == pytest.approx(mse(PRED, LABEL), rel=1e-12)
    else:
        assert proc.stdout == b""
        assert proc.stderr.startswith(b"losscli: error: ") and b"pipe.csv" in proc.stderr
        assert len(proc.stderr.splitlines()) <= 2


@POSIX
def test_named_pipe_is_read_like_stdin(losscli_exe, process_env, tmp_path):
    data = csv_text(["pred", "label"], PRED, LABEL).encode()
    proc = _run_on_fifo(losscli_exe, process_env, tmp_path, data)
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == pytest.approx(mse(PRED, LABEL), rel=1e-12)


# ----------------------------------------------------- standard streams ----

STREAMS = {  # bash redirection, input, the exit code SPEC §6 asks for
    "stdout-closed": ('"$0" mse "$1" -f value >&-', GOOD, 2),
    "stdout-full": ('"$0" mse "$1" -f value >/dev/full', GOOD, 2),
    "stdin-closed": ('"$0" mse - -f value <&-', GOOD, 2),
    "stderr-closed-on-success": ('"$0" mse "$1" -f value 2>&-', GOOD, 0),
    "stderr-full-on-an-error": ('"$0" mse "$1" -f value 2>/dev/full', "pred,label\n1,\n", 2),
}


@POSIX
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("script", "content", "code"),
    [pytest.param(*case, id=name) for name, case in STREAMS.items()],
)
def test_unusable_standard_streams(losscli_exe, process_env, write_file, script, content, code):
    path = write_file("s.csv", content)
    proc = subprocess.run(
        ["bash", "-c", script, losscli_exe, path],
        capture_output=True,
        env=process_env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == code, proc.stderr
    assert b"Traceback" not in proc.stderr
    if code == 0:
        assert float(proc.stdout) == mse([1, 3], [2, 5])


# ------------------------------------------------------------- signals ----


def _interrupt_while_writing(losscli_exe, env, huge_csv, folder: Path, name: str, sig: int):
    """Start a run writing ``-o name``; send ``sig`` once its temp file is growing."""
    out = folder / name
    proc = subprocess.Popen(
        [losscli_exe, "mse", huge_csv, "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            temps = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
            if any(p.stat().st_size > 0 for p in temps):
                break
            time.sleep(0.005)
        if proc.poll() is not None:
            pytest.fail("the run ended before it could be interrupted")
        time.sleep(0.1)
        sent = time.monotonic()
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=30)
        return proc.returncode, time.monotonic() - sent, stdout, stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@POSIX
def test_sigint_while_writing_parquet_output(losscli_exe, process_env, huge_csv, tmp_path):
    """Ctrl-C during ``-o out.parquet``: exit 130 within a second, no out.parquet, no temp file."""
    code, took, stdout, stderr = _interrupt_while_writing(
        losscli_exe, process_env, huge_csv, tmp_path, "out.parquet", signal.SIGINT
    )
    assert code == 130, stderr
    assert took < 1.0
    assert stdout == b""
    assert b"Traceback" not in stderr
    assert os.listdir(tmp_path) == []


@POSIX
def test_sigterm_while_writing_output_leaves_no_temp_file(losscli_exe, process_env, huge_csv, tmp_path):
    code, _, stdout, stderr = _interrupt_while_writing(
        losscli_exe, process_env, huge_csv, tmp_path, "out.csv", signal.SIGTERM
    )
    assert code == 143, stderr  # 128 + SIGTERM, as shells report it
    assert stderr.decode().strip() == "losscli: terminated"
    assert stdout == b""
    assert os.listdir(tmp_path) == []
