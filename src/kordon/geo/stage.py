"""``GeoStage``: one camera's image tracks → ground positions → geo events and observations.

Per frame (implements the camera pipeline's ``TrackStage``):

1. confirmed image tracks' anchor pixels (bottom centre: the feet) go through the camera's
   ``pixel_to_ground``; anchors above the horizon or beyond range are skipped and counted;
2. each track's ground point is smoothed by a constant-velocity Kalman filter in metres
   (:class:`~kordon.geo.geo_smoother.GeoSmoother`), weighted by the projection covariance
   scaled to the noise the track itself shows; a track whose ground point jumps where no
   walker goes (the tracker took someone else, or a box merged with a bush) is smoothed
   afresh there; when the jump went over the border it is known to the rules by a new id
   from then on (a swap must not read as a crossing; events still name the image track),
   otherwise it keeps its id and the rules the side it was on (a walker whose foot point
   jumped near the line is still seen to cross it);
3. a person box shorter than a standing person at its foot (the camera's geometry says
   how tall) may be missing its feet (reeds, a bank): the ground span down to ``top +
   standing height`` is doubt added to the position's covariance
   (:mod:`~kordon.geo.hidden_feet`), and fades over :data:`DOUBT_FADE_S` once the boxes
   are whole, while the smoother still carries the short boxes' positions;
4. the smoothed positions become ``PlanarTracks`` in the local frame, with a quality from
   the position uncertainty (and lower for a track's first updates);
5. geo rules run on them, with each smoothed position's covariance: border crossing
   (inbound/outbound once the track is on the other side with the configured confidence),
   approach to the border, zone enter/exit/dwell;
6. every event gets lat/lon, km post, sector, uncertainty and ``source_id`` = camera id.

``observations`` holds the raw (unsmoothed) ground observations of the last frame, for
site-level fusion; ``latest_positions()`` the smoothed positions for the live map.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from kordon.config.site import SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.event import Event, Frame
from kordon.domain.observation import Observation
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.domain.time import require_utc
from kordon.domain.tracks import ImageTracks, PlanarTracks
from kordon.geo.border import Border
from kordon.geo.border_watch import border_watch_boxes, person_height_px
from kordon.geo.geo_rules import (
    GeoRuleSettings,
    border_approach_rule,
    border_crossing_rule,
    zone_rules,
)
from kordon.geo.geo_smoother import GeoSmoother
from kordon.geo.hidden_feet import hidden_feet_cov
from kordon.geo.projection import ABOVE_HORIZON, ImageToGround
from kordon.geo.site_geometry import SiteGeometry
from kordon.rules.base import Rule

logger = logging.getLogger(__name__)


class GeoStageError(KordonError, ValueError):
    """The geo stage was configured or fed with something it cannot use."""


DOUBT_FADE_S = 2.0
"""Time constant (s) over which a track's doubt about hidden feet fades once its boxes
are whole again: the smoother's estimate still carries the short boxes' positions."""


@dataclass(frozen=True)
class GeoStageSettings:
    """How image tracks become ground tracks, and the geo rules' thresholds."""

    rules: GeoRuleSettings = dataclasses.field(default_factory=GeoRuleSettings)
    anchor: str = "bottom_center"
    anchor_offset_px: float = 0.0
    """Rows the anchor is moved up from the box bottom: boxes usually reach a little below
    the ground contact point (soles, blur), which puts far targets too near the camera."""
    anchor_offset_h: float = 0.03
    """Box heights the anchor is moved up from the box bottom (added to
    ``anchor_offset_px``): detector boxes are drawn a little loose around the whole
    person, more below the soles the larger the person is in the image."""
    accel_sigma_mps2: float = 1.0
    min_noise_scale: float = 0.1
    """Least share of the camera model's ground covariance the smoother keeps per
    measurement once a track's own innovations show it measured more precisely (see
    :class:`~kordon.geo.geo_smoother.GeoSmoother`); 1 trusts the model as it is."""
    quality_scale_m: float = 10.0
    warmup_updates: int = 3
    hidden_feet_ratio: float = 0.8
    """A person box shorter than this share of a standing person at its foot (from the
    camera's geometry) may be missing its feet: the ground span to ``top + standing
    height`` is added to its position's covariance (:mod:`kordon.geo.hidden_feet`);
    0 turns it off."""
    zones: bool = True
    geo_rules: bool = True
    """Run the border, approach and zone rules here; off when the site picture runs them on
    fused tracks (the stage then only georeferences and reports observations)."""


@dataclass(frozen=True, slots=True)
class GeoPosition:
    """A smoothed ground position of one image track, for the live map."""

    track_id: int
    lat: float
    lon: float
    class_name: str
    time: datetime
    east_m: float
    north_m: float
    uncertainty_m: float


@dataclass(slots=True)
class _TrackState:
    """What the stage keeps about one image track while the smoother carries it."""

    fresh_id: int | None = None
    """The id the rules know the track by since its ground position jumped over the border
    to someone else (negative, never an image track's); ``None``: its own."""
    doubt_m2: npt.NDArray[np.float64] | None = None
    """The hidden-feet doubt last carried (a ground covariance); ``None``: none."""
    doubt_time_s: float = 0.0
    """When ``doubt_m2`` was carried."""


@dataclass(slots=True)
class SkipCounters:
    """Anchors that could not be put on the ground since the stage started."""

    above_horizon: int = 0
    out_of_range: int = 0


class GeoStage:
    """Georeferences one camera's tracks and runs the geo rules; see the module docstring."""

    def __init__(
        self,
        camera_id: str,
        camera: ImageToGround,
        geometry: SiteGeometry,
        *,
        border: Border | None = None,
        settings: GeoStageSettings | None = None,
    ) -> None:
        if not camera_id:
            raise GeoStageError("camera_id must not be empty")
        self.camera_id = camera_id
        self.camera = camera
        self.geometry = geometry
        self.border = border
        self.settings = settings or GeoStageSettings()
        if not math.isfinite(self.settings.anchor_offset_px):
            raise GeoStageError(f"camera {camera_id!r}: anchor_offset_px must be finite")
        if not 0.0 <= self.settings.anchor_offset_h < 0.5:
            raise GeoStageError(
                f"camera {camera_id!r}: anchor_offset_h must be in [0, 0.5), "
                f"got {self.settings.anchor_offset_h}"
            )
        if self.settings.anchor not in ("bottom_center", "center"):
            raise GeoStageError(
                f"camera {camera_id!r}: anchor must be 'bottom_center' or 'center', "
                f"got {self.settings.anchor!r}"
            )
        self.smoother = GeoSmoother(
            accel_sigma_mps2=self.settings.accel_sigma_mps2,
            min_noise_scale=self.settings.min_noise_scale,
            forget_after_s=self.settings.rules.forget_after_s,
        )
        rs = self.settings.rules
        rules: list[Rule] = []
        if border is not None and self.settings.geo_rules:
            line = geometry.border_lines[border.border_id]
            rules.append(border_crossing_rule(f"{border.border_id}-crossing", camera_id, line, rs))
            approach = border_approach_rule(f"{border.border_id}-approach", camera_id, line, rs)
            if approach is not None:
                rules.append(approach)
        if self.settings.zones and self.settings.geo_rules:
            rules.extend(zone_rules(camera_id, geometry.zones.values(), rs))
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.skipped = SkipCounters()
        self.observations: list[Observation] = []
        self._latest: list[GeoPosition] = []
        # per image track in the last processed frame: its position uncertainty (m)
        self._uncertainty: dict[int, float] = {}
        # per image track the smoother carries (created with its first update, forgotten
        # with it): the id the rules know it by, its hidden-feet doubt
        self._tracks: dict[int, _TrackState] = {}
        self._next_fresh = -1

    def start(self) -> None:
        """Build the border indexes (slow on long lines) before the first frame."""
        if self.border is not None:
            self.geometry.border_lines[self.border.border_id].build()

    def scan(self, time: datetime, *, next_after_s: float | None = None) -> SensorScan:
        """The last processed frame's ground observations as this camera's scan;
        ``next_after_s``: the earliest time the next analysed frame can have."""
        obs = Observations.from_records(self.observations) if self.observations else None
        return SensorScan(
            self.camera_id,
            require_utc(time).timestamp(),
            obs if obs is not None else Observations.empty(),
            next_after_s,
        )

    def watch_boxes(
        self, frame_wh: tuple[int, int], *, crop_per_height: float
    ) -> npt.NDArray[np.float64]:
        """Person-sized boxes along the border in view, for the pipeline's sweep
        (:class:`~kordon.video.pipeline.watch.WatchArea`); none without a border."""
        if self.border is None:
            return np.zeros((0, 4), np.float64)
        boxes = border_watch_boxes(self.camera, self.border, crop_per_height=crop_per_height)
        model_w, model_h = self.camera.image_size_wh
        scale = np.array([frame_wh[0] / model_w, frame_wh[1] / model_h] * 2, np.float64)
        return boxes * scale

    def person_height_px(
        self, foot_uv: npt.NDArray[np.float64], frame_wh: tuple[int, int]
    ) -> npt.NDArray[np.float64]:
        """A standing person's height at each foot pixel of a ``frame_wh`` frame, in its
        pixels (:class:`~kordon.video.pipeline.scale.PersonScale`); NaN off the ground."""
        feet = np.asarray(foot_uv, np.float64).reshape(-1, 2)
        model_w, model_h = self.camera.image_size_wh
        sx, sy = frame_wh[0] / model_w, frame_wh[1] / model_h
        heights = person_height_px(self.camera, feet / np.array([sx, sy]))
        return heights * sy

    def latest_positions(self) -> list[GeoPosition]:
        """Smoothed positions of the tracks seen in the last processed frame."""
        return list(self._latest)

    def process(self, tracks: ImageTracks, time: datetime, frame_index: int) -> list[Event]:
        """Georeference one frame's tracks, run the geo rules, return enriched events."""
        try:
            time = require_utc(time)
        except ValueError as exc:
            raise GeoStageError(f"camera {self.camera_id!r}: {exc}") from None
        time_s = time.timestamp()
        planar = self._georeference(tracks, time, time_s)
        for gone in self.smoother.forget(time_s):
            self._tracks.pop(gone, None)
        events: list[Event] = []
        for rule in self.rules:
            events.extend(rule.trigger(planar, time))
        return [self._enrich(e, frame_index) for e in events]

    def _georeference(self, tracks: ImageTracks, time: datetime, time_s: float) -> PlanarTracks:
        self.observations = []
        self._latest = []
        self._uncertainty = {}
        live = tracks[tracks.confirmed] if len(tracks) else tracks
        if len(live) == 0:
            return PlanarTracks.empty()
        uv = live.anchor_px(self.settings.anchor).astype(np.float64)
        height_px = (live.xyxy_px[:, 3] - live.xyxy_px[:, 1]).astype(np.float64)
        uv[:, 1] -= self.settings.anchor_offset_px + self.settings.anchor_offset_h * height_px
        finite = np.all(np.isfinite(uv), axis=1)
        uv[~finite] = 0.0
        ground = self.camera.pixel_to_ground(uv)
        valid = ground.valid & finite
        self.skipped.above_horizon += int(np.sum(ground.reason[finite] == ABOVE_HORIZON))
        self.skipped.out_of_range += int(np.sum(~valid)) - int(
            np.sum(ground.reason[finite] == ABOVE_HORIZON)
        )
        names = live.class_names
        hidden = np.zeros((len(live), 2, 2))
        if self.settings.hidden_feet_ratio > 0.0:
            person = np.asarray([n == "person" for n in names], np.bool_) & valid
            if person.any():
                hidden[person] = hidden_feet_cov(
                    self.camera,
                    uv[person],
                    height_px[person],
                    ground.xy_m[person],
                    min_height_ratio=self.settings.hidden_feet_ratio,
                )
        ids: list[int] = []
        image_ids: list[int] = []
        xy: list[tuple[float, float]] = []
        classes: list[str] = []
        quality: list[float] = []
        covs: list[np.ndarray] = []
        for k in np.flatnonzero(valid).tolist():
            tid = int(live.tracker_id[k])
            cov = ground.covariance_m2[k] + hidden[k]
            z = ground.xy_m[k]
            self.observations.append(
                Observation(
                    sensor_id=self.camera_id,
                    time=time,
                    class_name=names[k],
                    score=float(np.clip(live.confidence[k], 0.0, 1.0)),
                    east_m=float(z[0]),
                    north_m=float(z[1]),
                    covariance_m2=(
                        (float(cov[0, 0]), float(cov[0, 1])),
                        (float(cov[0, 1]), float(cov[1, 1])),
                    ),
                    source_track_id=str(tid),
                )
            )
            before = self.smoother.state(tid)
            old_xy = before.xy_m if before is not None else None
            state = self.smoother.update(
                tid, z, ground.covariance_m2[k], time_s, unlearnt_cov_m2=hidden[k]
            )
            track = self._tracks.setdefault(tid, _TrackState())
            if state.restarted and self._jump_crosses_border(old_xy, z):
                track.fresh_id = self._next_fresh
                self._next_fresh -= 1
            doubt = self._doubt_now(track, hidden[k], time_s)
            position_cov = state.position_cov_m2 + doubt
            sigma = float(np.sqrt(max(float(np.linalg.eigvalsh(position_cov)[-1]), 0.0)))
            q = 1.0 / (1.0 + sigma / self.settings.quality_scale_m)
            if state.updates < self.settings.warmup_updates:
                q *= 0.5
            ids.append(tid if track.fresh_id is None else track.fresh_id)
            image_ids.append(tid)
            xy.append((float(state.mean[0]), float(state.mean[1])))
            classes.append(names[k])
            quality.append(q)
            covs.append(position_cov)
            self._uncertainty[tid] = sigma
        if not ids:
            return PlanarTracks.empty()
        xy_arr = np.asarray(xy, np.float64)
        lonlat = self.geometry.frame.xy_to_lonlat(xy_arr)
        self._latest = [
            GeoPosition(
                track_id=tid,
                lat=float(lonlat[i, 1]),
                lon=float(lonlat[i, 0]),
                class_name=classes[i],
                time=time,
                east_m=xy[i][0],
                north_m=xy[i][1],
                uncertainty_m=self._uncertainty[tid],
            )
            for i, tid in enumerate(image_ids)
        ]
        return PlanarTracks(
            track_id=np.asarray(ids, np.int64),
            xy=xy_arr,
            class_name=tuple(classes),
            confirmed=np.ones(len(ids), np.bool_),
            quality=np.asarray(quality, np.float64),
            position_cov=np.asarray(covs, np.float64).reshape(-1, 2, 2),
        )

    @staticmethod
    def _doubt_now(
        track: _TrackState, hidden: npt.NDArray[np.float64], time_s: float
    ) -> npt.NDArray[np.float64]:
        """The track's doubt about hidden feet: this box's, or what is left of an earlier
        box's while the smoother still carries positions measured from it."""
        doubt = hidden
        if track.doubt_m2 is not None:
            kept = track.doubt_m2 * math.exp(-(time_s - track.doubt_time_s) / DOUBT_FADE_S)
            if np.trace(kept) > np.trace(doubt):
                doubt = kept
        if doubt.any():
            track.doubt_m2, track.doubt_time_s = doubt, time_s
        else:
            track.doubt_m2 = None
        return doubt

    def _image_id(self, rule_id: int) -> int:
        """The image track the rules know by ``rule_id``: the one given it as a fresh id,
        else ``rule_id`` itself."""
        return next((tid for tid, t in self._tracks.items() if t.fresh_id == rule_id), rule_id)

    def _jump_crosses_border(
        self, old_xy: npt.NDArray[np.float64] | None, new_xy: npt.NDArray[np.float64]
    ) -> bool:
        """Whether a restarted track's jump went over the border (or cannot be told)."""
        if self.border is None or old_xy is None:
            return True
        d = self.border.signed_distance_m(np.stack([old_xy, new_xy])).distance_m
        return bool(np.sign(d[0]) != np.sign(d[1]))

    def _enrich(self, event: Event, frame_index: int) -> Event:
        if event.x is None or event.y is None or event.frame is not Frame.LOCAL:
            return event
        xy = np.array([[event.x, event.y]])
        lon, lat = (float(v) for v in self.geometry.frame.xy_to_lonlat(xy)[0])
        km_post: float | None = None
        if self.border is not None:
            along = event.attributes.get("distance_along")
            if not isinstance(along, float):
                along = float(self.border.signed_distance_m(xy).along_m[0])
            km_post = float(self.border.km_post(along))
        sector = str(self.geometry.sectors.sector_of(xy)[0]) or None
        uncertainty: float | None = None
        track_id = event.track_id
        if track_id is not None:
            image_id = self._image_id(int(track_id))
            track_id = str(image_id)
            uncertainty = self._uncertainty.get(image_id)
        if uncertainty is not None and not math.isfinite(uncertainty):
            uncertainty = None
        return dataclasses.replace(
            event,
            track_id=track_id,
            lat=lat,
            lon=lon,
            km_post=km_post,
            sector_id=sector,
            uncertainty_m=uncertainty,
            attributes={**event.attributes, "frame_index": frame_index},
        )

    @classmethod
    def from_site(
        cls,
        site: SiteConfig,
        camera_id: str,
        *,
        geometry: SiteGeometry | None = None,
        settings: GeoStageSettings | None = None,
        image_size_wh: tuple[int, int] | None = None,
    ) -> GeoStage | None:
        """The stage of a site camera; ``None`` when the camera is not georeferenced.

        Pass one shared ``geometry`` for all cameras of a site (borders are built once).
        """
        try:
            camera_cfg = site.camera(camera_id)
        except KeyError as exc:
            raise GeoStageError(str(exc.args[0])) from None
        geometry = geometry or SiteGeometry.from_config(site)
        camera = geometry.camera_model(camera_cfg, image_size_wh=image_size_wh)
        if camera is None:
            return None
        border = geometry.border_for_camera(camera_cfg, site)
        return cls(camera_id, camera, geometry, border=border, settings=settings)
