"""A progress bar on stderr for long reads: only on a terminal, only after a second,
gone when the read ends (``--no-progress`` turns it off)."""

from __future__ import annotations

import sys
import time
from typing import Any

DELAY = 1.0


class ReadProgress:
    """Call after each chunk; shows rich's bar once the read has taken ``DELAY`` seconds."""

    def __init__(self, source: Any, enabled: bool) -> None:
        self.source = source
        self.enabled = enabled and sys.stderr.isatty() and hasattr(source, "progress")
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __call__(self) -> None:
        if not self.enabled or time.monotonic() - self.started < DELAY:
            return
        done, total = self.source.progress()
        if self.bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("reading"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )  # fmt: skip
            self.bar.start()
            self.task = self.bar.add_task("read", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
