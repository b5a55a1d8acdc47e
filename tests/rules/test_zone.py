"""``ZoneRule``: enter/exit/dwell counts on scripted paths, hysteresis, bad construction."""

from __future__ import annotations

from typing import Any

import pytest

from kordon.domain.event import EventKind, Frame
from kordon.rules.errors import GeometryError, RuleConfigError, RuleInputError
from kordon.rules.zone import ZoneRule
from tests.rules.helpers import at, planar, replay

SQUARE = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]
ALL = ("enter", "exit", "dwell")


def zone(**kw: Any) -> ZoneRule:
    args: dict[str, Any] = {"events": ALL, "dwell_s": 1.0}
    args.update(kw)
    return ZoneRule("z1", "cam1", Frame.IMAGE, SQUARE, **args)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, None, ""),
        ({"polygon": [[0, 0], [10, 10], [10, 0], [0, 10]]}, GeometryError, "invalid polygon"),
        ({"polygon": [[0, 0], [1, 1]]}, GeometryError, "at least 3"),
        ({"events": ["enter", "leave"]}, RuleConfigError, "unknown zone event"),
        ({"events": []}, RuleConfigError, "at least one"),
        ({"events": ["dwell"], "dwell_s": None}, RuleConfigError, "dwell_s is required"),
        ({"events": ["enter"], "dwell_s": 3.0}, RuleConfigError, "do not include dwell"),
        ({"dwell_s": -1.0}, RuleConfigError, "dwell_s"),
        ({"hysteresis_distance": -0.5}, RuleConfigError, "hysteresis_distance"),
        ({"min_quality": -0.1}, RuleConfigError, "min_quality"),
    ],
)
def test_construction(kwargs: dict[str, Any], error: type[Exception] | None, message: str) -> None:
    args: dict[str, Any] = {"events": ALL, "dwell_s": 1.0, "polygon": SQUARE}
    args.update(kwargs)
    polygon = args.pop("polygon")
    if error is None:
        assert ZoneRule("z1", "cam1", Frame.IMAGE, polygon, **args).rule_id == "z1"
    else:
        with pytest.raises(error, match=message):
            ZoneRule("z1", "cam1", Frame.IMAGE, polygon, **args)


def kinds(events: list[Any]) -> list[EventKind]:
    return [e.kind for e in events]


def test_enter_dwell_exit_in_order() -> None:
    path = [[-5, 5]] + [[5, 5]] * 15 + [[15, 5], [5, 5], [5, 5], [-5, 5]]
    events = replay(zone(), path, dt_s=0.1)
    assert kinds(events) == [
        EventKind.ZONE_ENTER,
        EventKind.ZONE_DWELL,
        EventKind.ZONE_EXIT,
        EventKind.ZONE_ENTER,
        EventKind.ZONE_EXIT,
    ]
    enter, dwell, exit_ = events[:3]
    assert enter.time == at(0.1)
    assert dwell.time == at(1.1)  # first update with 1 s inside
    assert dwell.attributes["visit_s"] == pytest.approx(1.0)
    assert exit_.time == at(1.6)
    assert exit_.attributes["visit_s"] == pytest.approx(1.5)
    assert (enter.x, enter.y) == (5.0, 5.0)


def test_event_selection() -> None:
    path = [[-5, 5]] + [[5, 5]] * 15 + [[-5, 5]]
    assert kinds(replay(zone(events=["exit"], dwell_s=None), path)) == [EventKind.ZONE_EXIT]
    assert kinds(replay(zone(events=[EventKind.ZONE_DWELL]), path)) == [EventKind.ZONE_DWELL]


def test_appearing_inside_is_silent_unless_asked() -> None:
    path = [[5, 5], [5, 5], [-5, 5]]
    assert kinds(replay(zone(), path)) == [EventKind.ZONE_EXIT]
    assert kinds(replay(zone(enter_on_appear=True), path)) == [
        EventKind.ZONE_ENTER,
        EventKind.ZONE_EXIT,
    ]


def test_hysteresis_margin_in_both_directions() -> None:
    r = zone(hysteresis_distance=2.0)
    # 1 inside is in the band: no enter; 3 inside is clear; 1 outside is in the band.
    path = [[-5, 5], [1, 5], [-1, 5], [1, 5], [3, 5], [-1, 5], [1, 5], [-3, 5]]
    assert kinds(replay(r, path)) == [EventKind.ZONE_ENTER, EventKind.ZONE_EXIT]


def test_boundary_jitter_never_fires() -> None:
    r = zone(hysteresis_distance=1.0)
    path = [[-5, 5]] + [[0.9 * (-1) ** i, 5] for i in range(40)] + [[-5, 5]]
    assert replay(r, path) == []


def test_only_confirmed_good_tracks_of_wanted_classes() -> None:
    path = [[-5, 5], [5, 5], [-5, 5]]
    assert replay(zone(), path, confirmed=[False] * 3) == []
    assert replay(zone(min_quality=0.95), path) == []
    r = zone(classes=["car"])
    for i, x in enumerate([-5.0, 5.0]):
        events = r.trigger(planar([[x, 5], [x, 6]], classes=["person", "car"]), at(i))
    assert [e.track_id for e in events] == ["2"]


def test_forgotten_track_starts_a_new_visit() -> None:
    r = zone(forget_after_s=1.0)
    r.trigger(planar([[-5, 5]]), at(0))
    r.trigger(planar([]), at(5))
    assert r.trigger(planar([[5, 5]]), at(5.5)) == []


def test_time_must_not_go_backwards() -> None:
    r = zone()
    r.trigger(planar([[5, 5]]), at(1))
    with pytest.raises(RuleInputError, match="backwards"):
        r.trigger(planar([[5, 5]]), at(0.5))
