"""``SimulatedSource``: a frame source that renders a scenario, with ground truth on demand."""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime, timedelta

from kordon.domain.time import require_utc
from kordon.sim.errors import SimulationError
from kordon.sim.render import FrameTruth, Renderer
from kordon.video.live.clock_stamp import stamp_clock
from kordon.video.source.clock import Clock
from kordon.video.source.frame import Frame, SourceInfo

logger = logging.getLogger(__name__)
_TRUTH_CACHE = 256


class SharedEpoch:
    """The scenario start shared by the simulated cameras of one world (thread-safe): the
    first camera to start fixes it, later ones join the scenario at the time it has got to,
    so every camera shows the same people at the same time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._time: datetime | None = None

    def fix(self, now: datetime) -> datetime:
        with self._lock:
            if self._time is None:
                self._time = require_utc(now, name="epoch")
            return self._time


class SimulatedSource:
    """Yields ``Frame`` objects of a rendered scenario at its fps.

    ``time`` of frame ``k`` is ``start_time + k / fps``; with ``start_time=None`` the
    clock's ``now()`` when the first frame is rendered (a live camera: frame times are then
    the wall times at which frames are paced out). The source ends after
    ``duration_s`` (or the scenario's own duration); an endless scenario with no duration
    runs forever. ``realtime=True`` paces frames against ``clock.monotonic()`` using
    ``clock.sleep`` (inject a fake clock in tests). A clock is required for pacing and for
    ``start_time=None``; there is no hidden default. ``ground_truth(k)`` gives frame ``k``'s
    exact truth (cached for recently yielded frames, recomputed otherwise).
    ``burn_clock=True`` burns the clock's ``now()`` at the moment each frame is rendered
    into its top-left corner (``kordon.video.live.clock_stamp``), so a viewer can measure
    glass-to-glass delay; it needs a clock.
    """

    def __init__(
        self,
        renderer: Renderer,
        start_time: datetime | None,
        *,
        duration_s: float | None = None,
        realtime: bool = False,
        clock: Clock | None = None,
        source_id: str = "sim",
        burn_clock: bool = False,
        epoch: SharedEpoch | None = None,
    ) -> None:
        self.renderer = renderer
        self.start_time = None if start_time is None else require_utc(start_time, name="start_time")
        if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
            raise SimulationError(f"duration_s must be > 0, got {duration_s}")
        self.duration_s = duration_s
        if clock is None and (realtime or start_time is None or burn_clock):
            raise SimulationError(
                "a realtime source, one without start_time or one burning a clock needs a "
                "clock (pass clock=)"
            )
        if epoch is not None and (start_time is not None or clock is None):
            raise SimulationError("a shared epoch replaces start_time and needs a clock")
        self.epoch = epoch
        self.burn_clock = burn_clock
        self.realtime = realtime
        self._clock = clock
        self.source_id = source_id
        self._truths: OrderedDict[int, FrameTruth] = OrderedDict()

    @property
    def fps(self) -> float:
        return self.renderer.scenario.fps

    @property
    def frame_count(self) -> int | None:
        """Frames this source yields (``None`` = endless)."""
        counts = [self.renderer.scenario.frame_count]
        if self.duration_s is not None:
            counts.append(math.floor(self.duration_s * self.fps + 1e-9))
        known = [c for c in counts if c is not None]
        return min(known) if known else None

    @property
    def info(self) -> SourceInfo:
        w, h = self.renderer.scenario.resolution_wh
        return SourceInfo(
            width_px=w, height_px=h, nominal_fps=self.fps, codec="sim", frame_count=self.frame_count
        )

    def start(self) -> None:
        """Build the background now (otherwise done on the first frame)."""
        self.renderer.load()

    def frames(self) -> Iterator[Frame]:
        """Render frames in order, pacing in real time when asked."""
        self.start()
        count = self.frame_count
        clock = self._clock
        t0 = clock.monotonic() if clock is not None else 0.0
        start_time = self.start_time
        k = 0
        if start_time is None:
            assert clock is not None  # checked in __init__
            start_time = clock.now()
            if self.epoch is not None:
                # join the scenario where the first camera of this world has got to
                start_time = self.epoch.fix(start_time)
                k = math.ceil((clock.now() - start_time).total_seconds() * self.fps - 1e-9)
                t0 -= k / self.fps
        while count is None or k < count:
            pts_s = k / self.fps
            if self.realtime and clock is not None:
                wait = t0 + pts_s - clock.monotonic()
                if wait > 0:
                    clock.sleep(wait)
            rendered = self.renderer.render(k)
            self._remember(rendered.truth)
            image = rendered.image
            if self.burn_clock and clock is not None:
                stamp_clock(image, clock.now())
            yield Frame(
                image=image,
                index=k,
                pts_s=pts_s,
                time=start_time + timedelta(seconds=pts_s),
            )
            k += 1
        logger.info("simulated source %s finished after %d frames", self.source_id, k)

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def _remember(self, truth: FrameTruth) -> None:
        self._truths[truth.frame_index] = truth
        while len(self._truths) > _TRUTH_CACHE:
            self._truths.popitem(last=False)

    def ground_truth(self, frame_index: int) -> FrameTruth:
        """Exact truth of frame ``frame_index`` (any frame, yielded or not)."""
        count = self.frame_count
        if frame_index < 0 or (count is not None and frame_index >= count):
            raise SimulationError(
                f"frame {frame_index} is outside this source's frames (0..{count})"
            )
        cached = self._truths.get(frame_index)
        return cached if cached is not None else self.renderer.truth(frame_index)
