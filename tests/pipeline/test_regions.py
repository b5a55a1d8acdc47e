"""Where the pipeline detects on large frames, and how it copes with bad input (synthetic)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from kordon.domain.detections import Detections
from kordon.video.pipeline import CameraPipeline, PlanKind
from kordon.video.source.frame import Frame
from tests.pipeline.helpers import ScriptedDetector

T0 = datetime(2024, 5, 1, tzinfo=UTC)
Image = npt.NDArray[np.uint8]


class BrightBlobDetector:
    """Finds bright (> 200) blobs in whatever image it is given, like a network would find
    people; records the size of every image it sees."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    @property
    def labels(self) -> tuple[str, ...]:
        return ("person",)

    def detect(self, image: Image) -> Detections:
        self.calls.append((int(image.shape[1]), int(image.shape[0])))
        mask = (image[..., 2] > 200).astype(np.uint8)
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        boxes = [[x, y, x + w, y + h] for x, y, w, h, area in stats[1:count].tolist() if area >= 4]
        n = len(boxes)
        return Detections.from_arrays(boxes, [0.9] * n, [0] * n, labels=self.labels)


def frame(index: int, image: Image, fps: float = 5.0) -> Frame:
    return Frame(
        image=image, index=index, pts_s=index / fps, time=T0 + timedelta(seconds=index / fps)
    )


def ground(width: int, height: int, seed: int = 0) -> Image:
    rng = np.random.default_rng(seed)
    return np.asarray(rng.integers(60, 110, (height, width, 3), dtype=np.uint8), np.uint8)


def with_person(base: Image, x: int, y: int, h: int = 32) -> Image:
    image = base.copy()
    image[y : y + h, x : x + h // 3] = 240
    return image


def test_large_frames_are_searched_on_native_crops_and_a_still_person_keeps_a_crop() -> None:
    """1280×720: the detector never sees a shrunken whole frame, and a person who stops
    moving in the picture (walking toward the camera) is still looked at and tracked."""
    detector = BrightBlobDetector()
    pipeline = CameraPipeline("cam", detector)
    pipeline.load()
    base = ground(1280, 720)
    results = [pipeline.process(frame(0, base))]
    for i in range(1, 11):  # walks in ...
        results.append(pipeline.process(frame(i, with_person(base, 600 + 6 * i, 400))))
    for i in range(11, 111):  # ... then stands (20 s at 5 fps)
        results.append(pipeline.process(frame(i, with_person(base, 660, 400))))
    assert detector.calls
    assert all(w <= 640 and w == h for w, h in detector.calls)  # square crops, never 1280
    assert all(r.plan.kind is not PlanKind.FULL for r in results)
    late = results[-50:]
    assert all(r.plan.kind is PlanKind.REGION for r in late)
    assert all(int(r.tracks.confirmed.sum()) == 1 for r in late)
    assert len({int(r.tracks.tracker_id[0]) for r in late}) == 1


def test_small_frames_are_still_analysed_whole() -> None:
    detector = BrightBlobDetector()
    pipeline = CameraPipeline("cam", detector)
    pipeline.load()
    base = ground(768, 576)
    for i in range(6):
        pipeline.process(frame(i, with_person(base, 100 + 10 * i, 300)))
    assert set(detector.calls) == {(768, 576)}


def test_a_frame_size_change_restarts_tracks_instead_of_failing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    detector = ScriptedDetector([[100, 100, 130, 190]])
    pipeline = CameraPipeline("cam", detector)
    pipeline.load()
    small, large = ground(640, 480), ground(1280, 720)
    before = [pipeline.process(frame(i, with_person(small, 300 + 5 * i, 200))) for i in range(6)]
    assert int(before[-1].tracks.confirmed.sum()) == 1
    with caplog.at_level(logging.WARNING, logger="kordon.video.pipeline.pipeline"):
        after = pipeline.process(frame(6, large))
    assert "frame size changed from (640, 480) to (1280, 720)" in caplog.text
    assert len(after.tracks) == 0  # nothing carried over in the old frame's pixels
    assert after.plan.kind is PlanKind.SKIP  # motion starts afresh on the new size
    for i in range(7, 12):
        pipeline.process(frame(i, with_person(large, 600 + 5 * i, 300)))


def test_degenerate_boxes_and_nan_scores_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    class Faulty(ScriptedDetector):
        def detect(self, image: Image) -> Detections:
            self.calls.append((int(image.shape[1]), int(image.shape[0])))
            return Detections.from_arrays(
                np.array(
                    [[10, 10, 10, 50], [20, 60, 5, 90], [40, 40, 60, 90], [80, 10, 100, np.nan]]
                ),
                [0.9, 0.9, float("nan"), 0.9],
                [0, 0, 0, 0],
                labels=self.labels,
            )

    detector = Faulty([])
    pipeline = CameraPipeline("cam", detector)
    pipeline.load()
    base = ground(320, 240)
    with caplog.at_level(logging.WARNING, logger="kordon.video.pipeline.pipeline"):
        results = [pipeline.process(frame(i, with_person(base, 50 + 8 * i, 100))) for i in range(8)]
    assert len(detector.calls) >= 6
    assert all(len(r.detections) == 0 and len(r.tracks) == 0 for r in results)
    assert "dropped 4 degenerate detection(s)" in caplog.text


def test_4k_frames_run_on_crops() -> None:
    detector = BrightBlobDetector()
    pipeline = CameraPipeline("cam", detector)
    pipeline.load()
    base = ground(3840, 2160)
    for i in range(6):
        result = pipeline.process(frame(i, with_person(base, 2000 + 10 * i, 1200, h=60)))
    assert result.plan.kind is PlanKind.REGION
    assert result.motion is not None
    assert result.motion.mask_small.shape == (1080, 1920)
    assert max(w for w, _ in detector.calls) <= 1080
    assert int(result.tracks.confirmed.sum()) == 1
