"""``ReplayClock``: the time of a replayed log, as the telemetry of a recorded flight knows it.

A ``.tlog`` records when each message was received (8-byte microseconds before each
frame). A replay with ``replay_time: recorded`` stamps its drone states with that time, so
they line up with the same flight's recorded video; its liveness (heartbeat loss, the
endpoint's silence) must then be judged on the same clock, or a flight of last month reads
as silent for a month the moment it starts. This clock follows the replay:
:class:`~kordon.sensors.mavlink.endpoint.TlogReplay` marks each frame's recorded time as
it hands the frame out, :meth:`frame_time` is that time exactly, and :meth:`now` runs on
from it at the replay's speed (real time for an unpaced replay) while the replay is quiet,
so the vehicles of a log that ended, or fell silent inside the log, go offline after the
heartbeat timeout of replay time. Before the first mark it is the node's clock.
``monotonic`` and ``sleep`` are the node clock's (the replay is paced on it).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from kordon.video.source.clock import Clock


class ReplayClock:
    """A :class:`~kordon.video.source.clock.Clock` in the recorded time of a replay."""

    def __init__(self, clock: Clock, *, speed: float) -> None:
        if not (math.isfinite(speed) and speed >= 0):
            raise ValueError(f"replay speed must be >= 0, got {speed}")
        self._clock = clock
        self._pace = speed if speed > 0 else 1.0
        # (recorded time, node monotonic seconds when it was marked); replaced whole, so a
        # reader on another thread sees one mark or the other, never half of each
        self._mark: tuple[datetime, float] | None = None

    def mark(self, recorded_s: float) -> bool:
        """The replay hands out a frame recorded at ``recorded_s`` (POSIX seconds); a time
        that is not one (not finite, not after 1970, out of range) is ignored: ``False``."""
        if not (math.isfinite(recorded_s) and recorded_s > 0):
            return False
        try:
            recorded = datetime.fromtimestamp(recorded_s, UTC)
        except (OverflowError, OSError, ValueError):
            return False
        self._mark = (recorded, self._clock.monotonic())
        return True

    def frame_time(self) -> datetime | None:
        """The recorded time of the frame last handed out; ``None`` before the first."""
        mark = self._mark
        return None if mark is None else mark[0]

    def now(self) -> datetime:
        mark = self._mark
        if mark is None:
            return self._clock.now()
        recorded, at = mark
        quiet_s = max(self._clock.monotonic() - at, 0.0)
        return recorded + timedelta(seconds=quiet_s * self._pace)

    def monotonic(self) -> float:
        return self._clock.monotonic()

    def sleep(self, seconds: float) -> None:
        self._clock.sleep(seconds)
