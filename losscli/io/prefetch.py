"""Overlap producing items (reading, decoding) with consuming them (computing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

JOIN_SECONDS = 5.0


def prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Items produced by a background thread, ``depth`` ahead: reading the next
    block overlaps parsing this one (both release the GIL). Errors re-raise here.

    When the consumer stops early (an error, Ctrl-C, a closed pipe) the producer is
    told to stop and joined before this generator finishes: it must not go on decoding
    (inside pyarrow, in C++) from a file the consumer is about to close — that was a
    crash at exit (SIGSEGV after "losscli: interrupted") and in long test runs."""
    import queue
    import threading

    done = object()
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: Any) -> bool:
        """Put ``item`` in the queue unless told to stop first (then False)."""
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand(item):
                    return
            hand(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            hand(exc)

    thread = threading.Thread(target=produce, name="losscli-read", daemon=True)
    thread.start()
    try:
        while (item := slots.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        # at most the block being decoded (the producer checks ``stop`` every 50 ms); bounded,
        # for a producer waiting on a pipe that sends nothing more (it holds no file we close)
        thread.join(timeout=JOIN_SECONDS)
