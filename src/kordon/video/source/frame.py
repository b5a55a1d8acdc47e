"""``Frame`` (one decoded image with its times) and ``SourceInfo`` (what a source carries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from kordon.domain.errors import ShapeError
from kordon.domain.time import require_utc


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded picture.

    ``image`` is H×W×3 uint8 BGR. ``index`` counts decoded frames from the source's start
    (frames dropped by decimation still advance it). ``pts_s`` is the presentation time in
    seconds from the start of the stream; ``time`` is the UTC wall time of the frame: the
    source's start time (read from the caller's clock at open) plus ``pts_s``.
    """

    image: npt.NDArray[np.uint8]
    index: int
    pts_s: float
    time: datetime

    def __post_init__(self) -> None:
        shape = self.image.shape
        if self.image.ndim != 3 or shape[2] != 3 or self.image.dtype != np.uint8:
            raise ShapeError(
                f"Frame.image: expected H×W×3 uint8 BGR, got shape {shape} {self.image.dtype}"
            )
        object.__setattr__(self, "time", require_utc(self.time, name="Frame.time"))

    @property
    def resolution_wh(self) -> tuple[int, int]:
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Properties of an opened source's video stream (``nominal_fps`` 0 when unknown)."""

    width_px: int
    height_px: int
    nominal_fps: float
    codec: str
    frame_count: int | None = None
    """Frame count the container declares, when it declares one (not trusted)."""
