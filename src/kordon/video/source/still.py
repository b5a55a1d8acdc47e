"""Notices a source that keeps delivering the same picture: a frozen encoder, a stuck
decoder, a camera whose stream repeats its last frame.

A working camera never delivers two byte-identical frames for long: its sensor noise, its
on-screen clock and the light change every frame. A sample of every ``stride``-th pixel
in both directions is compared exactly with the previous frame's; once the picture has not
changed for ``after_s`` seconds the watch reports it frozen, and it reports the recovery on
the first changed frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class StillChange:
    """The watch's verdict changed: ``frozen`` now (unchanged for ``still_s`` seconds), or
    moving again after having been frozen."""

    frozen: bool
    still_s: float


class StillImageWatch:
    """Tracks how long a camera's picture has been unchanged (see the module docstring)."""

    def __init__(self, *, after_s: float = 30.0, stride: int = 8) -> None:
        if not after_s > 0:
            raise ValueError(f"after_s must be > 0, got {after_s}")
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        self.after_s = after_s
        self._stride = stride
        self._last: NDArray[np.uint8] | None = None
        self._last_seen_s = 0.0
        self._unchanged_since_s: float | None = None
        self._frozen = False

    @property
    def frozen(self) -> bool:
        """Whether the picture has been unchanged for at least ``after_s``."""
        return self._frozen

    def still_s(self, now_s: float) -> float:
        """Seconds the picture has been unchanged at ``now_s`` (0 while it changes)."""
        return 0.0 if self._unchanged_since_s is None else now_s - self._unchanged_since_s

    def observe(self, image: NDArray[np.uint8], now_s: float) -> StillChange | None:
        """Take one frame seen at ``now_s`` (a monotonic clock); a change of verdict or None."""
        sample = image[:: self._stride, :: self._stride]
        last = self._last
        if last is not None and last.shape == sample.shape and np.array_equal(last, sample):
            if self._unchanged_since_s is None:
                self._unchanged_since_s = self._last_seen_s
            self._last_seen_s = now_s
            still = now_s - self._unchanged_since_s
            if not self._frozen and still >= self.after_s:
                self._frozen = True
                return StillChange(True, still)
            return None
        self._last = np.array(sample, copy=True)
        self._last_seen_s = now_s
        self._unchanged_since_s = None
        if self._frozen:
            self._frozen = False
            return StillChange(False, 0.0)
        return None
