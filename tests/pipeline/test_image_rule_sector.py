"""Image-rule events carry the camera's sector, so users scoped to sectors see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from kordon.config.loader import load_site
from kordon.domain.event import Event, EventKind
from kordon.domain.tracks import ImageTracks, PlanarTracks
from kordon.rules.base import Rule
from kordon.video.factory import build_camera_pipeline
from kordon.video.pipeline.rules import AnchoredRule, ImageRuleRunner
from kordon.video.source.frame import Frame

T0 = datetime(2024, 5, 1, tzinfo=UTC)

SITE = """\
version: 1
site: {id: t, name: T, origin: {lat: 51.6, lon: 23.7}, timezone: UTC}
borders:
  - id: b1
    name: Line
    coordinates: [[23.60, 51.50], [23.70, 51.60]]
    sides: {left: BY, right: UA}
    home_side: UA
sectors:
  - {id: s1, name: S1, unit: U, border: b1, from_km: 0, to_km: 5}
  - {id: s7, name: S7, unit: U, border: b1, from_km: 5, to_km: 10}
cameras:
  - id: cam-7
    name: Camera 7
    sector: s7
    source: {kind: simulator, scenario: border_walk}
    analytics:
      fps: 5
      detector: {kind: motion, min_area_px: 50}
    rules:
      - {kind: line, id: l1, points: [[0, 300], [640, 300]]}
"""


def _frames(count: int) -> list[Frame]:
    """A bright block walking down across y = 300 on a dark, static background."""
    frames: list[Frame] = []
    for n in range(count):
        image = np.full((480, 640, 3), 20, np.uint8)
        top = 150 + 12 * n
        image[top : top + 60, 300:330] = 230
        frames.append(Frame(image, n, n * 0.2, T0 + timedelta(seconds=n * 0.2)))
    return frames


def test_line_crossing_of_a_camera_carries_its_sector(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(SITE, encoding="utf-8")
    config = load_site(path)
    pipeline = build_camera_pipeline(config.cameras[0], config)
    pipeline.load()
    events = [e for frame in _frames(25) for e in pipeline.process(frame).events]
    crossings = [e for e in events if e.kind is EventKind.LINE_CROSSING]
    assert crossings, f"no line crossing among {events}"
    assert {e.sector_id for e in crossings} == {"s7"}
    assert {e.source_id for e in crossings} == {"cam-7"}


class _FixedRule:
    """A rule that emits the events it is given (the runner's behaviour is under test)."""

    rule_id = "fixed"

    def __init__(self, events: list[Event]) -> None:
        self.events = events

    def trigger(self, tracks: PlanarTracks, time: datetime) -> list[Event]:
        return list(self.events)


def test_runner_keeps_a_sector_the_rule_set_and_fills_a_missing_one() -> None:
    own = Event(kind=EventKind.ZONE_ENTER, time=T0, source_id="cam-7", sector_id="s1")
    bare = Event(kind=EventKind.ZONE_ENTER, time=T0, source_id="cam-7")
    rule: Rule = _FixedRule([own, bare])
    runner = ImageRuleRunner([AnchoredRule(rule)], sector_id="s7")
    out = runner.trigger(ImageTracks.empty(), T0)
    assert [e.sector_id for e in out] == ["s1", "s7"]
    assert [e.id for e in out] == [own.id, bare.id]
    without = ImageRuleRunner([AnchoredRule(rule)])
    assert [e.sector_id for e in without.trigger(ImageTracks.empty(), T0)] == ["s1", None]
