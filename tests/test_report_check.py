"""Issue 16 (continued): ``losscli check --report FILE`` / ``--plots DIR`` — a config's
checks as one self-contained HTML page: the verdict, every check failures first with
its value, interval and limit, then each evaluated file's plots.

Expected values come from NumPy on the sample files and from ``check --format json``
(the very same numbers on the page); the page is checked as text."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report import self_contained

from losscli.render.model import number

pytest.importorskip("matplotlib")

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
CONFIG = """
[[check]]
name = "diabetes/mse"
file = "diabetes_regression.csv"
loss = "mse"
max = 2500
by = "sex"
ci = 0.95

[[check]]
name = "diabetes/mae"
file = "diabetes_regression.csv"
loss = "mae"
max = 100

[[check]]
name = "cancer/bce"
file = "breast_cancer_binary.csv"
pred = "prob"
loss = "bce"
max = 0.1

[[check]]
name = "cancer/roc-auc"
file = "breast_cancer_binary.csv"
pred = "prob"
loss = "roc-auc"
min = 0.9
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    for name in ("diabetes_regression.csv", "breast_cancer_binary.csv"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    path = tmp_path / "losscli.toml"
    path.write_text(CONFIG)
    return path


def numpy_values() -> dict[str, float]:
    """Each check's value from NumPy and scikit-learn (log_loss, roc_auc_score)."""
    from sklearn.metrics import log_loss, roc_auc_score

    d = pd.read_csv(SAMPLES / "diabetes_regression.csv")
    b = pd.read_csv(SAMPLES / "breast_cancer_binary.csv")
    return {
        "diabetes/mse": float(np.mean((d["pred"] - d["label"]) ** 2)),
        "diabetes/mae": float(np.mean(np.abs(d["pred"] - d["label"]))),
        "cancer/bce": float(log_loss(b["label"], b["prob"])),
        "cancer/roc-auc": float(roc_auc_score(b["label"], b["prob"])),
    }


def rows_of(page: str) -> list[list[str]]:
    """The checks table's rows, as cell texts."""
    checks = page[page.index("<h2>Checks</h2>") : page.index("</table>", page.index("<h2>Checks</h2>"))]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", checks)[1:]]


def test_the_checks_are_numpys_and_the_jsons_failures_first(run_cli, tmp_path, config):
    out = tmp_path / "out" / "check.html"
    out.parent.mkdir()
    done = run_cli("check", config, "--report", out)
    assert done.returncode == 1, done.stderr
    assert b"FAIL diabetes/mse" in done.stderr
    js = {c["name"]: c for c in json.loads(run_cli("check", config, "-f", "json").stdout)["checks"]}
    expected = numpy_values()
    page = out.read_text(encoding="utf-8")
    assert "FAIL: 1 of 4 checks failed" in page
    rows = rows_of(page)
    assert [r[0] for r in rows] == ["diabetes/mse", "diabetes/mae", "cancer/bce", "cancer/roc-auc"]
    assert [r[rows[0].index("FAIL")] for r in rows] == ["FAIL", "PASS", "PASS", "PASS"]
    headers = re.findall(r"<th>([^<]*)</th>", page[page.index("<h2>Checks</h2>") :])[:11]
    assert headers[:6] == ["check", "file", "loss", "value", "95% CI", "gate"]
    for row in rows:
        name = row[0]
        assert js[name]["value"] == pytest.approx(expected[name], rel=1e-9)
        assert row[3] == number(js[name]["value"]).strip() or float(row[3]) == pytest.approx(
            js[name]["value"], rel=1e-5
        )
        assert float(row[headers.index("limit")]) == js[name]["limit"]
    ci = js["diabetes/mse"]["ci"]
    assert f"{number(ci['low'])} … {number(ci['high'])}" in rows[0][4]
    assert all(r[4] == "" for r in rows[1:])
    self_contained(page)


def test_each_file_has_its_plots_once(run_cli, tmp_path, config):
    out = tmp_path / "check.html"
    assert run_cli("check", config, "--report", out).returncode == 1
    page = out.read_text(encoding="utf-8")
    ids = re.findall(r'<figure id="plot-([^"]+)"', page)
    assert len(ids) == len(set(ids))
    # two checks read diabetes_regression.csv with the same columns: its sample plots once
    assert ids.count("diabetes_regression-predicted-vs-actual") == 1
    assert {
        "diabetes_regression-groups-mse", "diabetes_regression-residuals", "diabetes_regression-distribution-mse",
        "diabetes_regression-distribution-mae", "breast_cancer_binary-roc", "breast_cancer_binary-reliability",
    } <= set(ids)  # fmt: skip
    # the ROC plot drawn by both binary checks: kept once, quoting roc-auc (scikit-learn's value)
    assert f"roc-auc = {number(numpy_values()['cancer/roc-auc'])} (the loss, exact)" in page
    diabetes = re.search(r"<h2>[^<]*/diabetes_regression.csv</h2>", page).start()  # as check shows files
    cancer = re.search(r"<h2>[^<]*/breast_cancer_binary.csv</h2>", page).start()
    assert (
        diabetes
        < page.index('id="plot-diabetes_regression-residuals"')
        < cancer
        < page.index('id="plot-breast_cancer_binary-roc"')
    )
    groups = page[diabetes:cancer]
    d = pd.read_csv(SAMPLES / "diabetes_regression.csv")
    for sex, rows in d.groupby("sex"):
        assert number(float(np.mean((rows["pred"] - rows["label"]) ** 2))).strip() in groups, sex


def test_plots_alone_write_the_plots_and_a_summary(run_cli, tmp_path, config):
    from PIL import Image

    folder = tmp_path / "plots"
    done = run_cli("check", config, "--plots", folder)
    assert done.returncode == 1, done.stderr
    names = {p.stem for p in folder.glob("*.png")}
    assert names == {p.stem for p in folder.glob("*.svg")}
    assert "diabetes_regression-predicted-vs-actual" in names and "breast_cancer_binary-roc" in names
    with Image.open(folder / "breast_cancer_binary-roc.png") as image:
        assert np.asarray(image.convert("L")).std() > 5
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert set(re.findall(r"!\[[^\]]*\]\(([^)]+)\.png\)", summary)) == names
    assert "| diabetes/mse |" in summary and "FAIL" in summary


def test_the_report_changes_no_number(run_cli, tmp_path, config):
    plain = run_cli("check", config, "-f", "json").stdout
    reported = run_cli("check", config, "-f", "json", "--report", tmp_path / "c.html")
    assert json.loads(reported.stdout) == json.loads(plain)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bad-config", "unknown key"),
        ("bad-data", "not a number"),
        ("report-is-input", "is the input"),
        ("plots-is-a-file", "is the input"),
        ("no-folder", "no such folder"),
    ],
)
def test_user_errors_are_one_line_exit_2_and_leave_no_file(run_cli, tmp_path, config, case, message):
    out = tmp_path / "out"
    out.mkdir()
    if case == "bad-config":
        config.write_text(CONFIG.replace("max = 100", "maxx = 100"))
    if case == "bad-data":
        (tmp_path / "diabetes_regression.csv").write_text("pred,label,sex\n1,2,F\nx,3,M\n")
    args = {
        "report-is-input": ["--report", tmp_path / "diabetes_regression.csv"],
        "plots-is-a-file": ["--report", out / "c.html", "--plots", tmp_path / "breast_cancer_binary.csv"],
        "no-folder": ["--report", out / "no" / "c.html"],
    }.get(case, ["--report", out / "c.html", "--plots", out / "plots"])
    before = sorted(os.listdir(tmp_path)), sorted(os.listdir(out))
    done = run_cli("check", config, *args)
    assert done.returncode == 2, done.stderr
    err = done.stderr.decode()
    assert err.startswith("losscli: error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2 and message in err.lower(), err
    assert (sorted(os.listdir(tmp_path)), sorted(os.listdir(out))) == before


def test_without_the_extra_check_report_is_exit_2_naming_the_install_command(tmp_path, config):
    out = tmp_path / "c.html"
    code = (
        "import sys\nsys.modules['matplotlib'] = None  # as if the extra were not installed\n"
        f"sys.argv = ['losscli', 'check', {str(config)!r}, '--report', {str(out)!r}]\n"
        "from losscli.cli import main\nmain()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(
        "losscli: error: losscli check --report/--plots draws its plots with matplotlib"
    )
    assert "pip install 'losscli[report]'" in lines[-1] and len(lines) <= 2
    assert not out.exists()


def test_a_narrow_figure_is_not_scaled_up(run_cli, tmp_path, config):
    """The square ROC plot is narrower than the others: drawn at most 1.4 px per point, as
    they are, its text is their size (it filled its cell with text half again as large)."""
    out = tmp_path / "check.html"
    run_cli("check", config, "--report", out)
    page = out.read_text(encoding="utf-8")
    sizes = {
        name: (int(m), float(v))
        for name, m, v in re.findall(
            r'<figure id="plot-([^"]+)"[^>]*><svg style="max-width:(\d+)px" viewBox="0 0 ([\d.]+)', page
        )
    }
    assert sizes and len(sizes) == page.count("<figure ")
    for maximum, points in sizes.values():
        assert maximum == round(points * 1.4)
    assert sizes["breast_cancer_binary-roc"][1] < 0.85 * sizes["diabetes_regression-residuals"][1]
