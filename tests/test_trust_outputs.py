"""Issue 11, data loss: no run destroys or corrupts a file it was not asked to create.

One mechanism closes the class (losscli/output/plan.py, OutputPlan): every output of a
run is planned and checked before any input is read, and all are committed together at
the end, with signals deferred. These tests try each example of the issue and its
neighbours through the real CLI: the same file however spelled, every output option,
devices, FIFOs and symlinks, a closed stdout, unwritable reports, full disks, signals.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths, devices and signals")
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False

DATA = "pred,label\n1,2\n3,5\n4,4\n"
MSE = (1 + 4 + 0) / 3

OUTPUT_OPTIONS = [
    ("-o", "x.csv"),
    ("--write-baseline", "b.json"),
    ("--junit", "j.xml"),
    ("--summary-file", "s.md"),
]


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(DATA)
    return path


# ------------------------------------------------- an output that is an input ----


def _spellings(data: Path) -> dict[str, str]:
    """The input file, spelled every way that reaches the same bytes."""
    folder = data.parent
    (folder / "sub").mkdir(exist_ok=True)
    link = folder / "link.csv"
    link.symlink_to(data)
    hard = folder / "hard.csv"
    os.link(data, hard)
    return {
        "same": str(data),
        "dot-slash": f"{folder}/./in.csv",
        "dot-dot": f"{folder}/sub/../in.csv",
        "symlink": str(link),
        "hard link": str(hard),
    }


@pytest.mark.parametrize("option", [o for o, _ in OUTPUT_OPTIONS])
@pytest.mark.parametrize("spelling", ["same", "dot-slash", "dot-dot", "symlink", "hard link"])
def test_an_output_that_resolves_to_the_input_is_refused_and_the_input_kept(
    cli, expect_error, data, option, spelling
):
    target = _spellings(data)[spelling]
    result = cli("mse", str(data), option, target, "-f", "value")
    expect_error(result, "destroy the input")
    assert data.read_text() == DATA
    assert _temps(data.parent) == []


def test_a_relative_spelling_of_the_input_is_refused(run_cli, expect_error, data, monkeypatch):
    monkeypatch.chdir(data.parent)
    result = subprocess.run(
        [sys.executable, "-m", "losscli", "mse", "in.csv", "-o", "./in.csv"],
        capture_output=True,
        cwd=data.parent,
        check=False,
    )
    expect_error(result, "destroy the input")
    assert data.read_text() == DATA


def test_labels_file_as_output_is_refused(cli, expect_error, tmp_path):
    preds = tmp_path / "p.csv"
    preds.write_text("pred\n1\n2\n")
    truth = tmp_path / "t.csv"
    truth.write_text("label\n1\n3\n")
    result = cli("mse", str(preds), "--labels", str(truth), "-o", str(truth))
    expect_error(result, "destroy the input")
    assert truth.read_text() == "label\n1\n3\n"


def test_the_baseline_read_is_not_the_baseline_written(cli, expect_error, data, tmp_path):
    base = tmp_path / "b.json"
    base.write_text('{"mse": 2.0}')
    result = cli("mse", str(data), "--baseline", str(base), "--write-baseline", str(base))
    expect_error(result, "destroy the input")
    assert base.read_text() == '{"mse": 2.0}'


@POSIX
def test_stdin_redirected_from_the_output_file_is_refused(losscli_exe, process_env, expect_error, data):
    with open(data, "rb") as stdin:
        result = subprocess.run(
            [losscli_exe, "mse", "-", "-o", str(data)],
            stdin=stdin,
            capture_output=True,
            env=process_env,
            check=False,
        )
    expect_error(result, "destroy the input")
    assert data.read_text() == DATA


def test_output_inside_an_input_parquet_directory_or_glob_is_refused(cli, expect_error, tmp_path):
    import pandas as pd

    folder = tmp_path / "ds"
    folder.mkdir()
    pd.DataFrame({"pred": [1.0, 2.0], "label": [1.0, 3.0]}).to_parquet(folder / "a.parquet")
    expect_error(cli("mse", str(folder), "-o", str(folder / "out.parquet")), "inside the input directory")
    pattern = str(folder / "*.parquet")
    expect_error(cli("mse", pattern, "-o", str(folder / "b.parquet")), "matches the input pattern")
    assert sorted(os.listdir(folder)) == ["a.parquet"]


def test_check_reports_cannot_overwrite_the_config_or_its_data(cli, expect_error, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(DATA)
    config = tmp_path / "losscli.toml"
    config.write_text('[[check]]\nfile = "d.csv"\nloss = "mse"\nmax = 10\n')
    for option in ("--junit", "--summary-file"):
        for victim in (config, tmp_path / "d.csv"):
            before = victim.read_text()
            expect_error(cli("check", option, str(victim)), "destroy the input")
            assert victim.read_text() == before


def test_two_outputs_naming_one_file_are_refused(cli, expect_error, data, tmp_path):
    out = tmp_path / "r.xml"
    expect_error(cli("mse", str(data), "--junit", str(out), "--write-baseline", str(out)), "the same file")
    assert not out.exists()


# ----------------------------------------------------------------- empty paths ----


@pytest.mark.parametrize("option", ["-o", "--write-baseline", "--junit", "--summary-file", "--baseline"])
def test_an_empty_path_is_an_error_not_a_dropped_output(cli, expect_error, data, option):
    expect_error(cli("mse", str(data), option, "", "-f", "value"), "empty path")


@pytest.mark.parametrize("option", ["--junit", "--summary-file"])
def test_check_empty_report_path_is_an_error(cli, expect_error, tmp_path, monkeypatch, option):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(DATA)
    (tmp_path / "losscli.toml").write_text('[[check]]\nfile = "d.csv"\nloss = "mse"\nmax = 10\n')
    expect_error(cli("check", option, ""), "empty path")


# ------------------------------------------- devices, FIFOs and symlinks ----


@POSIX
@pytest.mark.parametrize("option", ["--write-baseline", "--junit", "--summary-file"])
def test_dev_null_is_written_through_and_stays_a_device(cli, data, option):
    before = os.stat("/dev/null")
    result = cli("mse", str(data), option, "/dev/null", "--max", "10", "-f", "value")
    assert result.exit_code == 0, result.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert list(Path("/dev").glob(".losscli-*")) == []


@POSIX
def test_per_sample_rows_to_a_device_need_a_format_and_leave_it_alone(cli, expect_error, data):
    """``-o`` takes its format from the extension, which /dev/null has not: a clear refusal."""
    before = os.stat("/dev/null")
    expect_error(cli("mse", str(data), "-o", "/dev/null"), "cannot tell the format")
    assert os.stat("/dev/null").st_ino == before.st_ino and stat.S_ISCHR(os.stat("/dev/null").st_mode)


@POSIX
def test_junit_to_dev_stdout_goes_to_stdout_and_dev_stdout_stays_a_link(losscli_exe, process_env, data):
    result = subprocess.run(
        [losscli_exe, "mse", str(data), "--max", "10", "--junit", "/dev/stdout", "-f", "value"],
        capture_output=True,
        env=process_env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert os.path.islink("/dev/stdout")
    out = result.stdout.decode()
    assert "<testsuite" in out and repr(MSE) in out


@POSIX
def test_fifo_output_is_written_through_and_stays_a_fifo(cli, data, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def drain() -> None:
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    result = cli("mse", str(data), "--write-baseline", str(fifo), "-f", "value")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    import json

    assert json.loads(received[0])["results"][0]["value"] == pytest.approx(MSE, rel=1e-15)
    assert _temps(tmp_path) == []


@pytest.mark.parametrize("option,name", OUTPUT_OPTIONS)
def test_a_symlinked_output_is_written_through_its_target_and_stays_a_link(cli, data, tmp_path, option, name):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / name
    real.write_text("old\n")
    link = tmp_path / f"link-{name}"
    link.symlink_to(real)
    result = cli("mse", str(data), option, str(link), "--max", "10", "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    text = real.read_text()
    assert text != "old\n" and (option != "--summary-file" or text.startswith("old\n"))
    assert _temps(tmp_path) == []


def test_a_dangling_symlink_output_creates_its_target(cli, data, tmp_path):
    target = tmp_path / "made.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert cli("mse", str(data), "-o", str(link), "-f", "value").exit_code == 0
    assert link.is_symlink() and target.is_file()
    assert target.read_text().splitlines()[0].startswith("row")


def test_a_symlink_loop_is_named(cli, expect_error, data, tmp_path):
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    expect_error(cli("mse", str(data), "-o", str(loop)), "symlink loop")


def test_an_existing_files_permissions_are_kept(cli, data, tmp_path):
    out = tmp_path / "o.csv"
    out.write_text("old")
    out.chmod(0o600)
    assert cli("mse", str(data), "-o", str(out), "-f", "value").exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text() != "old"


def test_a_250_byte_output_name_is_written(cli, data, tmp_path):
    name = "o" * 246 + ".csv"
    assert len(name) == 250
    result = cli("mse", str(data), "-o", str(tmp_path / name), "-f", "value")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / name).is_file()
    assert _temps(tmp_path) == []


# ------------------------------------------------------- a closed stdout ----


@POSIX
@pytest.mark.parametrize("gate", [[], ["--max", "1e9"]])
def test_closed_stdout_does_not_cancel_the_files_asked_for(losscli_exe, process_env, big_csv, tmp_path, gate):
    """``-f csv -o o.parquet --write-baseline b.json | head``: both files, with or without a gate."""
    out, base = tmp_path / "o.parquet", tmp_path / "b.json"
    cmd = [losscli_exe, "mse", big_csv, "-f", "csv", "-o", str(out), "--write-baseline", str(base), *gate]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=process_env)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert b"error" not in err and b"Traceback" not in err
    assert err == (b"" if not gate else err)
    assert not gate or err.startswith(b"PASS mse ")
    import pyarrow.parquet as pq

    assert pq.read_metadata(out).num_rows == 200_000
    assert base.is_file()


# ------------------------------------------- validated before reading ----


@POSIX
@pytest.mark.parametrize(
    "option,where",
    [
        ("--junit", "missing/j.xml"),
        ("--summary-file", "missing/s.md"),
        ("--write-baseline", "missing/b.json"),
        ("-o", "missing/o.csv"),
        ("--junit", "adir"),
        ("-o", "o.unknown"),
    ],
)
def test_an_unwritable_output_is_found_before_anything_is_read(
    losscli_exe, process_env, tmp_path, option, where
):
    """The input is a FIFO nobody writes to: had losscli started reading it, the run
    would hang (and the timeout fail the test) instead of refusing at once."""
    fifo = tmp_path / "never.csv"
    os.mkfifo(fifo)
    (tmp_path / "adir").mkdir()
    out, base = tmp_path / "o.csv", tmp_path / "b.json"
    others = (
        ["-o", str(out), "--write-baseline", str(base)] if option not in ("-o", "--write-baseline") else []
    )
    result = subprocess.run(
        [losscli_exe, "mse", str(fifo), option, str(tmp_path / where), *others],
        capture_output=True,
        env=process_env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().startswith("losscli: error: ")
    assert not out.exists() and not base.exists()
    assert _temps(tmp_path) == []


def test_check_with_an_unwritable_summary_writes_no_junit(cli, expect_error, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(DATA)
    (tmp_path / "losscli.toml").write_text('[[check]]\nfile = "d.csv"\nloss = "mse"\nmax = 10\n')
    junit = tmp_path / "j.xml"
    result = cli("check", "--junit", str(junit), "--summary-file", str(tmp_path / "no" / "s.md"))
    expect_error(result, "no such folder")
    assert not junit.exists()


# -------------------------------------------------------------- full disks ----


@contextlib.contextmanager
def _small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (root only; skipped where mounting is not allowed)."""
    mount = folder / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@POSIX
@pytest.mark.skipif(not ROOT, reason="mounting a small tmpfs needs root")
@pytest.mark.parametrize("name", ["o.csv", "o.parquet"])
def test_a_full_disk_names_the_file_and_leaves_no_temp_file(run_cli, big_csv, tmp_path, name):
    with _small_disk(tmp_path, "256k") as disk:
        (disk / name).write_text("old")
        result = run_cli("mse", big_csv, "-o", disk / name, "-f", "value")
        err = result.stderr.decode()
        assert result.returncode == 2, err
        assert err.startswith(f"losscli: error: {disk / name}: cannot write: No space left on device"), err
        assert "Traceback" not in err
        assert os.listdir(disk) == [name]
        assert (disk / name).read_text() == "old"


@POSIX
@pytest.mark.skipif(not ROOT, reason="mounting a small tmpfs needs root")
def test_a_full_disk_under_the_summary_leaves_it_as_it_was(run_cli, data, tmp_path):
    with _small_disk(tmp_path, "4k") as disk:
        summary = disk / "s.md"
        summary.write_bytes(b"x" * 4000)
        result = run_cli("mse", data, "--summary-file", summary, "-f", "value")
        assert result.returncode == 2, result.stderr
        assert b"cannot append the summary" in result.stderr
        assert summary.read_bytes() == b"x" * 4000


@POSIX
def test_a_file_size_limit_is_reported_for_the_file_and_nothing_is_left(
    losscli_exe, process_env, big_csv, tmp_path
):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    out, summary = tmp_path / "o.csv", tmp_path / "s.md"
    result = subprocess.run(
        [losscli_exe, "mse", big_csv, "-o", str(out), "--summary-file", str(summary), "-f", "value"],
        capture_output=True,
        env=process_env,
        preexec_fn=limit,
        timeout=120,
        check=False,
    )
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert f"{out}: cannot write: File too large" in err
    assert not out.exists() and not summary.exists()
    assert _temps(tmp_path) == []


# ---------------------------------------------------------------- signals ----


def _temp_files_appear(folder: Path, proc: subprocess.Popen[bytes], limit: float = 30) -> bool:
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.stat().st_size > 0 for p in folder.glob(".losscli-*.tmp")):
            return True
        time.sleep(0.005)
    return False


@POSIX
@pytest.mark.parametrize("sig", ["SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGQUIT", "SIGTERM", "SIGINT"])
def test_every_terminating_signal_leaves_no_output_and_no_temp_file(
    losscli_exe, process_env, huge_csv, tmp_path, sig
):
    signum = getattr(signal, sig)
    out, base = tmp_path / "o.csv", tmp_path / "b.json"
    proc = subprocess.Popen(
        [losscli_exe, "mse", huge_csv, "-o", str(out), "--write-baseline", str(base), "-f", "value"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env,
    )
    try:
        if not _temp_files_appear(tmp_path, proc):
            pytest.fail("the run ended before it could be signalled: make huge_csv bigger")
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, err
    assert b"Traceback" not in err and err.decode().strip().startswith("losscli: ")
    assert not out.exists() and not base.exists()
    assert _temps(tmp_path) == []


@POSIX
@pytest.mark.parametrize("source", ["stdin", "fifo", "gzip on stdin"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_while_waiting_on_a_pipe_is_one_line_never_an_abort(
    losscli_exe, process_env, tmp_path, source, sig
):
    """The reader thread was blocked reading stdin, holding ``sys.stdin.buffer``'s lock,
    when the signal ended the run: the interpreter then aborted as it closed stdin
    ("Fatal Python error: _enter_buffered_busy", exit 134). A decompressor whose read the
    signal cut short said "Truncated compressed stream" (exit 2). Both: 128 + the signal,
    one line, nothing written. Three tries each (the abort came in most tries)."""
    import gzip

    signum = getattr(signal, sig)
    feed = b"pred,label\n" + b"1,2\n" * 1000
    if source == "gzip on stdin":
        feed = gzip.compress(feed)[:-8]  # the stream goes on: its trailer has not come yet
    fifo = tmp_path / "in.fifo"
    if source == "fifo":
        os.mkfifo(fifo)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for attempt in range(3):
        read = str(fifo) if source == "fifo" else "-"
        proc = subprocess.Popen(
            [
                losscli_exe,
                "mse",
                read,
                "-o",
                str(out_dir / "o.csv"),
                "--write-baseline",
                str(out_dir / "b.json"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=process_env,
        )
        writer = open(fifo, "wb") if source == "fifo" else proc.stdin  # noqa: SIM115 - closed below
        assert writer is not None
        try:
            writer.write(feed)
            writer.flush()
            deadline = time.monotonic() + 30
            while not _temps(out_dir) and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3 + 0.2 * attempt)  # the rows are read: the reader waits for more
            proc.send_signal(signum)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(OSError):
                writer.close()
        assert proc.returncode == 128 + signum, (attempt, proc.returncode, err)
        assert err.decode().strip() in (
            "losscli: interrupted",
            "losscli: terminated",
            "losscli: terminated (SIGHUP)",
        ), err
        assert os.listdir(out_dir) == []


def test_a_signal_during_the_commit_is_taken_after_it(tmp_path, monkeypatch):
    """Inside OutputPlan.commit the handler only records: every output is written."""
    from losscli import interrupt
    from losscli.output import plan as outputs_module
    from losscli.output.plan import OutputPlan

    interrupt.install()
    plan = OutputPlan()
    first = plan.add("--junit", str(tmp_path / "j.xml"))
    second = plan.add("--write-baseline", str(tmp_path / "b.json"))
    plan.set_text(first, "<x/>")
    plan.set_text(second, "{}")
    real = outputs_module._commit_one
    calls = []

    def commit_one(output: outputs_module.Output) -> None:
        if not calls:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        calls.append(output.path)
        real(output)

    monkeypatch.setattr(outputs_module, "_commit_one", commit_one)
    try:
        plan.commit()  # no KeyboardInterrupt
        assert (tmp_path / "j.xml").read_text() == "<x/>"
        assert (tmp_path / "b.json").read_text() == "{}"
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def test_a_signal_before_the_commit_writes_nothing(tmp_path):
    from losscli import interrupt
    from losscli.output.plan import OutputPlan

    interrupt.install()
    plan = OutputPlan()
    junit = plan.add("--junit", str(tmp_path / "j.xml"))
    plan.set_text(junit, "<x/>")
    try:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        with pytest.raises(KeyboardInterrupt):
            plan.commit()
        assert os.listdir(tmp_path) == []
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _interpreter_start(err: bytes) -> bool:
    """Python's own start-up was hit, before any line of losscli ran: importing ``site``,
    or finding the package for the console script's ``from losscli.cli import main``
    (a traceback none of whose frames is in a losscli module)."""
    import re

    if err.startswith(b"Fatal Python error: init_import_site"):
        return True
    frames = re.findall(rb'File "([^"]+)"', err)
    return b"Traceback" in err and not any(re.search(rb"/losscli/[^/]+(/[^/]+)?\.py$", f) for f in frames)


@POSIX
def test_ctrl_c_during_start_up_is_one_line_and_130(losscli_exe, process_env, data):
    """SIGINT at many moments of start-up (imports, app building, reading): one line and
    130, never a traceback from losscli. Python's own first milliseconds (site import,
    before the console script runs) are the interpreter's, not losscli's: such a try is
    counted apart and must stay rare."""
    codes, interpreter = [], 0
    for delay in np.linspace(0.0, 0.4, 21):
        proc = subprocess.Popen(
            [losscli_exe, "mse", str(data), "-f", "value"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=process_env,
            start_new_session=True,  # SIGINT not ignored, as at a terminal
        )
        time.sleep(float(delay))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        if _interpreter_start(err):
            interpreter += 1
            continue
        codes.append(proc.returncode)
        assert b"Traceback" not in err, err
        assert proc.returncode in (0, 130, -signal.SIGINT), (delay, proc.returncode, err)
        if proc.returncode == 130:
            assert err.strip() == b"losscli: interrupted", err
        else:
            assert out.strip() == repr(MSE).encode() or proc.returncode == -signal.SIGINT
    assert 130 in codes
    assert interpreter <= 6, f"{interpreter} of 21 tries hit the interpreter's own start-up"


_SWALLOWED = """
import gc, os, signal, sys
from losscli import interrupt
from losscli.cli.boundary import guarded

class Finaliser:  # like the import system's weakref callbacks: Python cannot raise from it
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass

def body(verdict):
    Finaliser()
    gc.collect()
    print("ran on")  # the interrupt was swallowed: the run goes on, but must not end 0
    return 0

try:
    guarded(body)
except Exception as stop:  # typer.Exit, as the CLI's own boundary turns it into the status
    sys.exit(stop.exit_code)
"""


_DURING_IMPORT = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from losscli.cli.boundary import guarded

def body(verdict):
    import slow_module  # sends SIGINT to itself half-way through its own import
    print("imported whole:", slow_module.DONE)
    return 0

try:
    guarded(body)
except Exception as stop:
    sys.exit(stop.exit_code)
"""


@POSIX
def test_an_interrupt_during_an_import_is_held_until_the_import_is_whole(process_env, tmp_path):
    """A KeyboardInterrupt raised inside an import leaves the module half initialised
    (for a C extension, a crash at exit was seen: exit -11). The signal is held until the
    import finishes; the run then ends with one line and 130."""
    (tmp_path / "slow_module.py").write_text(
        "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\nfor _ in range(100_000):\n    pass\nDONE = True\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", _DURING_IMPORT, str(tmp_path)],
        capture_output=True,
        env=process_env,
        timeout=60,
    )
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert b"imported whole: True" in proc.stdout, proc.stdout
    assert proc.stderr.strip() == b"losscli: interrupted"


@POSIX
def test_an_interrupt_swallowed_where_python_cannot_raise_is_quiet_and_still_130(process_env):
    """SIGINT landing in a finaliser or an import-lock weakref callback (seen in CI at
    start-up) is 'Exception ignored' with a traceback by default, and the run would go on
    to exit 0. It must be one line and 130."""
    proc = subprocess.run(
        [sys.executable, "-c", _SWALLOWED], capture_output=True, env=process_env, timeout=60
    )
    assert b"Traceback" not in proc.stderr and b"Exception ignored" not in proc.stderr, proc.stderr
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert proc.stderr.strip() == b"losscli: interrupted"


_CUT_SHORT = """
import os, signal, sys
from losscli.cli.boundary import guarded
from losscli.errors import InputError

def body(verdict):
    try:  # like pyarrow's decompressor: the interrupted read is taken as the stream's end
        os.kill(os.getpid(), signal.SIG{sig})
        for _ in range(100_000):
            pass
    except KeyboardInterrupt:
        pass
    raise InputError("<stdin>: cannot read: Truncated compressed stream")

try:
    guarded(body)
except Exception as stop:
    sys.exit(stop.exit_code)
"""


@POSIX
@pytest.mark.parametrize("sig", ["INT", "TERM"])
def test_an_error_after_a_signal_is_the_signal_not_exit_2(process_env, sig):
    """A signal that cuts a read short inside pyarrow (gzip on stdin) surfaced as the
    reader's own error, "Truncated compressed stream", exit 2: the run was interrupted,
    and says so (the same run sometimes ended 130, sometimes 2)."""
    proc = subprocess.run(
        [sys.executable, "-c", _CUT_SHORT.replace("{sig}", sig)],
        capture_output=True,
        env=process_env,
        timeout=60,
    )
    assert proc.returncode == 128 + getattr(signal, f"SIG{sig}"), (proc.returncode, proc.stderr)
    assert proc.stderr.strip() in (b"losscli: interrupted", b"losscli: terminated"), proc.stderr


@POSIX
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["mse", "--help"], ["list"], ["explain", "mse"]])
def test_help_and_version_onto_a_full_stdout_are_one_error_line(losscli_exe, process_env, args):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [losscli_exe, *args], stdout=full, stderr=subprocess.PIPE, env=process_env, check=False
        )
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err.startswith("losscli: error: cannot write the output: No space left on device"), err
    assert "Traceback" not in err and len(err.splitlines()) <= 2


@POSIX
@pytest.mark.parametrize("content", [None, "{not json", '{"mse": Infinity}'])
def test_a_bad_baseline_is_found_before_anything_is_read(losscli_exe, process_env, tmp_path, content):
    """As for outputs: the input is a FIFO nobody writes to, so reading it first would hang."""
    fifo = tmp_path / "never.csv"
    os.mkfifo(fifo)
    base = tmp_path / "b.json"
    if content is not None:
        base.write_text(content)
    out = tmp_path / "o.csv"
    result = subprocess.run(
        [losscli_exe, "mse", str(fifo), "--baseline", str(base), "-o", str(out)],
        capture_output=True,
        env=process_env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().startswith(f"losscli: error: {base}"), result.stderr
    assert not out.exists() and _temps(tmp_path) == []


@POSIX
def test_a_0xff_byte_in_csv_input_and_output_names(losscli_exe, process_env, tmp_path):
    """Names that are not UTF-8 (bytes 0xFF) are read and written, never exit 3."""
    folder = os.fsencode(tmp_path)
    src, out = folder + b"/in\xff.csv", folder + b"/out\xff.csv"
    with open(src, "wb") as fh:
        fh.write(DATA.encode())
    result = subprocess.run(
        [os.fsencode(losscli_exe), b"mse", src, b"-o", out, b"-f", b"value"],
        capture_output=True,
        env=process_env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == pytest.approx(MSE, rel=1e-15)
    with open(out, "rb") as fh:
        assert fh.read().splitlines()[0].startswith(b"row")
    missing = subprocess.run(
        [os.fsencode(losscli_exe), b"mse", folder + b"/nope\xff.csv"],
        capture_output=True,
        env=process_env,
        check=False,
    )
    assert missing.returncode == 2 and b"Traceback" not in missing.stderr
    assert missing.stderr.count(b"\n") <= 2
