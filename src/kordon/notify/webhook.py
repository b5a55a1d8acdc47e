"""``WebhookNotifierService``: events, incidents and alerts POSTed as signed JSON.

Each message is one request with the body ``{"type": "event"|"incident"|"alert",
"data": {...}}`` (``data`` is the shape the MQTT notifier publishes), signed with
HMAC-SHA256 (:mod:`kordon.notify.signing`). Handlers on the node's loop only queue the
message; one worker thread sends, so a slow or dead receiver never holds up the bus.

A failed attempt (connection error, timeout, any status but 2xx) is retried after a
delay that doubles from ``backoff_initial_s`` up to ``backoff_max_s``; after
``max_attempts`` the message is given up and counted. The notifier's health goes
``degraded`` after a message is given up or refused (queue full) and ``offline`` while
the receiver keeps failing; it is reported through ``on_status`` (device health: the
map, ``/metrics`` and the MQTT ``devices/<id>`` topic).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kordon.bus.channels import ALERTS, EVENTS, INCIDENTS
from kordon.bus.protocol import Bus, Route, Subscription, route
from kordon.config.integrations import WebhookNotifier, WebhookTopic
from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.domain.status import DeviceStatus
from kordon.incidents.alerts import IncidentAlert
from kordon.notify import payloads
from kordon.notify.env_secrets import MIN_SECRET_BYTES
from kordon.notify.errors import NotifierConfigError
from kordon.notify.health import HealthReporter, NotifierHealth
from kordon.notify.outbox import OutgoingQueue
from kordon.notify.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

logger = logging.getLogger(__name__)

USER_AGENT = "kordon-webhook/1"
MAX_ERROR_TEXT = 200


@dataclass(frozen=True, slots=True)
class Delivery:
    kind: str
    body: bytes


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: the signed body is never re-sent elsewhere."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


class WebhookFailedError(Exception):
    """One attempt failed (status, connection or timeout)."""


def envelope(kind: str, data: bytes) -> bytes:
    """``{"type": kind, "data": <data>}`` without decoding ``data`` again."""
    return b'{"type":' + json.dumps(kind).encode("ascii") + b',"data":' + data + b"}"


class WebhookNotifierService:
    """Sends the messages chosen by one ``webhook`` notifier entry."""

    def __init__(
        self,
        config: WebhookNotifier,
        bus: Bus,
        *,
        secret: str,
        clock: Callable[[], datetime],
        on_status: Callable[[DeviceStatus], None] | None = None,
        sleep: Callable[[float], bool] | None = None,
    ) -> None:
        """``sleep(seconds)`` waits between retries and returns True when stopping
        (default: wait on the stop flag); tests pass one that records the delays."""
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise NotifierConfigError(
                f"webhook notifier {config.id!r}: the secret needs at least "
                f"{MIN_SECRET_BYTES} bytes"
            )
        self.config = config
        self.name = f"notifier-{config.id}"
        self._bus = bus
        self._secret = secret.encode("utf-8")
        self._clock = clock
        self._stopping = threading.Event()
        self._sleep = sleep or self._stopping.wait
        self._queue: OutgoingQueue[Delivery] = OutgoingQueue(config.queue_size)
        self._subscription: Subscription | None = None
        self._pump: asyncio.Task[None] | None = None
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._sent = 0
        self._failures = 0
        self._given_up = 0
        self._failing = False
        self._last_error = ""
        self._reporter = HealthReporter(on_status, clock, repeat_s=0.0)
        self._opener = urllib.request.build_opener(_NoRedirects())

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        wanted = set(self.config.send)
        routes: list[Route[Any]] = []
        if WebhookTopic.EVENTS in wanted:
            routes.append(route(EVENTS, self._on_event))
        if WebhookTopic.INCIDENTS in wanted:
            routes.append(route(INCIDENTS, self._on_incident))
        if WebhookTopic.ALERTS in wanted:
            routes.append(route(ALERTS, self._on_alert))
        self._stopping.clear()
        self._subscription = self._bus.subscribe(*routes)
        self._pump = asyncio.create_task(self._deliver(self._subscription), name=self.name)
        self._worker = threading.Thread(target=self._work, name=self.name, daemon=True)
        self._worker.start()

    async def stop(self) -> None:
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription = None
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        self._stopping.set()
        self._queue.close()
        if self._worker is not None:
            await asyncio.to_thread(self._worker.join, self.config.timeout_s + 1.0)
            self._worker = None

    # --- bus side ----------------------------------------------------------------------

    async def _deliver(self, subscription: Subscription) -> None:
        while True:
            try:
                await subscription.deliver_next()
            except (ValueError, TypeError) as exc:
                logger.warning("%s: cannot encode a message: %s", self.name, exc)

    def _offer(self, kind: str, data: bytes) -> None:
        if not self._queue.put(Delivery(kind, envelope(kind, data))):
            logger.warning("%s: queue full, dropped a %s", self.name, kind)

    async def _on_event(self, event: Event) -> None:
        self._offer("event", payloads.event_json(event))

    async def _on_incident(self, incident: Incident) -> None:
        self._offer("incident", payloads.incident_json(incident))

    async def _on_alert(self, alert: IncidentAlert) -> None:
        self._offer("alert", payloads.alert_json(alert))

    # --- the worker thread -------------------------------------------------------------

    def _work(self) -> None:
        self._reporter.report(self.health())
        while not self._stopping.is_set():
            queued = self._queue.get(0.5)
            if queued is not None:
                self._send_with_retries(queued.item)
            self._reporter.report(self.health())

    def _send_with_retries(self, delivery: Delivery) -> None:
        delay_s = self.config.backoff_initial_s
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                self._post(delivery)
            except WebhookFailedError as exc:
                with self._lock:
                    self._failures += 1
                    self._failing = True
                    self._last_error = str(exc)[:MAX_ERROR_TEXT]
                logger.warning(
                    "%s: %s attempt %d/%d failed: %s",
                    self.name,
                    delivery.kind,
                    attempt,
                    self.config.max_attempts,
                    exc,
                )
                self._reporter.report(self.health())
                if attempt == self.config.max_attempts:
                    break
                if self._sleep(delay_s):
                    return  # stopping: the message stays unsent (the node is going down)
                delay_s = min(delay_s * 2.0, self.config.backoff_max_s)
                continue
            with self._lock:
                self._sent += 1
                self._failing = False
            return
        with self._lock:
            self._given_up += 1
        logger.error(
            "%s: gave up a %s after %d attempts", self.name, delivery.kind, self.config.max_attempts
        )
        self._reporter.report(self.health())

    def _post(self, delivery: Delivery) -> None:
        timestamp = str(int(self._clock().timestamp()))
        request = urllib.request.Request(
            self.config.url,
            data=delivery.body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Kordon-Type": delivery.kind,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(self._secret, timestamp, delivery.body),
            },
        )
        try:
            with self._opener.open(request, timeout=self.config.timeout_s) as response:
                response.read(4096)
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            raise WebhookFailedError(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise WebhookFailedError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise WebhookFailedError(f"HTTP {status}")

    # --- health -----------------------------------------------------------------------

    def health(self) -> NotifierHealth:
        with self._lock:
            sent, failures, given_up = self._sent, self._failures, self._given_up
            failing, last_error = self._failing, self._last_error
        detail = f"{self.config.url}: " + (f"failing ({last_error})" if failing else "delivering")
        if given_up:
            detail += f"; {given_up} given up after {self.config.max_attempts} attempts"
        return NotifierHealth(
            notifier_id=self.config.id,
            kind="webhook",
            connected=not failing,
            queue_depth=len(self._queue),
            queue_capacity=self._queue.capacity,
            sent=sent,
            dropped=self._queue.dropped + given_up,
            failures=failures,
            detail=detail,
        )
