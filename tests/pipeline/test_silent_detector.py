"""A detector that finds nothing for minutes (a dead model, a lens cap, fog) does not stop
or starve the pipeline: it keeps being asked where things move, and a person it finds
again is tracked at once."""

from __future__ import annotations

import numpy as np

from kordon.domain.detections import Detections
from kordon.video.pipeline import CameraPipeline, PlanKind
from tests.pipeline.test_regions import BrightBlobDetector, Image, frame, ground, with_person

FPS = 1.0  # the gaps, not the frame count, are what a tracker and the gate feel
SILENT_FRAMES = int(10 * 60 * FPS)  # ten minutes


class SilentThenSeeing(BrightBlobDetector):
    """Returns nothing while ``silent``, else finds bright blobs."""

    def __init__(self) -> None:
        super().__init__()
        self.silent = True

    def detect(self, image: Image) -> Detections:
        found = super().detect(image)
        return Detections.empty() if self.silent else found


def test_ten_silent_minutes_then_the_person_is_tracked_at_once() -> None:
    base = ground(320, 240)
    detector = SilentThenSeeing()
    pipeline = CameraPipeline("cam", detector)
    pipeline.load()

    def walker(i: int) -> Image:
        # Back and forth across the view, four pixels per frame, the whole time.
        x = 20 + abs((4 * i) % 520 - 260)
        return with_person(base, x, 100)

    frames = 0
    detected_on = 0
    for i in range(SILENT_FRAMES):
        result = pipeline.process(frame(i, walker(i), FPS))
        frames += 1
        assert len(result.tracks) == 0
        if result.plan.kind is not PlanKind.SKIP:
            detected_on += 1
    # Motion kept the detector running on nearly every frame: nothing starved it.
    assert detected_on >= 0.95 * SILENT_FRAMES
    assert frames == SILENT_FRAMES
    detector.silent = False  # the model sees again
    confirmed_after = None
    for k in range(10):
        i = SILENT_FRAMES + k
        result = pipeline.process(frame(i, walker(i), FPS))
        if int(np.sum(result.tracks.confirmed)) == 1:
            confirmed_after = k + 1
            break
    assert confirmed_after is not None
    assert confirmed_after <= 3
