"""Benchmarks: losscli against polars, duckdb, pandas + scikit-learn and pyarrow + numpy.

Every tool runs as a whole process (interpreter start-up, imports, reading, computing, printing),
the tools alternate round-robin within each round, and the medians, minima, ratios and peak
resident memory are printed as Markdown tables. Every printed value is checked against losscli's.

Run from anywhere (the data lands in benchmarks/data/, which is git-ignored)::

    python benchmarks/run.py            # full run: 10M-row mse data, 1M-row cross-entropy data, 5 rounds
    python benchmarks/run.py --quick    # smoke run: 1M rows, 3 rounds
    python benchmarks/run.py --only csv --only startup --rounds 9

Not part of CI. Linux or macOS (os.wait4 gives each child's own peak RSS).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
import os
import platform
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = HERE / "data"
SEED = 0
GENERATOR_VERSION = 1  # bump when a generator changes: cached files with another version are rewritten
CHUNK_ROWS = 1_000_000  # generation chunk (also the Parquet row-group size); part of the data's definition
N_CLASSES = 10
N_GROUPS = 1_000  # the --by data set's groups
EPS = sys.float_info.epsilon  # float64 machine epsilon, losscli's default --eps for cross-entropy
REL_TOL = 1e-6
FLOOR = "floor:"  # a tool that is not a peer: what losscli's own stack cannot go below
CONTENDED = 0.25  # CPUs busy with other processes during a run above which the run is flagged
GROUPS = ("csv", "parquet", "ce", "startup", "dask", "ci", "by", "auc")
VERSIONED = ("losscli", "numpy", "pyarrow", "polars", "duckdb", "pandas", "scikit-learn", "typer")


# --------------------------------------------------------------------------------------------- data


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _is_current(path: Path, rows: int, kind: str) -> bool:
    """The file exists, its .meta.json says it has ``rows`` rows of ``kind``, and its size is unchanged."""
    meta_path = _meta_path(path)
    if not (path.is_file() and meta_path.is_file()):
        return False
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and (
        meta.get("rows") == rows
        and meta.get("kind") == kind
        and meta.get("seed") == SEED
        and meta.get("generator") == GENERATOR_VERSION
        and meta.get("bytes") == path.stat().st_size
    )


def _write_meta(path: Path, rows: int, kind: str, columns: list[str]) -> None:
    meta = {
        "kind": kind,
        "rows": rows,
        "columns": columns,
        "seed": SEED,
        "generator": GENERATOR_VERSION,
        "chunk_rows": CHUNK_ROWS,
        "bytes": path.stat().st_size,
        "written": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    _meta_path(path).write_text(json.dumps(meta, indent=2) + "\n")


def _chunks(rows: int) -> list[int]:
    return [min(CHUNK_ROWS, rows - start) for start in range(0, rows, CHUNK_ROWS)]


def ensure_mse_data(data_dir: Path, rows: int) -> tuple[Path, Path]:
    """``mse_<rows>.csv`` and ``.parquet``: the same rows of id (int), pred, label (float64).

    label ~ N(0, 1), pred = label + N(0, 0.5²), drawn chunk by chunk from default_rng(0).
    """
    csv_path = data_dir / f"mse_{rows}.csv"
    parquet_path = data_dir / f"mse_{rows}.parquet"
    kind = "mse"
    if _is_current(csv_path, rows, kind) and _is_current(parquet_path, rows, kind):
        return csv_path, parquet_path

    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    log(f"generating {csv_path.name} and {parquet_path.name} ({rows:,} rows) …")
    started = time.perf_counter()
    schema = pa.schema([("id", pa.int64()), ("pred", pa.float64()), ("label", pa.float64())])
    rng = np.random.default_rng(SEED)
    csv_tmp = csv_path.with_name(csv_path.name + ".tmp")
    parquet_tmp = parquet_path.with_name(parquet_path.name + ".tmp")
    with pacsv.CSVWriter(csv_tmp, schema) as csv_out, pq.ParquetWriter(parquet_tmp, schema) as pq_out:
        start = 0
        for size in _chunks(rows):
            label = rng.standard_normal(size)
            pred = label + 0.5 * rng.standard_normal(size)
            ids = np.arange(start, start + size, dtype=np.int64)
            table = pa.table([ids, pred, label], schema=schema)
            csv_out.write_table(table)
            pq_out.write_table(table, row_group_size=CHUNK_ROWS)
            start += size
    csv_tmp.replace(csv_path)
    parquet_tmp.replace(parquet_path)
    _write_meta(csv_path, rows, kind, schema.names)
    _write_meta(parquet_path, rows, kind, schema.names)
    log(f"  done in {time.perf_counter() - started:.1f} s")
    return csv_path, parquet_path


def _ensure_parquet(
    data_dir: Path,
    rows: int,
    kind: str,
    columns: list[tuple[str, str]],
    draw: Callable[[Any, int], list[Any]],
) -> Path:
    """``<kind>_<rows>.parquet``, unless current: an int64 ``id`` column, then
    ``columns`` (name, "int64" or "float64") from ``draw(rng, size)``, chunk by chunk
    from default_rng(SEED), in 1M-row row groups."""
    path = data_dir / f"{kind}_{rows}.parquet"
    if _is_current(path, rows, kind):
        return path

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    log(f"generating {path.name} ({rows:,} rows) …")
    started = time.perf_counter()
    schema = pa.schema([("id", pa.int64())] + [(name, getattr(pa, dtype)()) for name, dtype in columns])
    rng = np.random.default_rng(SEED)
    tmp = path.with_name(path.name + ".tmp")
    with pq.ParquetWriter(tmp, schema) as out:
        start = 0
        for size in _chunks(rows):
            ids = np.arange(start, start + size, dtype=np.int64)
            out.write_table(pa.table([ids, *draw(rng, size)], schema=schema), row_group_size=CHUNK_ROWS)
            start += size
    tmp.replace(path)
    _write_meta(path, rows, kind, ["id"] + [name for name, _ in columns])
    log(f"  done in {time.perf_counter() - started:.1f} s")
    return path


def ensure_models_data(data_dir: Path, rows: int) -> Path:
    """``models_<rows>.parquet``: id (int), pred, pred_b, label (float64) — two models on
    the same rows, for ``compare``: label ~ N(0, 1), pred = label + N(0, 0.5²),
    pred_b = label + N(0, 0.55²), drawn chunk by chunk from default_rng(0)."""

    def draw(rng: Any, size: int) -> list[Any]:
        label = rng.standard_normal(size)
        pred = label + 0.5 * rng.standard_normal(size)
        pred_b = label + 0.55 * rng.standard_normal(size)
        return [pred, pred_b, label]

    columns = [("pred", "float64"), ("pred_b", "float64"), ("label", "float64")]
    return _ensure_parquet(data_dir, rows, "models", columns, draw)


def ensure_groups_data(data_dir: Path, rows: int) -> Path:
    """``groups_<rows>.parquet``: id (int), g (int, uniform on 0..999), pred, label
    (float64, as the mse data) — for ``--by g`` with 1,000 groups."""

    def draw(rng: Any, size: int) -> list[Any]:
        label = rng.standard_normal(size)
        pred = label + 0.5 * rng.standard_normal(size)
        return [rng.integers(0, N_GROUPS, size), pred, label]

    columns = [("g", "int64"), ("pred", "float64"), ("label", "float64")]
    return _ensure_parquet(data_dir, rows, "groups", columns, draw)


def ensure_ce_data(data_dir: Path, rows: int) -> Path:
    """``ce_<rows>.csv``: label (int 0..9) and p0..p9 (each row a Dirichlet(1) draw, sums to 1).

    The label is drawn from the row's own probabilities. pyarrow writes the shortest repr that
    round-trips each float64, so the rows read back exactly and sum to 1 within a few ulp.
    """
    path = data_dir / f"ce_{rows}.csv"
    kind = "cross-entropy"
    if _is_current(path, rows, kind):
        return path

    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    log(f"generating {path.name} ({rows:,} rows, {N_CLASSES} classes) …")
    started = time.perf_counter()
    names = ["label"] + [f"p{k}" for k in range(N_CLASSES)]
    schema = pa.schema([("label", pa.int64())] + [(name, pa.float64()) for name in names[1:]])
    rng = np.random.default_rng(SEED)
    tmp = path.with_name(path.name + ".tmp")
    worst = 0.0
    with pacsv.CSVWriter(tmp, schema) as out:
        for size in _chunks(rows):
            draws = rng.standard_exponential((size, N_CLASSES))
            probs = draws / draws.sum(axis=1, keepdims=True)
            uniform = rng.random(size)
            label = np.minimum((probs.cumsum(axis=1) < uniform[:, None]).sum(axis=1), N_CLASSES - 1)
            worst = max(worst, float(np.abs(probs.sum(axis=1) - 1.0).max()))
            columns = [label.astype(np.int64)] + [probs[:, k] for k in range(N_CLASSES)]
            out.write_table(pa.table(columns, schema=schema))
    if worst > 1e-12:
        raise SystemExit(f"internal error: generated rows sum to 1 only within {worst:g}")
    # Read back and check the written text round-trips (rows sum to 1 within 1e-6, losscli's check).
    table = pacsv.read_csv(tmp)
    sums = np.zeros(table.num_rows)
    for k in range(N_CLASSES):
        sums += table.column(f"p{k}").to_numpy()
    worst = float(np.abs(sums - 1.0).max())
    if table.num_rows != rows or worst > 1e-9:
        raise SystemExit(f"internal error: {tmp} read back {table.num_rows} rows, row sums off by {worst:g}")
    del table, sums
    tmp.replace(path)
    _write_meta(path, rows, kind, names)
    log(f"  done in {time.perf_counter() - started:.1f} s (row sums within {worst:.1e} of 1)")
    return path


def ensure_auc_data(data_dir: Path, rows: int) -> Path:
    """``auc_<rows>.parquet``: label (int 0/1) and score (float64) — a binary classifier's
    scores for ``roc-auc``: label ~ Bernoulli(0.3), score = σ(2·label − 1 + N(0, 1.5²)),
    drawn chunk by chunk from default_rng(0) (probabilities; distinct but for a few ties)."""
    path = data_dir / f"auc_{rows}.parquet"
    kind = "auc"
    if _is_current(path, rows, kind):
        return path

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    log(f"generating {path.name} ({rows:,} rows) …")
    started = time.perf_counter()
    names = ["label", "score"]
    schema = pa.schema([("label", pa.int64()), ("score", pa.float64())])
    rng = np.random.default_rng(SEED)
    tmp = path.with_name(path.name + ".tmp")
    with pq.ParquetWriter(tmp, schema) as out:
        for size in _chunks(rows):
            label = (rng.random(size) < 0.3).astype(np.int64)
            score = 1.0 / (1.0 + np.exp(-(2.0 * label - 1.0 + 1.5 * rng.standard_normal(size))))
            out.write_table(pa.table([label, score], schema=schema), row_group_size=CHUNK_ROWS)
    tmp.replace(path)
    _write_meta(path, rows, kind, names)
    log(f"  done in {time.perf_counter() - started:.1f} s")
    return path


# --------------------------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Tool:
    name: str
    argv: list[str]
    requires: tuple[str, ...] = ()  # modules the child imports; the tool is skipped when one is missing
    check_value: bool = True  # the last line of stdout is a number to compare with losscli's


def _sql_str(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def floor_tool(path: Path, fmt: str, columns: list[str]) -> Tool:
    """The floor of a program on losscli's own stack: the interpreter, NumPy and pyarrow
    imported, and pyarrow decoding just the used columns of the whole file on all cores —
    no computing, no checking, no printing but the row count (and, for CSV, more memory
    than losscli may use: the whole table at once)."""
    if fmt == "csv":
        read = (
            "import numpy, pyarrow as pa, pyarrow.csv as pc\n"
            f"cols = {columns!r}\n"
            f"t = pc.read_csv({str(path)!r}, convert_options=pc.ConvertOptions(include_columns=cols, "
            "column_types={c: pa.float64() for c in cols}, null_values=[], strings_can_be_null=False))\n"
        )
    else:  # row group by row group, as losscli reads (the whole table at once is slower)
        read = (
            "import numpy, pyarrow.parquet as pq\n"
            f"f = pq.ParquetFile({str(path)!r})\n"
            "rows = 0\n"
            "for i in range(f.metadata.num_row_groups):\n"
            f"    rows += f.read_row_group(i, columns={columns!r}).num_rows\n"
            "class t: num_rows = rows\n"
        )
    return Tool(
        f"{FLOOR} pyarrow reads the columns ({fmt})", _py(read + "print(t.num_rows)\n"), check_value=False
    )


def mse_tools(losscli: str, path: Path, fmt: str) -> list[Tool]:
    scan = "scan_csv" if fmt == "csv" else "scan_parquet"
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    tools = [
        Tool("losscli", [losscli, "mse", str(path), "--format", "value"]),
        floor_tool(path, fmt, ["pred", "label"]),
        Tool(
            f"polars lazy {scan}",
            _py(
                "import polars as pl\n"
                f"v = pl.{scan}({str(path)!r})"
                '.select(((pl.col("pred") - pl.col("label")) ** 2).mean()).collect().item()\n'
                "print(repr(float(v)))\n"
            ),
            ("polars",),
        ),
        Tool(
            f"duckdb {reader}",
            _py(
                "import duckdb\n"
                f'rows = duckdb.sql("select avg((pred - label) ^ 2) from {reader}({_sql_str(path)})").fetchall()\n'
                "print(repr(float(rows[0][0])))\n"
            ),
            ("duckdb",),
        ),
    ]
    if fmt == "csv":
        tools += [
            Tool(
                "pandas read_csv + sklearn",
                _py(
                    "import pandas as pd\n"
                    "from sklearn.metrics import mean_squared_error\n"
                    f"df = pd.read_csv({str(path)!r})\n"
                    'print(repr(float(mean_squared_error(df["label"], df["pred"]))))\n'
                ),
                ("pandas", "sklearn"),
            ),
            Tool(
                "pyarrow open_csv + numpy",
                _py(
                    "import pyarrow.csv as pc\n"
                    f"reader = pc.open_csv({str(path)!r}, "
                    'convert_options=pc.ConvertOptions(include_columns=["pred", "label"]))\n'
                    "total, n = 0.0, 0\n"
                    "for batch in reader:\n"
                    '    d = batch.column("pred").to_numpy() - batch.column("label").to_numpy()\n'
                    "    total += float(d @ d)\n"
                    "    n += len(d)\n"
                    "print(repr(total / n))\n"
                ),
                ("pyarrow", "numpy"),
            ),
        ]
    return tools


def ce_tools(losscli: str, path: Path) -> list[Tool]:
    cols = [f"p{k}" for k in range(N_CLASSES)]
    lo, hi = repr(EPS), repr(1.0 - EPS)  # losscli clips p to [eps, 1 - eps]
    return [
        Tool("losscli", [losscli, "cross-entropy", str(path), "--format", "value"]),
        floor_tool(path, "csv", ["label", *cols]),
        Tool(
            "polars lazy scan_csv",
            _py(
                "import polars as pl\n"
                f"p_y = pl.concat_list({cols!r}).list.get(pl.col('label'))\n"
                f"v = pl.scan_csv({str(path)!r}).select(-p_y.clip({lo}, {hi}).log().mean()).collect().item()\n"
                "print(repr(float(v)))\n"
            ),
            ("polars",),
        ),
        Tool(
            "duckdb read_csv",
            _py(
                "import duckdb\n"
                f'p_y = "list_extract([{", ".join(cols)}], label + 1)"\n'
                f'q = f"select avg(-ln(greatest(least({{p_y}}, {hi}), {lo}))) from read_csv({_sql_str(path)})"\n'
                "print(repr(float(duckdb.sql(q).fetchall()[0][0])))\n"
            ),
            ("duckdb",),
        ),
    ]


def dask_tools(losscli: str, path: Path) -> list[Tool]:
    """The Dask engine (a LocalCluster of one worker process per core, started and stopped
    inside the run) against the local engine on the same file."""
    base = [losscli, "mse", str(path), "--format", "value"]
    return [
        Tool("losscli --engine dask", [*base, "--engine", "dask"], ("dask", "distributed")),
        Tool("losscli (local engine)", base),
    ]


def ci_tools(losscli: str, path: Path, csv_path: Path, models: Path) -> list[Tool]:
    """What the issue-14 capabilities cost against the plain run of the same file: --ci
    (bucketed bootstrap sums, 2,000 BCa resamples) and compare of two prediction columns
    (``models_<rows>.parquet``: pred and pred_b, against ``mse --pred pred`` of that file)."""
    base = [losscli, "mse", str(path), "--format", "value"]
    return [
        Tool("losscli mse (plain)", base),
        Tool("losscli mse --ci", [*base, "--ci"]),
        Tool("losscli mse CSV (plain)", [losscli, "mse", str(csv_path), "--format", "value"]),
        Tool("losscli mse CSV --ci", [losscli, "mse", str(csv_path), "--format", "value", "--ci"]),
        Tool(
            "losscli mse --pred pred (two-model file)",
            [losscli, "mse", str(models), "--pred", "pred", "--format", "value"],
            check_value=False,  # other data: compare's own plain run, not the mse file's value
        ),
        Tool(
            "losscli compare --pred pred,pred_b",
            [losscli, "compare", str(models), "--pred", "pred,pred_b", "-l", "mse", "--format", "json"],
            check_value=False,
        ),
    ]


def by_tools(losscli: str, path: Path) -> list[Tool]:
    """``--by`` with 1,000 groups against the plain run of the same file, both writing
    the whole result as JSON (with --by: every group's value)."""
    base = [losscli, "mse", str(path), "--format", "json"]
    return [
        Tool("losscli mse (plain)", base, check_value=False),
        Tool("losscli mse --by g (1,000 groups)", [*base, "--by", "g"], check_value=False),
    ]


def auc_tools(losscli: str, path: Path) -> list[Tool]:
    """roc-auc (exact: every score kept, sorted, counted) against scikit-learn's
    ``roc_auc_score`` after a pandas read, and the rank-sum form in polars and DuckDB
    (AUC = (Σ midranks of positives − n₁(n₁ + 1)/2) / (n₁·n₀), ties counted ½)."""
    rank_sum = "(s - n1 * (n1 + 1) / 2) / (n1 * (n - n1))"
    return [
        Tool("losscli", [losscli, "roc-auc", str(path), "--format", "value"]),
        Tool(
            "pandas read_parquet + sklearn",
            _py(
                "import pandas as pd\n"
                "from sklearn.metrics import roc_auc_score\n"
                f"df = pd.read_parquet({str(path)!r})\n"
                'print(repr(float(roc_auc_score(df["label"], df["score"]))))\n'
            ),
            ("pandas", "sklearn"),
        ),
        Tool(
            "polars rank",
            _py(
                "import polars as pl\n"
                f"df = pl.scan_parquet({str(path)!r}).select("
                '(pl.col("score").rank("average") * pl.col("label")).sum().alias("s"), '
                'pl.col("label").sum().cast(pl.Float64).alias("n1"), pl.len().cast(pl.Float64).alias("n")'
                ").collect()\n"
                "s, n1, n = df.row(0)\n"
                f"print(repr(float({rank_sum})))\n"
            ),
            ("polars",),
        ),
        Tool(
            "duckdb rank",
            _py(
                "import duckdb\n"
                'q = """select sum(label * r), sum(label), count(*) from (select label, '
                "rank() over (order by score) + (count(*) over (partition by score) - 1) / 2.0 as r "
                f'from read_parquet({_sql_str(path)}))"""\n'
                "s, n1, n = map(float, duckdb.sql(q).fetchall()[0])\n"
                f"print(repr(float({rank_sum})))\n"
            ),
            ("duckdb",),
        ),
    ]


def startup_tools(losscli: str) -> list[Tool]:
    return [
        Tool("losscli --help", [losscli, "--help"], check_value=False),
        Tool("losscli list", [losscli, "list"], check_value=False),
        Tool('python -c "import typer"', _py("import typer"), ("typer",), check_value=False),
        Tool(
            'python -c "import numpy, pyarrow.parquet, pyarrow.csv"',
            _py("import numpy, pyarrow.parquet, pyarrow.csv"),
            ("numpy", "pyarrow"),
            check_value=False,
        ),
        Tool('python -c "pass"', _py("pass"), check_value=False),
    ]


# --------------------------------------------------------------------------------------------- running


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # user + system time of the process
    max_rss_kib: int
    returncode: int
    stdout: str
    stderr: str
    others_cpu: float = float("nan")  # CPU seconds used by other processes meanwhile (Linux)
    outer_seconds: float = float("nan")  # this script's clock around the launcher: the span of others_cpu


# The measured process is started by a small launcher (python -I -S), not by this script. On Linux a
# child's ru_maxrss is at least the RSS high-water mark of the process it was forked from (exec keeps the
# old address space's high-water mark), and this script may hold hundreds of MiB after generating data, so
# os.wait4 on a direct child would report that instead. The launcher stays at ~8 MiB, below every measured
# process, and times its child with perf_counter around posix_spawn … wait4 (its own start-up not counted).
LAUNCHER = """\
import os, sys, time
fd = int(sys.argv[1])
os.set_inheritable(fd, False)
argv = sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
cpu = usage.ru_utime + usage.ru_stime
os.write(fd, f"{seconds!r} {cpu!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}".encode())
"""


def run_once(argv: Sequence[str], timeout: float, env: dict[str, str] | None = None) -> Run:
    """Run one process: wall seconds around spawn … wait4, peak RSS (KiB) from its own rusage."""
    read_fd, write_fd = os.pipe()
    busy_before, children_before = _cpu_busy_seconds(), _children_cpu_seconds()
    outer_start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, os.fdopen(read_fd, "rb") as report:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", LAUNCHER, str(write_fd), *argv],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                pass_fds=(write_fd,),
                start_new_session=True,  # a timeout kills the launcher and the measured process together
            )
        finally:
            os.close(write_fd)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        outer_seconds = time.perf_counter() - outer_start
        busy_after, children_after = _cpu_busy_seconds(), _children_cpu_seconds()
        fields = report.read().decode().split()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if len(fields) != 4:  # the launcher failed (e.g. no such executable) or was killed
        note = f"killed after the {timeout:g} s timeout" if proc.returncode < 0 else "launcher failed"
        return Run(float("nan"), float("nan"), 0, proc.returncode or 1, stdout, f"{stderr}\n{note}")
    seconds, cpu_seconds, max_rss, returncode = (
        float(fields[0]),
        float(fields[1]),
        int(fields[2]),
        int(fields[3]),
    )
    if sys.platform == "darwin":  # ru_maxrss is in bytes on macOS, KiB on Linux
        max_rss //= 1024
    others = float("nan")
    if busy_before is not None and busy_after is not None:
        # all CPU time spent on the machine meanwhile, minus the launcher's and the measured process's
        # (/proc/stat counts in clock ticks, so this is only meaningful summed over several runs)
        others = (busy_after - busy_before) - (children_after - children_before)
    return Run(seconds, cpu_seconds, max_rss, returncode, stdout, stderr, others, outer_seconds)


def _cpu_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy (user, nice, system, irq, softirq, steal), Linux only."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    if len(ticks) < 8:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    # CPU times (unlike ru_maxrss) of reaped children add up, so deltas are exact: one child at a time here
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def parse_value(stdout: str) -> float | None:
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return float(lines[-1])
    except ValueError:
        return None


@dataclass
class Stats:
    tool: Tool
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)
    others_cpu: list[float] = field(default_factory=list)
    outer_seconds: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    failure: str | None = None

    def elsewhere(self) -> float:
        """Mean CPUs busy with other processes while this tool's timed runs ran (NaN if unknown)."""
        span = sum(self.outer_seconds)
        return max(sum(self.others_cpu), 0.0) / span if span > 0 else float("nan")


@dataclass
class Group:
    key: str
    title: str
    tools: list[Tool]  # tools[0] is the reference the ratios are taken against
    stats: list[Stats] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _record(stats: Stats, run: Run, label: str) -> bool:
    """Store a run; False (and stats.failure set) when the process failed or printed no number."""
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-6:])
        stats.failure = f"{label}: exit status {run.returncode}\n{tail}"
        return False
    if stats.tool.check_value:
        value = parse_value(run.stdout)
        if value is None:
            stats.failure = f"{label}: no number on the last line of stdout: {run.stdout.strip()[-200:]!r}"
            return False
        stats.values.append(value)
    return True


def run_group(group: Group, rounds: int, timeout: float, env: dict[str, str] | None) -> None:
    log(f"\n== {group.title}")
    source_before, load_before = source_fingerprint(), _loadavg()
    available: list[Stats] = []
    for tool in group.tools:
        missing = [m for m in tool.requires if importlib.util.find_spec(m) is None]
        stats = Stats(tool)
        group.stats.append(stats)
        if missing:
            stats.failure = f"skipped: {', '.join(missing)} not importable by {sys.executable}"
            log(f"  {tool.name}: {stats.failure}")
        else:
            available.append(stats)

    for stats in available:  # warm-up: fills the page cache and .pyc files; not timed
        run = run_once(stats.tool.argv, timeout, env)
        ok = _record(stats, run, "warm-up")
        log(f"  warm-up   {stats.tool.name:<28} {run.seconds:7.2f} s" + ("" if ok else "  FAILED"))
        stats.values.clear()  # only the timed runs' values are compared below
    live = [s for s in available if s.failure is None]

    for r in range(rounds):
        shift = r % len(live) if live else 0
        for stats in live[shift:] + live[:shift]:  # round-robin, starting one tool later each round
            if stats.failure is not None:
                continue
            run = run_once(stats.tool.argv, timeout, env)
            if _record(stats, run, f"round {r + 1}"):
                stats.times.append(run.seconds)
                stats.cpu_times.append(run.cpu_seconds)
                stats.others_cpu.append(run.others_cpu)
                stats.outer_seconds.append(run.outer_seconds)
                stats.rss_kib.append(run.max_rss_kib)
            log(
                f"  round {r + 1}/{rounds} {stats.tool.name:<28} {run.seconds:7.2f} s"
                f"  cpu {run.cpu_seconds:6.2f} s  {run.max_rss_kib / 1024:6.0f} MiB  others {run.others_cpu:5.2f} CPU s"
            )

    check_values(group)
    source_after = source_fingerprint()
    group.notes.append(f"Load average before / after: {load_before} / {_loadavg()}.")
    busy = {s.tool.name: s.elsewhere() for s in group.stats if s.times}
    contended = [f"{name} {x:.2f}" for name, x in busy.items() if x >= CONTENDED]
    if contended:
        group.notes.append(
            f"**Other processes were using the CPUs during these runs** (CPUs busy elsewhere: "
            f"{', '.join(contended)}): those times are inflated; rerun on a quiet machine."
        )
    if source_after != source_before:
        group.notes.append(
            f"**losscli's source changed during these runs** ({source_before} → {source_after}): "
            "the figures mix versions."
        )


def check_values(group: Group) -> None:
    ref = group.stats[0]
    checked = [s for s in group.stats if s.tool.check_value and s.values]
    if not checked:
        return
    if ref.failure is not None or not ref.values:
        group.mismatches.append(f"{ref.tool.name} produced no value to compare with")
        return
    expected = ref.values[0]
    for stats in checked:
        for value in stats.values:
            if _rel(value, expected) > REL_TOL:
                group.mismatches.append(
                    f"{stats.tool.name} printed {value!r}, {ref.tool.name} printed {expected!r} "
                    f"(relative difference {_rel(value, expected):.2e} > {REL_TOL:g})"
                )
                break


def _rel(value: float, expected: float) -> float:
    return abs(value - expected) / max(abs(expected), sys.float_info.min)


# --------------------------------------------------------------------------------------------- output


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def render_group(group: Group, rounds: int) -> str:
    ref = group.stats[0]
    ref_median = statistics.median(ref.times) if ref.times else None
    show_values = any(s.tool.check_value for s in group.stats)
    head = [
        "tool",
        "median s",
        "min s",
        f"{ref.tool.name} / peer",
        f"peer / {ref.tool.name}",
        "CPU s",
        "peak MiB",
        "busy elsewhere",
    ]
    if show_values:
        head += ["value", "rel. diff"]
    lines = [f"### {group.title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stats in group.stats:
        if not stats.times:
            reason = (stats.failure or "no runs").splitlines()[0]
            cells = [stats.tool.name, f"**failed** ({reason})"] + [""] * (len(head) - 2)
            lines.append("| " + " | ".join(cells) + " |")
            continue
        median = statistics.median(stats.times)
        ratio = ref_median / median if ref_median else None
        inverse = median / ref_median if ref_median else None
        cells = [
            stats.tool.name,
            f"{median:.3f}",
            f"{min(stats.times):.3f}",
            "—" if ratio is None else f"{ratio:.2f}×",
            "—" if inverse is None else f"{inverse:.2f}×",
            f"{statistics.median(stats.cpu_times):.2f}",
            f"{max(stats.rss_kib) / 1024:.0f}",
            f"{stats.elsewhere():.2f}",
        ]
        if show_values:
            if stats.values and ref.values:
                worst = max(_rel(v, ref.values[0]) for v in stats.values)
                flag = "" if worst <= REL_TOL else " **MISMATCH**"
                cells += [f"{stats.values[0]:.12g}", f"{worst:.1e}{flag}"]
            else:
                cells += ["", ""]
        if stats.failure:
            cells[0] += f" (**failed after {len(stats.times)} runs**)"
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"{rounds} timed round{'s' if rounds != 1 else ''} after 1 warm-up run each; median/min wall seconds of the whole process; "
        f"`{ref.tool.name} / peer` < 1 means {ref.tool.name} is faster; "
        "CPU s = median user + system seconds; peak MiB = max RSS over the timed runs; "
        "busy elsewhere = CPUs used by other processes on average during the tool's runs (≈ 0 on a quiet machine)."
    )
    lines.append("")
    if group.notes:
        lines += [" ".join(group.notes), ""]
    return "\n".join(lines)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_total_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "?"


def _nproc() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 0


def source_fingerprint() -> str:
    """A short hash of the installed losscli package's .py files (git-independent), or "unknown"."""
    spec = importlib.util.find_spec("losscli")
    if spec is None or not spec.submodule_search_locations:
        return "unknown"
    digest = hashlib.sha256()
    for root in spec.submodule_search_locations:
        for path in sorted(Path(root).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            with contextlib.suppress(OSError):
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def child_env(args: argparse.Namespace) -> dict[str, str] | None:
    """The measured processes' environment: byte-code cached under the data directory, for every tool.

    Without this an environment with PYTHONDONTWRITEBYTECODE=1 (and an editable install without
    __pycache__) recompiles losscli's modules on every run while the peers load their installed .pyc
    files. The warm-up run fills the cache; nothing is written outside the data directory.
    """
    if args.no_bytecode_cache:
        return None
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(args.data_dir.resolve() / "pycache")
    return env


def header(args: argparse.Namespace, losscli: str, env: dict[str, str] | None) -> str:
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    versions = ", ".join(f"{name} {_version(name)}" for name in VERSIONED)
    return "\n".join(
        [
            "## losscli benchmarks",
            "",
            f"- date: {now}",
            f"- machine: nproc {_nproc()}, {_cpu_model()}, {_mem_total_gib()} RAM, {platform.platform()}",
            f"- python {platform.python_version()} ({sys.executable})",
            f"- {versions}",
            f"- losscli: {losscli} (source sha256 {source_fingerprint()}, of the package this python imports)",
            f"- rows: mse {args.rows:,}, cross-entropy {args.ce_rows:,}; rounds: {args.rounds} "
            "(+1 warm-up each), tools alternate round-robin",
            f"- command: {shlex.join([Path(sys.executable).name, *sys.argv])}",
            "- byte code: "
            + (
                "the caller's environment, unchanged"
                if env is None
                else f"cached in {env['PYTHONPYCACHEPREFIX']} (PYTHONPYCACHEPREFIX) for every tool"
            ),
            f"- load average at start: {_loadavg()} (1, 5, 15 min; anything else running shares the CPUs)",
            "",
        ]
    )


# --------------------------------------------------------------------------------------------- main


def default_losscli() -> str:
    return str(Path(sys.executable).parent / "losscli")


def ensure_ce_parquet(data_dir: Path, rows: int) -> Path:
    """``ce_<rows>.parquet``: ``ce_<rows>.csv``'s rows, read back and written as Parquet
    (the same numbers: the CSV holds every float's round-trip repr)."""
    csv_path = ensure_ce_data(data_dir, rows)
    path = data_dir / f"ce_{rows}.parquet"
    kind = "cross-entropy"
    if _is_current(path, rows, kind):
        return path
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    log(f"converting {csv_path.name} to {path.name} …")
    tmp = path.with_name(path.name + ".tmp")
    reader = pacsv.open_csv(csv_path)
    with pq.ParquetWriter(tmp, reader.schema) as out:
        for batch in reader:
            out.write_batch(batch)
    tmp.replace(path)
    _write_meta(path, rows, kind, list(reader.schema.names))
    return path


def _polars_ce(path: Path, fmt: str) -> Tool:
    cols = [f"p{k}" for k in range(N_CLASSES)]
    lo, hi = repr(EPS), repr(1.0 - EPS)
    scan = "scan_csv" if fmt == "csv" else "scan_parquet"
    return Tool(
        f"polars lazy {scan}",
        _py(
            "import polars as pl\n"
            f"p_y = pl.concat_list({cols!r}).list.get(pl.col('label'))\n"
            f"v = pl.{scan}({str(path)!r}).select(-p_y.clip({lo}, {hi}).log().mean()).collect().item()\n"
            "print(repr(float(v)))\n"
        ),
        ("polars",),
    )


def scaling_groups(args: argparse.Namespace, losscli: str) -> list[Group]:
    """``--scaling``: losscli and polars on mse and cross-entropy, CSV and Parquet, at each
    of ``--scaling-sizes`` rows (``--scaling-ce-sizes`` for cross-entropy, whose 10 columns
    make its CSV ~5× mse's)."""
    groups: list[Group] = []
    for rows in args.scaling_sizes:
        csv_path, parquet_path = ensure_mse_data(args.data_dir, rows)
        for path, fmt in ((csv_path, "csv"), (parquet_path, "parquet")):
            tools = [
                t for t in mse_tools(losscli, path, fmt) if t.name == "losscli" or t.name.startswith("polars")
            ]
            groups.append(
                Group(f"mse-{fmt}-{rows}", f"scaling: mse, {fmt}, {rows:,} rows ({_size(path)})", tools)
            )
    for rows in args.scaling_ce_sizes:
        for fmt in ("csv", "parquet"):
            path = (
                ensure_ce_data(args.data_dir, rows)
                if fmt == "csv"
                else ensure_ce_parquet(args.data_dir, rows)
            )
            tools = [
                Tool("losscli", [losscli, "cross-entropy", str(path), "--format", "value"]),
                _polars_ce(path, fmt),
            ]
            groups.append(
                Group(
                    f"ce-{fmt}-{rows}", f"scaling: cross-entropy, {fmt}, {rows:,} rows ({_size(path)})", tools
                )
            )
    return groups


def scaling_table(groups: list[Group]) -> str:
    """One row per loss, format and size: each tool's median time, time per million rows
    (flat when time is linear in rows) and peak memory (flat when memory is bounded)."""
    lines = [
        "### Scaling: time and peak memory by rows",
        "",
        "| loss | format | rows | losscli s | s / 1M rows | peak MiB | polars s | polars peak MiB | losscli / polars |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for group in groups:
        loss, fmt, rows = group.key.split("-")
        by = {s.tool.name: s for s in group.stats if s.times}
        mine = by.get("losscli")
        peer = next((s for name, s in by.items() if name.startswith("polars")), None)
        if mine is None:
            continue
        t = statistics.median(mine.times)
        cells = [
            loss,
            fmt,
            f"{int(rows):,}",
            f"{t:.3f}",
            f"{t / (int(rows) / 1e6):.3f}",
            f"{max(mine.rss_kib) / 1024:.0f}",
        ]
        if peer is not None:
            tp = statistics.median(peer.times)
            cells += [f"{tp:.3f}", f"{max(peer.rss_kib) / 1024:.0f}", f"{t / tp:.2f}×"]
        else:
            cells += ["—", "—", "—"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Bound:
    """A ratio the regression guard checks: ``tool``'s median over ``against``'s (a tool's
    name, or "" for the fastest other tool of the group that ran: the best peer)."""

    group: str
    tool: str
    against: str
    limit: float
    what: str


#: the regression guard (``--quick``, or ``--guard`` on a full run): each bound is the ratio
#: ``--quick`` measured on this 2-core machine (1M rows; benchmarks/README.md, "Regression
#: guard") plus a margin of ~0.15–0.3× for noise, so a change that makes losscli clearly
#: slower fails it. They are guards, not the targets (issue 17 asks ≤ 1.0× the best peer)
BOUNDS = (
    Bound("csv", "losscli", "", 1.6, "mse CSV against the best peer"),
    Bound("parquet", "losscli", "", 1.8, "mse Parquet against the best peer"),
    Bound("ce", "losscli", "", 1.6, "cross-entropy CSV against the best peer"),
    Bound("ci", "losscli mse --ci", "losscli mse (plain)", 1.3, "--ci against the plain run (Parquet)"),
    Bound("ci", "losscli mse CSV --ci", "losscli mse CSV (plain)", 1.3, "--ci against the plain run (CSV)"),
    Bound(
        "ci",
        "losscli compare --pred pred,pred_b",
        "losscli mse --pred pred (two-model file)",
        1.5,
        "compare of two models against one model's run",
    ),
    Bound(
        "by",
        "losscli mse --by g (1,000 groups)",
        "losscli mse (plain)",
        1.4,
        "--by with 1,000 groups against the plain run",
    ),
    Bound("auc", "losscli", "", 1.25, "roc-auc against the best peer"),
)


def guard(groups: list[Group]) -> tuple[str, bool]:
    """The guard's table (Markdown) and whether every ratio is within its bound; a bound
    whose tools did not run is reported, not failed."""
    by_key = {g.key: g for g in groups}
    lines = [
        "### Regression guard",
        "",
        "| ratio | measured | bound | verdict |",
        "|---|---|---|---|",
    ]
    ok = True
    for bound in BOUNDS:
        group = by_key.get(bound.group)
        if group is None:
            continue
        medians = {s.tool.name: statistics.median(s.times) for s in group.stats if s.times}
        mine = medians.get(bound.tool)
        if bound.against:
            theirs, against = medians.get(bound.against), bound.against
        else:
            peers = {k: v for k, v in medians.items() if k != bound.tool and not k.startswith(FLOOR)}
            against = min(peers, key=peers.__getitem__) if peers else ""
            theirs = peers.get(against)
        if mine is None or theirs is None:
            lines.append(f"| {bound.what} | not run | ≤ {bound.limit:.2f}× | skipped |")
            continue
        ratio = mine / theirs
        passed = ratio <= bound.limit
        ok = ok and passed
        verdict = "ok" if passed else "**BEYOND THE BOUND**"
        lines.append(f"| {bound.what} ({against}) | {ratio:.2f}× | ≤ {bound.limit:.2f}× | {verdict} |")
    return "\n".join(lines), ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=None, help="rows of the mse data (default 10,000,000)")
    parser.add_argument(
        "--ce-rows", type=int, default=None, help="rows of the cross-entropy data (default 1,000,000)"
    )
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per data set (default 5)")
    parser.add_argument(
        "--only", action="append", choices=GROUPS, help="run only these data sets (repeatable; default: all)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="regression guard for contributors (under 2 minutes): 1M mse rows, 3 rounds, every data"
        " set but dask (unless given); exit 1 when a ratio is beyond its bound (BOUNDS)",
    )
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="the scaling curve instead of the data sets: losscli and polars on mse and cross-entropy,"
        " CSV and Parquet, at each of --scaling-sizes rows",
    )
    parser.add_argument(
        "--scaling-sizes",
        type=lambda t: [int(x) for x in t.split(",")],
        default=[1_000_000, 10_000_000, 50_000_000],
        help="mse row counts for --scaling (comma list; default 1M,10M,50M; generated on demand)",
    )
    parser.add_argument(
        "--scaling-ce-sizes",
        type=lambda t: [int(x) for x in t.split(",")],
        default=[1_000_000, 10_000_000, 50_000_000],
        help="cross-entropy row counts for --scaling (comma list; 50M rows of 10 classes is a ~10 GB CSV)",
    )
    parser.add_argument(
        "--guard", action="store_true", help="check the BOUNDS on a full run too (exit 1 beyond one)"
    )
    parser.add_argument(
        "--losscli", default=default_losscli(), help="losscli executable (default: next to python)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="where the data sets are cached"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run the tools in this environment unchanged (default: PYTHONPYCACHEPREFIX=<data-dir>/pycache)",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds before a run is killed")
    args = parser.parse_args(argv)
    if args.rows is None:
        args.rows = 1_000_000 if args.quick else 10_000_000
    if args.ce_rows is None:
        args.ce_rows = 1_000_000
    if args.rounds is None:
        args.rounds = 3 if args.quick else 5
    if args.rows < 1 or args.ce_rows < 1 or args.rounds < 1:
        parser.error("--rows, --ce-rows and --rounds must be at least 1")
    quick = [g for g in GROUPS if g != "dask"]  # the Dask cluster's start alone takes a minute
    args.only = list(dict.fromkeys(args.only)) if args.only else (quick if args.quick else list(GROUPS))
    return args


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:,.0f} MB"


def build_groups(args: argparse.Namespace, losscli: str) -> list[Group]:
    groups: list[Group] = []
    builders: dict[str, Callable[[], Group]] = {}
    if "csv" in args.only or "parquet" in args.only:
        csv_path, parquet_path = ensure_mse_data(args.data_dir, args.rows)
        builders["csv"] = lambda: Group(
            "csv",
            f"mse — CSV, {args.rows:,} rows ({_size(csv_path)}, `{csv_path.name}`)",
            mse_tools(losscli, csv_path, "csv"),
        )
        builders["parquet"] = lambda: Group(
            "parquet",
            f"mse — Parquet, {args.rows:,} rows ({_size(parquet_path)}, `{parquet_path.name}`)",
            mse_tools(losscli, parquet_path, "parquet"),
        )
    if "ce" in args.only:
        ce_path = ensure_ce_data(args.data_dir, args.ce_rows)
        builders["ce"] = lambda: Group(
            "ce",
            f"cross-entropy — CSV, {args.ce_rows:,} rows × {N_CLASSES} classes ({_size(ce_path)}, `{ce_path.name}`)",
            ce_tools(losscli, ce_path),
        )
    builders["startup"] = lambda: Group("startup", "start-up (no data)", startup_tools(losscli))
    if "dask" in args.only:
        _, dask_path = ensure_mse_data(args.data_dir, args.rows)
        builders["dask"] = lambda: Group(
            "dask",
            f"Dask engine overhead — mse, Parquet, {args.rows:,} rows (`{dask_path.name}`)",
            dask_tools(losscli, dask_path),
        )
    if "ci" in args.only:
        ci_csv, ci_parquet = ensure_mse_data(args.data_dir, args.rows)
        models = ensure_models_data(args.data_dir, args.rows)
        builders["ci"] = lambda: Group(
            "ci",
            f"--ci and compare against the plain run — mse, {args.rows:,} rows"
            f" (`{ci_parquet.name}`, `{ci_csv.name}`, `{models.name}`)",
            ci_tools(losscli, ci_parquet, ci_csv, models),
        )
    if "by" in args.only:
        by_path = ensure_groups_data(args.data_dir, args.rows)
        builders["by"] = lambda: Group(
            "by",
            f"--by with {N_GROUPS:,} groups against the plain run — mse, Parquet, {args.rows:,} rows"
            f" ({_size(by_path)}, `{by_path.name}`)",
            by_tools(losscli, by_path),
        )
    if "auc" in args.only:
        auc_path = ensure_auc_data(args.data_dir, args.rows)
        builders["auc"] = lambda: Group(
            "auc",
            f"roc-auc — Parquet, {args.rows:,} rows ({_size(auc_path)}, `{auc_path.name}`)",
            auc_tools(losscli, auc_path),
        )
    for key in GROUPS:
        if key in args.only:
            groups.append(builders[key]())
    return groups


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    losscli = str(Path(args.losscli).expanduser().resolve())
    if not os.access(losscli, os.X_OK):
        log(f"error: losscli not found or not executable: {losscli} (use --losscli PATH)")
        return 2
    args.data_dir.mkdir(parents=True, exist_ok=True)

    env = child_env(args)
    head = header(args, losscli, env)
    log(head)
    groups = scaling_groups(args, losscli) if args.scaling else build_groups(args, losscli)
    for group in groups:
        run_group(group, args.rounds, args.timeout, env)

    print(head)
    failures: list[str] = []
    for group in groups:
        print(render_group(group, args.rounds))
        for stats in group.stats:
            if stats.failure and not stats.failure.startswith("skipped"):
                failures.append(f"{group.title} / {stats.tool.name}: {stats.failure}")
        failures += [f"{group.title}: VALUE MISMATCH: {m}" for m in group.mismatches]
    print(f"- load average at end: {_loadavg()}")
    print()
    if args.scaling:
        print(scaling_table(groups))
        print()
    if args.quick or args.guard:
        table, within = guard(groups)
        print(table)
        print()
        if not within:
            failures.append("a ratio is beyond its bound (Regression guard above): losscli got slower")
    if failures:
        banner = "!" * 100
        text = "\n".join([banner, "PROBLEMS (see above):", *failures, banner])
        print(text)
        log(text)
        return 1
    if any(s.tool.check_value and s.values for group in groups for s in group.stats):
        print(f"All runs succeeded; every printed value agrees with losscli's within {REL_TOL:g} relative.")
    else:
        print("All runs succeeded.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
