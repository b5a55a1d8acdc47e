"""The bounded outgoing queue: replaceable messages make room, the rest are counted."""

from __future__ import annotations

import pytest

from kordon.notify.outbox import OutgoingQueue


def _drain(queue: OutgoingQueue[str]) -> list[str]:
    out: list[str] = []
    while len(queue):
        item = queue.get(0)
        assert item is not None
        out.append(item.item)
    return out


def test_fifo_within_capacity() -> None:
    queue: OutgoingQueue[str] = OutgoingQueue(3)
    assert queue.put("a")
    assert queue.put("b", replaceable=True)
    assert _drain(queue) == ["a", "b"]
    assert (queue.dropped, queue.dropped_replaceable) == (0, 0)


def test_full_queue_drops_the_oldest_replaceable_first() -> None:
    queue: OutgoingQueue[str] = OutgoingQueue(3)
    queue.put("event-1")
    queue.put("track-1", replaceable=True)
    queue.put("track-2", replaceable=True)
    assert queue.put("event-2")
    assert _drain(queue) == ["event-1", "track-2", "event-2"]
    assert (queue.dropped, queue.dropped_replaceable) == (0, 1)


def test_full_queue_without_replaceable_refuses_and_counts() -> None:
    queue: OutgoingQueue[str] = OutgoingQueue(2)
    queue.put("event-1")
    queue.put("event-2")
    assert not queue.put("event-3")
    assert not queue.put("track-1", replaceable=True)
    assert _drain(queue) == ["event-1", "event-2"]
    assert (queue.dropped, queue.dropped_replaceable) == (1, 1)


def test_put_front_keeps_the_order_of_an_unsent_message() -> None:
    queue: OutgoingQueue[str] = OutgoingQueue(3)
    queue.put("a")
    queue.put("b")
    first = queue.get(0)
    assert first is not None
    queue.put_front(first.item)
    assert _drain(queue) == ["a", "b"]


def test_closed_queue_answers_none() -> None:
    queue: OutgoingQueue[str] = OutgoingQueue(3)
    queue.put("a")
    queue.close()
    assert queue.get(0) is None


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        OutgoingQueue[str](0)
