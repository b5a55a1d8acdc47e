from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest

from kordon.bus.channels import ALL_CHANNELS, DEVICE_STATUS, EVENTS, TRACKS
from kordon.bus.inprocess import InProcessBus
from kordon.bus.protocol import route
from kordon.domain.event import Event, EventKind
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceState, DeviceStatus

T0 = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)


def _event(n: int) -> Event:
    return Event(id=f"e{n}", kind=EventKind.ZONE_ENTER, time=T0, source_id="cam-1", rule_id="r")


def _track(n: int) -> LiveTrack:
    return LiveTrack(f"t{n}", "cam-1", 51.5, 24.0, "person", T0)


def test_messages_from_threads_reach_the_route_of_their_channel() -> None:
    async def go() -> tuple[list[str], list[DeviceStatus]]:
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        events: list[str] = []
        statuses: list[DeviceStatus] = []

        async def on_event(event: Event) -> None:
            events.append(event.id)

        async def on_status(status: DeviceStatus) -> None:
            statuses.append(status)

        sub = bus.subscribe(route(EVENTS, on_event), route(DEVICE_STATUS, on_status))
        threads = [threading.Thread(target=bus.publish, args=(EVENTS, _event(i))) for i in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for _ in range(5):
            await asyncio.wait_for(sub.deliver_next(), 1.0)
        return events, statuses

    events, statuses = asyncio.run(go())
    assert sorted(events) == ["e0", "e1", "e2", "e3", "e4"]
    assert statuses == []


def test_one_subscription_sees_its_channels_in_publish_order() -> None:
    async def go() -> list[str]:
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        seen: list[str] = []

        async def on_event(event: Event) -> None:
            seen.append(event.id)

        async def on_status(status: DeviceStatus) -> None:
            seen.append(status.device_id)

        sub = bus.subscribe(route(EVENTS, on_event), route(DEVICE_STATUS, on_status))
        bus.publish(EVENTS, _event(1))
        bus.publish(DEVICE_STATUS, DeviceStatus("cam-9", T0, DeviceState.ONLINE))
        bus.publish(EVENTS, _event(2))
        assert await sub.deliver_ready() == 3
        return seen

    assert asyncio.run(go()) == ["e1", "cam-9", "e2"]


def test_slow_subscriber_drops_oldest_and_counts() -> None:
    async def go() -> None:
        bus = InProcessBus(queue_size=3)
        bus.bind(asyncio.get_running_loop())
        got: list[str] = []

        async def keep(track: LiveTrack) -> None:
            got.append(track.track_id)

        sub = bus.subscribe(route(TRACKS, keep))
        for i in range(10):
            bus.publish(TRACKS, _track(i))
        assert sub.dropped == 7
        await sub.deliver_ready()
        assert got == ["t7", "t8", "t9"]
        bus.unsubscribe(sub)
        bus.publish(TRACKS, _track(99))
        assert sub.queue.empty()
        assert sub.closed

    asyncio.run(go())


def test_a_payload_of_the_wrong_type_is_refused_naming_channel_and_types() -> None:
    bus = InProcessBus()
    with pytest.raises(TypeError, match=r"'events' carries Event \(v1\), not str"):
        bus.publish(EVENTS, "x")  # type: ignore[misc]


def test_two_routes_for_one_channel_are_refused() -> None:
    async def nothing(_event: Event) -> None:
        return None

    with pytest.raises(ValueError, match="two routes for channel 'events'"):
        InProcessBus().subscribe(route(EVENTS, nothing), route(EVENTS, nothing))


def test_publish_without_a_loop_is_a_no_op() -> None:
    InProcessBus().publish(EVENTS, _event(0))


def test_every_topic_has_exactly_one_channel() -> None:
    from kordon.bus.topics import Topic

    assert sorted(c.topic for c in ALL_CHANNELS) == sorted(Topic)
