"""Issue 16: the report as a person sees it — opened in headless Chromium (Debian's
``chromium``; ``.ci/run`` installs it when missing).

Chromium renders the page to a screenshot (which must not be blank), dumps its DOM
(the headline value must be there as text) and sends every request through a
"proxy" that is a local socket recording each request, with every host name
resolving nowhere. Chromium itself calls home (its component updater, network time,
accounts) whatever the flags; those requests name Google's service hosts and are set
aside (``BROWSER_HOSTS``): any other request came from the page. A control page that
does load an image proves the recorder sees a page's requests. (The report's HTML is
also checked as text: no URL at all, tests/test_report.py::self_contained.)"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from losscli.render.model import number

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on this machine (Debian: apt-get install chromium; .ci/run installs it)",
)


BROWSER_HOSTS = re.compile(r"(^|\.)(google\.com|googleapis\.com|gvt1\.com|gstatic\.com)$")


def host(request: bytes) -> str:
    """The host a proxied request names: ``GET http://h/…`` or ``CONNECT h:443``."""
    words = request.split(b"\r\n", 1)[0].decode(errors="replace").split()
    target = words[1] if len(words) > 1 else ""
    return target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]


def page_requests(recorder: Recorder) -> list[str]:
    return [host(r) for r in recorder.connections if not BROWSER_HOSTS.search(host(r))]


class Recorder:
    """A TCP socket on 127.0.0.1 that accepts and records every connection (never answers)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1.0)
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            self.connections.append(data or b"(connected)")
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    found = Recorder()
    yield found
    found.close()


def chromium(
    page: Path, tmp_path: Path, recorder: Recorder, *mode: str
) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
        "--disable-client-side-phishing-detection",
        "--disable-domain-reliability",
        "--no-pings",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--proxy-server=http://127.0.0.1:{recorder.port}",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--window-size=1200,2000",
        "--virtual-time-budget=3000",
        *mode,
        page.as_uri(),
    ]
    return subprocess.run(args, capture_output=True, timeout=120, check=False)


def test_the_report_renders_shows_its_headline_and_loads_nothing(run_cli, tmp_path, recorder):
    df = pd.read_csv(SAMPLES / "diabetes_regression.csv")
    mse = float(np.mean((df["pred"] - df["label"]) ** 2))
    page = tmp_path / "report.html"
    done = run_cli(
        "report", SAMPLES / "diabetes_regression.csv", "-l", "mse", "--by", "sex", "--ci", "-o", page
    )
    assert done.returncode == 0, done.stderr

    shot = tmp_path / "shot.png"
    taken = chromium(page, tmp_path, recorder, f"--screenshot={shot}")
    assert shot.exists(), taken.stderr.decode(errors="replace")[-2000:]
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=np.float64)
    assert pixels.shape == (2000, 1200)
    assert pixels.std() > 10  # not blank
    assert (pixels < 128).mean() > 0.01  # ink: text, bars and points

    dom = chromium(page, tmp_path, recorder, "--dump-dom")
    text = dom.stdout.decode()
    assert number(mse) in text[text.index('id="headline"') :], "the headline value is text in the page"
    assert "<svg" in text  # the plots were parsed as SVG

    assert page_requests(recorder) == [], recorder.connections


def test_the_recorder_sees_a_page_that_loads_something(tmp_path, recorder):
    """The control: an image from elsewhere is a connection to the recording proxy."""
    page = tmp_path / "control.html"
    page.write_text('<!DOCTYPE html><img src="http://example.com/x.png"><p>control</p>')
    chromium(page, tmp_path, recorder, "--dump-dom")
    assert page_requests(recorder) == ["example.com"], recorder.connections


def test_the_compare_report_renders_shows_its_headline_and_loads_nothing(run_cli, tmp_path, recorder):
    """``compare --report`` (issue 16, continued): a better, a worse and an undecided model."""
    df = pd.read_csv(SAMPLES / "diabetes_models.csv")
    rng = np.random.default_rng(0)
    df["pred_bad"] = df["pred_ridge"] + rng.normal(0, 40, len(df))
    df["pred_good"] = 0.6 * df["pred_ridge"] + 0.4 * df["label"]
    data = tmp_path / "models.csv"
    df.to_csv(data, index=False)
    page = tmp_path / "compare.html"
    done = run_cli(
        "compare", data, "--pred", "pred_ridge,pred_gbm,pred_bad,pred_good", "-l", "mse", "--fail-if-worse",
        "--report", page,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # pred_bad is significantly worse: the page says so

    shot = tmp_path / "compare.png"
    taken = chromium(page, tmp_path, recorder, f"--screenshot={shot}")
    assert shot.exists(), taken.stderr.decode(errors="replace")[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64)
    assert pixels.shape == (2000, 1200, 3)
    assert pixels.std() > 10 and (pixels.mean(axis=2) < 128).mean() > 0.01
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    green = (pixels[..., 1] > 100) & (pixels[..., 0] < 60) & (pixels[..., 2] < 90)
    assert red.sum() > 200 and green.sum() > 200  # the "worse" and "better" badges (and FAIL) are drawn

    dom = chromium(page, tmp_path, recorder, "--dump-dom").stdout.decode()
    headline = dom[dom.index('id="headline"') :]
    for model in ("pred_ridge", "pred_gbm", "pred_bad", "pred_good"):
        assert number(float(np.mean((df[model] - df["label"]) ** 2))) in headline, model
    assert "FAIL: 1 of 3 checks failed" in dom and dom.count("<svg") >= 4
    assert page_requests(recorder) == [], recorder.connections
