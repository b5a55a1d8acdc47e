"""``Prefetcher``: order, errors at their place, early stop, bounded read-ahead."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from kordon.analyze.options import AnalyzeError
from kordon.analyze.prefetch import Prefetcher


class StepTimer:
    """A monotonic timer the producer advances: item ``k`` takes ``k`` ms to fetch."""

    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_items_come_in_order_with_their_fetch_time() -> None:
    timer = StepTimer()

    def slow_items() -> Iterator[int]:
        for k in range(50):
            timer.now_s += k / 1000.0  # fetching item k takes k ms
            yield k

    with Prefetcher(slow_items(), depth=2, timer=timer) as items:
        got = list(items)
    assert [f.item for f in got] == list(range(50))
    assert [f.fetch_ms for f in got] == pytest.approx([float(k) for k in range(50)])


def test_an_error_is_raised_to_the_reader_after_the_items_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad packet")

    seen: list[int] = []
    with Prefetcher(failing()) as items, pytest.raises(ValueError, match="bad packet"):
        seen.extend(f.item for f in items)
    assert seen == [1, 2]


def test_close_stops_a_producer_blocked_on_a_full_queue_and_closes_the_source() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                produced.append(i)
                yield i
                i += 1
        finally:
            closed.set()

    prefetcher = Prefetcher(endless(), depth=3)
    prefetcher.start()
    first = next(iter(prefetcher))
    prefetcher.close()
    assert first.item == 0
    assert closed.is_set()  # the generator's cleanup ran before close() returned
    assert len(produced) <= 1 + 3 + 1  # read one, queue full, one more blocked in put


@pytest.mark.parametrize(
    ("depth", "message"),
    [(0, "depth must be >= 1"), (-3, "depth must be >= 1")],
)
def test_bad_depth_is_refused(depth: int, message: str) -> None:
    with pytest.raises(AnalyzeError, match=message):
        Prefetcher(iter(()), depth=depth)


def test_iterating_before_start_and_starting_twice_are_errors() -> None:
    prefetcher = Prefetcher(iter([1]))
    with pytest.raises(AnalyzeError, match="before start"):
        next(iter(prefetcher))
    prefetcher.start()
    with pytest.raises(AnalyzeError, match="twice"):
        prefetcher.start()
    prefetcher.close()
    prefetcher.close()  # idempotent
