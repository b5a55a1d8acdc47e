"""The MQTT notifier against the real broker (Mosquitto on 127.0.0.1:1883).

A second paho client watches ``<prefix>/#``. Skips locally without the broker; fails
under CI=true.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kordon.bus.channels import ALERTS, DEVICE_STATUS, EVENTS, INCIDENTS, TRACKS
from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import MqttNotifier
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.notify.mqtt import MqttNotifierService, topic_level
from tests.notify import builders
from tests.notify.broker import (
    BROKER,
    LinkProxy,
    Watcher,
    clear_retained,
    require_broker,
    unique_prefix,
)


@pytest.fixture
def prefix() -> Iterator[str]:
    require_broker()
    p = unique_prefix()
    yield p
    clear_retained(p, ["available", "devices/cam-1", "devices/mqtt-1"])


def _config(prefix: str, port: int = BROKER[1], **extra: Any) -> MqttNotifier:
    return MqttNotifier.model_validate(
        {"kind": "mqtt", "id": "mqtt-1", "host": BROKER[0], "port": port}
        | {"topic_prefix": prefix, "keepalive_s": 5}
        | extra
    )


def _service(
    config: MqttNotifier, bus: InProcessBus, statuses: list[DeviceStatus] | None = None
) -> MqttNotifierService:
    return MqttNotifierService(
        config,
        bus,
        client_id=f"kordon-test-{config.topic_prefix.rsplit('/', 1)[-1]}",
        clock=lambda: builders.at(100),
        on_status=statuses.append if statuses is not None else None,
    )


async def _wait(check: Callable[[], bool], what: str, timeout_s: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def test_topic_level_never_makes_a_wildcard_or_a_new_level() -> None:
    assert topic_level("cam/1+#") == "cam_1__"
    assert topic_level("") == "_"


def test_events_incidents_alerts_and_devices_reach_a_subscriber(prefix: str) -> None:
    bus = InProcessBus()
    statuses: list[DeviceStatus] = []
    service = _service(_config(prefix), bus, statuses)

    async def go(watcher: Watcher) -> None:
        bus.bind(asyncio.get_running_loop())
        await service.start()
        try:
            await _wait(service.connected.is_set, "the notifier to connect")
            bus.publish(EVENTS, builders.event("ev-7"))
            bus.publish(INCIDENTS, builders.incident("inc-7", event_ids=("ev-7",)))
            bus.publish(ALERTS, builders.alert("inc-7"))
            bus.publish(DEVICE_STATUS, builders.status("cam-1", metrics={"fps": 9.5}))
            bus.publish(TRACKS, builders.track())  # tracks are off by default
            await asyncio.to_thread(
                watcher.wait_for,
                lambda: (
                    all(watcher.on(t) for t in ("events", "incidents", "alerts"))
                    and bool(watcher.on("devices/cam-1"))
                ),
                "every topic",
            )
            await _wait(lambda: service.health().sent >= 5, "acknowledgements")
        finally:
            await service.stop()

    with Watcher(prefix) as watcher:
        asyncio.run(go(watcher))
        watcher.wait_for(
            lambda: watcher.payloads("available")[-1:] == [b"offline"], "offline on stop"
        )
    event = json.loads(watcher.payloads("events")[0])
    assert (event["id"], event["kind"], event["direction"]) == (
        "ev-7",
        "border_crossing",
        "inbound",
    )
    assert event["lat"] == 51.5
    incident = json.loads(watcher.payloads("incidents")[0])
    assert (incident["id"], incident["status"], incident["event_ids"]) == (
        "inc-7",
        "open",
        ["ev-7"],
    )
    assert incident["crossings"]["inbound"] == 1
    alert = json.loads(watcher.payloads("alerts")[0])
    assert (alert["incident_id"], alert["reasons"]) == ("inc-7", ["opened"])
    device = json.loads(watcher.payloads("devices/cam-1")[0])
    assert (device["state"], device["metrics"]) == ("online", {"fps": 9.5})
    assert watcher.on("tracks") == []
    assert [m.qos for m in watcher.on("events")] == [1]
    assert not any(m.retain for m in watcher.on("events") + watcher.on("incidents"))
    assert watcher.payloads("available") == [b"online", b"offline"]
    # The notifier's own health went to on_status: online once connected (offline first
    # when the sender looked before the connection was up).
    states = [s.state for s in statuses]
    assert states[-1] == DeviceState.ONLINE
    assert set(states) <= {DeviceState.OFFLINE, DeviceState.ONLINE}
    assert all(s.device_id == "mqtt-1" for s in statuses)


def test_availability_and_device_state_are_retained_for_late_subscribers(prefix: str) -> None:
    bus = InProcessBus()
    service = _service(_config(prefix), bus)

    async def go() -> None:
        bus.bind(asyncio.get_running_loop())
        await service.start()
        try:
            await _wait(service.connected.is_set, "the notifier to connect")
            bus.publish(DEVICE_STATUS, builders.status("cam-1", DeviceState.DEGRADED))
            bus.publish(EVENTS, builders.event("ev-late"))
            await _wait(lambda: service.health().sent >= 3, "acknowledgements")
            # Subscribing only now: retained messages arrive, the event does not.
            with Watcher(prefix) as late:
                await asyncio.to_thread(
                    late.wait_for,
                    lambda: bool(late.on("available")) and bool(late.on("devices/cam-1")),
                    "retained messages",
                )
                assert late.payloads("available") == [b"online"]
                assert all(m.retain for m in late.on("available") + late.on("devices/cam-1"))
                assert json.loads(late.payloads("devices/cam-1")[0])["state"] == "degraded"
                assert late.on("events") == []
        finally:
            await service.stop()

    asyncio.run(go())


def test_unclean_disconnect_publishes_the_last_will_then_online_again(prefix: str) -> None:
    bus = InProcessBus()
    with LinkProxy() as link, Watcher(prefix) as watcher:
        service = _service(_config(prefix, link.port, reconnect_min_s=1, reconnect_max_s=2), bus)

        async def go() -> None:
            bus.bind(asyncio.get_running_loop())
            await service.start()
            try:
                await asyncio.to_thread(
                    watcher.wait_for, lambda: bool(watcher.on("available")), "online"
                )
                link.cut()  # the socket dies without DISCONNECT: the broker sends the will
                await asyncio.to_thread(
                    watcher.wait_for,
                    lambda: watcher.payloads("available") == [b"online", b"offline", b"online"],
                    "the last will, then online after the reconnection",
                )
            finally:
                await service.stop()

        asyncio.run(go())
        offline = watcher.on("available")[1]
        assert offline.payload == b"offline"
        assert link.accepted == 2


def test_events_published_while_the_broker_is_away_arrive_after_reconnection(
    prefix: str,
) -> None:
    bus = InProcessBus()
    with LinkProxy() as link, Watcher(prefix) as watcher:
        service = _service(_config(prefix, link.port, reconnect_min_s=1, reconnect_max_s=2), bus)

        async def go() -> None:
            bus.bind(asyncio.get_running_loop())
            await service.start()
            try:
                await _wait(service.connected.is_set, "the notifier to connect")
                link.cut(refuse=True)
                await _wait(lambda: not service.connected.is_set(), "the disconnection")
                for i in range(20):
                    bus.publish(EVENTS, builders.event(f"ev-{i}", i))
                await _wait(lambda: service.health().queue_depth == 20, "the backlog")
                assert not service.health().connected
                link.restore()
                await asyncio.to_thread(
                    watcher.wait_for, lambda: len(watcher.on("events")) == 20, "the backlog"
                )
            finally:
                await service.stop()

        asyncio.run(go())
    ids = [json.loads(p)["id"] for p in watcher.payloads("events")]
    assert ids == [f"ev-{i}" for i in range(20)]
    assert service.health().dropped == 0


def test_a_full_queue_drops_tracks_first_and_counts_refused_events(prefix: str) -> None:
    bus = InProcessBus()
    with LinkProxy() as link:
        link.cut(refuse=True)  # never connected: everything waits in the queue
        service = _service(
            _config(prefix, link.port, queue_size=10, publish_tracks=True, tracks_max_rate_hz=1),
            bus,
        )

        async def go() -> None:
            bus.bind(asyncio.get_running_loop())
            await service.start()
            try:
                for i in range(4):
                    bus.publish(TRACKS, builders.track(f"t-{i}", 0.0))
                bus.publish(TRACKS, builders.track("t-0", 0.5))  # faster than 1 Hz: skipped
                for i in range(12):
                    bus.publish(EVENTS, builders.event(f"ev-{i}", i))
                await _wait(lambda: service.health().queue_depth == 10, "a full queue")
                await _wait(lambda: service.health().dropped == 2, "refusals")
            finally:
                await service.stop()

        asyncio.run(go())
    health = service.health()
    # 4 tracks + 12 events into 10 places: the 4 tracks made room, then 2 events were refused.
    assert (health.dropped_tracks, health.dropped, health.sent) == (4, 2, 0)
    assert health.status(builders.at(0)).state == DeviceState.OFFLINE
