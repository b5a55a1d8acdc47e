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
    """Turns each tracker step into ``LiveTrack`` messages (one per shown track)."""

    def __init__(
        self,
        geometry: SiteGeometry,
        *,
        local_ids: LocalIds,
        trail_points: int = 20,
        show_tentative: bool = False,
    ) -> None:
        self._geometry = geometry
        self._local_ids = local_ids
        self._trail_points = trail_points
        self._show_tentative = show_tentative
        self._trails: dict[int, deque[tuple[float, float]]] = {}

    def messages(self, tracks: SiteTracks, deleted: Iterable[int]) -> list[LiveTrack]:
        for track_id in deleted:
            self._trails.pop(int(track_id), None)
        shown = tracks if self._show_tentative else tracks[tracks.confirmed]
        if len(shown) == 0:
            return []
        lonlat = self._geometry.frame.xy_to_lonlat(shown.east_north_m)
        sectors = self._geometry.sectors.sector_of(shown.east_north_m)
        time = datetime.fromtimestamp(shown.time_s, UTC)
        out: list[LiveTrack] = []
        for i, track_id in enumerate(shown.site_track_id.tolist()):
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
