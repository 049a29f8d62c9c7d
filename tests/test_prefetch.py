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


def test_csv_blocks_parsed_in_parallel_come_back_in_order_with_quotes_only_in_some(tmp_path):
    """Small blocks (many in flight on the parsing threads); quoted values — a delimiter
    and a line end inside quotes — only in the middle blocks: blocks without a quote are
    parsed with quoting off, those with one with quoting on, and every row comes back,
    in order, as Python's csv module reads the file."""
    import csv
    import io

    import numpy as np

    from losscli.io.source import InputOptions, open_source

    rng = np.random.default_rng(3)
    n = 30_000
    ids = [f'"a,b\nc{i}"' if 12_000 <= i < 14_000 and i % 7 == 0 else f"r{i}" for i in range(n)]
    pred = rng.normal(size=n)
    label = rng.normal(size=n)
    text = "id,pred,label\n" + "".join(f"{ids[i]},{float(pred[i])!r},{float(label[i])!r}\n" for i in range(n))
    path = tmp_path / "mixed.csv"
    path.write_text(text)
    expected = list(csv.reader(io.StringIO(text)))[1:]
    source = open_source(InputOptions(str(path), block_bytes=1 << 14))
    parts = list(source.chunks([0, 1, 2], {1, 2}, frozenset({0})))
    assert len(parts) > 20  # many blocks
    got_ids = [v for part in parts for v in part[0].tolist()]
    assert got_ids == [row[0] for row in expected]
    assert np.array_equal(np.concatenate([p[1] for p in parts]), pred)
    assert np.array_equal(np.concatenate([p[2] for p in parts]), label)
