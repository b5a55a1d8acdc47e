"""NanoDet at another input size: the shipped model's height and width are free, so crops
run at a smaller input; a model of fixed size keeps its own; the pipeline runs crops at
``region_input_px`` and whole frames at 416."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import onnx
import pytest

from kordon.models import NANODET_M_416_COCO, shipped_model_bytes
from kordon.video.detectors.boxes import iou_matrix
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.pipeline.pipeline import CameraPipeline
from kordon.video.pipeline.settings import PipelineSettings
from kordon.video.source.frame import Frame
from tests.video.test_detect_models import Image, persons, read_frame

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def frame100(vtest_avi: Path) -> Image:
    return read_frame(vtest_avi, 100)


def test_a_crop_at_256_finds_the_person_416_finds(frame100: Image) -> None:
    whole = NanoDetDetector(score_threshold=0.3)
    whole.load()
    small = whole.resized(256)
    small.load()
    assert (whole.input_hw, small.input_hw) == ((416, 416), (256, 256))
    found = persons(whole.detect(frame100), 0.5)
    assert len(found) >= 3
    for x1, y1, x2, y2 in found.xyxy_px[:3]:
        # A crop sized so the person is about 80 px tall in a 256 px input, as planned.
        side = int(max(y2 - y1, x2 - x1) * 256 / 80)
        cx, cy = int((x1 + x2) / 2), int((y1 + y2) / 2)
        left = min(max(cx - side // 2, 0), frame100.shape[1] - side)
        top = min(max(cy - side // 2, 0), frame100.shape[0] - side)
        crop = np.ascontiguousarray(frame100[top : top + side, left : left + side])
        in_crop = persons(small.detect(crop), 0.3)
        assert len(in_crop) >= 1
        boxes = in_crop.xyxy_px + np.array([left, top, left, top], np.float32)
        assert iou_matrix(np.array([[x1, y1, x2, y2]], np.float32), boxes).max() > 0.6


def test_a_model_of_fixed_size_keeps_its_own_input(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _where, data = shipped_model_bytes(NANODET_M_416_COCO)
    model = onnx.load_from_string(data)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for dim in (dims[2], dims[3]):
        dim.ClearField("dim_param")
        dim.dim_value = 320
    path = tmp_path / "nanodet_320_fixed.onnx"
    onnx.save(model, str(path))
    detector = NanoDetDetector(path, input_px=256)
    with caplog.at_level(logging.INFO, logger="kordon.video.detectors.nanodet"):
        detector.load()
    assert detector.input_hw == (320, 320)
    assert any("fixed input" in r.getMessage() and "256" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("input_px", [0, 100, 8192])
def test_an_input_size_off_the_grid_is_refused(input_px: int) -> None:
    with pytest.raises(DetectorError, match="input_px must be a multiple of 32"):
        NanoDetDetector(input_px=input_px)


def test_the_pipeline_runs_crops_at_the_region_input_and_whole_frames_at_416() -> None:
    detector = NanoDetDetector()
    pipeline = CameraPipeline("cam-x", detector, settings=PipelineSettings(region_input_px=224))
    pipeline.load()
    crops = pipeline.crop_detector
    assert isinstance(crops, NanoDetDetector)
    assert crops is not detector
    # Only the crops' session is open: a camera with large frames never needs the other.
    assert (detector.input_hw, crops.input_hw) == ((0, 0), (224, 224))
    # A small frame with something moving is searched whole: that session opens then.
    rng = np.random.default_rng(0)
    ground = rng.integers(60, 110, (240, 320, 3), dtype=np.uint8)
    for k in range(6):
        image = ground.copy()
        image[100:160, 40 + 12 * k : 60 + 12 * k] = 230
        pipeline.process(
            Frame(image=image, index=k, pts_s=k / 5, time=T0 + timedelta(seconds=k / 5))
        )
    assert detector.input_hw == (416, 416)
    same = CameraPipeline("cam-y", detector, settings=PipelineSettings(region_input_px=416))
    assert same.crop_detector is detector  # no second session at the same size
