"""``DroneTaskingService``: plan a drone mission for the operator, upload it on confirmation.

Two kinds of mission, each in two steps:

- **cue** ("send drone"): :meth:`DroneTaskingService.plan_cue` plans a short mission from
  where the drone is to look at an incident from the home side
  (:func:`~kordon.interop.missions.cue.plan_cue`);
- **patrol**: :meth:`DroneTaskingService.plan_patrol` plans the generated patrol of a
  sector of the border (:func:`~kordon.interop.missions.patrol.plan_patrol`), with a
  transit from where the drone is and a return towards its home, both on the home side.

Planning never uploads. It checks the mission as the vehicle will really fly it — from
where it is now (not the mission's planned home), through every navigation item, and for
a return to launch back to the home the vehicle reported — against every border of the
site with the buffer, and holds it under a single-use token
(:class:`~kordon.sensors.mavlink.mission_upload.MissionUploader`) bound to that drone.
:meth:`DroneTaskingService.confirm` uploads it over the MAVLink mission protocol (the
clearance check runs again first); a token is used up by its confirmation whatever the
outcome, expires after ``token_ttl_s`` and is refused for any other drone (it then stays
pending).

One :class:`DroneLink` per MAVLink sensor: its vehicles' states (the telemetry service's)
and the link to reach them (a tap of the telemetry endpoint, :mod:`kordon.drones.link`).
Uploads on one link run one at a time. Errors are :class:`TaskingError` subclasses, one
per kind of refusal, for the API to map to answers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum

import shapely

from kordon.config.models import SiteConfig
from kordon.domain.drone import DroneState, LinkState
from kordon.domain.errors import KordonError
from kordon.geo.border import Border
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions.clearance import ClearanceViolation, MissionClearance
from kordon.interop.missions.cue import CueError, CueSpec
from kordon.interop.missions.cue import plan_cue as cue_mission
from kordon.interop.missions.model import Command, Frame, Mission, MissionError, MissionItem
from kordon.interop.missions.patrol import PatrolError, PatrolSpec, patrol_sector
from kordon.interop.missions.patrol import plan_patrol as patrol_mission
from kordon.sensors.mavlink.mission_upload import (
    MissionLink,
    MissionSummary,
    MissionUploader,
    TokenError,
    UploadError,
    UploadRefusedError,
)
from kordon.video.source.clock import Clock

DEFAULT_BUFFER_M = 100.0


class TaskingError(KordonError):
    """A tasking request is refused; nothing was uploaded."""


class UnknownDroneError(TaskingError, LookupError):
    """No such drone (the message lists the valid ids)."""


class DroneUnavailableError(TaskingError):
    """The drone cannot be tasked now: no position yet, link lost, a replayed log, or an
    upload to its link in progress."""


class PlanRefusedError(TaskingError, ValueError):
    """No safe mission: it would cross the border or its buffer, or the incident is out of
    reach from the home side (``violations`` when the clearance check found them)."""

    def __init__(self, message: str, violations: Sequence[ClearanceViolation] = ()) -> None:
        super().__init__(message)
        self.violations = list(violations)


class TokenRefusedError(TaskingError):
    """The confirmation token is unknown, used, cancelled, expired or for another drone."""


class VehicleTimeoutError(TaskingError):
    """The vehicle did not answer the upload in time (the upload was cancelled)."""


class VehicleRefusedError(TaskingError):
    """The vehicle refused the mission, or the link closed during the upload."""


class MissionKind(StrEnum):
    CUE = "cue"
    PATROL = "patrol"


@dataclass(frozen=True)
class DroneLink:
    """One MAVLink sensor: its vehicles (``system_ids``), their latest states, the link
    that reaches them, a context to hold around each upload (a tap's ``listening``) and
    whether it takes uploads at all (a replayed ``tlog`` does not)."""

    sensor_id: str
    system_ids: tuple[int, ...]
    link: MissionLink
    states: Callable[[], Sequence[DroneState]]
    listen: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext
    uploads: bool = True


@dataclass(frozen=True)
class CueDetails:
    """Where a cue looks from: loiter point (lat, lon), time and radius, stand-off from the
    incident, and whether the incident is across a border (watched from the home side)."""

    incident_latlon: tuple[float, float]
    loiter_latlon: tuple[float, float]
    loiter_s: float
    loiter_radius_m: float
    standoff_m: float
    incident_across: bool


@dataclass(frozen=True)
class PlannedMission:
    """A checked mission waiting for the operator's confirmation (see the module docstring).

    ``path_latlon`` is the path as flown, from the drone's position; ``border_clearance_m``
    its closest approach to any border (never less than ``buffer_m``)."""

    token: str
    drone_id: str
    kind: MissionKind
    incident_id: str | None
    sector_id: str | None
    mission: Mission
    summary: MissionSummary
    start_latlon: tuple[float, float]
    home_latlon: tuple[float, float] | None
    path_latlon: tuple[tuple[float, float], ...]
    path_length_m: float
    border_clearance_m: float
    buffer_m: float
    altitude_m: float
    speed_mps: float
    duration_s: float
    ttl_s: float
    """Seconds left to confirm."""
    cue: CueDetails | None = None


@dataclass(frozen=True)
class Binding:
    """What a pending token was prepared for."""

    drone_id: str
    kind: MissionKind
    incident_id: str | None
    sector_id: str | None


@dataclass(frozen=True)
class TaskingResult:
    """A completed upload: items sent (home included), messages resent, seconds taken."""

    drone_id: str
    binding: Binding
    items: int
    resent: int
    elapsed_s: float


@dataclass
class _Drone:
    link: DroneLink
    system_id: int
    uploader: MissionUploader
    upload_lock: threading.Lock = field(default_factory=threading.Lock)


def _waypoint(lat: float, lon: float) -> MissionItem:
    return MissionItem(
        int(Command.NAV_WAYPOINT), int(Frame.GLOBAL_RELATIVE_ALT), (0, 0, 0, 0, lat, lon, 0)
    )


class DroneTaskingService:
    """Cue and patrol missions for the site's drones (see the module docstring)."""

    def __init__(
        self,
        links: Sequence[DroneLink],
        *,
        site: SiteConfig,
        geometry: SiteGeometry,
        clock: Clock,
        buffer_m: float = DEFAULT_BUFFER_M,
        cue: CueSpec | None = None,
        patrol: PatrolSpec | None = None,
        item_timeout_s: float = 1.5,
        retries: int = 5,
        token_ttl_s: float = 300.0,
        token_factory: Callable[[], str] | None = None,
    ) -> None:
        self._site = site
        self._geometry = geometry
        self._borders: list[Border] = list(geometry.borders.values())
        self._clock = clock
        self.buffer_m = buffer_m
        self.cue_spec = cue or CueSpec(buffer_m=buffer_m)
        self.patrol_spec = patrol or PatrolSpec(buffer_m=buffer_m)
        self.token_ttl_s = token_ttl_s
        self._links = list(links)
        self._drones: dict[str, _Drone] = {}
        self._bindings: dict[str, tuple[Binding, float]] = {}
        """Pending tokens: what each was planned for, and when it expires (monotonic s)."""
        self._lock = threading.Lock()
        self._clearance = (
            MissionClearance(self._borders[0].frame, self._borders, buffer_m)
            if self._borders
            else None
        )
        self._lines = [shapely.LineString(b.vertices_xy) for b in self._borders]
        for link in self._links if self._borders else ():  # no border: nothing is tasked
            upload_lock = threading.Lock()  # one upload at a time on a link
            for system_id in link.system_ids:
                uploader = MissionUploader(
                    link.link,
                    self._borders,
                    buffer_m=buffer_m,
                    clock=clock,
                    target_system=system_id,
                    item_timeout_s=item_timeout_s,
                    retries=retries,
                    token_ttl_s=token_ttl_s,
                    token_factory=token_factory,
                )
                drone = _Drone(link, system_id, uploader, upload_lock)
                self._drones[f"{link.sensor_id}:{system_id}"] = drone

    # --- reading -------------------------------------------------------------------------

    @property
    def drone_ids(self) -> tuple[str, ...]:
        return tuple(
            sorted(f"{link.sensor_id}:{n}" for link in self._links for n in link.system_ids)
        )

    def states(self) -> list[DroneState]:
        """Every drone's latest state, by drone id."""
        found = [s for link in self._links for s in link.states()]
        return sorted(found, key=lambda s: s.drone_id)

    @property
    def sector_ids(self) -> frozenset[str]:
        """The site's sectors (a patrol needs one along the border)."""
        return frozenset(s.id for s in self._site.sectors)

    def binding(self, token: str) -> Binding | None:
        """What a pending ``token`` was prepared for (``None``: unknown or used)."""
        with self._lock:
            found = self._bindings.get(token)
        return found[0] if found is not None else None

    # --- planning ------------------------------------------------------------------------

    def plan_cue(
        self, *, drone_id: str, incident_id: str, incident_lat: float, incident_lon: float
    ) -> PlannedMission:
        """A cue mission from where the drone is to the incident, held for confirmation."""
        drone, state = self._taskable(drone_id)
        spec = self.cue_spec
        try:
            cue = cue_mission(
                incident_lat=incident_lat,
                incident_lon=incident_lon,
                launch_lat=state.position.lat,
                launch_lon=state.position.lon,
                borders=self._borders,
                spec=spec,
            )
        except CueError as exc:
            raise PlanRefusedError(f"no safe cue mission: {exc}") from exc
        details = CueDetails(
            incident_latlon=cue.incident_latlon,
            loiter_latlon=cue.loiter_latlon,
            loiter_s=spec.loiter_s,
            loiter_radius_m=spec.loiter_radius_m,
            standoff_m=cue.standoff_m,
            incident_across=cue.incident_across,
        )
        binding = Binding(drone_id, MissionKind.CUE, incident_id, None)
        return self._prepare(
            drone,
            state,
            cue.mission,
            binding,
            altitude_m=spec.altitude_m,
            speed_mps=spec.speed_mps,
            hold_s=spec.loiter_s,
            cue=details,
        )

    def patrol_mission(self, sector_id: str) -> Mission:
        """The sector's patrol mission without a drone (its files are this mission):
        :meth:`plan_patrol` adds the transit from the drone and the return home."""
        try:
            stretch = patrol_sector(self._site, self._geometry, sector_id)
            return patrol_mission(stretch, self._borders, self.patrol_spec)
        except PatrolError as exc:
            raise PlanRefusedError(str(exc)) from exc

    def plan_patrol(self, *, drone_id: str, sector_id: str) -> PlannedMission:
        """The sector's patrol, flown from where the drone is — a transit to it and a
        return towards the drone's home, both on the home side — held for confirmation."""
        drone, state = self._taskable(drone_id)
        spec = self.patrol_spec
        home = state.home
        try:
            stretch = patrol_sector(self._site, self._geometry, sector_id)
            mission = patrol_mission(
                stretch,
                self._borders,
                spec,
                launch_latlon=(state.position.lat, state.position.lon),
                home_latlon=(home.lat, home.lon) if home is not None else None,
            )
        except PatrolError as exc:
            raise PlanRefusedError(str(exc)) from exc
        binding = Binding(drone_id, MissionKind.PATROL, None, sector_id)
        return self._prepare(
            drone,
            state,
            mission,
            binding,
            altitude_m=spec.altitude_m,
            speed_mps=spec.speed_mps,
            hold_s=0.0,
        )

    def cancel(self, *, drone_id: str, token: str) -> bool:
        """Drop a pending mission of ``drone_id``; ``True`` when there was one."""
        with self._lock:
            found = self._bindings.get(token)
            if found is None or found[0].drone_id != drone_id:
                return False
            del self._bindings[token]
        return self._drones[drone_id].uploader.cancel(token)

    # --- confirming ----------------------------------------------------------------------

    def confirm(self, *, drone_id: str, token: str) -> TaskingResult:
        """Upload the mission prepared under ``token`` for ``drone_id``."""
        drone = self._drone(drone_id)
        if not drone.upload_lock.acquire(blocking=False):
            raise DroneUnavailableError(
                f"another upload to the vehicles of {drone.link.sensor_id!r} is in progress"
            )
        try:
            with self._lock:
                found = self._bindings.get(token)
                if found is None:
                    raise TokenRefusedError("unknown, used or cancelled confirmation token")
                binding = found[0]
                if binding.drone_id != drone_id:
                    raise TokenRefusedError("this token was prepared for another drone")
                del self._bindings[token]
            try:
                with drone.link.listen():
                    result = drone.uploader.confirm(token)
            except TokenError as exc:
                raise TokenRefusedError(str(exc)) from exc
            except UploadRefusedError as exc:
                raise PlanRefusedError(str(exc), exc.violations) from exc
            except MissionError as exc:
                raise PlanRefusedError(str(exc)) from exc
            except UploadError as exc:
                message = str(exc)
                if message.startswith("no answer"):  # MissionUploader's timeout
                    raise VehicleTimeoutError(message) from exc
                raise VehicleRefusedError(message) from exc
        finally:
            drone.upload_lock.release()
        return TaskingResult(drone_id, binding, result.items, result.resent, result.elapsed_s)

    # --- helpers -------------------------------------------------------------------------

    def _drone(self, drone_id: str) -> _Drone:
        drone = self._drones.get(drone_id)
        if drone is None:
            if drone_id in self.drone_ids:
                raise DroneUnavailableError(
                    "the site has no border to check missions against: drones are not tasked"
                )
            valid = ", ".join(self.drone_ids) or "none"
            raise UnknownDroneError(f"unknown drone {drone_id!r} (valid: {valid})")
        return drone

    def _taskable(self, drone_id: str) -> tuple[_Drone, DroneState]:
        drone = self._drone(drone_id)
        if not drone.link.uploads:
            raise DroneUnavailableError(
                f"drone {drone_id!r} is a replayed log: it cannot take a mission"
            )
        state = next((s for s in drone.link.states() if s.drone_id == drone_id), None)
        if state is None:
            raise DroneUnavailableError(f"drone {drone_id!r} has not reported a position yet")
        if state.link is LinkState.LOST:
            raise DroneUnavailableError(f"the link to drone {drone_id!r} is lost")
        return drone, state

    def _as_flown(self, mission: Mission, state: DroneState) -> Mission:
        """The path the vehicle flies: from where it is, each navigation position, and
        its reported home (else the mission's) at a return to launch."""
        home = state.home
        back = (home.lat, home.lon) if home is not None else (mission.home[0], mission.home[1])
        items: list[MissionItem] = []
        for item in mission.items:
            if item.command == Command.NAV_RETURN_TO_LAUNCH:
                items.append(_waypoint(*back))
            elif item.has_position:
                items.append(_waypoint(item.lat, item.lon))
        start = state.position
        return Mission((start.lat, start.lon, 0.0), tuple(items))

    def _prepare(
        self,
        drone: _Drone,
        state: DroneState,
        mission: Mission,
        binding: Binding,
        *,
        altitude_m: float,
        speed_mps: float,
        hold_s: float,
        cue: CueDetails | None = None,
    ) -> PlannedMission:
        clearance = self._clearance
        assert clearance is not None  # there are drones, so there are borders
        flown = self._as_flown(mission, state)
        violations = clearance.check(flown)
        if violations:
            shown = "; ".join(str(v) for v in violations[:5])
            raise PlanRefusedError(
                "refused: flown from where the drone is, the mission would break border "
                f"clearance: {shown}",
                violations,
            )
        try:
            plan = drone.uploader.prepare(mission)
        except UploadRefusedError as exc:
            raise PlanRefusedError(str(exc), exc.violations) from exc
        except MissionError as exc:
            raise PlanRefusedError(str(exc)) from exc
        xy = clearance.path_xy(flown)
        path = shapely.LineString(xy) if len(xy) > 1 else shapely.Point(xy[0])
        length = float(shapely.length(path))
        distance = min(float(shapely.distance(path, line)) for line in self._lines)
        now = self._clock.monotonic()
        with self._lock:
            # expired tokens are still told apart from unknown ones for one more TTL
            forget = now - self.token_ttl_s
            self._bindings = {t: b for t, b in self._bindings.items() if b[1] > forget}
            self._bindings[plan.token] = (binding, plan.expires_s)
        ttl_s = plan.expires_s - now
        home = state.home
        return PlannedMission(
            token=plan.token,
            drone_id=binding.drone_id,
            kind=binding.kind,
            incident_id=binding.incident_id,
            sector_id=binding.sector_id,
            mission=mission,
            summary=plan.summary,
            start_latlon=(state.position.lat, state.position.lon),
            home_latlon=(home.lat, home.lon) if home is not None else None,
            path_latlon=tuple((float(a), float(b)) for a, b in flown.flight_path()),
            path_length_m=length,
            border_clearance_m=distance,
            buffer_m=self.buffer_m,
            altitude_m=altitude_m,
            speed_mps=speed_mps,
            duration_s=length / speed_mps + hold_s,
            ttl_s=ttl_s,
            cue=cue,
        )
