"""``SsdLitePersonDetector``: the shipped SSDLite-MobileNetV2 person model (TF OD API layout)."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from kordon.domain.detections import Detections
from kordon.models import SSDLITE_PERSON_300
from kordon.video.detectors.base import ImageBGR
from kordon.video.detectors.boxes import nms
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.image_input import check_bgr_image
from kordon.video.detectors.onnx_session import LoadedModel, open_session, read_model

logger = logging.getLogger(__name__)

_INPUT = "image_tensor:0"
_OUTPUTS = ("num_detections:0", "detection_scores:0", "detection_boxes:0")
_LABELS = ("person",)


class SsdLitePersonDetector:
    """Person-only detector: uint8 NHWC RGB input, boxes normalised (y1, x1, y2, x2)."""

    def __init__(
        self,
        model_path: Path | str | None = None,
        *,
        sha256: str | None = None,
        input_size_px: int = 300,
        score_threshold: float = 0.35,
        nms_iou: float = 0.6,
        threads: int = 1,
    ) -> None:
        if not 0.0 <= score_threshold <= 1.0:
            raise DetectorError(f"score_threshold must be in [0, 1], got {score_threshold}")
        if not 0.0 < nms_iou <= 1.0:
            raise DetectorError(f"nms_iou must be in (0, 1], got {nms_iou}")
        if not 32 <= input_size_px <= 2048:
            raise DetectorError(f"input_size_px must be in [32, 2048], got {input_size_px}")
        if threads < 1:
            raise DetectorError(f"threads must be >= 1, got {threads}")
        self._path = Path(model_path) if model_path is not None else None
        self._sha256 = sha256
        self._size = input_size_px
        self._score_threshold = score_threshold
        self._nms_iou = nms_iou
        self._threads = threads
        self._model: LoadedModel | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return _LABELS

    def load(self) -> None:
        """Read, verify and open the model; check its tensor names and input layout."""
        where, data = read_model(self._path, shipped=SSDLITE_PERSON_300, sha256=self._sha256)
        model = open_session(data, where, threads=self._threads)
        expected = (
            f"expected input {_INPUT} uint8 [1, H, W, 3] and outputs {list(_OUTPUTS)}; "
            f"found {model.describe_io()}"
        )
        inputs = {t.name: t for t in model.inputs}
        outputs = {t.name for t in model.outputs}
        spec = inputs.get(_INPUT)
        if spec is None or spec.type != "tensor(uint8)" or len(spec.shape) != 4:
            raise DetectorError(f"model file {where} is not an SSD person model: {expected}")
        if spec.shape[3] != 3 and isinstance(spec.shape[3], int):
            raise DetectorError(f"model file {where} input is not NHWC with 3 channels: {expected}")
        missing = [n for n in _OUTPUTS if n not in outputs]
        if missing:
            raise DetectorError(f"model file {where} lacks outputs {missing}: {expected}")
        self._model = model
        logger.info("loaded SSDLite person model %s", where)

    def detect(self, image: ImageBGR) -> Detections:
        """Person detections in ``image`` pixels, highest score first."""
        if self._model is None:
            raise DetectorError("SsdLitePersonDetector.detect() called before load()")
        check_bgr_image(image, who="SsdLitePersonDetector")
        resized = cv2.resize(image, (self._size, self._size), interpolation=cv2.INTER_LINEAR)
        rgb = np.ascontiguousarray(resized[:, :, ::-1][None])
        num, scores, boxes = self._model.session.run(list(_OUTPUTS), {_INPUT: rgb})
        count = int(np.asarray(num).reshape(-1)[0])
        conf = np.asarray(scores, np.float32).reshape(-1)[:count]
        yxyx = np.asarray(boxes, np.float32).reshape(-1, 4)[:count]
        keep = conf >= self._score_threshold
        conf, yxyx = conf[keep], yxyx[keep]
        img_h, img_w = image.shape[:2]
        xyxy = np.clip(yxyx[:, [1, 0, 3, 2]], 0.0, 1.0) * np.array(
            [img_w, img_h, img_w, img_h], np.float32
        )
        order = nms(xyxy, conf, iou_threshold=self._nms_iou)
        return Detections.from_arrays(
            xyxy[order], conf[order], np.zeros(order.size, np.int32), labels=_LABELS
        )
