"""Builders for the link tests: fixed times, events, a clock the test drives, the broker."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self

from kordon.domain.event import Direction, Event, EventKind, Frame
from kordon.link.durability import require_full_sync
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink
from kordon.link.outbox import Outbox
from kordon.link.sender import OutboxSender
from kordon.link.topics import LinkTopics
from kordon.store import Store, sqlite_url
from tests.support.requirements import require_or_skip

T0 = datetime(2026, 5, 4, 21, 0, 0, tzinfo=UTC)
BROKER = ("127.0.0.1", 1883)
WAIT_S = 30.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(n: int, kind: EventKind = EventKind.BORDER_CROSSING) -> Event:
    """The ``n``-th test event (its id says ``n``)."""
    return Event(
        id=f"ev-{n:06d}",
        kind=kind,
        time=at(n),
        source_id="cam-1",
        rule_id="border",
        track_id=f"t-{n}",
        class_name="person",
        confidence=0.9,
        direction=Direction.INBOUND,
        frame=Frame.LOCAL,
        x=float(n),
        y=-2.5,
        lat=51.7,
        lon=24.1,
        sector_id="s-1",
        attributes={"n": n, "speed_mps": 1.5, "night": True, "note": "тінь"},
        evidence=(f"snapshot:{n}",),
    )


class ManualSeconds:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def require_broker() -> None:
    """Skip (fail in CI) unless the Mosquitto broker listens on 127.0.0.1:1883."""
    try:
        with socket.create_connection(BROKER, timeout=1.0):
            return
    except OSError as exc:
        require_or_skip(f"needs an MQTT broker (Mosquitto) on {BROKER[0]}:{BROKER[1]}: {exc}")


def unique_topics() -> LinkTopics:
    """A topic root of this test alone (the broker is shared with other tests)."""
    return LinkTopics(root=f"kordon-test/{uuid.uuid4().hex[:12]}/edge")


def endpoint(client_id: str, port: int = BROKER[1]) -> BrokerEndpoint:
    """A persistent session that the broker forgets 5 minutes after the test."""
    return BrokerEndpoint(
        host=BROKER[0],
        port=port,
        client_id=client_id,
        keepalive_s=5,
        min_delay_s=1,
        max_delay_s=2,
        session_expiry_s=300,
    )


def edge_store(path: Path) -> Store:
    """An open edge database (SQLite, ``synchronous=FULL``)."""
    store = Store(sqlite_url(path))
    store.open()
    require_full_sync(store.engine)
    return store


def edge_outbox(store: Store) -> Outbox:
    return Outbox(store.sessions)


class Collector:
    """A plain link client that keeps every message on its subscriptions."""

    def __init__(self, client_id: str, subscriptions: list[str]) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self.link = MqttLink(endpoint(client_id), subscriptions, on_message=self._keep)

    def _keep(self, topic: str, payload: bytes) -> None:
        with self._lock:
            self.messages.append((topic, payload))

    def received(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(self.messages)


class SenderRig:
    """A centre ``Collector`` and an edge ``OutboxSender`` (set by the subclass), both
    connected on entering the ``with`` block (the sender driven by the test, not its own
    thread) and both stopped on leaving it."""

    centre: Collector
    sender: OutboxSender

    def __enter__(self) -> Self:
        self.centre.link.start()
        self.sender.start(background=False)
        wait_until(self.centre.link.connected.is_set, "the centre's connection")
        wait_until(self.sender.link.connected.is_set, "the sender's connection")
        return self

    def __exit__(self, *_exc: object) -> None:
        self.sender.stop()
        self.centre.link.stop()


def wait_until(check: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Poll ``check`` (real servers answer in real time) until true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.02)
