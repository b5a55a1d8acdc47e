"""The detection planner, the detection filter and the motion gate (synthetic, exact)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kordon.domain.detections import Detections
from kordon.video.pipeline import (
    CameraPipeline,
    DetectionPlanner,
    PipelineError,
    PipelineSettings,
    PlanKind,
)
from kordon.video.pipeline.filtering import DetectionFilter
from kordon.video.pipeline.planner import HeightAt
from kordon.video.source.frame import Frame
from tests.pipeline.helpers import ScriptedDetector

T0 = datetime(2024, 5, 1, tzinfo=UTC)
NO_BOXES = np.zeros((0, 4), np.float32)


def frame(index: int, image: np.ndarray, fps: float = 5.0) -> Frame:
    return Frame(
        image=image, index=index, pts_s=index / fps, time=T0 + timedelta(seconds=index / fps)
    )


def test_planner_skips_without_boxes_and_uses_native_crops_on_large_frames() -> None:
    planner = DetectionPlanner(PipelineSettings())
    wh = (1920, 1080)
    assert planner.plan(NO_BOXES, wh).kind is PlanKind.SKIP
    small = np.array([[900, 500, 940, 580]], np.float32)  # an 80 px person
    for _ in range(3):  # never a shrunken whole frame, not even on the first look
        plan = planner.plan(small, wh)
        assert plan.kind is PlanKind.REGION
        ((x1, y1, x2, y2),) = plan.crops_xyxy_px
        assert x2 - x1 == y2 - y1  # square, like the detector's input
        assert x1 <= 900
        assert y1 <= 500
        assert x2 >= 940
        assert y2 >= 580
        assert x1 >= 0
        assert y1 >= 0
        assert x2 <= 1920
        assert y2 <= 1080
        # sized so the person is ~80 px tall in the crops' 256 px input: 80 * 256 / 80
        assert 246 <= x2 - x1 <= 270
    far = np.array([[300, 400, 304, 412]], np.float32)  # a 12 px person far away
    ((x1, y1, x2, y2),) = planner.plan(far, wh).crops_xyxy_px
    assert x2 - x1 == 96  # the minimum crop: enlarged ~4×, not more
    wide = np.array([[10, 10, 1900, 1000]], np.float32)
    ((x1, y1, x2, y2),) = planner.plan(wide, wh).crops_xyxy_px
    assert (x2 - x1, y2 - y1) == (1080, 1080)  # at most the frame's height


def test_two_walkers_far_apart_get_a_crop_each() -> None:
    """100 m from the tower: the intruder (64 px) and a patrol (72 px) 300 px apart. One
    shared 600 px crop shrinks them below what the detector finds reliably."""
    planner = DetectionPlanner(PipelineSettings())
    boxes = np.array([[712, 367, 736, 431], [367, 454, 385, 526]], np.float32)
    plan = planner.plan(boxes, (1280, 720))
    assert len(plan.crops_xyxy_px) == 2
    for (x1, y1, x2, y2), box in zip(plan.crops_xyxy_px, boxes.tolist(), strict=True):
        assert x1 <= box[0]
        assert y1 <= box[1]
        assert x2 >= box[2]
        assert y2 >= box[3]
        # each person at least 70 px tall in the 416 px input
        assert (box[3] - box[1]) * 416 / (x2 - x1) >= 70


def test_planner_serves_tracks_first_and_rotates_motion_beyond_the_cap() -> None:
    planner = DetectionPlanner(PipelineSettings(max_crops=3))
    wh = (1920, 1080)
    track = np.array([[1700, 900, 1710, 930]], np.float32)
    motion = np.array(
        [[100 + 300 * i, 100, 110 + 300 * i, 130] for i in range(5)], np.float32
    )  # five far-apart movers, one crop each
    seen: set[int] = set()
    for _ in range(3):
        plan = planner.plan(motion, wh, track_xyxy_px=track)
        assert len(plan.crops_xyxy_px) == 3
        cx1, cy1, cx2, cy2 = plan.crops_xyxy_px[0]  # the track first
        assert cx1 <= 1700
        assert cy1 <= 900
        assert cx2 >= 1710
        assert cy2 >= 930
        for x1, _y1, x2, _y2 in plan.crops_xyxy_px[1:]:
            seen |= {i for i, m in enumerate(motion.tolist()) if x1 <= m[0] and m[2] <= x2}
    assert seen == set(range(5))  # every mover got its turn within three frames
    close = np.array([[500, 500, 510, 530], [520, 505, 530, 535]], np.float32)
    assert len(planner.plan(close, wh).crops_xyxy_px) == 1  # neighbours share a crop


def test_crops_are_sized_for_a_person_where_the_geometry_knows_how_tall_one_is() -> None:
    """A 4 px blob gets the crop a standing person at its foot would get (the geometry's
    height times ``crop_per_height``, at least ``region_min_px_georef``); without geometry
    it gets ``region_min_px``. A 14 px walker 600 m off gets 48 px, not 96."""
    settings = PipelineSettings()
    planner = DetectionPlanner(settings)
    wh = (1280, 720)
    blob = np.array([[600, 400, 604, 404]], np.float32)
    walker = np.array([[900, 420, 906, 434]], np.float32)
    feet_seen: list[list[float]] = []

    def height(tall: float) -> HeightAt:
        def at(feet: np.ndarray) -> np.ndarray:
            feet_seen.extend(feet.tolist())
            return np.full(len(feet), tall)

        return at

    def side(boxes: np.ndarray, at: HeightAt | None) -> int:
        ((x1, y1, x2, y2),) = planner.plan(boxes, wh, person_height=at).crops_xyxy_px
        assert x2 - x1 == y2 - y1
        return x2 - x1

    assert side(blob, None) == settings.region_min_px == 96
    assert side(blob, height(31.0)) == math.ceil(31.0 * planner.crop_per_height) == 100
    assert feet_seen == [[602.0, 404.0]]  # the box's bottom centre
    assert side(walker, None) == 96
    assert side(walker, height(14.0)) == settings.region_min_px_georef == 48
    assert side(walker, height(float("nan"))) == 96  # no ground there: as without geometry
    big = np.array([[500, 200, 560, 360]], np.float32)  # nearer than the geometry says
    assert side(big, height(14.0)) == side(big, None) == math.ceil(160 * 3.2)


def test_planner_uses_whole_small_frames_and_can_be_ungated() -> None:
    planner = DetectionPlanner(PipelineSettings())
    box = np.array([[100, 100, 120, 140]], np.float32)
    assert [planner.plan(box, (768, 576)).kind for _ in range(2)] == [PlanKind.FULL] * 2
    nan = np.array([[np.nan, 0, 10, 10], [5, 5, 5, 9]], np.float32)  # no usable box
    assert planner.plan(nan, (1920, 1080)).kind is PlanKind.SKIP
    ungated = DetectionPlanner(PipelineSettings(motion_gating=False))
    assert ungated.plan(NO_BOXES, (768, 576)).kind is PlanKind.FULL


def test_detection_filter_masks_classes_and_scores() -> None:
    dets = Detections.from_arrays(
        [[10, 10, 20, 50], [100, 10, 120, 50], [200, 10, 220, 50], [300, 10, 320, 50]],
        [0.9, 0.9, 0.4, 0.9],
        [0, 0, 0, 1],
        labels=("person", "car"),
    )
    # the mask covers the feet (bottom centre) of the first box only
    f = DetectionFilter(
        masks=[[(0, 40), (60, 40), (60, 60), (0, 60)]],
        classes=["person"],
        min_scores={"person": 0.5},
    )
    kept = f.apply(dets)
    np.testing.assert_array_equal(kept.xyxy_px[:, 0], [100])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"masks": [[(0, 0), (1, 1)]]}, "expected >= 3 points"),
        ({"masks": [[(0, 0), (1, float("nan")), (2, 0)]]}, "finite"),
        ({"min_scores": {"person": 1.5}}, "must be in [0, 1]"),
        ({"anchor": "top"}, "anchor"),
    ],
)
def test_detection_filter_rejects_bad_config(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(PipelineError, match=message.replace("[", r"\[").replace("]", r"\]")):
        DetectionFilter(**kwargs)  # type: ignore[arg-type]


def test_masked_detections_never_reach_the_tracker() -> None:
    detector = ScriptedDetector([[100, 100, 140, 200]])
    pipeline = CameraPipeline(
        "cam",
        detector,
        settings=PipelineSettings(motion_gating=False),
        detection_filter=DetectionFilter(masks=[[(90, 150), (150, 150), (150, 250), (90, 250)]]),
    )
    pipeline.load()
    image = np.zeros((240, 320, 3), np.uint8)
    results = [pipeline.process(frame(i, image)) for i in range(5)]
    assert len(detector.calls) == 5
    assert all(len(r.detections) == 0 and len(r.tracks) == 0 for r in results)


def test_motion_gate_skips_still_frames_and_detects_moving_ones() -> None:
    detector = ScriptedDetector([])
    pipeline = CameraPipeline("cam", detector)
    pipeline.load()
    still = np.full((240, 320, 3), 90, np.uint8)
    for i in range(10):
        assert pipeline.process(frame(i, still)).plan.kind is PlanKind.SKIP
    assert detector.calls == []
    moving = []
    for i in range(10, 16):
        image = still.copy()
        x = 20 + 15 * (i - 10)
        image[100:160, x : x + 30] = 230
        moving.append(pipeline.process(frame(i, image)).plan.kind)
    assert moving[0] is PlanKind.SKIP or moving[0] is PlanKind.FULL
    assert moving[1:] == [PlanKind.FULL] * 5
    stats = pipeline.stats()
    assert stats.frames == 16
    assert stats.frames_skipped == 16 - len(detector.calls)
    assert stats.frames_skipped >= 10
    assert stats.stage("motion").mean_ms > 0


def test_process_before_load_and_time_going_back_are_errors() -> None:
    pipeline = CameraPipeline("cam-9", ScriptedDetector([]))
    image = np.zeros((48, 64, 3), np.uint8)
    with pytest.raises(PipelineError, match="cam-9: process\\(\\) called before load"):
        pipeline.process(frame(0, image))
    pipeline.load()
    pipeline.process(frame(3, image))
    with pytest.raises(PipelineError, match="back in time"):
        pipeline.process(frame(2, image))
    pipeline.reset()
    pipeline.process(frame(2, image))


class BrightBoxDetector:
    """Finds the one bright rectangle in the image it is given (a person, for the test)."""

    labels = ("person",)

    def detect(self, image: np.ndarray) -> Detections:
        ys, xs = np.nonzero(image[..., 0] > 200)
        if len(xs) == 0:
            return Detections.empty(self.labels)
        box = [[float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]]
        return Detections.from_arrays(box, [0.9], [0], labels=self.labels)


def test_the_crop_around_a_lost_track_keeps_the_size_of_its_last_box() -> None:
    """A person whose last boxes grew (a bad detection: legs merged with a shadow) and
    who is then lost: the crop kept around the track keeps the size of the last box
    instead of growing with the boxes' last growth a frame at a time."""
    pipeline = CameraPipeline("cam", BrightBoxDetector())
    pipeline.load()
    sides: list[int] = []
    for i in range(20):
        image = np.full((720, 1280, 3), 90, np.uint8)
        h = 60 + (4 * (i - 5) if 5 <= i < 10 else 16 if i >= 10 else 0)
        if i > 0:  # appears on frame 1 (motion starts the search)
            # from frame 10 the detector no longer sees them (dim against the ground)
            image[300 : 300 + h, 400:424] = 255 if i < 10 else 160
        crops = pipeline.process(frame(i, image)).plan.crops_xyxy_px
        if i >= 10:
            assert len(crops) == 1
            (x1, _, x2, _), *_ = crops
            assert x1 <= 412 <= x2
            sides.append(x2 - x1)
    assert max(sides) == min(sides)
