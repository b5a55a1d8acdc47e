"""``SimulatedGroundSensor``: a ground sensor in the simulator's world, for the demo and tests.

It watches the simulated actors (any :class:`ActorPositions`: the camera simulator's cast
in the site's local frame, or a :class:`~kordon.sim.world.WorldScenario`) and, like a
real seismic or PIR sensor, sends an alarm when an actor is inside its detection area
(again every ``realarm_s`` while one stays inside), and a heartbeat every
``heartbeat_interval_s``. Messages carry the scenario time mapped to UTC through the
epoch given at each step; where they go (MQTT, the intake directly) is the caller's choice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt
import shapely

from kordon.config.integrations import GroundSensor, UgsSensorType
from kordon.domain.time import require_utc
from kordon.geo.frame import LocalFrame
from kordon.sensors.ugs.message import SCHEMA_VERSION, ClassHint, MessageType, UgsMessage
from kordon.sim.scenario import Cast
from kordon.sim.world import WorldScenario

F64 = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]

HINT_OF_CLASS: Mapping[str, ClassHint] = {
    "person": ClassHint.PERSON,
    "car": ClassHint.VEHICLE,
    "boat": ClassHint.VEHICLE,
    "animal": ClassHint.ANIMAL,
}


class ActorPositions(Protocol):
    """Positions (N, 2) east/north metres and class names (N,) of the actors present at a
    scenario time (seconds)."""

    def __call__(self, time_s: float) -> tuple[F64, StrArray]: ...


def cast_positions(cast: Cast) -> ActorPositions:
    """The camera simulator's cast (paths in the site's local frame, as in ``geo_scene``)."""

    def at(time_s: float) -> tuple[F64, StrArray]:
        xy: list[tuple[float, float]] = []
        kinds: list[str] = []
        for actor in cast.actors_between(time_s, time_s):
            p = actor.trajectory.position(time_s)
            if p is not None:
                xy.append(p)
                kinds.append(actor.kind.value)
        return np.asarray(xy, np.float64).reshape(-1, 2), np.asarray(kinds, np.str_)

    return at


def world_positions(world: WorldScenario) -> ActorPositions:
    """A fusion :class:`WorldScenario` (times are offsets from its start)."""
    classes = {a.actor_id: a.class_name for a in world.actors}

    def at(time_s: float) -> tuple[F64, StrArray]:
        ids, xy = world.truth_at(time_s)
        return xy.reshape(-1, 2), np.asarray([classes[int(i)] for i in ids], np.str_)

    return at


@dataclass(frozen=True)
class SimulatedSensorSpec:
    """Where a simulated sensor is and what it covers: a disc, or a polygon (local metres)."""

    sensor_id: str
    sensor_type: UgsSensorType
    east_m: float
    north_m: float
    radius_m: float | None = None
    polygon_m: tuple[tuple[float, float], ...] | None = None
    heartbeat_interval_s: float = 60.0
    realarm_s: float = 5.0
    battery_pct: float = 90.0

    def __post_init__(self) -> None:
        if (self.radius_m is None) == (self.polygon_m is None):
            raise ValueError(f"{self.sensor_id}: give exactly one of radius_m and polygon_m")
        if self.radius_m is not None and not (math.isfinite(self.radius_m) and self.radius_m > 0):
            raise ValueError(f"{self.sensor_id}: radius_m must be > 0")
        if not (self.heartbeat_interval_s > 0 and self.realarm_s > 0):
            raise ValueError(f"{self.sensor_id}: intervals must be > 0")

    @classmethod
    def of(
        cls, sensor: GroundSensor, frame: LocalFrame, *, realarm_s: float = 5.0
    ) -> SimulatedSensorSpec:
        """The simulated twin of a configured sensor (seismic where the type is not set)."""
        east, north = frame.to_local(sensor.lon, sensor.lat)
        polygon = (
            None
            if sensor.polygon is None
            else tuple((float(x), float(y)) for x, y in frame.lonlat_to_xy(sensor.polygon))
        )
        return cls(
            sensor_id=sensor.id,
            sensor_type=sensor.sensor_type or UgsSensorType.SEISMIC,
            east_m=float(east),
            north_m=float(north),
            radius_m=sensor.radius_m,
            polygon_m=polygon,
            heartbeat_interval_s=sensor.heartbeat_interval_s,
            realarm_s=realarm_s,
        )

    def contains(self, xy: F64) -> npt.NDArray[np.bool_]:
        """Which points (N, 2) lie in the detection area (its edge included)."""
        if self.polygon_m is not None:
            return np.asarray(
                shapely.intersects_xy(shapely.Polygon(self.polygon_m), xy[:, 0], xy[:, 1])
            )
        d = np.hypot(xy[:, 0] - self.east_m, xy[:, 1] - self.north_m)
        return np.asarray(d <= (self.radius_m or 0.0))


class SimulatedGroundSensor:
    """Steps through scenario time and says which messages the sensor sends."""

    def __init__(self, spec: SimulatedSensorSpec, positions: ActorPositions) -> None:
        self.spec = spec
        self._positions = positions
        self._last_heartbeat_s: float | None = None
        self._last_alarm_s: float | None = None
        self._seq = 0

    def step(self, time_s: float, *, epoch: datetime) -> list[UgsMessage]:
        """Messages due at scenario time ``time_s`` (call with increasing times), stamped
        ``epoch + time_s`` (``epoch``: the UTC time of scenario time 0)."""
        epoch = require_utc(epoch, name="epoch")
        out: list[UgsMessage] = []
        xy, classes = self._positions(time_s)
        inside = self.spec.contains(xy) if xy.shape[0] else np.zeros(0, np.bool_)
        if inside.any() and (
            self._last_alarm_s is None or time_s - self._last_alarm_s >= self.spec.realarm_s
        ):
            hints = {HINT_OF_CLASS.get(str(c), ClassHint.UNKNOWN) for c in classes[inside]}
            hint = hints.pop() if len(hints) == 1 else ClassHint.UNKNOWN
            out.append(self._message(epoch, time_s, MessageType.ALARM, hint))
            self._last_alarm_s = time_s
        if (
            self._last_heartbeat_s is None
            or time_s - self._last_heartbeat_s >= self.spec.heartbeat_interval_s
        ):
            out.append(self._message(epoch, time_s, MessageType.HEARTBEAT, None))
            self._last_heartbeat_s = time_s
        return out

    def _message(
        self, epoch: datetime, time_s: float, kind: MessageType, hint: ClassHint | None
    ) -> UgsMessage:
        self._seq += 1
        return UgsMessage(
            v=SCHEMA_VERSION,
            sensor_id=self.spec.sensor_id,
            time=epoch + timedelta(seconds=time_s),
            type=kind,
            sensor_type=self.spec.sensor_type,
            battery_pct=self.spec.battery_pct,
            class_hint=hint,
            seq=self._seq,
        )


def simulated_sensors(
    specs: Sequence[SimulatedSensorSpec], positions: ActorPositions
) -> list[SimulatedGroundSensor]:
    """One simulated sensor per spec, all watching the same world."""
    return [SimulatedGroundSensor(s, positions) for s in specs]
