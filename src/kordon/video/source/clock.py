"""The clock a source reads: injected, so tests drive time themselves."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds for pacing and timeouts, UTC wall time for frame stamps, sleep."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock (the composition root creates it; components receive it)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock tests drive: ``sleep`` advances time instantly and is recorded."""

    def __init__(self, start: datetime, monotonic_s: float = 0.0) -> None:
        self._start = start
        self._t = monotonic_s
        self._t0 = monotonic_s
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._t

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._t - self._t0)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        self._t += seconds
