"""Real footage (vtest.avi, PETS09-S2L1): no event on lines nobody crosses.

The lines were chosen with the sequence's public ground truth (MOT15 PETS09-S2L1, not
shipped here): over the whole sequence no person's feet (box bottom centre) go above
y = 153.8 px or left of x = 14.7 px, while in the first 300 frames two people walk with
their feet within 25 px of the top line, two pass within 40 px of the left edge, and 10
people cross y = 300.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kordon.domain.event import Event
from kordon.domain.event import Frame as EventFrame
from kordon.rules.line_crossing import LineCrossingRule
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.pipeline import AnchoredRule, CameraPipeline
from kordon.video.source.clock import FakeClock
from kordon.video.source.file import FileSource

T0 = datetime(2024, 5, 1, tzinfo=UTC)
FRAMES = 300
LINES = {
    "top": [(0.0, 150.0), (768.0, 150.0)],  # nobody's feet reach it
    "left-edge": [(8.0, 0.0), (8.0, 576.0)],  # nobody's feet reach it
    "road": [(0.0, 300.0), (768.0, 300.0)],  # crossed by 10 people
}


def _rule(rule_id: str, points: list[tuple[float, float]]) -> AnchoredRule:
    # what `kordon analyze --line` builds: 8 px band, two updates
    return AnchoredRule(
        LineCrossingRule(
            rule_id,
            "cam",
            EventFrame.IMAGE,
            points,
            hysteresis_distance=8.0,
            hysteresis_frames=2,
        )
    )


@pytest.mark.shared
@pytest.mark.slow
def test_no_events_on_lines_nobody_crosses(vtest_avi: Path) -> None:
    pipeline = CameraPipeline(
        "cam",
        NanoDetDetector(classes=["person"], threads=2),
        rules=[_rule(name, points) for name, points in LINES.items()],
    )
    pipeline.load()
    events: list[Event] = []
    with FileSource(vtest_avi, clock=FakeClock(T0), target_fps=5.0) as source:
        for frame in source.frames():
            if frame.index >= FRAMES:
                break
            events += pipeline.process(frame).events
    per_line = Counter(e.rule_id for e in events)
    assert per_line["top"] == 0, [e for e in events if e.rule_id == "top"]
    assert per_line["left-edge"] == 0, [e for e in events if e.rule_id == "left-edge"]
    # control: the pipeline does see people crossing where they do cross
    assert per_line["road"] >= 5
