"""``TrackFeed``: georeferenced track positions, with short trails, onto the live bus."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from kordon.bus.channels import TRACKS
from kordon.bus.protocol import Bus
from kordon.domain.live_track import LiveTrack
from kordon.geo.stage import GeoPosition

SectorOf = Callable[[npt.ArrayLike], npt.NDArray[np.str_]]


class TrackFeed:
    """Publishes each frame's geo positions as ``LiveTrack`` messages (thread-safe).

    Trails keep the last ``trail_points`` positions per track; a track not seen for
    ``forget_after_s`` is forgotten, so memory stays bounded on an endless demo. Ageing is
    per camera, in that camera's own frame times: cameras run on their own threads and
    clocks, so one camera's frames never expire another camera's tracks.
    """

    def __init__(
        self,
        bus: Bus,
        *,
        sector_of: SectorOf,
        trail_points: int = 20,
        forget_after_s: float = 30.0,
    ) -> None:
        self._bus = bus
        self._sector_of = sector_of
        self._trail_points = trail_points
        self._forget = timedelta(seconds=forget_after_s)
        self._trails: dict[str, dict[int, deque[tuple[float, float]]]] = {}
        self._seen: dict[str, dict[int, datetime]] = {}
        self._lock = threading.Lock()

    def publish(self, camera_id: str, positions: Sequence[GeoPosition], time: datetime) -> None:
        if positions:
            sectors = self._sector_of([(p.east_m, p.north_m) for p in positions])
        messages: list[LiveTrack] = []
        with self._lock:
            trails = self._trails.setdefault(camera_id, {})
            seen = self._seen.setdefault(camera_id, {})
            for i, p in enumerate(positions):
                trail = trails.setdefault(p.track_id, deque(maxlen=self._trail_points))
                trail.append((p.lon, p.lat))
                seen[p.track_id] = time
                messages.append(
                    LiveTrack(
                        track_id=f"{camera_id}/{p.track_id}",
                        camera_id=camera_id,
                        lat=p.lat,
                        lon=p.lon,
                        class_name=p.class_name,
                        time=p.time,
                        trail_lonlat=tuple(trail),
                        sector_id=str(sectors[i]) or None,
                    )
                )
            stale = [k for k, last in seen.items() if time - last > self._forget]
            for track_id in stale:
                del seen[track_id]
                del trails[track_id]
        for message in messages:
            self._bus.publish(TRACKS, message)
