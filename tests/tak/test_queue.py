"""The send queue: alarms first and never displaced, updates coalesced and dropped oldest."""

from __future__ import annotations

import asyncio

import pytest

from kordon.tak.queue import SendQueue


def test_alarms_go_first_and_updates_coalesce() -> None:
    q = SendQueue(capacity=3, alarm_capacity=2)
    q.put_update("t1", b"t1-a")
    q.put_update("t2", b"t2-a")
    assert q.put_alarm(b"alarm-1")
    q.put_update("t1", b"t1-b")  # replaces t1-a in place
    assert len(q) == 3
    assert q.replaced_updates == 1
    assert [q.pop(), q.pop(), q.pop(), q.pop()] == [
        (True, b"alarm-1"),
        (False, b"t1-b"),
        (False, b"t2-a"),
        None,
    ]


def test_full_queue_drops_the_oldest_update_and_counts_refused_alarms() -> None:
    q = SendQueue(capacity=3, alarm_capacity=2)
    for i in range(5):
        q.put_update(f"t{i}", f"u{i}".encode())
    assert q.dropped_updates == 2
    assert [q.put_alarm(b"a1"), q.put_alarm(b"a2"), q.put_alarm(b"a3")] == [True, True, False]
    assert q.dropped_alarms == 1
    q.put_update("t9", b"u9")  # updates never displace alarms
    out = []
    while (item := q.pop()) is not None:
        out.append(item[1])
    assert out == [b"a1", b"a2", b"u3", b"u4", b"u9"]


def test_get_waits_for_a_message() -> None:
    async def go() -> None:
        q = SendQueue(capacity=2, alarm_capacity=2)
        waiter = asyncio.create_task(q.get())
        await asyncio.sleep(0)
        assert not waiter.done()
        q.put_update("t", b"x")
        assert await asyncio.wait_for(waiter, 1.0) == (False, b"x")

    asyncio.run(go())
    with pytest.raises(ValueError, match="at least 1"):
        SendQueue(capacity=0, alarm_capacity=1)
