"""``RecentAlerts``: the node's recent alerts, numbered, so a browser can catch up.

Every alert gets the next sequence number of this node run (``epoch`` names the run). A
browser remembers the last number it saw; after reconnecting it asks for the alerts after
it and gets every one it missed, in order. When it cannot (the node restarted, or more
than ``capacity`` alerts came since), it is told so and reloads the queue instead.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict, deque
from datetime import datetime

from kordon.incidents.alerts import IncidentAlert

_Key = tuple[str, str, datetime]


def _key(alert: IncidentAlert) -> _Key:
    return (alert.incident_id, alert.event.id, alert.alerted_at)


class RecentAlerts:
    """A bounded, thread-safe, numbered log of the last ``capacity`` alerts."""

    def __init__(self, capacity: int = 10_000, *, epoch: str | None = None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.epoch = epoch or secrets.token_hex(8)
        self._lock = threading.Lock()
        self._log: deque[tuple[int, IncidentAlert]] = deque(maxlen=capacity)
        self._seq: OrderedDict[_Key, int] = OrderedDict()
        self._next = 1

    def add(self, alert: IncidentAlert) -> int:
        """Number ``alert`` and keep it; returns its sequence number."""
        with self._lock:
            seq = self._next
            self._next += 1
            self._log.append((seq, alert))
            self._seq[_key(alert)] = seq
            while len(self._seq) > self.capacity:
                self._seq.popitem(last=False)
            return seq

    def seq_of(self, alert: IncidentAlert) -> int | None:
        with self._lock:
            return self._seq.get(_key(alert))

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._next - 1

    def after(self, epoch: str, seq: int) -> list[tuple[int, IncidentAlert]] | None:
        """Alerts numbered after ``seq`` in order, or ``None`` when some of them are not
        known (another run, or fallen out of the log)."""
        with self._lock:
            if epoch != self.epoch or seq < 0 or seq >= self._next:
                return None
            if seq + 1 < self._next and (not self._log or self._log[0][0] > seq + 1):
                return None
            return [(n, a) for n, a in self._log if n > seq]
