"""``YoloDetector``: a user's YOLO-format ONNX model (v5-style or v8-style output).

* v5-style output ``[1, N, 5 + C]``: (cx, cy, w, h, objectness, C class scores) per row;
  the score of a class is objectness × class score.
* v8-style output ``[1, 4 + C, N]``: (cx, cy, w, h, C class scores) per column, no objectness.

The layout is recognised from the output shape and the number of labels. Boxes are in
letterboxed input pixels; the input is RGB, scaled to [0, 1], letterboxed with grey 114.
Models with NMS built in (``[1, N, 6]`` rows of boxes) are not supported.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections
from kordon.video.detectors.base import ImageBGR
from kordon.video.detectors.boxes import nms
from kordon.video.detectors.coco import COCO80_LABELS
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.image_input import check_bgr_image
from kordon.video.detectors.onnx_session import LoadedModel, open_session, read_model
from kordon.video.detectors.thresholds import class_thresholds

logger = logging.getLogger(__name__)

_PAD_VALUE = 114
_MAX_CANDIDATES = 3000


class YoloLayout(StrEnum):
    """How a YOLO model lays out its single output tensor."""

    V5 = "v5"
    V8 = "v8"


def yolo_layout(shape: tuple[int, int], n_classes: int) -> YoloLayout | None:
    """The layout of a ``[A, B]`` output (batch removed) for ``n_classes``, or ``None``.

    When both readings fit (only when N happens to equal 5 + C), v8 wins.
    """
    rows, cols = shape
    if rows == 4 + n_classes:
        return YoloLayout.V8
    if cols == 5 + n_classes:
        return YoloLayout.V5
    return None


@dataclass(frozen=True, slots=True)
class Letterbox:
    """Scale and padding that map an image into the model input."""

    scale: float
    pad_x_px: float
    pad_y_px: float

    def to_image(self, xyxy: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        offset = np.array([self.pad_x_px, self.pad_y_px] * 2, np.float32)
        return np.asarray((xyxy - offset) / self.scale, np.float32)


def letterbox(image: ImageBGR, height: int, width: int) -> tuple[npt.NDArray[np.uint8], Letterbox]:
    """Resize keeping the aspect ratio, centred on a grey ``height × width`` canvas."""
    img_h, img_w = image.shape[:2]
    scale = min(height / img_h, width / img_w)
    new_w, new_h = max(1, round(img_w * scale)), max(1, round(img_h * scale))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((height, width, 3), _PAD_VALUE, np.uint8)
    pad_x, pad_y = (width - new_w) // 2, (height - new_h) // 2
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    return canvas, Letterbox(scale=scale, pad_x_px=float(pad_x), pad_y_px=float(pad_y))


class YoloDetector:
    """Runs a YOLO-format ONNX file; ``labels`` must match the model's class count."""

    def __init__(
        self,
        model_path: Path | str,
        *,
        sha256: str | None = None,
        labels: Sequence[str] | None = None,
        input_size_px: int = 640,
        score_threshold: float = 0.25,
        classes: Sequence[str] | None = None,
        class_score_thresholds: Mapping[str, float] | None = None,
        nms_iou: float = 0.45,
        max_detections: int = 300,
        threads: int = 1,
    ) -> None:
        self._path = Path(model_path)
        self._sha256 = sha256
        self._labels = tuple(labels) if labels is not None else COCO80_LABELS
        if not self._labels:
            raise DetectorError("labels must name at least one class")
        self._thresholds = class_thresholds(
            self._labels,
            score_threshold=score_threshold,
            classes=classes,
            class_score_thresholds=class_score_thresholds,
        )
        if not 32 <= input_size_px <= 4096:
            raise DetectorError(f"input_size_px must be in [32, 4096], got {input_size_px}")
        if not 0.0 < nms_iou <= 1.0:
            raise DetectorError(f"nms_iou must be in (0, 1], got {nms_iou}")
        if max_detections < 1:
            raise DetectorError(f"max_detections must be >= 1, got {max_detections}")
        if threads < 1:
            raise DetectorError(f"threads must be >= 1, got {threads}")
        self._default_size = input_size_px
        self._nms_iou = nms_iou
        self._max_detections = max_detections
        self._threads = threads
        self._model: LoadedModel | None = None
        self._input_name = ""
        self._input_hw = (0, 0)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    def load(self) -> None:
        """Read and open the model; check one float NCHW input and a YOLO-shaped output."""
        where, data = read_model(self._path, sha256=self._sha256)
        model = open_session(data, where, threads=self._threads)
        n = len(self._labels)
        expected = (
            f"expected one float input [1, 3, H, W] and a first output [1, N, {5 + n}] "
            f"(v5) or [1, {4 + n}, N] (v8) for {n} labels; found {model.describe_io()}"
        )
        if len(model.inputs) != 1:
            raise DetectorError(f"model file {where} is not a YOLO model: {expected}")
        spec = model.inputs[0]
        if spec.type != "tensor(float)" or len(spec.shape) != 4 or spec.shape[1] != 3:
            raise DetectorError(f"model file {where} is not a YOLO model: {expected}")
        out = model.outputs[0].shape
        if len(out) != 3:
            raise DetectorError(f"model file {where} is not a YOLO model: {expected}")
        static = isinstance(out[1], int) and isinstance(out[2], int)
        if static and yolo_layout((int(out[1]), int(out[2])), n) is None:  # type: ignore[arg-type]
            raise DetectorError(f"model file {where} output does not fit: {expected}")
        height = spec.shape[2] if isinstance(spec.shape[2], int) else self._default_size
        width = spec.shape[3] if isinstance(spec.shape[3], int) else self._default_size
        self._input_name = spec.name
        self._input_hw = (height, width)
        self._model = model
        logger.info("loaded YOLO model %s (%s)", where, model.describe_io())

    def detect(self, image: ImageBGR) -> Detections:
        """Detections in ``image`` pixels, per-class NMS applied, highest score first."""
        if self._model is None:
            raise DetectorError("YoloDetector.detect() called before load()")
        check_bgr_image(image, who="YoloDetector")
        height, width = self._input_hw
        canvas, box = letterbox(image, height, width)
        blob = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        (raw,) = self._model.session.run(
            [self._model.outputs[0].name], {self._input_name: np.ascontiguousarray(blob)}
        )
        out = np.asarray(raw, np.float32)
        n = len(self._labels)
        layout = yolo_layout((out.shape[1], out.shape[2]), n) if out.ndim == 3 else None
        if layout is None:
            raise DetectorError(
                f"model {self._model.where} produced output {list(out.shape)}, which fits neither "
                f"[1, N, {5 + n}] nor [1, {4 + n}, N]"
            )
        rows = out[0].T if layout is YoloLayout.V8 else out[0]
        v5 = layout is YoloLayout.V5
        scores = rows[:, 5 : 5 + n] * rows[:, 4:5] if v5 else rows[:, 4 : 4 + n]
        idx, cls = np.nonzero(scores >= self._thresholds[None, :])
        if idx.size == 0:
            return Detections.empty(self._labels)
        conf = scores[idx, cls]
        if conf.size > _MAX_CANDIDATES:
            top = np.argsort(-conf, kind="stable")[:_MAX_CANDIDATES]
            idx, cls, conf = idx[top], cls[top], conf[top]
        cxcywh = rows[idx, :4]
        xyxy = np.concatenate(
            [cxcywh[:, :2] - cxcywh[:, 2:] / 2.0, cxcywh[:, :2] + cxcywh[:, 2:] / 2.0], axis=1
        )
        img_h, img_w = image.shape[:2]
        xyxy = np.clip(box.to_image(xyxy), 0.0, np.array([img_w, img_h, img_w, img_h], np.float32))
        keep = nms(xyxy, conf, cls, iou_threshold=self._nms_iou, max_keep=self._max_detections)
        return Detections.from_arrays(xyxy[keep], conf[keep], cls[keep], labels=self._labels)
