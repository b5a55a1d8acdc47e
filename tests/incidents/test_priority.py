"""Priority ordering: kind, class, border distance, corroboration, direction."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kordon.domain.event import Direction, EventKind, Frame
from kordon.incidents import ConfigurationError, PriorityPolicy
from tests.incidents.builders import ev

POLICY = PriorityPolicy()


def test_kind_order_for_the_same_class() -> None:
    kinds = [
        EventKind.BORDER_CROSSING,
        EventKind.ZONE_ENTER,
        EventKind.BORDER_APPROACH,
        EventKind.LINE_CROSSING,
        EventKind.ZONE_DWELL,
    ]
    scores = [POLICY.assess([ev("e", kind=k, class_name="person")]).score for k in kinds]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == len(scores)


@pytest.mark.parametrize(
    ("kwargs", "priority"),
    [
        ({"kind": EventKind.BORDER_CROSSING, "direction": Direction.INBOUND}, 1),
        ({"kind": EventKind.BORDER_CROSSING, "class_name": "dog"}, 2),
        ({"kind": EventKind.ZONE_ENTER}, 2),
        ({"kind": EventKind.ZONE_ENTER, "class_name": "horse"}, 4),
        ({"kind": EventKind.LINE_CROSSING, "class_name": "deer"}, 5),
        ({"kind": EventKind.ZONE_DWELL, "class_name": None}, 4),
        ({"kind": EventKind.BORDER_APPROACH, "border_distance_m": 50.0}, 2),
        ({"kind": EventKind.BORDER_APPROACH, "border_distance_m": 3000.0}, 3),
        ({"kind": EventKind.DEVICE_OFFLINE}, 2),
        ({"kind": EventKind.DEVICE_ONLINE}, 5),
    ],
)
def test_priority_table(kwargs: dict[str, object], priority: int) -> None:
    assert POLICY.assess([ev("e", **kwargs)]).priority == priority  # type: ignore[arg-type]


def test_class_direction_and_proximity_each_raise_the_score() -> None:
    def score(**kwargs: object) -> int:
        event = ev("e", kind=EventKind.LINE_CROSSING, **kwargs)  # type: ignore[arg-type]
        return POLICY.assess([event]).score

    assert score(class_name="boat") > score(class_name=None) > score(class_name="bird")
    assert score(direction=Direction.INBOUND) > score() > score(direction=Direction.OUTBOUND)
    assert score(direction=Direction.IN) > score(direction=Direction.OUT)
    assert (
        score(border_distance_m=20.0)
        > score(border_distance_m=400.0)
        > score()
        > score(border_distance_m=5000.0)
    )


def test_approach_distance_in_the_site_frame_counts_as_border_distance() -> None:
    near = ev("a", kind=EventKind.BORDER_APPROACH, frame=Frame.LOCAL, x=1.0, y=1.0)
    far = replace(near, attributes={"distance_to_line": 4000.0})
    near = replace(near, attributes={"distance_to_line": 40.0})
    assert POLICY.assess([near]).score - POLICY.assess([far]).score == 15


def test_corroboration_by_several_sources_raises_priority() -> None:
    one = [ev("a", kind=EventKind.LINE_CROSSING, class_name=None)]
    two = [*one, ev("b", kind=EventKind.LINE_CROSSING, class_name=None, source_id="cam-2")]
    three = [*two, ev("c", kind=EventKind.LINE_CROSSING, class_name=None, source_id="rad-1")]
    same_source = [*one, ev("d", kind=EventKind.LINE_CROSSING, class_name=None)]
    assessed = [POLICY.assess(events) for events in (one, two, three, same_source)]
    assert [a.score for a in assessed] == [25, 30, 35, 25]
    assert [a.priority for a in assessed] == [4, 3, 3, 4]
    assert "corroborated by 3 sources +10" in assessed[2].reasons


def test_bad_input_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="no events"):
        POLICY.assess([])
    with pytest.raises(ConfigurationError, match="decreasing"):
        PriorityPolicy(thresholds=(10, 20, 30, 40))
