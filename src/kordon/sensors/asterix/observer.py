"""``RadarObserver``: one radar's CAT048 plots and CAT062 tracks → :class:`Observations`.

Plots: the measured position (I048/040, range and azimuth) through the radar's
:class:`RadarGeometry`, or, without it, the calculated Cartesian one (I048/042, in the
radar's own axes); covariance from the configured range and azimuth sigmas; local id the
track number (I048/161) when the radar sends local tracks. Tracks: the WGS84 position
(I062/105) in the local frame, with the track's own covariance (I062/500) when it has
one, else the radar's polar one at the track's place; local id ``T`` + track number.

Times are the records' time of day resolved against the node's clock at arrival
(:func:`resolve_time_of_day`); a record without one takes the arrival time. Like the
ground sensors' observer, ``max_delay_s`` (none: off) keeps a late record's stamp within
the site tracker's re-ordering lag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations
from kordon.domain.time import require_utc
from kordon.geo.frame import LocalFrame
from kordon.sensors.asterix.accuracy import Cov2
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.asterix.records import Cat048Record, Cat062Record
from kordon.sensors.asterix.time_of_day import resolve_time_of_day, valid_time_of_day

F64 = npt.NDArray[np.float64]

RADAR_CLASS = "unknown"
"""A primary radar does not classify: its observations carry no class of their own."""


@dataclass(frozen=True, slots=True)
class Observed:
    """Observations made from some records, and how many records gave none (no usable
    position, or a time of day past 24 h)."""

    observations: Observations
    unusable: int


class RadarObserver:
    """Turns one radar's decoded records into observations in the site's local frame."""

    def __init__(
        self,
        sensor_id: str,
        geometry: RadarGeometry,
        frame: LocalFrame,
        *,
        confidence: float,
        max_delay_s: float | None = None,
    ) -> None:
        if not 0.0 < confidence <= 1.0:
            raise ValueError(f"confidence must be in (0, 1], got {confidence}")
        if max_delay_s is not None and not max_delay_s >= 0:
            raise ValueError(f"max_delay_s must be >= 0, got {max_delay_s}")
        self.sensor_id = sensor_id
        self.geometry = geometry
        self._frame = frame
        self.confidence = confidence
        self.max_delay_s = max_delay_s

    def times(self, time_of_day_s: Sequence[float | None], now: datetime) -> F64:
        """POSIX seconds of records' times of day (``None``: arrival), and NaN for a time
        of day past 24 h."""
        now = require_utc(now, name="now")
        tod = np.array([np.nan if t is None else t for t in time_of_day_s], np.float64)
        missing = np.isnan(tod)
        out = resolve_time_of_day(np.where(missing, 0.0, tod), now)
        out[missing] = now.timestamp()
        out[~missing & ~valid_time_of_day(np.where(missing, 0.0, tod))] = np.nan
        if self.max_delay_s is not None:
            out = np.maximum(out, now.timestamp() - self.max_delay_s)
        return out

    def plots(self, records: Sequence[Cat048Record], now: datetime) -> Observed:
        """Observations of CAT048 target reports (one row per usable record, in order)."""
        if not records:
            return Observed(Observations.empty(), 0)
        g = self.geometry
        n = len(records)
        xy = np.full((n, 2), np.nan)
        cov = np.full((n, 2, 2), np.nan)
        polar = np.array(
            [r.range_m is not None and r.azimuth_deg is not None for r in records], np.bool_
        )
        if polar.any():
            idx: list[int] = np.flatnonzero(polar).tolist()
            rng = np.array([records[i].range_m for i in idx], np.float64)
            az = np.array([records[i].azimuth_deg for i in idx], np.float64)
            xy[idx] = g.to_local(rng, az)
            cov[idx] = g.covariance(rng, az)
        cartesian = ~polar & np.array(
            [r.x_m is not None and r.y_m is not None for r in records], np.bool_
        )
        if cartesian.any():
            x = np.array([records[i].x_m for i in np.flatnonzero(cartesian).tolist()], np.float64)
            y = np.array([records[i].y_m for i in np.flatnonzero(cartesian).tolist()], np.float64)
            rho = np.hypot(x, y)
            az = np.mod(np.degrees(np.arctan2(x, y)), 360.0)
            slant = np.sqrt(rho * rho + g.height_m * g.height_m)  # I048/042 is on the ground
            xy[cartesian] = g.to_local(slant, az)
            cov[cartesian] = g.covariance(slant, az)
        times = self.times([r.time_of_day_s for r in records], now)
        local = [str(r.track_number) if r.track_number is not None else "" for r in records]
        return self._build(times, xy, cov, local, polar | cartesian)

    def tracks(
        self, records: Sequence[tuple[Cat062Record, Cov2 | None]], now: datetime
    ) -> Observed:
        """Observations of CAT062 system tracks with their own covariance where known."""
        if not records:
            return Observed(Observations.empty(), 0)
        n = len(records)
        xy = np.full((n, 2), np.nan)
        cov = np.full((n, 2, 2), np.nan)
        located = np.array([r.lat is not None and r.lon is not None for r, _ in records])
        if located.any():
            idx: list[int] = np.flatnonzero(located).tolist()
            lon = np.array([records[i][0].lon for i in idx], np.float64)
            lat = np.array([records[i][0].lat for i in idx], np.float64)
            east, north = self._frame.to_local(lon, lat)
            xy[idx, 0], xy[idx, 1] = east, north
            slant, az = self.geometry.to_polar(xy[idx])
            cov[idx] = self.geometry.covariance(slant, az)
            for i in idx:
                own = records[i][1]
                if own is not None:
                    cov[i] = own
        times = self.times([r.time_of_day_s for r, _ in records], now)
        local = [f"T{r.track_number}" if r.track_number is not None else "" for r, _ in records]
        return self._build(times, xy, cov, local, located)

    def _build(
        self,
        times: F64,
        xy: F64,
        cov: F64,
        local_id: list[str],
        usable: npt.NDArray[np.bool_],
    ) -> Observed:
        keep = usable & np.isfinite(times) & np.isfinite(xy).all(axis=1)
        rows = np.flatnonzero(keep)
        obs = Observations.from_arrays(
            time_s=times[rows],
            sensor_id=self.sensor_id,
            east_north_m=xy[rows],
            cov_m2=cov[rows],
            class_name=RADAR_CLASS,
            confidence=np.full(rows.shape[0], self.confidence),
            local_id=np.asarray([local_id[i] for i in rows], np.str_).reshape(-1),
        )
        return Observed(obs, int(keep.shape[0] - rows.shape[0]))
