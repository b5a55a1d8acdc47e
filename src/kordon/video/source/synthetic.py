"""A synthetic test video with exact ground truth: a bright rectangle moving over grey.

For tests and demos (a fake camera beside the real sources); encodes with PyAV.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import av.video
import numpy as np
import numpy.typing as npt

from kordon.video.source.errors import SourceError


@dataclass(frozen=True, slots=True)
class SyntheticVideo:
    """What ``write_synthetic_video`` wrote: the frame count and each frame's true box."""

    path: Path
    frame_count: int
    fps: int
    boxes_xyxy_px: npt.NDArray[np.int32]
    """(frame_count, 4) box of the rectangle in each frame."""


def synthetic_frame(
    index: int, *, width_px: int, height_px: int, box_size_px: int = 40
) -> tuple[npt.NDArray[np.uint8], tuple[int, int, int, int]]:
    """Frame ``index``: flat grey, a white square moving right 8 px per frame (wrapping)."""
    image = np.full((height_px, width_px, 3), 60, np.uint8)
    span = max(width_px - box_size_px, 1)
    x1 = (8 * index) % span
    y1 = (height_px - box_size_px) // 2
    box = (x1, y1, x1 + box_size_px, y1 + box_size_px)
    image[y1 : y1 + box_size_px, x1 : x1 + box_size_px] = 230
    return image, box


def write_synthetic_video(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 10,
    width_px: int = 160,
    height_px: int = 120,
    codec: str = "mpeg4",
    container_format: str | None = None,
) -> SyntheticVideo:
    """Encode ``seconds`` × ``fps`` frames of ``synthetic_frame`` to ``path``."""
    count = round(seconds * fps)
    boxes = np.zeros((count, 4), np.int32)
    try:
        with av.open(str(path), mode="w", format=container_format) as container:
            stream = container.add_stream(codec, rate=fps)
            if not isinstance(stream, av.video.VideoStream):
                raise SourceError(f"codec {codec!r} is not a video codec")
            stream.width = width_px
            stream.height = height_px
            stream.pix_fmt = "yuv420p"
            stream.time_base = Fraction(1, fps)
            stream.codec_context.gop_size = fps
            for i in range(count):
                image, box = synthetic_frame(i, width_px=width_px, height_px=height_px)
                boxes[i] = box
                frame = av.VideoFrame.from_ndarray(image, format="bgr24")
                frame.pts = i
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    except av.error.FFmpegError as exc:
        raise SourceError(f"cannot write synthetic video {path}: {exc}") from exc
    return SyntheticVideo(path=path, frame_count=count, fps=fps, boxes_xyxy_px=boxes)
