"""The pipeline on real footage (vtest.avi, PETS09-S2L1): smoke test and determinism."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kordon.domain.event import Frame as EventFrame
from kordon.rules.line_crossing import LineCrossingRule
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.pipeline import AnchoredRule, CameraPipeline, FrameResult
from kordon.video.source.clock import FakeClock
from kordon.video.source.file import FileSource

T0 = datetime(2024, 5, 1, tzinfo=UTC)
FRAMES = 60


def run(path: Path) -> list[FrameResult]:
    rule = LineCrossingRule("l1", "cam", EventFrame.IMAGE, [(0, 300), (768, 300)])
    pipeline = CameraPipeline(
        "cam", NanoDetDetector(classes=["person"], threads=2), rules=[AnchoredRule(rule)]
    )
    pipeline.load()
    out = []
    with FileSource(path, clock=FakeClock(T0), target_fps=5.0) as source:
        for frame in source.frames():
            if frame.index >= FRAMES:
                break
            out.append(pipeline.process(frame))
    return out


@pytest.mark.shared
@pytest.mark.slow
def test_vtest_smoke_and_determinism(vtest_avi: Path) -> None:
    first, second = run(vtest_avi), run(vtest_avi)
    assert len(first) == FRAMES // 2
    confirmed = {int(i) for r in first for i in r.tracks.tracker_id[r.tracks.confirmed]}
    assert 5 <= len(confirmed) <= 30  # about 8 people in view
    assert max(int(r.tracks.confirmed.sum()) for r in first) >= 5
    for a, b in zip(first, second, strict=True):
        assert a.plan == b.plan
        np.testing.assert_array_equal(a.tracks.tracker_id, b.tracks.tracker_id)
        np.testing.assert_array_equal(a.tracks.xyxy_px, b.tracks.xyxy_px)
        key = [(e.kind, e.time, e.track_id, e.direction, e.x, e.y) for e in a.events]
        assert key == [(e.kind, e.time, e.track_id, e.direction, e.x, e.y) for e in b.events]
