"""Overlap producing items (reading, decoding) with consuming them (computing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Items produced by a background thread, ``depth`` ahead: reading the next
    block overlaps parsing this one (both release the GIL). Errors re-raise here."""
    import queue
    import threading

    done = object()
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                slots.put(item)
            slots.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            slots.put(exc)

    threading.Thread(target=produce, name="losscli-read", daemon=True).start()
    try:
        while (item := slots.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
