"""``NotifierHealth``: what a notifier reports about itself (health events and metrics)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kordon.domain.status import DeviceState, DeviceStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifierHealth:
    """Counters since start; ``dropped`` are messages that will never be delivered."""

    notifier_id: str
    kind: str
    connected: bool
    queue_depth: int
    queue_capacity: int
    sent: int
    dropped: int
    """Messages refused because the queue was full, or given up after every retry."""
    dropped_tracks: int = 0
    """Track updates dropped oldest-first to make room (tracks are replaced, not lost)."""
    failures: int = 0
    """Failed delivery attempts (each retry counts)."""
    detail: str = ""

    def status(self, time: datetime) -> DeviceStatus:
        """As device health: offline while disconnected, degraded once anything was lost."""
        if not self.connected:
            state = DeviceState.OFFLINE
        elif self.dropped:
            state = DeviceState.DEGRADED
        else:
            state = DeviceState.ONLINE
        return DeviceStatus(
            self.notifier_id,
            time,
            state,
            self.detail,
            {
                "queue_depth": float(self.queue_depth),
                "queue_capacity": float(self.queue_capacity),
                "sent": float(self.sent),
                "dropped": float(self.dropped),
                "dropped_tracks": float(self.dropped_tracks),
                "failures": float(self.failures),
            },
        )


class Notifier(Protocol):
    """A running notifier as the metrics see it."""

    @property
    def name(self) -> str: ...

    def health(self) -> NotifierHealth: ...


class HealthReporter:
    """Sends a notifier's health to ``on_status`` when its state changes, or when more
    messages were lost — then at most once per ``repeat_s`` (by ``clock``), so a notifier
    that also publishes device health cannot feed on its own reports."""

    def __init__(
        self,
        on_status: Callable[[DeviceStatus], None] | None,
        clock: Callable[[], datetime],
        *,
        repeat_s: float,
    ) -> None:
        self._on_status = on_status
        self._clock = clock
        self._repeat_s = repeat_s
        self._state: DeviceState | None = None
        self._dropped = 0
        self._at: datetime | None = None

    def report(self, health: NotifierHealth) -> None:
        if self._on_status is None:
            return
        now = self._clock()
        status = health.status(now)
        changed = status.state != self._state
        lost_more = health.dropped > self._dropped and (
            self._at is None or (now - self._at).total_seconds() >= self._repeat_s
        )
        if not (changed or lost_more):
            return
        self._state, self._dropped, self._at = status.state, health.dropped, now
        try:
            self._on_status(status)
        except Exception:  # health must never stop the notifier's thread
            logger.exception("notifier %s: reporting health failed", health.notifier_id)
