"""Overlap producing items (reading, decoding) with consuming them (computing)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

JOIN_SECONDS = 5.0


def prefetch(items: Iterator[Any], depth: int = 2) -> Generator[Any, None, None]:
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


def parallel_map(work: Callable[[T], R], items: Iterator[T], workers: int = 2) -> Generator[R, None, None]:
    """``work(item)`` for every item, on ``workers`` threads at once, yielded in order.

    One read-ahead thread (:func:`prefetch`) takes the items and hands each to the
    pool, at most ``workers + 1`` ahead of the consumer: while the consumer computes
    on one result, the next ones are being worked on (pyarrow's parsers release the
    GIL). Errors re-raise here, in order. When the consumer stops early, the read-ahead
    thread is stopped and joined, the queued work dropped and the running work waited
    for, as in :func:`prefetch`."""
    from concurrent.futures import Future, ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="losscli-work")

    def submitted() -> Iterator[Future[R]]:
        for item in items:
            yield pool.submit(work, item)

    futures = prefetch(submitted(), depth=max(1, workers - 1))
    try:
        for future in futures:
            yield future.result()
    finally:
        futures.close()
        pool.shutdown(wait=True, cancel_futures=True)
