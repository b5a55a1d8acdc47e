"""``EdgeSnapshots``: an outpost's event snapshots queued for the centre, after their event.

A node writes an event's snapshot (``LiveFrames.save_event_snapshots``) on the camera's
thread, usually *before* the event is stored; the site picture's may come after. So a
snapshot is queued on whichever happens second, never lost between the two:

- :meth:`EdgeSnapshots.queue_with` runs in the event's own transaction (from
  ``EdgeOutbox``): if the picture is already on disk, its entry goes in with the event;
- :meth:`EdgeSnapshots.written` runs when the picture is written: in a transaction of
  its own (SQLite writers take turns, ``BEGIN IMMEDIATE``), if the event is already
  stored its entry is appended; if not, the event's transaction, still to come, finds
  the picture.

Each way the entry commits durably in the edge's outbox. Both can queue the same picture
(a picture written while its event commits): the centre keeps one per event.

An entry holds at most 256 kB: a picture whose base64 would not fit is re-encoded at a
lower JPEG quality, then smaller, until it fits (logged; the node keeps its own file). A
picture that cannot be read is logged and not queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import cv2
import numpy as np
from sqlalchemy.orm import Session

from kordon.domain.event import Event
from kordon.link.errors import LinkError
from kordon.link.event_snapshot import MAX_JPEG_BYTES, EventSnapshot
from kordon.link.kinds import Priority, default_priority
from kordon.link.outbox import Outbox
from kordon.store.errors import StoreError
from kordon.store.models import EventRow
from kordon.store.session import translate_errors
from kordon.store.store import Store

logger = logging.getLogger(__name__)

_STEPS: tuple[tuple[float, int], ...] = (
    (1.0, 70),
    (1.0, 50),
    (0.75, 50),
    (0.5, 50),
    (0.35, 40),
    (0.25, 35),
    (0.15, 30),
)
"""(scale, JPEG quality) tried in turn for a picture too large for an entry."""


def fit_snapshot(event_id: str, jpeg: bytes, *, limit: int = MAX_JPEG_BYTES) -> EventSnapshot:
    """``jpeg`` as an entry's snapshot: as it is if it fits, else re-encoded smaller.

    :class:`LinkError` when it is not a readable picture or nothing tried fits.
    """
    if len(jpeg) <= limit:
        return EventSnapshot.of(event_id, jpeg)
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise LinkError(
            f"snapshot of event {event_id!r} ({len(jpeg)} bytes) is not a readable JPEG"
        )
    height, width = image.shape[:2]
    for scale, quality in _STEPS:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        scaled = image if scale == 1.0 else cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        ok, encoded = cv2.imencode(".jpg", scaled, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and encoded.size <= limit:
            smaller = bytes(encoded.tobytes())
            logger.info(
                "snapshot of event %s re-encoded for the centre: %d -> %d bytes "
                "(%dx%d, quality %d; the node keeps the original)",
                event_id,
                len(jpeg),
                len(smaller),
                size[0],
                size[1],
                quality,
            )
            return EventSnapshot.of(event_id, smaller, reduced=True)
    raise LinkError(
        f"snapshot of event {event_id!r} ({len(jpeg)} bytes, {width}x{height}) does not fit "
        f"an entry even at {_STEPS[-1][0]:.0%} scale, quality {_STEPS[-1][1]}"
    )


def snapshot_priority(event: Event) -> Priority:
    """After the alarms, and never before its own event."""
    return max(Priority.SNAPSHOT, default_priority(event))


class EdgeSnapshots:
    """Queues event snapshots in the edge's outbox (see the module's docstring).

    ``read`` returns an event's snapshot as the node serves it, or ``None`` if none was
    written (``LiveFrames.event_jpeg``); ``store`` is the node's store once it is open.
    """

    def __init__(
        self,
        *,
        store: Callable[[], Store],
        read: Callable[[str], bytes | None],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._read = read
        self._clock = clock

    def queue_with(self, outbox: Outbox, session: Session, event: Event, now: datetime) -> bool:
        """In the event's transaction: queue its snapshot if it is written; ``True`` if so."""
        try:
            jpeg = self._read(event.id)
        except OSError as exc:
            logger.error("snapshot of event %s not queued for the centre: %s", event.id, exc)
            return False
        if jpeg is None:
            return False  # not written yet: ``written`` queues it
        return self._append(outbox, session, event, jpeg, now)

    def written(self, event: Event, jpeg: bytes) -> None:
        """The node wrote ``event``'s snapshot: queue it if the event is already stored."""
        store = self._store()
        outbox = Outbox(store.sessions)
        try:
            with (
                translate_errors(f"queueing the snapshot of event {event.id}"),
                store.sessions.begin() as session,
            ):
                if session.get(EventRow, event.id) is None:
                    return  # the event's own transaction, still to come, finds the picture
                self._append(outbox, session, event, jpeg, self._clock())
        except StoreError as exc:  # on the camera's thread: logged, the camera goes on
            logger.error("snapshot of event %s not queued for the centre: %s", event.id, exc)

    def _append(
        self, outbox: Outbox, session: Session, event: Event, jpeg: bytes, now: datetime
    ) -> bool:
        try:
            item = fit_snapshot(event.id, jpeg)
            outbox.append(session, item, created_at=now, priority=snapshot_priority(event))
        except LinkError as exc:
            # Refusing would roll back the event itself; the node still serves the picture.
            logger.error("snapshot of event %s not queued for the centre: %s", event.id, exc)
            return False
        return True
