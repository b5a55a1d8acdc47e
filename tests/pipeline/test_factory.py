"""Camera config → pipeline and source: every field mapped, bad config named by camera."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
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
    masks:
      - {{purpose: detection, polygon: [[0, 0], [768, 0], [768, 100], [0, 100]]}}
    rules:
      - {{kind: line, id: l1, points: [[0, 300], [768, 300]], directions: in}}
      - {{kind: zone, id: z1, polygon: [[0, 0], [100, 0], [100, 100]], events: [enter, exit]}}
"""


def site(tmp_path: Path, *, source: str = "{kind: simulator, scenario: border_walk}",
         detector: str = "{kind: nanodet}") -> SiteConfig:  # fmt: skip
    path = tmp_path / "site.yaml"
    path.write_text(SITE.format(source=source, detector=detector), encoding="utf-8")
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
        result = pipeline.process(frame)
        # the detection mask covers the top 100 px: no detection stands there
        assert (result.detections.xyxy_px[:, 3] > 100).all()
        if len(frames) == 10:
            break
    source.close()
    assert [f.index for f in frames] == list(range(0, 20, 2))  # 10 fps decimated to 5
    assert frames[0].time == T0


def test_nanodet_camera_maps_classes_scores_and_rules(tmp_path: Path) -> None:
    config = site(tmp_path)
    pipeline = build_camera_pipeline(config.cameras[0], config, track_stages=())
    assert [r.rule.rule_id for r in pipeline._rules.rules] == ["l1", "z1"]
    assert pipeline.settings.motion_min_area_px == 8.0


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
