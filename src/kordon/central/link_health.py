"""``LinkHealth``: what the centre refuses from its edges, as device health an operator sees.

Each refusal of the link (``kordon.link.receiver_settings.Refusal``: an unknown or revoked edge, an
oversized or malformed batch, a ledger gap or rewrite…) is already logged and counted; here
it also becomes a ``degraded`` status of the pseudo-device ``link-<edge>`` (``link-unknown``
for messages in the name of an edge that is not configured: that name is the sender's, not
ours to make a device of), stored like any device status and published to the live feed.
At most one status per device and reason every ``min_interval_s``, so a flood of bad
messages cannot flood the status history. The first batch stored from an edge (since the
centre started) records it ``online`` ("receiving batches"), so a healthy outpost's link
shows a state; the next batch stored from a degraded edge records it ``online`` again.

An edge whose clock is off (``kordon.link.clock_offset``: its times are being corrected) is
``degraded`` with the measured offset in the detail and ``clock_offset_s`` in the metrics,
once per change of the correction, and stays so (whatever it delivers) until its clock is
right again, which records it ``online``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.kinds import Shipped
from kordon.store.errors import StoreError
from kordon.store.store import Store

logger = logging.getLogger(__name__)

UNKNOWN_EDGE_DEVICE = "link-unknown"


def link_device(edge: str | None) -> str:
    """The pseudo-device that carries ``edge``'s link health."""
    return UNKNOWN_EDGE_DEVICE if edge is None else f"link-{edge}"[:128]


class LinkHealth:
    """Records link refusals as device health; thread-safe (the receivers' threads call it)."""

    def __init__(
        self,
        store: Callable[[], Store],
        *,
        clock: Callable[[], datetime],
        publish: Callable[[DeviceStatus], None] | None = None,
        min_interval_s: float = 60.0,
    ) -> None:
        if min_interval_s < 0:
            raise ValueError(f"min_interval_s must be >= 0, got {min_interval_s}")
        self._store = store
        self._clock = clock
        self._publish = publish
        self._min_interval_s = min_interval_s
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str], datetime] = {}
        self._degraded: set[str] = set()
        self._clock_off: set[str] = set()
        self._seen: set[str] = set()

    def refused(self, edge: str | None, reason: str, detail: str) -> None:
        """A batch was refused: record ``link-<edge>`` degraded (unless just recorded)."""
        device = link_device(edge)
        now = self._clock()
        with self._lock:
            last = self._last.get((device, reason))
            if last is not None and (now - last).total_seconds() < self._min_interval_s:
                return
            self._last[(device, reason)] = now
            self._degraded.add(device)
        self._record(DeviceStatus(device, now, DeviceState.DEGRADED, f"{reason}: {detail[:400]}"))

    def stored(self, edge: str, items: Sequence[Shipped] = ()) -> None:
        """A batch of ``edge`` was stored: its first, or one after a refusal, records the
        link ``online``."""
        del items
        device = link_device(edge)
        with self._lock:
            first = device not in self._seen
            self._seen.add(device)
            if device in self._clock_off:
                return
            if device in self._degraded:
                self._degraded.discard(device)
                self._last = {key: t for key, t in self._last.items() if key[0] != device}
                detail = "batches accepted again"
            elif first:
                detail = "receiving batches"
            else:
                return
        self._record(DeviceStatus(device, self._clock(), DeviceState.ONLINE, detail))

    def clock(self, edge: str, applied_s: float, detail: str) -> None:
        """``edge``'s times are now corrected by ``applied_s`` seconds (0: no longer)."""
        device = link_device(edge)
        now = self._clock()
        metrics = {"clock_offset_s": round(applied_s, 3)}
        with self._lock:
            if applied_s != 0.0:
                self._clock_off.add(device)
                self._degraded.add(device)
                state = DeviceState.DEGRADED
            else:
                if device not in self._clock_off:
                    return
                self._clock_off.discard(device)
                self._degraded.discard(device)
                self._last = {key: t for key, t in self._last.items() if key[0] != device}
                state = DeviceState.ONLINE
        self._record(DeviceStatus(device, now, state, f"clock_offset: {detail[:400]}", metrics))

    def _record(self, status: DeviceStatus) -> None:
        try:
            self._store().devices.record(status)
        except StoreError as exc:
            logger.warning("link health: %s not recorded: %s", status.device_id, exc)
            return
        if self._publish is not None:
            self._publish(status)
