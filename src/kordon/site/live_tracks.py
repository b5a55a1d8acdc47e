"""``SiteTrackFeed``: site tracks as map messages, with trails and uncertainty ellipses."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import numpy as np

from kordon.domain.live_track import Ellipse, LiveTrack
from kordon.domain.site_tracks import SiteTracks
from kordon.geo.site_geometry import SiteGeometry

LocalIds = Callable[[int], dict[str, tuple[str, ...]]]


def ellipse_of(cov: np.ndarray) -> Ellipse:
    """The 1-sigma ellipse of a 2×2 (east, north) covariance."""
    values, vectors = np.linalg.eigh(cov)
    minor, major = (math.sqrt(max(float(v), 0.0)) for v in values)
    east, north = (float(v) for v in vectors[:, 1])
    bearing = math.degrees(math.atan2(east, north)) % 180.0
    return Ellipse(major_m=major, minor_m=minor, bearing_deg=bearing)


class SiteTrackFeed:
    """Turns tracker steps into ``LiveTrack`` messages (one per shown track).

    The picture steps on every scan of every sensor (tens a second); a map needs a track
    a few times a second. A track is shown again once ``min_interval_s`` of event time
    has passed since it was last shown, or at once when it is new, becomes confirmed,
    gains or loses a sensor, or has a measurement taken ``min_interval_s`` or more after
    the newest one it had when last shown (a radar's next look at it, a track seen
    again): a sparse sensor's update is not held back until the next step that falls
    due. Fewer messages keep the live feed's queue, which alerts share, short.
    """

    def __init__(
        self,
        geometry: SiteGeometry,
        *,
        local_ids: LocalIds,
        trail_points: int = 20,
        show_tentative: bool = False,
        min_interval_s: float = 0.2,
    ) -> None:
        if not (math.isfinite(min_interval_s) and min_interval_s >= 0):
            raise ValueError(f"min_interval_s must be >= 0, got {min_interval_s}")
        self._geometry = geometry
        self._local_ids = local_ids
        self._trail_points = trail_points
        self._show_tentative = show_tentative
        self._min_interval_s = min_interval_s
        self._trails: dict[int, deque[tuple[float, float]]] = {}
        # track → (event time it was last shown, confirmed then, its sensors then, its
        # last update then)
        self._shown: dict[int, tuple[float, bool, tuple[str, ...], float]] = {}

    def _due(
        self,
        track_id: int,
        time_s: float,
        confirmed: bool,
        sensors: tuple[str, ...],
        last_update_s: float,
    ) -> bool:
        last = self._shown.get(track_id)
        return (
            last is None
            or time_s - last[0] >= self._min_interval_s - 1e-9
            or last[1] != confirmed
            or last[2] != sensors
            or last_update_s - last[3] >= self._min_interval_s - 1e-9
        )

    def messages(self, tracks: SiteTracks, deleted: Iterable[int]) -> list[LiveTrack]:
        for track_id in deleted:
            self._trails.pop(int(track_id), None)
            self._shown.pop(int(track_id), None)
        shown = tracks if self._show_tentative else tracks[tracks.confirmed]
        if len(shown) == 0:
            return []
        due = np.fromiter(
            (
                self._due(track_id, shown.time_s, bool(confirmed), sensors, updated_s)
                for track_id, confirmed, sensors, updated_s in zip(
                    shown.site_track_id.tolist(),
                    shown.confirmed.tolist(),
                    shown.sensor_ids,
                    shown.last_update_s.tolist(),
                    strict=True,
                )
            ),
            np.bool_,
            len(shown),
        )
        if not due.any():
            return []
        shown = shown[due]
        lonlat = self._geometry.frame.xy_to_lonlat(shown.east_north_m)
        sectors = self._geometry.sectors.sector_of(shown.east_north_m)
        time = datetime.fromtimestamp(shown.time_s, UTC)
        out: list[LiveTrack] = []
        for i, track_id in enumerate(shown.site_track_id.tolist()):
            self._shown[track_id] = (
                shown.time_s,
                bool(shown.confirmed[i]),
                shown.sensor_ids[i],
                float(shown.last_update_s[i]),
            )
            lon, lat = float(lonlat[i, 0]), float(lonlat[i, 1])
            trail = self._trails.setdefault(track_id, deque(maxlen=self._trail_points))
            trail.append((lon, lat))
            out.append(
                LiveTrack(
                    track_id=f"site-{track_id}",
                    camera_id=None,
                    lat=lat,
                    lon=lon,
                    class_name=str(shown.class_name[i]),
                    time=time,
                    trail_lonlat=tuple(trail),
                    sector_id=str(sectors[i]) or None,
                    sensors=shown.sensor_ids[i],
                    ellipse=ellipse_of(shown.position_cov_m2[i]),
                    local_ids=self._local_ids(track_id),
                    confirmed=bool(shown.confirmed[i]),
                )
            )
        return out
