"""Occlusion flicker near a counting line: tracker + image line rule give no event.

The case seen on real footage: a person's box shrank from 68 to 41 px as their legs went
behind someone else, the raw foot point moved 27 px across a line and back, and the rule
reported ``out`` then ``in`` on a line nobody crossed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kordon.domain.detections import Detections
from kordon.domain.event import Direction, Event, Frame
from kordon.rules.line_crossing import LineCrossingRule
from kordon.video.pipeline.rules import planar_tracks
from kordon.video.tracking.bytetrack import ByteTracker

T0 = datetime(2024, 5, 1, tzinfo=UTC)
FPS = 5.0
LINE_Y = 300.0
FOOT_Y = 312.0  # 12 px below the line: clear of the 8 px band, on the "in" side
FULL_H = 68.0


def _events(heights: list[float], foot_y: list[float], speed_pxps: float = 20.0) -> list[Event]:
    """Track one walker moving along the line; the rule is analyze's (8 px, 2 updates)."""
    rule = LineCrossingRule(
        "line",
        "cam",
        Frame.IMAGE,
        [(0.0, LINE_Y), (768.0, LINE_Y)],
        hysteresis_distance=8.0,
        hysteresis_frames=2,
    )
    tracker = ByteTracker()
    events: list[Event] = []
    for i, (h, foot) in enumerate(zip(heights, foot_y, strict=True)):
        x = 200.0 + speed_pxps * i / FPS
        top = foot - FULL_H  # the head stays where it is; only the visible height changes
        dets = Detections.from_arrays([[x, top, x + 25.0, top + h]], [0.85], [0], ("person",))
        tracks = tracker.update(dets, i / FPS, frame_wh=(768, 576))
        time = T0 + timedelta(seconds=i / FPS)
        events += rule.trigger(planar_tracks(tracks, "bottom_center"), time)
    return events


@pytest.mark.parametrize(("start", "frames"), [(10, 2), (10, 4), (15, 6)])
def test_legs_hidden_for_a_few_updates_give_no_event(start: int, frames: int) -> None:
    n = 40
    heights = [41.0 if start <= i < start + frames else FULL_H for i in range(n)]
    assert _events(heights, [FOOT_Y] * n) == []


def test_a_real_crossing_next_to_it_still_fires_once() -> None:
    """Control: the same walker really stepping over the line (1 px per update) fires once."""
    n = 50
    feet = [FOOT_Y - 1.0 * i for i in range(n)]  # 312 → 263: crosses y = 300 at i = 12
    events = _events([FULL_H] * n, feet)
    assert [e.direction for e in events] == [Direction.OUT]
    assert (events[0].time - T0).total_seconds() == pytest.approx(12 / FPS, abs=0.25)
