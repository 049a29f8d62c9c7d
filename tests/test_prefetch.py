"""The read-ahead thread (losscli.io.prefetch) stops and is joined when its consumer
stops early — an error, Ctrl-C, a closed pipe — so it never goes on decoding from a file
the consumer then closes (that was a SIGSEGV at exit after "losscli: interrupted")."""

from __future__ import annotations

import threading
import time

from losscli.io.prefetch import prefetch


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
