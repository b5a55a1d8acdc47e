"""Alerting: which events put an incident in front of the operator again (docs/alerts.md).

Correlation may gather many events into one incident, but an operator is never left
unaware of a crossing. Every event that *opens* an incident alerts. An event that *joins*
an open incident re-alerts when it is, for that incident,

* a **crossing** (``border_crossing`` or ``line_crossing``): every crossing, whatever its
  direction and however soon after the last one;
* a **new track**: its ``(source_id, track_id)`` is not among the incident's events;
* a **change of direction**: it crosses opposite to the incident's latest crossing of
  the same kind of line (border: inbound/outbound; image line: in/out).

Other events (the same track approaching, dwelling, leaving a zone; device events of an
open device incident) join silently. Pure functions of the events: no clock, no store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import CrossingCounts
from kordon.domain.time import require_utc

CROSSING_KINDS = frozenset({EventKind.BORDER_CROSSING, EventKind.LINE_CROSSING})

_OPPOSITE = {
    Direction.INBOUND: Direction.OUTBOUND,
    Direction.OUTBOUND: Direction.INBOUND,
    Direction.IN: Direction.OUT,
    Direction.OUT: Direction.IN,
}
_BORDER_DIRECTIONS = frozenset({Direction.INBOUND, Direction.OUTBOUND})


class AlertReason(StrEnum):
    """Why the operator is alerted; an alert carries every reason that applies."""

    OPENED = "opened"
    CROSSING = "crossing"
    NEW_TRACK = "new_track"
    DIRECTION_CHANGE = "direction_change"


@dataclass(frozen=True, slots=True)
class IncidentAlert:
    """An explicit "look at this" for operators (published on ``Topic.ALERTS``).

    ``event`` is the event that raised it; ``priority`` and ``title`` are the incident's
    after that event; ``crossings`` its crossing counts.
    """

    incident_id: str
    event: Event
    reasons: tuple[AlertReason, ...]
    alerted_at: datetime
    priority: int
    title: str
    sector_id: str | None
    crossings: CrossingCounts

    def __post_init__(self) -> None:
        object.__setattr__(self, "alerted_at", require_utc(self.alerted_at, name="alerted_at"))
        if not self.reasons:
            raise ValueError("an alert needs at least one reason")


def is_crossing(event: Event) -> bool:
    return event.kind in CROSSING_KINDS


def reasons_to_alert(event: Event, earlier: Sequence[Event]) -> tuple[AlertReason, ...]:
    """The reasons ``event`` alerts, given the incident's ``earlier`` events (in the order
    they were attached); empty when it joins silently, ``(OPENED,)`` when there are none."""
    if not earlier:
        return (AlertReason.OPENED,)
    reasons: list[AlertReason] = []
    if is_crossing(event):
        reasons.append(AlertReason.CROSSING)
    if event.track_id is not None and all(
        (e.source_id, e.track_id) != (event.source_id, event.track_id) for e in earlier
    ):
        reasons.append(AlertReason.NEW_TRACK)
    if event.direction is not None:
        previous = _latest_on_same_kind_of_line(event.direction, earlier)
        if previous is not None and previous.direction == _OPPOSITE[event.direction]:
            reasons.append(AlertReason.DIRECTION_CHANGE)
    return tuple(reasons)


def _latest_on_same_kind_of_line(direction: Direction, earlier: Sequence[Event]) -> Event | None:
    """The latest earlier event with a direction on the same kind of line as ``direction``."""
    border = direction in _BORDER_DIRECTIONS
    same = [
        e
        for e in earlier
        if e.direction is not None and (e.direction in _BORDER_DIRECTIONS) == border
    ]
    if not same:
        return None
    # Latest by the events' own time; among equal times, the last attached.
    return max(enumerate(same), key=lambda item: (item[1].time, item[0]))[1]


def count_crossings(events: Sequence[Event]) -> CrossingCounts:
    """How many crossings of each direction ``events`` hold."""
    counts = dict.fromkeys(Direction, 0)
    for event in events:
        if is_crossing(event) and event.direction is not None:
            counts[event.direction] += 1
    return CrossingCounts(
        inbound=counts[Direction.INBOUND],
        outbound=counts[Direction.OUTBOUND],
        line_in=counts[Direction.IN],
        line_out=counts[Direction.OUT],
    )
