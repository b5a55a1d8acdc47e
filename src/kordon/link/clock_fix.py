"""Moving a batch's times by an edge's measured clock offset (``kordon.link.clock_offset``).

What the centre stores with a time of the edge's clock is moved by ``offset_s`` (the centre's
clock minus the edge's): each entry's ``created_at``, an event's ``time`` and a device
status's ``time``. Nothing is lost: an event keeps the edge's own time in its attributes
(:data:`EDGE_TIME_ATTRIBUTE`, ISO 8601, and :data:`OFFSET_ATTRIBUTE`, the seconds added), a
device status keeps the seconds added in its metrics (its edge time is ``time - offset``).

Incidents are **not** moved: the edge sends a full snapshot at every change and the centre
takes a snapshot only when its history extends the stored one, so the times of one incident
must be the same in every snapshot, whatever the offset measured when each arrived.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from kordon.domain.event import Event
from kordon.domain.status import DeviceStatus
from kordon.link.batch import Batch, ReceivedEntry
from kordon.link.errors import CodecError
from kordon.link.kinds import Shipped

EDGE_TIME_ATTRIBUTE = "edge_time"
"""An event's time on the edge's clock, as it arrived (ISO 8601), when it was corrected."""
OFFSET_ATTRIBUTE = "edge_clock_offset_s"
"""Seconds added to a corrected event's time (an attribute) or device status's (a metric)."""


def shift_batch(batch: Batch, offset_s: float) -> Batch:
    """``batch`` with its edge-clock times moved by ``offset_s``; ``CodecError`` when a
    time would leave the calendar (an edge clock wildly off)."""
    if offset_s == 0.0:
        return batch
    delta = timedelta(seconds=offset_s)
    try:
        entries = tuple(_shift_entry(e, delta, offset_s) for e in batch.entries)
    except OverflowError as exc:
        raise CodecError(f"correcting the edge's clock by {offset_s:.0f} s: {exc}") from exc
    return dataclasses.replace(batch, entries=entries)


def _shift_entry(entry: ReceivedEntry, delta: timedelta, offset_s: float) -> ReceivedEntry:
    item = _shift_item(entry.item, delta, offset_s)
    return dataclasses.replace(entry, created_at=entry.created_at + delta, item=item)


def _shift_item(item: Shipped, delta: timedelta, offset_s: float) -> Shipped:
    if isinstance(item, Event):
        attributes = {
            **item.attributes,
            EDGE_TIME_ATTRIBUTE: item.time.isoformat().replace("+00:00", "Z"),
            OFFSET_ATTRIBUTE: round(offset_s, 3),
        }
        return dataclasses.replace(item, time=item.time + delta, attributes=attributes)
    if isinstance(item, DeviceStatus):
        metrics = {**item.metrics, OFFSET_ATTRIBUTE: round(offset_s, 3)}
        return dataclasses.replace(item, time=item.time + delta, metrics=metrics)
    return item  # an incident (see the module docstring), or a kind with no edge time
