"""``ApproachRule``: near the line and heading towards it, once per cooldown."""

from __future__ import annotations

from typing import Any

import pytest

from kordon.domain.event import EventKind, Frame
from kordon.rules.approach import ApproachRule
from kordon.rules.errors import RuleConfigError
from tests.rules.helpers import replay

LINE = [[0.0, 0.0], [1000.0, 0.0]]


def approach(**kw: Any) -> ApproachRule:
    args: dict[str, Any] = {"distance": 50.0, "min_speed": 0.5, "cooldown_s": 30.0}
    args.update(kw)
    return ApproachRule("a1", "site", Frame.LOCAL, LINE, **args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"distance": 0.0}, "distance"),
        ({"min_speed": -1.0}, "min_speed"),
        ({"window_s": 0.0}, "window_s"),
        ({"sides": ["up"]}, "sides"),
        ({"sides": []}, "sides"),
        ({"cooldown_s": float("nan")}, "cooldown_s"),
    ],
)
def test_bad_construction(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleConfigError, match=message):
        approach(**kwargs)


def walk(y0: float, vy: float, n: int, dt: float = 1.0) -> list[list[float]]:
    return [[500.0, y0 + vy * i * dt] for i in range(n)]


def test_fires_once_when_close_and_heading_towards() -> None:
    # 1 m/s south from 80 m north: within 50 m at t = 30 s, again at 60 s (cooldown 30 s);
    # past the line it moves away: no more
    events = replay(approach(), walk(80.0, -1.0, 120), dt_s=1.0)
    assert [e.time.second for e in events] == [30, 0]
    first = events[0]
    assert first.kind is EventKind.BORDER_APPROACH
    assert first.attributes["distance_to_line"] == pytest.approx(50.0)
    assert first.attributes["speed_towards_line"] == pytest.approx(1.0)
    assert first.attributes["side"] == "left"
    assert first.attributes["distance_along"] == pytest.approx(500.0)


def test_moving_away_slow_or_far_never_fires() -> None:
    assert replay(approach(), walk(1.0, 1.0, 40), dt_s=1.0) == []
    assert replay(approach(), walk(40.0, -0.2, 40), dt_s=1.0) == []
    assert replay(approach(), walk(200.0, -1.0, 40), dt_s=1.0) == []


def test_sides_filter_and_right_side() -> None:
    events = replay(approach(sides=["right"]), walk(-40.0, 1.0, 5), dt_s=1.0)
    assert [e.attributes["side"] for e in events] == ["right"]
    assert replay(approach(sides=["left"]), walk(-40.0, 1.0, 5), dt_s=1.0) == []


def test_unconfirmed_never_fires() -> None:
    assert replay(approach(), walk(40.0, -1.0, 10), dt_s=1.0, confirmed=[False] * 10) == []
