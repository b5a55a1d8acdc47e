"""Camera config → pipeline and source: every field mapped, bad config named by camera."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
from kordon.domain.detections import Detections
from kordon.domain.status import DeviceStatus
from kordon.video.factory import (
    SimulatorFrameSource,
    build_camera_pipeline,
    build_frame_source,
)
from kordon.video.motion.detector import MotionOnlyDetector
from kordon.video.pipeline import PipelineError
from kordon.video.source.clock import FakeClock
from kordon.video.source.errors import SourceError
from kordon.video.source.frame import Frame
from kordon.video.source.stream import StreamSource

T0 = datetime(2024, 5, 1, tzinfo=UTC)

SITE = """\
version: 1
site: {{id: t, name: T, origin: {{lat: 51.6, lon: 23.7}}, timezone: UTC}}
borders:
  - id: b1
    name: Line
    coordinates: [[23.60, 51.50], [23.70, 51.60]]
    sides: {{left: BY, right: UA}}
    home_side: UA
sectors:
  - {{id: s1, name: S, unit: U, border: b1, from_km: 0, to_km: 5}}
cameras:
  - id: cam-1
    name: Camera 1
    sector: s1
    source: {source}
    analytics:
      fps: 5
      detector: {detector}
      classes: [person, car]
      min_score: {{person: 0.4}}
      motion: {{enabled: {motion}}}
    masks: {masks}
    rules:
      - {{kind: line, id: l1, points: [[0, 300], [768, 300]], directions: in}}
      - {{kind: zone, id: z1, polygon: [[0, 0], [100, 0], [100, 100]], events: [enter, exit]}}
"""


TOP_MASK = "[{purpose: detection, polygon: [[0, 0], [768, 0], [768, 100], [0, 100]]}]"


def site(tmp_path: Path, *, source: str = "{kind: simulator, scenario: border_walk}",
         detector: str = "{kind: nanodet}", motion: bool = True,
         masks: str = TOP_MASK) -> SiteConfig:  # fmt: skip
    path = tmp_path / "site.yaml"
    text = SITE.format(source=source, detector=detector, motion=str(motion).lower(), masks=masks)
    path.write_text(text, encoding="utf-8")
    return load_site(path)


def ignore(_: DeviceStatus) -> None:
    """A health sink for tests."""


def test_simulator_camera_runs_end_to_end(tmp_path: Path) -> None:
    config = site(tmp_path, detector="{kind: motion, min_area_px: 50}")
    camera = config.cameras[0]
    pipeline = build_camera_pipeline(camera, config)
    assert isinstance(pipeline.detector, MotionOnlyDetector)
    pipeline.load()
    source = build_frame_source(camera, config, clock=FakeClock(T0), health=ignore, start_time=T0)
    assert isinstance(source, SimulatorFrameSource)
    source.open()
    frames = []
    for frame in source.frames():
        frames.append(frame)
        pipeline.process(frame)
        if len(frames) == 10:
            break
    source.close()
    assert [f.index for f in frames] == list(range(0, 20, 2))  # 10 fps decimated to 5
    assert frames[0].time == T0
    assert frames[0].resolution_wh == (768, 576)


def _square_frames(count: int, squares_y_px: Sequence[int]) -> list[Frame]:
    """Grey 768x576 frames with a white 40 px square at each given top row, moving right
    12 px per frame (5 fps)."""
    frames = []
    for k in range(count):
        image = np.full((576, 768, 3), 70, np.uint8)
        x = 100 + 12 * k
        for y in squares_y_px:
            image[y : y + 40, x : x + 40] = 255
        frames.append(Frame(image, k, k / 5, T0 + timedelta(seconds=k / 5)))
    return frames


def _bottoms(config: SiteConfig, frames: Sequence[Frame]) -> list[float]:
    pipeline = build_camera_pipeline(config.cameras[0], config)
    pipeline.load()
    return [float(y) for f in frames for y in pipeline.process(f).detections.xyxy_px[:, 3]]


def test_the_detection_mask_removes_detections_that_stand_in_it(tmp_path: Path) -> None:
    """Two moving squares: one stands in the masked top 100 px, one below it."""
    frames = _square_frames(12, squares_y_px=(30, 300))
    motion = "{kind: motion, min_area_px: 50}"
    masked = _bottoms(site(tmp_path, detector=motion), frames)
    unmasked = _bottoms(site(tmp_path, detector=motion, masks="[]"), frames)
    assert any(b <= 100 for b in unmasked)  # without the mask the top square is detected
    assert any(b > 100 for b in masked)  # the square below is still detected
    assert not any(b <= 100 for b in masked)  # the mask removed every one standing in it


class ScriptedClasses:
    """A detector returning the same boxes of several classes on every frame."""

    labels = ("person", "car", "dog")

    def __init__(self, rows: Sequence[tuple[float, float, float, float, float, int]]) -> None:
        self.rows = rows

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        boxes = [r[:4] for r in self.rows]
        return Detections.from_arrays(
            boxes, [r[4] for r in self.rows], [r[5] for r in self.rows], labels=self.labels
        )


def test_class_score_and_mask_filters_come_from_the_camera_config(tmp_path: Path) -> None:
    """classes: [person, car]; min_score: {person: 0.4}; a detection mask over y < 100."""
    config = site(tmp_path, motion=False)  # detect on every whole frame
    pipeline = build_camera_pipeline(config.cameras[0], config)
    pipeline.detector = ScriptedClasses(
        [
            (100, 200, 140, 300, 0.50, 0),  # person above its minimum: kept
            (200, 200, 240, 300, 0.30, 0),  # person below 0.4: dropped
            (300, 200, 380, 260, 0.20, 1),  # car, no minimum of its own: kept
            (400, 200, 440, 260, 0.90, 2),  # dog, not an analytics class: dropped
            (500, 20, 540, 90, 0.90, 0),  # person standing in the mask: dropped
        ]
    )
    pipeline.load()
    result = pipeline.process(_square_frames(1, ())[0])
    kept = sorted(
        (name, round(float(score), 2), float(box[0]))
        for name, score, box in zip(
            result.detections.class_names,
            result.detections.confidence,
            result.detections.xyxy_px,
            strict=True,
        )
    )
    assert kept == [("car", 0.2, 300.0), ("person", 0.5, 100.0)]


def test_the_line_rule_fires_only_in_its_configured_direction(tmp_path: Path) -> None:
    """Rule l1 is the line y = 300 with ``directions: in``: of two people walking across
    it in opposite directions, exactly one raises an event, and it says ``in``."""
    config = site(tmp_path, motion=False)
    events: dict[str, list[tuple[str | None, str | None]]] = {}
    for name, step in (("down", 20.0), ("up", -20.0)):
        pipeline = build_camera_pipeline(config.cameras[0], config)
        start = 180.0 if step > 0 else 420.0
        walk = WalkingPerson(start, step)
        pipeline.detector = walk
        pipeline.load()
        found: list[tuple[str | None, str | None]] = []
        for frame in _square_frames(14, ()):
            walk.frame = frame.index
            result = pipeline.process(frame)
            found += [(e.rule_id, e.direction and str(e.direction)) for e in result.events]
        events[name] = found
    assert sorted(len(v) for v in events.values()) == [0, 1]
    (fired,) = [v for v in events.values() if v]
    assert fired == [("l1", "in")]


class WalkingPerson:
    """One person box whose feet move ``step_px`` down the image per frame."""

    labels = ("person",)

    def __init__(self, start_px: float, step_px: float) -> None:
        self.start_px = start_px
        self.step_px = step_px
        self.frame = 0

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        feet = self.start_px + self.step_px * self.frame
        return Detections.from_arrays([[380, feet - 80, 420, feet]], [0.9], [0], self.labels)


def test_model_file_gone_after_loading_the_site_names_the_camera(tmp_path: Path) -> None:
    (tmp_path / "missing.onnx").write_bytes(b"x")
    config = site(tmp_path, detector="{kind: nanodet, model: missing.onnx}")
    (tmp_path / "missing.onnx").unlink()
    with pytest.raises(PipelineError, match=r"camera cam-1: model file .*missing.onnx not found"):
        build_camera_pipeline(config.cameras[0], config)


def test_wrong_model_shape_fails_at_load_naming_the_camera(tmp_path: Path) -> None:
    ssd = Path(__file__).resolve().parents[2] / "src/kordon/models"
    bad = tmp_path / "not_nanodet.onnx"
    bad.write_bytes((ssd / "ssdlite_mobilenetv2_person_300.onnx").read_bytes())
    config = site(tmp_path, detector="{kind: nanodet, model: not_nanodet.onnx}")
    pipeline = build_camera_pipeline(config.cameras[0], config)
    with pytest.raises(PipelineError, match=r"camera cam-1: model file .* NanoDet layout"):
        pipeline.load()


def test_unknown_classes_for_a_custom_model_name_the_camera(tmp_path: Path) -> None:
    config = site(tmp_path, detector="{kind: nanodet, classes: [deer, boar]}")
    with pytest.raises(PipelineError, match="camera cam-1: none of the analytics classes"):
        build_camera_pipeline(config.cameras[0], config)


def test_file_and_stream_sources(tmp_path: Path) -> None:
    (tmp_path / "none.mp4").write_bytes(b"x")
    config = site(tmp_path, source="{kind: file, path: none.mp4}")
    (tmp_path / "none.mp4").unlink()
    with pytest.raises(SourceError, match=r"camera cam-1: video file .*none\.mp4 not found"):
        build_frame_source(config.cameras[0], config, clock=FakeClock(T0), health=ignore)
    config = site(tmp_path, source='{kind: stream, url: "rtsp://10.0.0.1/s"}')
    stream = build_frame_source(config.cameras[0], config, clock=FakeClock(T0), health=ignore)
    assert isinstance(stream, StreamSource)
    assert np.isfinite(config.cameras[0].analytics.fps)
