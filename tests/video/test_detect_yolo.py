"""``YoloDetector`` decode checked exactly on tiny ONNX graphs built here (constant outputs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.yolo import YoloDetector, YoloLayout, yolo_layout

onnx = pytest.importorskip("onnx", reason="the onnx package builds the test models")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

LABELS = ("person", "car")
INPUT = 64


def write_model(path: Path, output: npt.NDArray[np.float32]) -> Path:
    """A model with one [1, 3, 64, 64] input whose output is ``output`` plus 0 × input."""
    const = helper.make_node(
        "Constant", [], ["table"], value=numpy_helper.from_array(output, "table_value")
    )
    zero = helper.make_node("ReduceSum", ["images"], ["total"], keepdims=0)
    scale = helper.make_node("Mul", ["total", "zero"], ["nothing"])
    add = helper.make_node("Add", ["table", "nothing"], ["output0"])
    graph = helper.make_graph(
        [const, zero, scale, add],
        "yolo_stub",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, INPUT, INPUT])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))],
        initializer=[numpy_helper.from_array(np.zeros((), np.float32), "zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    return path


# image 128 wide × 64 high → scale 0.5, resized 64 × 32, padded 16 px above and below.
IMAGE = np.zeros((64, 128, 3), np.uint8)
# (cx, cy, w, h) in input pixels → image xyxy: ((cx - w/2) / 0.5, (cy - h/2 - 16) / 0.5, ...)
BOX_A = (32.0, 32.0, 16.0, 8.0)  # → (48, 24, 80, 40)
BOX_B = (10.0, 20.0, 4.0, 4.0)  # → (16, 4, 24, 12)


def test_v5_layout_uses_objectness_times_class_score(tmp_path: Path) -> None:
    rows = np.array(
        [
            [*BOX_A, 0.9, 0.2, 0.8],  # car at 0.72; person 0.18 is below threshold
            [*BOX_B, 0.5, 0.9, 0.1],  # person at 0.45
            [*BOX_B, 0.1, 0.9, 0.9],  # everything below 0.25
        ],
        np.float32,
    )[None]
    detector = YoloDetector(write_model(tmp_path / "v5.onnx", rows), labels=LABELS)
    detector.load()
    dets = detector.detect(IMAGE)
    np.testing.assert_allclose(dets.xyxy_px, [[48, 24, 80, 40], [16, 4, 24, 12]], atol=1e-4)
    np.testing.assert_allclose(dets.confidence, [0.72, 0.45], atol=1e-6)
    assert dets.class_names == ["car", "person"]


def test_v8_layout_is_transposed_without_objectness(tmp_path: Path) -> None:
    columns = np.array([[*BOX_A, 0.3, 0.6], [*BOX_B, 0.9, 0.0], [*BOX_B, 0.1, 0.2]], np.float32)
    output = columns.T[None].copy()  # [1, 4 + C, N] = [1, 6, 3]
    detector = YoloDetector(write_model(tmp_path / "v8.onnx", output), labels=LABELS)
    detector.load()
    dets = detector.detect(IMAGE)
    # multi-label: box A is both a car (0.6) and a person (0.3)
    np.testing.assert_allclose(
        dets.xyxy_px, [[16, 4, 24, 12], [48, 24, 80, 40], [48, 24, 80, 40]], atol=1e-4
    )
    np.testing.assert_allclose(dets.confidence, [0.9, 0.6, 0.3], atol=1e-6)
    assert dets.class_names == ["person", "car", "person"]


def test_duplicate_boxes_are_suppressed_per_class(tmp_path: Path) -> None:
    shifted = (BOX_A[0] + 0.5, *BOX_A[1:])
    rows = np.array([[*BOX_A, 1.0, 0.0, 0.8], [*shifted, 1.0, 0.0, 0.7]], np.float32)[None]
    detector = YoloDetector(write_model(tmp_path / "dup.onnx", rows), labels=LABELS)
    detector.load()
    dets = detector.detect(IMAGE)
    assert len(dets) == 1
    assert dets.confidence[0] == pytest.approx(0.8)


def test_output_that_fits_no_layout(tmp_path: Path) -> None:
    path = write_model(tmp_path / "odd.onnx", np.zeros((1, 10, 9), np.float32))
    with pytest.raises(DetectorError, match=r"odd\.onnx output does not fit.*\[1, N, 7\]"):
        YoloDetector(path, labels=LABELS).load()


def test_layout_from_shape() -> None:
    assert yolo_layout((8400, 85), 80) is YoloLayout.V5
    assert yolo_layout((84, 8400), 80) is YoloLayout.V8
    assert yolo_layout((100, 100), 80) is None
