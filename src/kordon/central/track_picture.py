"""``TrackPicture``: the latest position of every outpost's tracks at the centre.

Fed by the link receivers with each edge's thinned track updates (``on_tracks``), it keeps
the latest update per (edge, track), forgets those not updated for ``expire_s``, and
publishes each newer update on the centre's ``tracks`` bus channel, where the centre's
``/api/live`` sends it to the browsers' map exactly as a node sends its own tracks. Track ids
are prefixed with their edge (``edge-a/t-17``): two outposts may use the same ids. An update
older than the one held (a late message) changes nothing. Thread-safe; the centre's clock is
injected.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from kordon.domain.live_track import LiveTrack


def central_track_id(edge: str, track_id: str) -> str:
    """The id of ``edge``'s track ``track_id`` at the centre."""
    return f"{edge}/{track_id}"


class TrackPicture:
    """Latest track positions of every edge, with expiry."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        publish: Callable[[LiveTrack], None] | None = None,
        expire_s: float = 60.0,
    ) -> None:
        if not expire_s > 0:
            raise ValueError(f"expire_s must be > 0, got {expire_s}")
        self._clock = clock
        self._publish = publish
        self._expire_s = expire_s
        self._lock = threading.Lock()
        self._latest: dict[tuple[str, str], tuple[LiveTrack, datetime]] = {}

    def update(self, edge: str, tracks: Sequence[LiveTrack]) -> None:
        """Take ``edge``'s updates; publish those newer than held."""
        now = self._clock()
        fresh: list[LiveTrack] = []
        with self._lock:
            self._expire(now)
            for track in tracks:
                key = (edge, track.track_id)
                held = self._latest.get(key)
                if held is not None and held[0].time >= track.time:
                    continue
                central = dataclasses.replace(
                    track, track_id=central_track_id(edge, track.track_id)
                )
                self._latest[key] = (central, now)
                fresh.append(central)
        if self._publish is not None:
            for track in fresh:
                self._publish(track)

    def current(self) -> list[LiveTrack]:
        """Every track updated within ``expire_s``, by edge then track id."""
        with self._lock:
            self._expire(self._clock())
            return [self._latest[key][0] for key in sorted(self._latest)]

    def _expire(self, now: datetime) -> None:
        stale = [
            key
            for key, (_track, seen) in self._latest.items()
            if (now - seen).total_seconds() > self._expire_s
        ]
        for key in stale:
            del self._latest[key]
