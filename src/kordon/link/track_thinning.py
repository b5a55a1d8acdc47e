"""``TrackThinning``: which of an edge's fused-track updates go to the centre, and when.

The site picture publishes every track after each tracker step (several a second); the
centre's map needs far fewer. Per track, an update is **kept** when it is the track's first,
when its class changed, or when ``interval_s`` passed since the last one kept; the others
only replace the track's latest update. When a track has had no update for ``end_after_s``
its latest update, if not sent already, is kept as its **last** (where it was seen last), and
the track is forgotten.

Kept updates wait in a queue that the sender drains at the ``TRACK`` priority, under the
bandwidth budget (:meth:`TrackThinning.take`). Track updates are not durable: an update
still waiting when a newer kept one of the same track arrives is dropped (superseded), except
a track's first update and its class changes; when more than ``max_waiting`` wait (a long
outage), the oldest droppable ones go first. Nothing here is written to disk: tracks are not
persisted at the edge either. Thread-safe; time is injected (monotonic seconds).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from kordon.domain.live_track import LiveTrack


@dataclass(frozen=True, slots=True)
class ThinningSettings:
    interval_s: float = 5.0
    """At most one update per track this often (besides first, last, class changes)."""
    end_after_s: float = 10.0
    """A track without an update this long has ended: its latest update goes as its last."""
    max_waiting: int = 2_000
    """Updates waiting to be sent, at most (the droppable ones go first)."""

    def __post_init__(self) -> None:
        if not self.interval_s > 0 or not self.end_after_s > 0 or self.max_waiting < 1:
            raise ValueError("interval_s and end_after_s must be > 0, max_waiting >= 1")


@dataclass(slots=True)
class _Track:
    class_name: str | None
    kept_at_s: float
    seen_at_s: float
    latest: LiveTrack | None = None
    """The latest update not kept (sent as the last one when the track ends)."""


@dataclass(frozen=True, slots=True)
class _Waiting:
    track: LiveTrack
    keep: bool
    """A first update or a class change: never dropped."""


@dataclass(slots=True)
class ThinningCounts:
    offered: int = 0
    kept: int = 0
    superseded: int = 0
    """Kept updates dropped before they left (a newer one of the same track came)."""
    overflowed: int = 0
    sent: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class TrackThinning:
    """Thins one edge's track updates into a queue for the sender."""

    def __init__(
        self, clock: Callable[[], float], settings: ThinningSettings | None = None
    ) -> None:
        self._clock = clock
        self.settings = settings or ThinningSettings()
        self._lock = threading.Lock()
        self._tracks: dict[str, _Track] = {}
        self._waiting: OrderedDict[tuple[str, int], _Waiting] = OrderedDict()
        self._serial = 0
        self._counts = ThinningCounts()

    def counts(self) -> ThinningCounts:
        with self._lock:
            c = self._counts
            return ThinningCounts(
                c.offered, c.kept, c.superseded, c.overflowed, c.sent, dict(c.reasons)
            )

    def offer(self, track: LiveTrack) -> None:
        """One update of a track (the site picture's output)."""
        now = self._clock()
        with self._lock:
            self._counts.offered += 1
            state = self._tracks.get(track.track_id)
            if state is None:
                self._tracks[track.track_id] = _Track(track.class_name, now, now)
                self._keep(track, "first", keep=True)
                return
            state.seen_at_s = now
            if track.class_name != state.class_name:
                state.class_name = track.class_name
                state.kept_at_s = now
                state.latest = None
                self._keep(track, "class_change", keep=True)
            elif now - state.kept_at_s >= self.settings.interval_s:
                state.kept_at_s = now
                state.latest = None
                self._keep(track, "interval", keep=False)
            else:
                state.latest = track

    def take(self, max_updates: int, fits: Callable[[LiveTrack], bool]) -> list[LiveTrack]:
        """The updates to send now, oldest first: at most ``max_updates``, each while
        ``fits`` says the budget allows it (the first always, if it does). Ended tracks'
        last updates are queued first."""
        self._end_tracks()
        taken: list[LiveTrack] = []
        with self._lock:
            while self._waiting and len(taken) < max_updates:
                key = next(iter(self._waiting))
                if not fits(self._waiting[key].track):
                    break
                taken.append(self._waiting.pop(key).track)
            self._counts.sent += len(taken)
        return taken

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _end_tracks(self) -> None:
        now = self._clock()
        with self._lock:
            ended = [
                (track_id, state)
                for track_id, state in self._tracks.items()
                if now - state.seen_at_s >= self.settings.end_after_s
            ]
            for track_id, state in ended:
                del self._tracks[track_id]
                if state.latest is not None:
                    self._keep(state.latest, "last", keep=True)

    def _keep(self, track: LiveTrack, reason: str, *, keep: bool) -> None:
        """Queue ``track`` (the lock held), dropping a droppable waiting one it supersedes."""
        for key, waiting in list(self._waiting.items()):
            if key[0] == track.track_id and not waiting.keep:
                del self._waiting[key]
                self._counts.superseded += 1
        self._serial += 1
        self._waiting[(track.track_id, self._serial)] = _Waiting(track, keep)
        self._counts.kept += 1
        self._counts.reasons[reason] = self._counts.reasons.get(reason, 0) + 1
        while len(self._waiting) > self.settings.max_waiting:
            droppable = next((k for k, w in self._waiting.items() if not w.keep), None)
            if droppable is None:
                droppable = next(iter(self._waiting))  # only keepers: the oldest goes
            del self._waiting[droppable]
            self._counts.overflowed += 1
