"""The read-ahead thread (losscli.io.prefetch) stops and is joined when its consumer
stops early — an error, Ctrl-C, a closed pipe — so it never goes on decoding from a file
the consumer then closes (that was a SIGSEGV at exit after "losscli: interrupted")."""

from __future__ import annotations

import threading
import time

from losscli.io.prefetch import parallel_map, prefetch


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "losscli-read" and t.is_alive()]


def test_a_consumer_that_stops_early_leaves_no_reader_running():
    produced: list[int] = []

    def blocks():
        for i in range(1_000):
            produced.append(i)
            time.sleep(0.001)  # decoding a block
            yield i

    before = len(_readers())
    items = prefetch(blocks(), depth=1)
    assert next(items) == 0
    time.sleep(0.05)  # the producer fills the queue and waits on it
    items.close()  # what an exception in the consumer's loop does
    assert len(_readers()) == before
    settled = len(produced)
    time.sleep(0.05)
    assert len(produced) == settled < 1_000  # nothing read after the close


def test_an_error_in_the_producer_reaches_the_consumer_and_the_thread_ends():
    def blocks():
        yield 1
        raise OSError("disk gone")

    items = prefetch(blocks())
    assert next(items) == 1
    try:
        next(items)
    except OSError as exc:
        assert str(exc) == "disk gone"
    else:  # pragma: no cover - the error must come through
        raise AssertionError("the producer's error was swallowed")
    items.close()
    assert not _readers()


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("losscli-work") and t.is_alive()]


def test_parallel_map_keeps_the_order_and_works_on_two_items_at_once():
    running, peak = [0], [0]
    lock = threading.Lock()

    def work(i: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01 * (i % 3))  # later items sometimes finish first
        with lock:
            running[0] -= 1
        return i * i

    assert list(parallel_map(work, iter(range(40)), workers=2)) == [i * i for i in range(40)]
    assert peak[0] == 2  # never more than the workers, and both used
    assert not _workers() and not _readers()


def test_parallel_map_raises_the_first_error_in_order_and_stops_its_threads():
    done: list[int] = []

    def work(i: int) -> int:
        if i == 5:
            raise ValueError("bad block 5")
        time.sleep(0.002)
        done.append(i)
        return i

    results = parallel_map(work, iter(range(1_000)), workers=2)
    got = []
    try:
        for value in results:
            got.append(value)
    except ValueError as exc:
        assert str(exc) == "bad block 5"
    else:  # pragma: no cover
        raise AssertionError("the worker's error was swallowed")
    assert got == [0, 1, 2, 3, 4]
    assert not _workers() and not _readers()
    assert len(done) < 20  # a few items beyond the error at most, never the rest


def test_parallel_map_closed_early_runs_no_more_work():
    done: list[int] = []

    def work(i: int) -> int:
        time.sleep(0.002)
        done.append(i)
        return i

    results = parallel_map(work, iter(range(1_000)), workers=2)
    assert next(results) == 0
    results.close()
    assert not _workers() and not _readers()
    settled = len(done)
    time.sleep(0.05)
    assert len(done) == settled < 20
