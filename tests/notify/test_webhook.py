"""The webhook notifier against a real local HTTP server: signatures, retries, giving up."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from kordon.bus.channels import ALERTS, DEVICE_STATUS, EVENTS, INCIDENTS
from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import WebhookNotifier
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.notify.errors import NotifierConfigError
from kordon.notify.factory import build_notifiers
from kordon.notify.signing import signature, verify
from kordon.notify.webhook import WebhookNotifierService, envelope
from tests.notify import builders
from tests.notify.http_receiver import Receiver

SECRET = "s3cret-s3cret-s3cret"


class Delays:
    """Stands in for the wait between retries: records each delay, never sleeps."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> bool:
        with self._lock:
            self.delays.append(seconds)
        return False


def _config(url: str, **extra: Any) -> WebhookNotifier:
    return WebhookNotifier.model_validate(
        {"kind": "webhook", "id": "hook-1", "url": url, "secret_env": "HOOK_SECRET"} | extra
    )


def _run(
    service: WebhookNotifierService,
    bus: InProcessBus,
    publish: Callable[[InProcessBus], None],
    until: Callable[[], bool],
) -> None:
    async def go() -> None:
        bus.bind(asyncio.get_running_loop())
        await service.start()
        try:
            publish(bus)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15.0
            while not until():
                assert loop.time() < deadline, "timed out"
                await asyncio.sleep(0.02)
        finally:
            await service.stop()

    asyncio.run(go())


def _publish_all(bus: InProcessBus) -> None:
    bus.publish(EVENTS, builders.event("ev-3"))
    bus.publish(INCIDENTS, builders.incident("inc-3"))
    bus.publish(ALERTS, builders.alert("inc-3"))
    bus.publish(DEVICE_STATUS, builders.status())  # not a webhook topic


def _publish_event_and_alert(bus: InProcessBus) -> None:
    bus.publish(EVENTS, builders.event())
    bus.publish(ALERTS, builders.alert())


def test_signature_covers_timestamp_and_body() -> None:
    sig = signature(b"k" * 16, "1700000000", b'{"a":1}')
    assert sig.startswith("sha256=")
    assert len(sig) == 7 + 64
    assert verify(b"k" * 16, "1700000000", b'{"a":1}', sig)
    assert not verify(b"k" * 16, "1700000001", b'{"a":1}', sig)
    assert not verify(b"k" * 16, "1700000000", b'{"a":2}', sig)
    assert not verify(b"x" * 16, "1700000000", b'{"a":1}', sig)


def test_envelope_is_json_with_type_and_data() -> None:
    assert json.loads(envelope("event", b'{"id":"e"}')) == {"type": "event", "data": {"id": "e"}}


def test_events_incidents_and_alerts_are_posted_signed() -> None:
    bus = InProcessBus()
    with Receiver([204]) as receiver:
        service = WebhookNotifierService(
            _config(receiver.url), bus, secret=SECRET, clock=lambda: builders.at(50)
        )
        _run(
            service,
            bus,
            _publish_all,
            lambda: service.health().sent == 3,
        )
        requests = receiver.wait_for(3)
    assert len(requests) == 3
    kinds = [json.loads(r.body)["type"] for r in requests]
    assert kinds == ["event", "incident", "alert"]
    assert [r.headers["x-kordon-type"] for r in requests] == kinds
    assert json.loads(requests[0].body)["data"]["id"] == "ev-3"
    expected_ts = str(int(builders.at(50).timestamp()))
    for r in requests:
        assert r.path == "/hook"
        assert r.headers["content-type"] == "application/json"
        assert r.headers["x-kordon-timestamp"] == expected_ts
        assert verify(SECRET.encode(), expected_ts, r.body, r.headers["x-kordon-signature"])
    assert service.health().failures == 0


def test_only_the_chosen_messages_are_sent() -> None:
    bus = InProcessBus()
    with Receiver([200]) as receiver:
        service = WebhookNotifierService(
            _config(receiver.url, send=["alerts"]), bus, secret=SECRET, clock=lambda: builders.at(0)
        )
        _run(
            service,
            bus,
            _publish_event_and_alert,
            lambda: service.health().sent == 1,
        )
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["alert"]


def test_a_500_is_retried_with_doubling_delays_until_it_succeeds() -> None:
    bus = InProcessBus()
    delays = Delays()
    statuses: list[DeviceStatus] = []
    with Receiver([500, 503, 200]) as receiver:
        service = WebhookNotifierService(
            _config(receiver.url, backoff_initial_s=0.5, backoff_max_s=10.0),
            bus,
            secret=SECRET,
            clock=lambda: builders.at(0),
            on_status=statuses.append,
            sleep=delays,
        )
        _run(
            service,
            bus,
            lambda b: b.publish(EVENTS, builders.event("ev-r")),
            lambda: service.health().sent == 1,
        )
    bodies = [r.body for r in receiver.requests]
    assert len(bodies) == 3
    assert len(set(bodies)) == 1  # the same message each time
    assert delays.delays == [0.5, 1.0]
    health = service.health()
    assert (health.sent, health.failures, health.dropped, health.connected) == (1, 2, 0, True)
    assert [s.state for s in statuses] == [
        DeviceState.ONLINE,
        DeviceState.OFFLINE,
        DeviceState.ONLINE,
    ]


def test_gives_up_after_max_attempts_and_reports_it_as_health() -> None:
    bus = InProcessBus()
    delays = Delays()
    statuses: list[DeviceStatus] = []
    with Receiver([500]) as receiver:
        service = WebhookNotifierService(
            _config(receiver.url, max_attempts=4, backoff_initial_s=1.0, backoff_max_s=3.0),
            bus,
            secret=SECRET,
            clock=lambda: builders.at(0),
            on_status=statuses.append,
            sleep=delays,
        )
        _run(
            service,
            bus,
            lambda b: b.publish(EVENTS, builders.event("ev-lost")),
            lambda: service.health().dropped == 1,
        )
    assert len(receiver.requests) == 4
    assert delays.delays == [1.0, 2.0, 3.0]  # doubling, capped at backoff_max_s
    health = service.health()
    assert (health.sent, health.failures, health.dropped, health.connected) == (0, 4, 1, False)
    assert "HTTP 500" in health.detail
    assert "1 given up after 4 attempts" in health.detail
    assert statuses[0].state == DeviceState.ONLINE
    assert statuses[-1].state == DeviceState.OFFLINE
    assert statuses[-1].device_id == "hook-1"
    assert statuses[-1].metrics["dropped"] == 1.0


def test_an_unreachable_receiver_counts_as_failures() -> None:
    bus = InProcessBus()
    with Receiver([200]) as receiver:
        url = receiver.url
    # The server is gone: connection refused.
    service = WebhookNotifierService(
        _config(url, max_attempts=2, timeout_s=2.0),
        bus,
        secret=SECRET,
        clock=lambda: builders.at(0),
        sleep=Delays(),
    )
    _run(
        service,
        bus,
        lambda b: b.publish(ALERTS, builders.alert()),
        lambda: service.health().dropped == 1,
    )
    assert service.health().failures == 2
    assert "failing" in service.health().detail


def test_the_secret_comes_from_the_environment_and_must_be_long_enough() -> None:
    config = _config("http://127.0.0.1:9/hook")
    with pytest.raises(NotifierConfigError, match="HOOK_SECRET is not set"):
        build_notifiers([config], InProcessBus(), site_id="s", environ={}, clock=builders.T0.now)
    with pytest.raises(NotifierConfigError, match="at least 16"):
        build_notifiers(
            [config],
            InProcessBus(),
            site_id="s",
            environ={"HOOK_SECRET": "short"},
            clock=builders.T0.now,
        )
    built = build_notifiers(
        [config],
        InProcessBus(),
        site_id="s",
        environ={"HOOK_SECRET": SECRET},
        clock=builders.T0.now,
    )
    assert [b.name for b in built] == ["notifier-hook-1"]
