"""A throwaway NanoDet decode used only to measure how well it sees rendered people.

The real detector lives in ``kordon.video.detectors.nanodet``; this probe exists so the
simulator's test does not depend on it. Format per ``models/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

MEAN = np.array([103.53, 116.28, 123.675], np.float32)
STD = np.array([57.375, 57.12, 58.395], np.float32)
SIZE = 416
STRIDES = (8, 16, 32)
PERSON = 0

Boxes = npt.NDArray[np.float32]


class NanoDetProbe:
    """Person boxes (x1, y1, x2, y2, score) from the shipped NanoDet ONNX file."""

    def __init__(self, model_path: Path) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_path), opts, providers=["CPUExecutionProvider"]
        )

    def persons(self, image: npt.NDArray[np.uint8], min_score: float = 0.35) -> Boxes:
        h, w = image.shape[:2]
        resized = cv2.resize(image, (SIZE, SIZE)).astype(np.float32)
        blob = ((resized - MEAN) / STD).transpose(2, 0, 1)[None]
        names = [f"Identity{suffix}:0" for suffix in ("", "_1", "_2", "_3", "_4", "_5")]
        outputs = self._session.run(names, {"input_1:0": blob})
        found: list[Boxes] = []
        for level, stride in enumerate(STRIDES):
            scores = np.asarray(outputs[level])[0][:, PERSON]
            dist = np.asarray(outputs[level + 3])[0].reshape(-1, 4, 11)
            keep = np.flatnonzero(scores >= min_score)
            if keep.size == 0:
                continue
            probs = np.exp(dist[keep] - dist[keep].max(axis=2, keepdims=True))
            probs /= probs.sum(axis=2, keepdims=True)
            sides = (probs * np.arange(11, dtype=np.float32)).sum(axis=2) * stride
            cells = SIZE // stride
            cx = (keep % cells + 0.5) * stride
            cy = (keep // cells + 0.5) * stride
            boxes = np.stack(
                [cx - sides[:, 0], cy - sides[:, 1], cx + sides[:, 2], cy + sides[:, 3]], axis=1
            )
            boxes *= np.array([w / SIZE, h / SIZE, w / SIZE, h / SIZE], np.float32)
            found.append(np.concatenate([boxes, scores[keep, None]], axis=1).astype(np.float32))
        if not found:
            return np.zeros((0, 5), np.float32)
        allb = np.concatenate(found)
        xywh = np.concatenate([allb[:, :2], allb[:, 2:4] - allb[:, :2]], axis=1)
        idx = cv2.dnn.NMSBoxes(xywh.tolist(), allb[:, 4].tolist(), min_score, 0.5)
        return allb[np.asarray(idx, np.int64).reshape(-1)]


def iou(a: tuple[float, float, float, float], b: npt.NDArray[np.float32]) -> float:
    ix = max(0.0, min(a[2], float(b[2])) - max(a[0], float(b[0])))
    iy = max(0.0, min(a[3], float(b[3])) - max(a[1], float(b[1])))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + float((b[2] - b[0]) * (b[3] - b[1])) - inter
    return inter / union if union > 0 else 0.0
