"""A machine-readable clock burned into frames, to measure glass-to-glass video delay.

A row of :data:`BITS` square cells along the top-left edge: 40 bits of the POSIX time in
milliseconds (its low 40 bits: it wraps every ~35 years, the reader restores the high bits
from its own clock) then an 8-bit check. White cells are ones, black zeros. Cells are
``cell_px(width)`` wide (16 px at 1280), large enough to survive H.264 at low quality; the
reader samples each cell's centre. A readable ``HH:MM:SS.mmm`` is drawn below for people.
The browser's reader (``web/src/video/clock_code.ts``) mirrors :func:`read_clock`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np
import numpy.typing as npt

TIME_BITS = 40
CHECK_BITS = 8
BITS = TIME_BITS + CHECK_BITS
_WRAP = 1 << TIME_BITS


def cell_px(width_px: int) -> int:
    """The cell size for an image ``width_px`` wide (the code spans 60 % of the width)."""
    return max(4, width_px // 80)


def _check(value: int) -> int:
    return (sum(value.to_bytes(5, "big")) ^ 0xA5) & 0xFF


def encode_bits(time_ms: int) -> list[int]:
    """The :data:`BITS` cell values (most significant first) for ``time_ms``."""
    low = time_ms % _WRAP
    word = (low << CHECK_BITS) | _check(low)
    return [(word >> (BITS - 1 - i)) & 1 for i in range(BITS)]


def stamp_clock(image: npt.NDArray[np.uint8], time: datetime) -> None:
    """Burn ``time`` into ``image`` (H×W×3 uint8) in place."""
    h, w = image.shape[:2]
    cell = cell_px(w)
    if BITS * cell > w or 3 * cell > h:
        raise ValueError(f"image {w}x{h} is too small for a {BITS}-cell clock")
    time_ms = round(time.timestamp() * 1000.0)
    image[: cell * 3, : BITS * cell] = 0
    for i, bit in enumerate(encode_bits(time_ms)):
        if bit:
            image[:cell, i * cell : (i + 1) * cell] = 255
    text = time.astimezone(UTC).strftime("%H:%M:%S.%f")[:-3]
    scale = cell / 16.0
    cv2.putText(
        image,
        text,
        (cell // 2, round(cell * 2.6)),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.8 * scale,
        (255, 255, 255),
        max(1, round(2 * scale)),
        cv2.LINE_AA,
    )


def read_clock(image: npt.NDArray[np.uint8], *, near_ms: int) -> int | None:
    """The burned-in time (POSIX ms) nearest ``near_ms``; ``None`` when the check fails."""
    h, w = image.shape[:2]
    cell = cell_px(w)
    if BITS * cell > w or cell > h:
        return None
    gray = image.mean(axis=2) if image.ndim == 3 else image
    word = 0
    for i in range(BITS):
        y, x = cell // 2, i * cell + cell // 2
        word = (word << 1) | int(gray[y, x] >= 128)
    low, check = word >> CHECK_BITS, word & 0xFF
    if _check(low) != check:
        return None
    base = near_ms - (near_ms % _WRAP)
    candidates = (base - _WRAP + low, base + low, base + _WRAP + low)
    return min(candidates, key=lambda t: abs(t - near_ms))
