"""The shipped ONNX detectors on real footage, and their errors on bad models and input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from kordon.domain.detections import Detections
from kordon.models import (
    NANODET_M_416_COCO,
    SSDLITE_PERSON_300,
    ModelFileError,
    shipped_model_bytes,
    verify_sha256,
)
from kordon.video.detectors.boxes import iou_matrix
from kordon.video.detectors.coco import BORDER_CLASSES
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.detectors.region import RegionDetector
from kordon.video.detectors.registry import build_detector
from kordon.video.detectors.ssdlite import SsdLitePersonDetector

Image = npt.NDArray[np.uint8]


def read_frame(path: Path, index: int) -> Image:
    capture = cv2.VideoCapture(str(path))
    try:
        for _ in range(index + 1):
            ok, frame = capture.read()
            assert ok, f"could not read frame {index} of {path}"
    finally:
        capture.release()
    return np.ascontiguousarray(frame, dtype=np.uint8)


@pytest.fixture(scope="module")
def frame100(vtest_avi: Path) -> Image:
    return read_frame(vtest_avi, 100)


@pytest.fixture(scope="module")
def nanodet() -> NanoDetDetector:
    detector = NanoDetDetector(score_threshold=0.35)
    detector.load()
    return detector


def persons(dets: Detections, min_score: float) -> Detections:
    return dets[(dets.class_id == 0) & (dets.confidence >= min_score)]


def test_shipped_models_match_their_checksums() -> None:
    for model in (NANODET_M_416_COCO, SSDLITE_PERSON_300):
        where, data = shipped_model_bytes(model)
        assert where.endswith(model.filename)
        assert len(data) > 10_000_000


def test_checksum_mismatch_names_both_hashes() -> None:
    with pytest.raises(ModelFileError, match=r"expected 0{64}, found [0-9a-f]{64}"):
        verify_sha256(b"not the model", "0" * 64, source="x.onnx")


@pytest.mark.shared
def test_nanodet_finds_people_on_vtest_frame_100(nanodet: NanoDetDetector, frame100: Image) -> None:
    dets = nanodet.detect(frame100)
    people = persons(dets, 0.35)
    assert len(people) >= 6
    height, width = frame100.shape[:2]
    boxes = people.xyxy_px
    assert (boxes[:, :2] >= 0).all()
    assert (boxes[:, 2] <= width).all()
    assert (boxes[:, 3] <= height).all()
    assert (boxes[:, 2:] > boxes[:, :2]).all()
    # people on this road are 15-120 px tall (the far ones and a cone-shaped false positive)
    tall = boxes[:, 3] - boxes[:, 1]
    assert ((tall > 15) & (tall < 120)).all()
    assert dets.labels[0] == "person"
    assert dets.confidence.tolist() == sorted(dets.confidence.tolist(), reverse=True)


@pytest.mark.shared
def test_nanodet_is_deterministic(nanodet: NanoDetDetector, frame100: Image) -> None:
    first = nanodet.detect(frame100)
    second = nanodet.detect(frame100.copy())
    np.testing.assert_array_equal(first.xyxy_px, second.xyxy_px)
    np.testing.assert_array_equal(first.confidence, second.confidence)
    np.testing.assert_array_equal(first.class_id, second.class_id)


@pytest.mark.shared
def test_nanodet_class_filter_and_thresholds(frame100: Image) -> None:
    detector = NanoDetDetector(
        classes=BORDER_CLASSES, score_threshold=0.35, class_score_thresholds={"person": 0.6}
    )
    detector.load()
    dets = detector.detect(frame100)
    names = set(dets.class_names)
    assert names <= set(BORDER_CLASSES)
    assert "skis" not in names
    assert (dets.confidence[dets.class_id == 0] >= 0.6).all()
    assert len(persons(dets, 0.6)) >= 3


@pytest.mark.shared
def test_ssdlite_finds_people_on_vtest_frame_100(frame100: Image) -> None:
    detector = SsdLitePersonDetector(score_threshold=0.3)
    detector.load()
    dets = detector.detect(frame100)
    assert len(dets) >= 3
    assert set(dets.class_names) == {"person"}
    height, width = frame100.shape[:2]
    assert (dets.xyxy_px >= 0).all()
    assert (dets.xyxy_px[:, [0, 2]] <= width).all()
    assert (dets.xyxy_px[:, [1, 3]] <= height).all()


@pytest.mark.shared
def test_region_crop_finds_the_same_person(nanodet: NanoDetDetector, frame100: Image) -> None:
    full = persons(nanodet.detect(frame100), 0.5)
    assert len(full) >= 1
    target = full.xyxy_px[0]
    region = RegionDetector(nanodet, min_crop_px=256, max_crops=3)
    found = persons(region.detect_regions(frame100, target[None, :]), 0.3)
    assert len(found) >= 1
    assert iou_matrix(target[None, :], found.xyxy_px).max() > 0.7


@pytest.mark.shared
def test_region_tiles_cover_the_people_of_the_full_frame(
    nanodet: NanoDetDetector, frame100: Image
) -> None:
    full = persons(nanodet.detect(frame100), 0.5)
    tiled = persons(RegionDetector(nanodet, tiles_xy=(2, 1)).detect(frame100), 0.3)
    best = iou_matrix(full.xyxy_px, tiled.xyxy_px).max(axis=1)
    assert (best > 0.5).all()
    # no duplicate of one person survives the merge across the tile overlap
    pair = iou_matrix(tiled.xyxy_px, tiled.xyxy_px)
    np.fill_diagonal(pair, 0.0)
    assert pair.max() <= 0.5


def test_wrong_model_layout_is_a_clear_error() -> None:
    ssd_path = Path(shipped_model_bytes(SSDLITE_PERSON_300)[0])
    detector = NanoDetDetector(ssd_path)
    with pytest.raises(DetectorError, match=r"does not have the NanoDet layout") as info:
        detector.load()
    assert "image_tensor:0" in str(info.value)
    assert ssd_path.name in str(info.value)


def test_nanodet_file_is_not_an_ssd_model() -> None:
    nanodet_path = Path(shipped_model_bytes(NANODET_M_416_COCO)[0])
    with pytest.raises(DetectorError, match=r"not an SSD person model.*input_1:0"):
        SsdLitePersonDetector(nanodet_path).load()


def test_missing_model_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.onnx"
    for detector in (NanoDetDetector(missing), SsdLitePersonDetector(missing)):
        with pytest.raises(DetectorError, match=r"nope\.onnx not found"):
            detector.load()


def test_corrupt_model_file(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(np.random.default_rng(7).bytes(4096))
    with pytest.raises(DetectorError, match=r"corrupt\.onnx is not a loadable ONNX model"):
        NanoDetDetector(corrupt).load()


def test_user_file_with_wrong_checksum(tmp_path: Path) -> None:
    copy = tmp_path / "model.onnx"
    copy.write_bytes(b"x" * 100)
    with pytest.raises(DetectorError, match=r"model\.onnx: sha256 mismatch"):
        NanoDetDetector(copy, sha256="ab" * 32).load()


def test_detect_before_load_and_bad_images(nanodet: NanoDetDetector) -> None:
    with pytest.raises(DetectorError, match=r"before load\(\)"):
        NanoDetDetector().detect(np.zeros((10, 10, 3), np.uint8))
    bad_images: list[npt.NDArray[np.generic]] = [
        np.zeros((10, 10), np.uint8),
        np.zeros((10, 10, 3), np.float32),
        np.zeros((10, 10, 4), np.uint8),
        np.zeros((0, 10, 3), np.uint8),
    ]
    for image in bad_images:
        with pytest.raises(DetectorError, match=r"image"):
            nanodet.detect(image)  # type: ignore[arg-type]


def test_blank_image_gives_no_detections(nanodet: NanoDetDetector) -> None:
    dets = nanodet.detect(np.full((240, 320, 3), 127, np.uint8))
    assert len(dets) == 0
    assert dets.labels == nanodet.labels


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"classes": ["persn"]}, r"unknown class name\(s\) \['persn'\]"),
        ({"score_threshold": 1.5}, r"score_threshold must be in \[0, 1\]"),
        ({"class_score_thresholds": {"car": -0.1}}, r"class_score_thresholds\['car'\]"),
        ({"nms_iou": 0.0}, r"nms_iou"),
        ({"threads": 0}, r"threads must be >= 1"),
    ],
)
def test_bad_detector_parameters(params: dict[str, Any], message: str) -> None:
    with pytest.raises(DetectorError, match=message):
        build_detector("nanodet", **params)


def test_registry_lists_valid_names() -> None:
    with pytest.raises(DetectorError, match=r"unknown detector 'yolov99'.*'nanodet'"):
        build_detector("yolov99")
    with pytest.raises(DetectorError, match=r"bad parameters"):
        build_detector("ssdlite_person", colour="red")
    assert isinstance(build_detector("nanodet", threads=2), NanoDetDetector)
