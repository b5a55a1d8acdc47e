"""The alert rules on their own: which joining events re-alert, and the crossing counts."""

from __future__ import annotations

import pytest

from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import CrossingCounts
from kordon.incidents.alerts import AlertReason, count_crossings, reasons_to_alert
from tests.incidents.builders import ev

CROSSING = AlertReason.CROSSING
NEW_TRACK = AlertReason.NEW_TRACK
TURN = AlertReason.DIRECTION_CHANGE


def cross(
    event_id: str,
    seconds: float,
    direction: Direction,
    track: str | None = "a",
    *,
    kind: EventKind = EventKind.BORDER_CROSSING,
    source_id: str = "cam-1",
) -> Event:
    return ev(
        event_id, seconds, kind=kind, direction=direction, track_id=track, source_id=source_id
    )


def approach(event_id: str, seconds: float, track: str | None = "a") -> Event:
    return ev(event_id, seconds, kind=EventKind.BORDER_APPROACH, track_id=track)


IN, OUT = Direction.INBOUND, Direction.OUTBOUND


@pytest.mark.parametrize(
    ("earlier", "event", "reasons"),
    [
        pytest.param([], approach("x", 0), (AlertReason.OPENED,), id="first-event-opens"),
        pytest.param([approach("1", 0)], approach("x", 5), (), id="same-track-approach-silent"),
        pytest.param([approach("1", 0)], cross("x", 5, IN), (CROSSING,), id="crossing"),
        pytest.param([cross("1", 0, IN)], cross("x", 5, IN), (CROSSING,), id="same-direction"),
        pytest.param([cross("1", 0, IN)], cross("x", 5, OUT), (CROSSING, TURN), id="turn-back"),
        pytest.param(
            [cross("1", 0, IN)],
            cross("x", 0, OUT, "b"),
            (CROSSING, NEW_TRACK, TURN),
            id="simultaneous-opposite-new-track",
        ),
        pytest.param([approach("1", 0)], approach("x", 5, "b"), (NEW_TRACK,), id="new-track"),
        pytest.param(
            [approach("1", 0)],
            ev("x", 5, kind=EventKind.BORDER_APPROACH, track_id="a", source_id="cam-2"),
            (NEW_TRACK,),
            id="same-track-id-other-camera-is-new",
        ),
        pytest.param([approach("1", 0)], approach("x", 5, None), (), id="no-track-not-new"),
        pytest.param(
            [cross("1", 0, IN)],
            cross("x", 5, Direction.OUT, kind=EventKind.LINE_CROSSING),
            (CROSSING,),
            id="image-line-out-is-not-a-turn-of-the-border",
        ),
        pytest.param(
            [cross("1", 0, Direction.IN, kind=EventKind.LINE_CROSSING)],
            cross("x", 5, Direction.OUT, kind=EventKind.LINE_CROSSING),
            (CROSSING, TURN),
            id="image-line-turn",
        ),
        pytest.param(
            [cross("1", 0, IN), cross("2", 10, OUT)],
            cross("x", 20, IN),
            (CROSSING, TURN),
            id="alternating-compares-with-the-latest",
        ),
        pytest.param(
            [cross("2", 10, OUT), cross("1", 0, IN)],
            cross("x", 20, IN),
            (CROSSING, TURN),
            id="latest-by-event-time-not-attach-order",
        ),
        pytest.param(
            [cross("1", 10, IN), cross("2", 10, OUT, "b")],
            cross("x", 10, OUT, "b"),
            (CROSSING,),
            id="equal-times-latest-attached-wins",
        ),
        pytest.param(
            [ev("1", 0, kind=EventKind.DEVICE_OFFLINE, class_name=None)],
            ev("x", 30, kind=EventKind.DEVICE_OFFLINE, class_name=None),
            (),
            id="device-event-silent",
        ),
    ],
)
def test_reasons_to_alert(
    earlier: list[Event], event: Event, reasons: tuple[AlertReason, ...]
) -> None:
    assert reasons_to_alert(event, earlier) == reasons


def test_crossings_are_counted_by_direction() -> None:
    events = [
        cross("1", 0, IN),
        cross("2", 1, IN, "b"),
        cross("3", 2, OUT),
        cross("4", 3, Direction.IN, kind=EventKind.LINE_CROSSING),
        cross("5", 4, Direction.OUT, kind=EventKind.LINE_CROSSING),
        cross("6", 5, Direction.OUT, kind=EventKind.LINE_CROSSING),
        approach("7", 6),
        # a zone event with a direction is not a crossing
        ev("8", 7, kind=EventKind.ZONE_ENTER, direction=Direction.IN),
    ]
    counts = count_crossings(events)
    assert counts == CrossingCounts(inbound=2, outbound=1, line_in=1, line_out=2)
    assert counts.total == 6
    assert count_crossings([]) == CrossingCounts()


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="inbound must not be negative"):
        CrossingCounts(inbound=-1)
