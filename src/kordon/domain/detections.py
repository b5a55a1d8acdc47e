"""``Detections``: one validated batch of boxes from one image."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kordon.domain.errors import ShapeError

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]


def _check(name: str, array: npt.NDArray[np.generic], shape: tuple[int, ...]) -> None:
    if array.shape != shape:
        raise ShapeError(f"{name}: expected shape {shape}, got {array.shape}")


@dataclass(frozen=True, slots=True)
class Detections:
    """Boxes found in one image, one array per field (row ``i`` is detection ``i``).

    ``xyxy_px`` holds (x1, y1, x2, y2) in image pixels, ``confidence`` scores in [0, 1],
    ``class_id`` indices into the detector's label list. Index with a boolean mask or
    an integer array to filter: ``dets[dets.confidence > 0.5]``.
    """

    xyxy_px: FloatArray
    confidence: FloatArray
    class_id: IntArray
    labels: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = self.xyxy_px.shape[0] if self.xyxy_px.ndim == 2 else -1
        _check("xyxy_px", self.xyxy_px, (max(n, 0), 4))
        _check("confidence", self.confidence, (n,))
        _check("class_id", self.class_id, (n,))

    @classmethod
    def empty(cls, labels: tuple[str, ...] = ()) -> Detections:
        return cls(
            xyxy_px=np.zeros((0, 4), np.float32),
            confidence=np.zeros((0,), np.float32),
            class_id=np.zeros((0,), np.int32),
            labels=labels,
        )

    @classmethod
    def from_arrays(
        cls,
        xyxy_px: npt.ArrayLike,
        confidence: npt.ArrayLike,
        class_id: npt.ArrayLike,
        labels: tuple[str, ...] = (),
    ) -> Detections:
        """Build from any array-likes, converting dtypes (an empty list gives (0, 4))."""
        boxes = np.asarray(xyxy_px, dtype=np.float32).reshape(-1, 4)
        return cls(
            xyxy_px=boxes,
            confidence=np.asarray(confidence, dtype=np.float32).reshape(-1),
            class_id=np.asarray(class_id, dtype=np.int32).reshape(-1),
            labels=labels,
        )

    def __len__(self) -> int:
        return int(self.xyxy_px.shape[0])

    def __getitem__(self, index: BoolArray | IntArray | slice) -> Detections:
        return Detections(
            xyxy_px=np.ascontiguousarray(self.xyxy_px[index]).reshape(-1, 4),
            confidence=np.ascontiguousarray(self.confidence[index]).reshape(-1),
            class_id=np.ascontiguousarray(self.class_id[index]).reshape(-1),
            labels=self.labels,
        )

    def __iter__(self) -> Iterator[tuple[FloatArray, float, int]]:
        for i in range(len(self)):
            yield self.xyxy_px[i], float(self.confidence[i]), int(self.class_id[i])

    @property
    def class_names(self) -> list[str]:
        """Label of each detection (``str(class_id)`` where the label list is short)."""
        return [
            self.labels[c] if 0 <= c < len(self.labels) else str(c) for c in self.class_id.tolist()
        ]

    @property
    def area_px(self) -> FloatArray:
        wh = np.clip(self.xyxy_px[:, 2:] - self.xyxy_px[:, :2], 0.0, None)
        return np.asarray(wh[:, 0] * wh[:, 1], dtype=np.float32)

    def anchor_px(self, anchor: str = "bottom_center") -> FloatArray:
        """(N, 2) anchor points: ``bottom_center`` (feet on the ground), ``center``."""
        x1, y1, x2, y2 = (self.xyxy_px[:, i] for i in range(4))
        cx = (x1 + x2) / 2.0
        if anchor == "bottom_center":
            return np.stack([cx, y2], axis=1).astype(np.float32)
        if anchor == "center":
            return np.stack([cx, (y1 + y2) / 2.0], axis=1).astype(np.float32)
        raise ValueError(f"unknown anchor {anchor!r}: expected 'bottom_center' or 'center'")

    @staticmethod
    def concatenate(parts: list[Detections]) -> Detections:
        """Join batches that share one label list (the first part's labels are kept)."""
        if not parts:
            return Detections.empty()
        return Detections(
            xyxy_px=np.concatenate([p.xyxy_px for p in parts]).astype(np.float32),
            confidence=np.concatenate([p.confidence for p in parts]).astype(np.float32),
            class_id=np.concatenate([p.class_id for p in parts]).astype(np.int32),
            labels=parts[0].labels,
        )
