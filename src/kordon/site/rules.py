"""``SiteRules``: border crossing, approach and zone rules on fused site tracks.

The same rule code the cameras use (``kordon.geo.geo_rules``) runs once for the whole
site on the site tracker's confirmed tracks: one crossing per object, whichever sensors
see it. Each event gets its place (lat/lon, km post, sector), the track's uncertainty,
the site track id and every contributing sensor; its ``source_id`` is the camera (else
the sensor) that saw the track last, whose footage and snapshot show the moment. Its
``detected_at`` attribute is the time of the newest measurement the picture had taken in
when the rule fired: the frame (or plot, or alarm) whose arrival let the picture step to
the decision, from which alert latency is measured. For a rule that fires on a track's
own new measurement that is the track's frame; for one that fires on a track's predicted
position (an approach or a zone entered between two looks at it) it is the frame that
moved the picture on, not the track's older one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from kordon.domain.event import Event, Frame
from kordon.domain.site_tracks import SiteTracks
from kordon.domain.tracks import PlanarTracks
from kordon.geo.border import Border
from kordon.geo.geo_rules import (
    GeoRuleSettings,
    border_approach_rule,
    border_crossing_rule,
    zone_rules,
)
from kordon.geo.site_geometry import SiteGeometry
from kordon.rules.base import Rule
from kordon.site.corroboration import SENSORS_ATTRIBUTE, TRACK_ATTRIBUTE

SITE_SOURCE = "site"
QUALITY_SCALE_M = 10.0

LastSensor = Callable[[int], str | None]
"""The sensor that last supported a live site track (a camera preferred), or ``None``."""


def track_sigma_m(cov: np.ndarray) -> np.ndarray:
    """1-sigma of each (N, 2, 2) covariance along its larger axis (m)."""
    if cov.shape[0] == 0:
        return np.zeros(0)
    return np.sqrt(np.maximum(np.linalg.eigvalsh(cov)[:, -1], 0.0))


def _detected_at(newest_s: float | None, step: datetime) -> str:
    """The newest measurement the picture has taken in (the step's time when it has none).
    The step itself can be later: the picture moves to just before the sensors' next
    promised scan, so stamping the step would hide the time it waited for the others."""
    if newest_s is None or newest_s > step.timestamp():
        return step.isoformat()
    return datetime.fromtimestamp(newest_s, UTC).isoformat()


class SiteRules:
    """See the module docstring."""

    def __init__(
        self,
        geometry: SiteGeometry,
        *,
        settings: GeoRuleSettings | None = None,
        last_sensor: LastSensor,
    ) -> None:
        self.geometry = geometry
        self.settings = settings or GeoRuleSettings()
        self._last_sensor = last_sensor
        rules: list[tuple[Rule, Border | None]] = []
        for border_id, border in geometry.borders.items():
            line = geometry.border_lines[border_id]
            rules.append(
                (
                    border_crossing_rule(f"{border_id}-crossing", SITE_SOURCE, line, self.settings),
                    border,
                )
            )
            approach = border_approach_rule(
                f"{border_id}-approach", SITE_SOURCE, line, self.settings
            )
            if approach is not None:
                rules.append((approach, border))
        rules.extend(
            (r, None) for r in zone_rules(SITE_SOURCE, geometry.zones.values(), self.settings)
        )
        self._rules = tuple(rules)

    def evaluate(self, tracks: SiteTracks) -> list[Event]:
        """Run every rule on the tracks at ``tracks.time_s``; enriched events."""
        time = datetime.fromtimestamp(tracks.time_s, UTC)
        planar = self.planar(tracks)
        sigma = dict(
            zip(
                tracks.site_track_id.tolist(),
                track_sigma_m(tracks.position_cov_m2).tolist(),
                strict=True,
            )
        )
        sensors = dict(zip(tracks.site_track_id.tolist(), tracks.sensor_ids, strict=True))
        newest_s = float(tracks.last_update_s.max()) if len(tracks.last_update_s) else None
        events: list[Event] = []
        for rule, border in self._rules:
            for event in rule.trigger(planar, time):
                enriched = self._enrich(event, border, sigma, sensors)
                enriched.attributes["detected_at"] = _detected_at(newest_s, time)
                events.append(enriched)
        return events

    @staticmethod
    def planar(tracks: SiteTracks) -> PlanarTracks:
        """Confirmed tracks as the rules' input, quality from the position uncertainty."""
        sigma = track_sigma_m(tracks.position_cov_m2)
        quality = 1.0 / (1.0 + sigma / QUALITY_SCALE_M)
        return PlanarTracks(
            track_id=tracks.site_track_id.astype(np.int64),
            xy=tracks.east_north_m.astype(np.float64).reshape(-1, 2),
            class_name=tuple(str(c) for c in tracks.class_name),
            confirmed=tracks.confirmed.astype(np.bool_),
            quality=quality.astype(np.float64),
            position_cov=tracks.position_cov_m2.astype(np.float64).reshape(-1, 2, 2),
        )

    def _enrich(
        self,
        event: Event,
        border: Border | None,
        sigma: dict[int, float],
        sensors: dict[int, tuple[str, ...]],
    ) -> Event:
        if event.x is None or event.y is None or event.frame is not Frame.LOCAL:
            return event
        xy = np.array([[event.x, event.y]])
        lon, lat = (float(v) for v in self.geometry.frame.xy_to_lonlat(xy)[0])
        km_post: float | None = None
        if border is not None:
            along = event.attributes.get("distance_along")
            if not isinstance(along, float):
                along = float(border.signed_distance_m(xy).along_m[0])
            km_post = float(border.km_post(along))
        sector = str(self.geometry.sectors.sector_of(xy)[0]) or None
        track = int(event.track_id) if event.track_id is not None else None
        uncertainty = sigma.get(track) if track is not None else None
        if uncertainty is not None and not math.isfinite(uncertainty):
            uncertainty = None
        attributes = dict(event.attributes)
        source = event.source_id
        if track is not None:
            attributes[TRACK_ATTRIBUTE] = track
            attributes[SENSORS_ATTRIBUTE] = ",".join(sensors.get(track, ()))
            source = self._last_sensor(track) or source
        return dataclasses.replace(
            event,
            source_id=source,
            track_id=f"site-{track}" if track is not None else event.track_id,
            lat=lat,
            lon=lon,
            km_post=km_post,
            sector_id=sector,
            uncertainty_m=uncertainty,
            attributes=attributes,
        )
