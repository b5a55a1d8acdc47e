"""Priority ordering: what must rank above what, for any combination of the other factors.

These tests state the ordering the policy promises (kind, class, border distance,
direction, corroboration) rather than copying its points table, so retuning a number keeps
them passing while breaking an ordering fails them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.domain.event import Direction, Event, EventKind, Frame
from kordon.incidents import ConfigurationError, PriorityPolicy
from tests.incidents.builders import ev

POLICY = PriorityPolicy()
FUZZ = settings(max_examples=200, deadline=None)

TRACK_KINDS = [
    EventKind.BORDER_CROSSING,
    EventKind.ZONE_ENTER,
    EventKind.BORDER_APPROACH,
    EventKind.LINE_CROSSING,
    EventKind.ZONE_DWELL,
    EventKind.ZONE_EXIT,
]
"""Most to least serious, as documented."""
HUMAN = ["person", "car", "truck", "boat", "bicycle"]
ANIMAL = ["dog", "horse", "deer", "bird", "boar"]

kinds = st.sampled_from(TRACK_KINDS)
distances = st.one_of(st.none(), st.floats(min_value=0.0, max_value=50_000.0))
directions = st.sampled_from([None, *Direction])
classes = st.sampled_from([None, *HUMAN, *ANIMAL])


def _event(
    kind: EventKind,
    class_name: str | None = "person",
    direction: Direction | None = None,
    distance_m: float | None = None,
    source_id: str = "cam-1",
) -> Event:
    return ev(
        "e-" + source_id,
        kind=kind,
        class_name=class_name,
        direction=direction,
        border_distance_m=distance_m,
        source_id=source_id,
    )


def _score(event: Event) -> int:
    return POLICY.assess([event]).score


def test_kind_order_for_the_same_class() -> None:
    scores = [_score(_event(k)) for k in TRACK_KINDS]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == len(scores)


@FUZZ
@given(kinds, classes, directions, distances)
def test_priority_is_1_to_5_and_never_worse_for_a_higher_score(
    kind: EventKind, class_name: str | None, direction: Direction | None, distance: float | None
) -> None:
    one = POLICY.assess([_event(kind, class_name, direction, distance)])
    assert 1 <= one.priority <= 5
    for other_kind in TRACK_KINDS:
        other = POLICY.assess([_event(other_kind, class_name, direction, distance)])
        if other.score > one.score:
            assert other.priority <= one.priority
        if other.score == one.score:
            assert other.priority == one.priority


@FUZZ
@given(kinds, directions, distances, st.sampled_from(HUMAN), st.sampled_from(ANIMAL))
def test_people_and_vehicles_outrank_unknown_which_outranks_animals(
    kind: EventKind,
    direction: Direction | None,
    distance: float | None,
    human: str,
    animal: str,
) -> None:
    def score(class_name: str | None) -> int:
        return _score(_event(kind, class_name, direction, distance))

    assert score(human) > score(None) > score(animal)
    assert score(human.upper()) == score(human)  # class names are not case sensitive


@FUZZ
@given(kinds, classes, directions, st.floats(0.0, 50_000.0), st.floats(0.0, 50_000.0))
def test_nearer_the_border_is_never_less_urgent(
    kind: EventKind,
    class_name: str | None,
    direction: Direction | None,
    a_m: float,
    b_m: float,
) -> None:
    near, far = sorted((a_m, b_m))
    assert _score(_event(kind, class_name, direction, near)) >= _score(
        _event(kind, class_name, direction, far)
    )


def test_border_distance_steps_are_where_documented() -> None:
    """Close (100 m) beats mid (500 m) beats unknown beats far (> 2 km)."""
    scores = [
        _score(_event(EventKind.LINE_CROSSING, distance_m=d)) for d in (20.0, 400.0, None, 5000.0)
    ]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == 4


@FUZZ
@given(kinds, classes, distances)
def test_inbound_outranks_no_direction_outranks_outbound(
    kind: EventKind, class_name: str | None, distance: float | None
) -> None:
    def score(direction: Direction | None) -> int:
        return _score(_event(kind, class_name, direction, distance))

    assert score(Direction.INBOUND) > score(None) > score(Direction.OUTBOUND)
    assert score(Direction.IN) == score(Direction.INBOUND)
    assert score(Direction.OUT) == score(Direction.OUTBOUND)


def test_approach_distance_in_the_site_frame_counts_as_border_distance() -> None:
    near = ev("a", kind=EventKind.BORDER_APPROACH, frame=Frame.LOCAL, x=1.0, y=1.0)
    far = replace(near, attributes={"distance_to_line": 4000.0})
    near = replace(near, attributes={"distance_to_line": 40.0})
    image = replace(near, frame=Frame.IMAGE)  # pixels, not metres: no distance at all
    unknown = replace(near, attributes={})
    assert _score(near) > _score(unknown) > _score(far)
    assert _score(image) == _score(unknown)


@FUZZ
@given(kinds, classes, directions, distances)
def test_more_independent_sources_never_lower_the_priority(
    kind: EventKind, class_name: str | None, direction: Direction | None, distance: float | None
) -> None:
    def events(*sources: str) -> list[Event]:
        return [_event(kind, class_name, direction, distance, s) for s in sources]

    one, two, three = (POLICY.assess(events(*s)) for s in (["a"], ["a", "b"], ["a", "b", "c"]))
    assert one.score < two.score < three.score
    assert one.priority >= two.priority >= three.priority
    again = POLICY.assess(events("a", "a"))  # the same source twice corroborates nothing
    assert (again.score, again.priority) == (one.score, one.priority)
    assert "corroborated by 3 sources" in " ".join(three.reasons)


@FUZZ
@given(st.lists(st.tuples(kinds, classes, directions, distances), min_size=1, max_size=5))
def test_an_incident_is_at_least_as_urgent_as_its_most_urgent_event(
    rows: list[tuple[EventKind, str | None, Direction | None, float | None]],
) -> None:
    events = [_event(k, c, d, m) for k, c, d, m in rows]  # one source: no corroboration
    together = POLICY.assess(events)
    assert together.priority == min(POLICY.assess([e]).priority for e in events)


def test_the_documented_extremes() -> None:
    """The module's own examples: an inbound person crossing the border is the most urgent;
    an animal crossing an image line the least."""
    crossing = _event(EventKind.BORDER_CROSSING, "person", Direction.INBOUND)
    animal = _event(EventKind.LINE_CROSSING, "deer")
    assert POLICY.assess([crossing]).priority == 1
    assert POLICY.assess([animal]).priority == 5


def test_device_events_are_rated_by_their_own_order() -> None:
    def priority(kind: EventKind) -> int:
        return POLICY.assess([ev("d", kind=kind, class_name=None)]).priority

    assert priority(EventKind.DEVICE_OFFLINE) < priority(EventKind.DEVICE_ONLINE)
    assert priority(EventKind.STORAGE_ALARM) < priority(EventKind.DEVICE_ONLINE)
    # device events carry no score of their own
    assert POLICY.assess([ev("d", kind=EventKind.DEVICE_OFFLINE)]).score == 0


def test_bad_input_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="no events"):
        POLICY.assess([])
    with pytest.raises(ConfigurationError, match="decreasing"):
        PriorityPolicy(thresholds=(10, 20, 30, 40))
