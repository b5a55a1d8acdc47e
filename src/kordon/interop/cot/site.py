"""The site picture as CoT events: fused tracks, incidents, sensors, drones, drawings, tasking.

Pure functions of their inputs (time is always given). The mapping (docs/tak.md):

* **Fused site track** → ``a-<aff>-G`` (person or unknown class) or ``a-<aff>-G-E-V``
  (vehicle classes), ``how="m-f"`` (fused). The affiliation ``aff`` is ``h`` (hostile)
  for a track the node has seen cross the border inbound (a ``border_crossing`` event with
  direction ``inbound`` for that track), ``u`` (unknown) otherwise: Kordon never calls a
  track friendly. ``ce`` is the CE90 of the position covariance
  (:func:`~kordon.interop.cot.ce90.ce90_m`); ``hae`` and ``le`` are unknown (the site
  tracker is 2-D). Course and speed come from the velocity; remarks list the class,
  confidence and sensors.
* **Incident** → an alarm ``b-a-o-tbl`` at the incident's location while it is open,
  acknowledged or dispatched; ``b-a-o-can`` (cancel, stale at once) when resolved or
  closed. Remarks: title, priority, status, sector, crossings.
* **Camera** → ``a-f-G-E-S`` with a ``<sensor>`` field of view (azimuth, fov, range).
* **Drone** → ``a-f-A-M-F-Q`` (friendly UAV), ``how="m-g"``, with its camera's
  ``<sensor>`` (azimuth from the gimbal, fov, elevation, range to the footprint).
* **Border and sectors** → ``u-d-f`` drawings, one ``<link point="lat,lon"/>`` per vertex
  (polygons closed by repeating the first vertex), stroke and fill colours as ATAK ARGB.
* **Tasking** → a ``b-m-p-w-GOTO`` waypoint addressed to one unit
  (``<marti><dest uid= callsign=/></marti>``) with the task in ``<remarks>``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from kordon.domain.drone import DroneState, LinkState
from kordon.domain.incident import Incident, IncidentStatus
from kordon.domain.site_tracks import SiteTracks
from kordon.interop.cot.ce90 import ce90_m
from kordon.interop.cot.encode import DetailNode, OutEvent, fixed, node

VEHICLE_CLASSES = frozenset({"vehicle", "car", "truck", "bus", "motorcycle", "boat"})
ALARM_TYPE = "b-a-o-tbl"
CANCEL_TYPE = "b-a-o-can"
CAMERA_TYPE = "a-f-G-E-S"
DRONE_TYPE = "a-f-A-M-F-Q"
DRAWING_TYPE = "u-d-f"
TASKING_TYPE = "b-m-p-w-GOTO"
MAX_DRAWING_POINTS = 2_000
"""Most vertices sent for one drawing (longer lines are thinned evenly, ends kept)."""
_ACTIVE = frozenset({IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.DISPATCHED})


def track_type(class_name: str, hostile: bool) -> str:
    """The CoT type of a fused track (see the module docstring)."""
    aff = "h" if hostile else "u"
    return f"a-{aff}-G-E-V" if class_name.lower() in VEHICLE_CLASSES else f"a-{aff}-G"


@dataclass(frozen=True, slots=True)
class UidScheme:
    """How Kordon names what it sends: ``<prefix>.<kind>.<id>`` (prefix e.g. ``kordon.volyn``)."""

    prefix: str

    def track(self, site_track_id: int) -> str:
        return f"{self.prefix}.track.{site_track_id}"

    def incident(self, incident_id: str) -> str:
        return f"{self.prefix}.incident.{incident_id}"

    def sensor(self, sensor_id: str) -> str:
        return f"{self.prefix}.sensor.{sensor_id}"

    def drone(self, drone_id: str) -> str:
        return f"{self.prefix}.drone.{drone_id}"

    def drawing(self, drawing_id: str) -> str:
        return f"{self.prefix}.drawing.{drawing_id}"

    def tasking(self, incident_id: str, unit_uid: str) -> str:
        return f"{self.prefix}.task.{incident_id}.{unit_uid}"

    def owns(self, uid: str) -> bool:
        """Whether ``uid`` is one Kordon sent (the echo of its own events)."""
        return uid == self.prefix or uid.startswith(self.prefix + ".")


def _remarks(text: str) -> DetailNode:
    return node("remarks", (), text)


def track_events(
    tracks: SiteTracks,
    lonlat: npt.NDArray[np.float64],
    *,
    uids: UidScheme,
    hostile: Collection[int],
    stale_s: float,
    only_confirmed: bool = True,
) -> Iterator[OutEvent]:
    """One event per (confirmed) track; ``lonlat`` (N, 2) are the tracks' positions."""
    if lonlat.shape != (len(tracks), 2):
        raise ValueError(f"lonlat: expected shape {(len(tracks), 2)}, got {lonlat.shape}")
    time = datetime.fromtimestamp(tracks.time_s, UTC)
    stale = time + timedelta(seconds=stale_s)
    ce = ce90_m(tracks.position_cov_m2) if len(tracks) else np.zeros(0)
    for i in range(len(tracks)):
        if only_confirmed and not bool(tracks.confirmed[i]):
            continue
        lon, lat = float(lonlat[i, 0]), float(lonlat[i, 1])
        if not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        track_id = int(tracks.site_track_id[i])
        class_name = str(tracks.class_name[i]) or "unknown"
        ve, vn = (float(v) for v in tracks.velocity_mps[i])
        moving = math.isfinite(ve) and math.isfinite(vn)
        sensors = ", ".join(tracks.sensor_ids[i]) or "none"
        is_hostile = track_id in hostile
        yield OutEvent(
            uid=uids.track(track_id),
            type=track_type(class_name, is_hostile),
            how="m-f",
            time=time,
            start=time,
            stale=stale,
            lat=lat,
            lon=lon,
            ce=float(ce[i]),
            callsign=f"{class_name} {track_id}",
            course_deg=math.degrees(math.atan2(ve, vn)) % 360.0 if moving else None,
            speed_mps=math.hypot(ve, vn) if moving else None,
            detail=(
                _remarks(
                    f"Kordon site track {track_id}: {class_name}, confidence "
                    f"{float(tracks.confidence[i]):.2f}, "
                    f"{'crossed the border inbound, ' if is_hostile else ''}sensors: {sensors}"
                ),
            ),
        )


@dataclass(frozen=True, slots=True)
class IncidentPlace:
    """Where an incident is shown: a position and its 1-sigma uncertainty (m) if known."""

    lat: float
    lon: float
    uncertainty_m: float | None = None


def incident_event(
    incident: Incident,
    place: IncidentPlace,
    *,
    uids: UidScheme,
    now: datetime,
    stale_s: float,
) -> OutEvent:
    """The incident as an alarm while active, as a cancel once resolved or closed."""
    active = incident.status in _ACTIVE
    crossings = incident.crossings
    remarks = (
        f"{incident.title} | priority {incident.priority} | {incident.status.value}"
        f" | sector {incident.sector_id or '-'}"
        f" | crossings inbound {crossings.inbound}, outbound {crossings.outbound}"
        f" | incident {incident.id}"
    )
    ce = None if place.uncertainty_m is None else 2.1460 * place.uncertainty_m
    return OutEvent(
        uid=uids.incident(incident.id),
        type=ALARM_TYPE if active else CANCEL_TYPE,
        how="m-f",
        time=now,
        start=now,
        stale=now + timedelta(seconds=stale_s) if active else now,
        lat=place.lat,
        lon=place.lon,
        ce=ce,
        callsign=f"P{incident.priority} {incident.title}",
        detail=(
            _remarks(remarks),
            node("link", uid=uids.prefix, relation="p-p", type="a-f-G-E-S"),
        ),
    )


@dataclass(frozen=True, slots=True)
class SensorPoint:
    """A fixed sensor (a camera) to show with its field of view."""

    sensor_id: str
    name: str
    lat: float
    lon: float
    azimuth_deg: float
    fov_deg: float
    range_m: float
    model: str = "camera"


def sensor_event(
    sensor: SensorPoint, *, uids: UidScheme, now: datetime, stale_s: float
) -> OutEvent:
    """A fixed sensor as a friendly sensor point with its ``<sensor>`` field of view."""
    return OutEvent(
        uid=uids.sensor(sensor.sensor_id),
        type=CAMERA_TYPE,
        how="h-e",
        time=now,
        start=now,
        stale=now + timedelta(seconds=stale_s),
        lat=sensor.lat,
        lon=sensor.lon,
        callsign=sensor.name,
        detail=(
            node(
                "sensor",
                azimuth=fixed(sensor.azimuth_deg % 360.0, 1),
                fov=fixed(sensor.fov_deg, 1),
                range=fixed(sensor.range_m, 0),
                model=sensor.model,
                type="r-e",
            ),
        ),
    )


def _drone_sensor(state: DroneState) -> DetailNode | None:
    if state.camera_hfov_deg is None:
        return None
    gimbal = state.gimbal
    azimuth = state.heading_deg
    elevation: float | None = None
    if gimbal is not None:
        if gimbal.yaw_absolute:
            azimuth = gimbal.yaw_deg
        elif azimuth is not None:
            azimuth = azimuth + gimbal.yaw_deg
        elevation = gimbal.pitch_deg
    if azimuth is None:
        return None
    slant: float | None = None
    if elevation is not None and elevation < -1.0 and state.relative_alt_m is not None:
        slant = max(state.relative_alt_m, 0.0) / math.sin(math.radians(-elevation))
    return node(
        "sensor",
        azimuth=fixed(azimuth % 360.0, 1),
        fov=fixed(state.camera_hfov_deg, 1),
        vfov=None if state.camera_vfov_deg is None else fixed(state.camera_vfov_deg, 1),
        elevation=None if elevation is None else fixed(elevation, 1),
        range=None if slant is None else fixed(min(slant, 100_000.0), 0),
        model="drone camera",
        type="r-e",
    )


def drone_event(state: DroneState, *, uids: UidScheme, stale_s: float) -> OutEvent:
    """A drone at its reported position (``hae``: its altitude above mean sea level)."""
    sensor = _drone_sensor(state)
    lost = state.link is LinkState.LOST
    battery = "-" if state.battery_pct is None else f"{state.battery_pct:.0f} %"
    return OutEvent(
        uid=uids.drone(state.drone_id),
        type=DRONE_TYPE,
        how="m-g",
        time=state.time,
        start=state.time,
        stale=state.time + timedelta(seconds=0.0 if lost else stale_s),
        lat=state.position.lat,
        lon=state.position.lon,
        hae=state.position.alt_m,
        callsign=f"drone {state.drone_id}",
        course_deg=state.heading_deg,
        speed_mps=state.ground_speed_mps,
        detail=(
            *(() if sensor is None else (sensor,)),
            _remarks(
                f"mode {state.mode or '-'}, {'armed' if state.armed else 'disarmed'}, "
                f"battery {battery}, link {state.link.value}"
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class Drawing:
    """A line or polygon to draw: ``lonlat`` (N, 2); colours as ATAK signed ARGB ints."""

    drawing_id: str
    name: str
    lonlat: npt.NDArray[np.float64]
    closed: bool
    stroke_argb: int = -65536  # opaque red
    fill_argb: int | None = None
    stroke_weight: float = 3.0

    def __post_init__(self) -> None:
        if self.lonlat.ndim != 2 or self.lonlat.shape[1] != 2 or self.lonlat.shape[0] < 2:
            raise ValueError(f"drawing {self.drawing_id!r}: lonlat must be (N >= 2, 2)")


def _thinned(lonlat: npt.NDArray[np.float64], limit: int) -> npt.NDArray[np.float64]:
    if lonlat.shape[0] <= limit:
        return lonlat
    keep = np.unique(np.round(np.linspace(0, lonlat.shape[0] - 1, limit)).astype(np.int64))
    return lonlat[keep]


def drawing_event(drawing: Drawing, *, uids: UidScheme, now: datetime, stale_s: float) -> OutEvent:
    """A ``u-d-f`` drawing: the event point is the first vertex, then one link per vertex."""
    points = _thinned(np.asarray(drawing.lonlat, dtype=np.float64), MAX_DRAWING_POINTS)
    finite = np.all(np.isfinite(points), axis=1)
    points = points[finite]
    if points.shape[0] < 2:
        raise ValueError(f"drawing {drawing.drawing_id!r}: fewer than 2 finite vertices")
    if drawing.closed and not np.array_equal(points[0], points[-1]):
        points = np.vstack([points, points[:1]])
    links = tuple(
        node("link", point=f"{fixed(float(lat), 7)},{fixed(float(lon), 7)}")
        for lon, lat in points.tolist()
    )
    style: tuple[DetailNode, ...] = (
        node("strokeColor", value=str(drawing.stroke_argb)),
        node("strokeWeight", value=fixed(drawing.stroke_weight, 1)),
    )
    if drawing.fill_argb is not None:
        style += (node("fillColor", value=str(drawing.fill_argb)),)
    return OutEvent(
        uid=uids.drawing(drawing.drawing_id),
        type=DRAWING_TYPE,
        how="h-e",
        time=now,
        start=now,
        stale=now + timedelta(seconds=stale_s),
        lat=float(points[0, 1]),
        lon=float(points[0, 0]),
        callsign=drawing.name,
        detail=(*links, *style, node("labels_on", value="false")),
    )


def tasking_event(
    *,
    unit_uid: str,
    unit_callsign: str | None,
    incident: Incident,
    place: IncidentPlace,
    uids: UidScheme,
    now: datetime,
    stale_s: float,
    note: str = "",
) -> OutEvent:
    """A "go to" waypoint for one unit at the incident, addressed to it alone."""
    dest = node("dest", uid=unit_uid, callsign=unit_callsign)
    text = (
        f"TASK for {unit_callsign or unit_uid}: {incident.title} "
        f"(incident {incident.id}, priority {incident.priority})"
    )
    if note:
        text += f" - {note}"
    return OutEvent(
        uid=uids.tasking(incident.id, unit_uid),
        type=TASKING_TYPE,
        how="h-e",
        time=now,
        start=now,
        stale=now + timedelta(seconds=stale_s),
        lat=place.lat,
        lon=place.lon,
        callsign=f"GOTO {incident.title}",
        detail=(
            _remarks(text),
            node("link", uid=uids.prefix, relation="p-p", type="a-f-G-E-S"),
            node("marti", (dest,)),
        ),
    )
