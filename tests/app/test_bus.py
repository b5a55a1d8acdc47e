from __future__ import annotations

import asyncio
import threading

from kordon.bus.inprocess import InProcessBus
from kordon.bus.topics import Topic


def test_messages_from_threads_reach_subscribers_of_their_topic() -> None:
    async def go() -> list[tuple[Topic, object]]:
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        events = bus.subscribe(Topic.EVENTS)
        status = bus.subscribe(Topic.DEVICE_STATUS)
        threads = [threading.Thread(target=bus.publish, args=(Topic.EVENTS, i)) for i in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = [await asyncio.wait_for(events.get(), 1.0) for _ in range(5)]
        assert status.queue.empty()
        return got

    got = asyncio.run(go())
    assert sorted(m for _, m in got) == [0, 1, 2, 3, 4]  # type: ignore[type-var]


def test_slow_subscriber_drops_oldest_and_counts() -> None:
    async def go() -> None:
        bus = InProcessBus(queue_size=3)
        bus.bind(asyncio.get_running_loop())
        sub = bus.subscribe(Topic.TRACKS)
        for i in range(10):
            bus.publish(Topic.TRACKS, i)
        assert sub.dropped == 7
        assert [(await sub.get())[1] for _ in range(3)] == [7, 8, 9]
        bus.unsubscribe(sub)
        bus.publish(Topic.TRACKS, 99)
        assert sub.queue.empty()

    asyncio.run(go())


def test_publish_without_a_loop_is_a_no_op() -> None:
    InProcessBus().publish(Topic.EVENTS, "x")
