"""``DetectionArea``: where a ground sensor's alarm puts its target, as a mean and covariance.

A sensor cannot say where in its area it sensed something, so an alarm is the area itself
treated as a uniform distribution: its centroid with the area's second central moments as
the covariance. For a disc of radius ``r`` that is ``r²/4`` per axis; for a polygon (a
fence section, a culvert, a ford) the moments follow from its vertices (Green's theorem).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from kordon.config.integrations import GroundSensor
from kordon.domain.errors import KordonError
from kordon.geo.frame import LocalFrame

F64 = npt.NDArray[np.float64]

MIN_AREA_M2 = 1.0


class DetectionAreaError(KordonError, ValueError):
    """A configured detection area is unusable (degenerate or self-intersecting polygon)."""


@dataclass(frozen=True, slots=True)
class DetectionArea:
    """Centre (east, north) in metres of the site's local frame and its 2×2 covariance (m²)."""

    east_m: float
    north_m: float
    cov_m2: tuple[tuple[float, float], tuple[float, float]]

    @property
    def centre_m(self) -> tuple[float, float]:
        return (self.east_m, self.north_m)


def disc_area(east_m: float, north_m: float, radius_m: float) -> DetectionArea:
    """A disc of ``radius_m`` around a point: variance ``radius²/4`` along each axis."""
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise DetectionAreaError(f"radius must be > 0, got {radius_m}")
    var = radius_m * radius_m / 4.0
    return DetectionArea(east_m, north_m, ((var, 0.0), (0.0, var)))


def polygon_area(ring_m: npt.ArrayLike) -> DetectionArea:
    """A simple polygon ((N, 2) east/north metres, open or closed ring, either winding):
    its centroid and the covariance of a uniform distribution over it."""
    pts = np.asarray(ring_m, dtype=np.float64).reshape(-1, 2)
    if pts.shape[0] >= 2 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    if pts.shape[0] < 3 or not np.isfinite(pts).all():
        raise DetectionAreaError("a polygon needs at least 3 finite vertices")
    if not shapely.Polygon(pts).is_valid:
        raise DetectionAreaError("the polygon crosses itself")
    origin = pts.mean(axis=0)  # moments about a nearby point: no cancellation far from 0
    x0, y0 = pts[:, 0] - origin[0], pts[:, 1] - origin[1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    cross = x0 * y1 - x1 * y0
    area = cross.sum() / 2.0
    if abs(area) < MIN_AREA_M2:
        raise DetectionAreaError(f"the polygon's area is {abs(area):.3g} m²; at least 1 m²")
    cx = ((x0 + x1) * cross).sum() / (6.0 * area)
    cy = ((y0 + y1) * cross).sum() / (6.0 * area)
    sxx = ((x0 * x0 + x0 * x1 + x1 * x1) * cross).sum() / (12.0 * area)
    syy = ((y0 * y0 + y0 * y1 + y1 * y1) * cross).sum() / (12.0 * area)
    sxy = ((x0 * y1 + 2 * x0 * y0 + 2 * x1 * y1 + x1 * y0) * cross).sum() / (24.0 * area)
    vxx, vyy, vxy = sxx - cx * cx, syy - cy * cy, sxy - cx * cy
    return DetectionArea(
        float(cx + origin[0]),
        float(cy + origin[1]),
        ((float(vxx), float(vxy)), (float(vxy), float(vyy))),
    )


def sensor_area(sensor: GroundSensor, frame: LocalFrame) -> DetectionArea:
    """The detection area of one configured sensor in ``frame``."""
    try:
        if sensor.polygon is not None:
            return polygon_area(frame.lonlat_to_xy(sensor.polygon))
        east, north = frame.to_local(sensor.lon, sensor.lat)
        if sensor.radius_m is None:  # the config model requires one of the two
            raise DetectionAreaError("neither radius_m nor polygon is set")
        return disc_area(float(east), float(north), sensor.radius_m)
    except DetectionAreaError as exc:
        raise DetectionAreaError(f"ground sensor {sensor.id!r}: {exc}") from exc


def sensor_areas(sensors: Sequence[GroundSensor], frame: LocalFrame) -> Mapping[str, DetectionArea]:
    """Sensor id → detection area, for every configured ground sensor."""
    return {s.id: sensor_area(s, frame) for s in sensors}
