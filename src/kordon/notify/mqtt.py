"""``MqttNotifierService``: the node's events, incidents, alerts and device health on MQTT.

Frigate-like topics under the configured prefix (docs/integrations.md):

- ``<prefix>/available``: ``online`` (retained) once connected; the broker publishes the
  last will ``offline`` (retained) if the node vanishes; ``offline`` again on a clean stop.
- ``<prefix>/events``, ``<prefix>/incidents``, ``<prefix>/alerts``: JSON, QoS 1, not
  retained.
- ``<prefix>/devices/<device_id>``: the device's latest state, QoS 1, retained.
- ``<prefix>/tracks`` (off by default): positions, QoS 0, never retained, at most
  ``tracks_max_rate_hz`` per track.

Bus messages are queued (:class:`OutgoingQueue`) on the node's loop and handed to paho by
a sender thread only while connected; paho's own network thread reconnects with
exponential backoff. While the broker is away the queue holds the backlog; when full,
track updates are dropped oldest-first, anything else is refused and counted, and the
notifier's health (``devices/<notifier id>`` and ``/metrics``) says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from kordon.bus.channels import ALERTS, DEVICE_STATUS, EVENTS, INCIDENTS, TRACKS
from kordon.bus.protocol import Bus, Route, Subscription, route
from kordon.config.integrations import MqttNotifier
from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceStatus
from kordon.incidents.alerts import IncidentAlert
from kordon.notify import payloads
from kordon.notify.errors import NotifierConfigError
from kordon.notify.health import HealthReporter, NotifierHealth
from kordon.notify.outbox import OutgoingQueue

logger = logging.getLogger(__name__)

ONLINE = b"online"
OFFLINE = b"offline"
PAHO_QUEUE = 100
"""Messages paho may hold beyond those in flight; the backlog waits in our queue."""
TRACKS_REMEMBERED = 10_000
_POLL_S = 0.25
HEALTH_REPEAT_S = 10.0
"""Least time between two health reports that only say more messages were lost."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    payload: bytes
    qos: int
    retain: bool


def topic_level(text: str) -> str:
    """``text`` as one topic level: '/', '+', '#' and NUL become '_'."""
    return "".join("_" if c in "/+#\x00" else c for c in text) or "_"


class MqttNotifierService:
    """Publishes bus messages to the broker of one ``mqtt`` notifier entry."""

    def __init__(
        self,
        config: MqttNotifier,
        bus: Bus,
        *,
        client_id: str,
        clock: Callable[[], datetime],
        password: str | None = None,
        resolve_path: Callable[[str], Path] = Path,
        on_status: Callable[[DeviceStatus], None] | None = None,
    ) -> None:
        if config.password_env is not None and password is None:
            raise NotifierConfigError(
                f"mqtt notifier {config.id!r}: password_env is set but no password was given"
            )
        self.config = config
        self.name = f"notifier-{config.id}"
        self._bus = bus
        self._client_id = client_id
        self._clock = clock
        self._password = password
        self._resolve_path = resolve_path
        prefix = config.topic_prefix
        self.topics = {
            "available": f"{prefix}/available",
            "events": f"{prefix}/events",
            "incidents": f"{prefix}/incidents",
            "alerts": f"{prefix}/alerts",
            "tracks": f"{prefix}/tracks",
            "devices": f"{prefix}/devices",
        }
        self._queue: OutgoingQueue[Outgoing] = OutgoingQueue(config.queue_size)
        self._track_sent_s: dict[str, float] = {}
        self._client: mqtt.Client | None = None
        self._subscription: Subscription | None = None
        self._pump: asyncio.Task[None] | None = None
        self._sender: threading.Thread | None = None
        self._stopping = threading.Event()
        self.connected = threading.Event()
        """Set while connected to the broker (tests and health wait on it)."""
        self._counts_lock = threading.Lock()
        self._sent = 0
        self._failures = 0
        self._reporter = HealthReporter(on_status, clock, repeat_s=HEALTH_REPEAT_S)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        client = await asyncio.to_thread(self._make_client)
        routes: list[Route[Any]] = [
            route(EVENTS, self._on_event),
            route(INCIDENTS, self._on_incident),
            route(ALERTS, self._on_alert),
            route(DEVICE_STATUS, self._on_device),
        ]
        if self.config.publish_tracks:
            routes.append(route(TRACKS, self._on_track))
        self._subscription = self._bus.subscribe(*routes)
        self._pump = asyncio.create_task(self._deliver(self._subscription), name=self.name)
        self._stopping.clear()
        self._client = client
        client.connect_async(self.config.host, self.config.port, self.config.keepalive_s)
        client.loop_start()
        self._sender = threading.Thread(target=self._send_loop, name=self.name, daemon=True)
        self._sender.start()

    async def stop(self) -> None:
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription = None
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        await asyncio.to_thread(self._shutdown)

    def _shutdown(self) -> None:
        self._stopping.set()
        self._queue.close()
        if self._sender is not None:
            self._sender.join(timeout=5.0)
            self._sender = None
        client, self._client = self._client, None
        if client is None:
            return
        if self.connected.is_set():
            info = client.publish(self.topics["available"], OFFLINE, qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=2.0)
        client.disconnect()
        client.loop_stop()
        self.connected.clear()

    def _make_client(self) -> mqtt.Client:
        c = self.config
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            clean_session=True,
            reconnect_on_failure=True,
        )
        client.will_set(self.topics["available"], OFFLINE, qos=1, retain=True)
        if c.username is not None:
            client.username_pw_set(c.username, self._password)
        if c.tls:
            try:
                client.tls_set(
                    ca_certs=str(self._resolve_path(c.ca_file)) if c.ca_file else None,
                    certfile=(
                        str(self._resolve_path(c.client_cert_file)) if c.client_cert_file else None
                    ),
                    keyfile=(
                        str(self._resolve_path(c.client_key_file)) if c.client_key_file else None
                    ),
                    cert_reqs=ssl.CERT_REQUIRED,
                    tls_version=ssl.PROTOCOL_TLS_CLIENT,
                )
            except (OSError, ssl.SSLError, ValueError) as exc:
                raise NotifierConfigError(f"mqtt notifier {c.id!r}: TLS: {exc}") from exc
        client.reconnect_delay_set(c.reconnect_min_s, c.reconnect_max_s)
        client.max_queued_messages_set(PAHO_QUEUE)
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_publish = self._published
        return client

    # --- bus side (the node's loop) ----------------------------------------------------

    async def _deliver(self, subscription: Subscription) -> None:
        while True:
            try:
                await subscription.deliver_next()
            except (ValueError, TypeError) as exc:
                logger.warning("%s: cannot encode a message: %s", self.name, exc)

    def _offer(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> None:
        if not self._queue.put(Outgoing(topic, payload, qos, retain)):
            logger.warning("%s: queue full, dropped a message for %s", self.name, topic)

    async def _on_event(self, event: Event) -> None:
        self._offer(self.topics["events"], payloads.event_json(event))

    async def _on_incident(self, incident: Incident) -> None:
        self._offer(self.topics["incidents"], payloads.incident_json(incident))

    async def _on_alert(self, alert: IncidentAlert) -> None:
        self._offer(self.topics["alerts"], payloads.alert_json(alert))

    async def _on_device(self, status: DeviceStatus) -> None:
        topic = f"{self.topics['devices']}/{topic_level(status.device_id)}"
        self._offer(topic, payloads.device_json(status), retain=True)

    async def _on_track(self, track: LiveTrack) -> None:
        t = track.time.timestamp()
        last = self._track_sent_s.get(track.track_id)
        if last is not None and t - last < 1.0 / self.config.tracks_max_rate_hz:
            return
        self._track_sent_s.pop(track.track_id, None)
        self._track_sent_s[track.track_id] = t
        if len(self._track_sent_s) > TRACKS_REMEMBERED:
            del self._track_sent_s[next(iter(self._track_sent_s))]
        self._queue.put(
            Outgoing(self.topics["tracks"], payloads.track_json(track), 0, False),
            replaceable=True,
        )

    # --- broker side (the sender thread and paho's thread) -----------------------------

    def _send_loop(self) -> None:
        while not self._stopping.is_set():
            self._reporter.report(self.health())
            client = self._client
            if client is None or not self.connected.wait(_POLL_S):
                continue
            queued = self._queue.get(_POLL_S)
            if queued is None:
                continue
            out = queued.item
            if not self.connected.is_set():  # lost while waiting: keep the order, wait again
                self._queue.put_front(out, replaceable=queued.replaceable)
                continue
            info = client.publish(out.topic, out.payload, qos=out.qos, retain=out.retain)
            if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                if out.qos == 0:
                    self._count(sent=1)
                continue
            if info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN and out.qos > 0:
                # paho keeps a QoS 1 message it could not send and sends it on reconnection
                # (putting it back here would send it twice).
                continue
            # paho's own queue is full, or a QoS 0 message met no connection: try later.
            self._count(failures=1)
            self._queue.put_front(out, replaceable=queued.replaceable)
            self._stopping.wait(_POLL_S)

    def _count(self, *, sent: int = 0, failures: int = 0) -> None:
        with self._counts_lock:
            self._sent += sent
            self._failures += failures

    def _connected(
        self,
        client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        _properties: Any,
    ) -> None:
        if reason.is_failure:
            logger.warning(
                "%s: broker %s:%d refused the connection: %s",
                self.name,
                self.config.host,
                self.config.port,
                reason,
            )
            return
        client.publish(self.topics["available"], ONLINE, qos=1, retain=True)
        self.connected.set()
        logger.info("%s: connected to %s:%d", self.name, self.config.host, self.config.port)

    def _disconnected(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        _properties: Any,
    ) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            logger.warning(
                "%s: disconnected from %s:%d (%s); reconnecting with backoff",
                self.name,
                self.config.host,
                self.config.port,
                reason,
            )

    def _published(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _mid: int,
        _reason: ReasonCode,
        _properties: Any,
    ) -> None:
        self._count(sent=1)

    # --- health -----------------------------------------------------------------------

    def health(self) -> NotifierHealth:
        with self._counts_lock:
            sent, failures = self._sent, self._failures
        connected = self.connected.is_set()
        return NotifierHealth(
            notifier_id=self.config.id,
            kind="mqtt",
            connected=connected,
            queue_depth=len(self._queue),
            queue_capacity=self._queue.capacity,
            sent=sent,
            dropped=self._queue.dropped,
            dropped_tracks=self._queue.dropped_replaceable,
            failures=failures,
            detail=(
                f"broker {self.config.host}:{self.config.port} "
                f"{'connected' if connected else 'unreachable'}"
            ),
        )
