"""``MissionUploader``: a mission to a vehicle over the MAVLink mission protocol, only after
the border-clearance check and an operator's explicit confirmation.

Two steps. :meth:`MissionUploader.prepare` checks the mission with the site's
:class:`MissionClearance` (a mission that crosses a border, comes within its buffer or
has a point on the far side is refused, :class:`UploadRefusedError`, and nothing is kept) and
returns an :class:`UploadPlan`: a single-use random token and a summary for the operator
(items, waypoints, length, altitudes, closest approach to a border). Only
:meth:`MissionUploader.confirm` with that token, before it expires, uploads; the mission
is checked again first (clearance is cheap, and the check must hold for what is sent).

``borders`` are all of the site's (every one is checked), ``buffer_m`` the distance a
mission keeps from them.

The upload (ground-station side of the MAVLink mission protocol, mission type 0):
``MISSION_COUNT`` → the vehicle asks for each item with ``MISSION_REQUEST_INT`` (or the
older ``MISSION_REQUEST``) → we answer with ``MISSION_ITEM_INT`` → the vehicle ends with
``MISSION_ACK``. Item 0 is the home position (the ArduPilot convention, as in WPL files),
then the mission's items. When nothing useful arrives within ``item_timeout_s`` the last
message is sent again (a lost request, item or ack), up to ``retries`` times in a row;
then the transaction is cancelled (``MISSION_ACK`` ``OPERATION_CANCELLED``) and
:class:`UploadError` raised. An ack other than ``ACCEPTED`` is the vehicle's refusal,
raised with its ``MAV_MISSION_RESULT`` name. Messages from other systems, other mission
types or addressed to another ground station are ignored.

:class:`DroneTasking` is "send drone" for the API: a cue mission to an incident
(:func:`~kordon.interop.missions.cue.plan_cue`) prepared for one drone, its token bound
to that incident and drone.

The link is anything with ``send(bytes)`` and ``receive(timeout_s)`` (a MAVLink
:class:`~kordon.sensors.mavlink.endpoint.Endpoint`); pymavlink (LGPL-3.0) encodes and
parses behind this class. Time is the injected clock's.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import shapely
from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from kordon.domain.errors import KordonError
from kordon.geo.border import Border
from kordon.interop.missions.clearance import ClearanceViolation, MissionClearance
from kordon.interop.missions.cue import Cue, CueError, CueSpec, plan_cue
from kordon.interop.missions.mavlink_items import GLOBAL_FRAMES
from kordon.interop.missions.model import Command, Frame, Mission, MissionError, MissionItem
from kordon.video.source.clock import Clock

MISSION_TYPE = 0  # MAV_MISSION_TYPE_MISSION
_GCS_SYSTEM_ID = 255
_GCS_COMPONENT_ID = 190


class UploadError(KordonError, RuntimeError):
    """The upload failed: the vehicle did not answer in time, or refused the mission."""


class UploadRefusedError(MissionError):
    """Kordon refuses to upload this mission: it breaks border clearance."""

    def __init__(self, message: str, violations: list[ClearanceViolation]) -> None:
        super().__init__(message)
        self.violations = violations


class TokenError(UploadError):
    """A confirmation token is unknown, already used, cancelled or expired."""


class MissionLink(Protocol):
    """Where MAVLink bytes go to and come from (a MAVLink endpoint)."""

    def send(self, data: bytes) -> None: ...

    def receive(self, timeout_s: float) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class MissionSummary:
    """What the operator confirms: item and waypoint counts, flight-path length (m),
    highest and lowest navigation altitude (m, in the items' frames), the closest the
    path comes to any border (m) and the flight path itself ([lat, lon] from home)."""

    items: int
    waypoints: int
    path_length_m: float
    max_alt_m: float
    min_alt_m: float
    min_border_distance_m: float
    path_latlon: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class UploadPlan:
    """A checked mission waiting for confirmation: ``token`` confirms it until
    ``expires_s`` (the clock's monotonic seconds)."""

    token: str
    target_system: int
    summary: MissionSummary
    expires_s: float


@dataclass(frozen=True, slots=True)
class UploadResult:
    """A completed upload: MAVLink items sent (home included), messages sent again after
    a timeout, and how long it took (s)."""

    target_system: int
    items: int
    resent: int
    elapsed_s: float


def mission_items(mission: Mission) -> list[MissionItem]:
    """What is uploaded: home (item 0, a waypoint in absolute altitude) and the items."""
    lat, lon, alt = mission.home
    home = MissionItem(
        int(Command.NAV_WAYPOINT), int(Frame.GLOBAL), (0.0, 0.0, 0.0, 0.0, lat, lon, alt)
    )
    return [home, *mission.items]


def _as_int(value: float, scale: float) -> int:
    if not math.isfinite(value):
        return 0
    return round(value * scale)


def item_message(seq: int, item: MissionItem, target: tuple[int, int]) -> Any:
    """The ``MISSION_ITEM_INT`` of ``item`` at ``seq`` for ``target`` (system, component)."""
    scale = 1e7 if item.frame in GLOBAL_FRAMES else 1.0
    p = item.params
    return mav.MAVLink_mission_item_int_message(
        target[0],
        target[1],
        seq,
        item.frame,
        item.command,
        1 if seq == 0 else 0,
        int(item.autocontinue),
        p[0],
        p[1],
        p[2],
        p[3],
        _as_int(p[4], scale),
        _as_int(p[5], scale),
        p[6] if math.isfinite(p[6]) else 0.0,
        MISSION_TYPE,
    )


def result_name(code: int) -> str:
    """``MAV_MISSION_RESULT`` name of ``code`` (or the number)."""
    entry = mav.enums["MAV_MISSION_RESULT"].get(code)
    return str(entry.name) if entry is not None else f"result {code}"


class MissionUploader:
    """Prepare, confirm and upload missions to one vehicle (see the module docstring)."""

    def __init__(
        self,
        link: MissionLink,
        borders: Sequence[Border],
        *,
        buffer_m: float,
        clock: Clock,
        target_system: int,
        target_component: int = 1,
        source_system: int = _GCS_SYSTEM_ID,
        source_component: int = _GCS_COMPONENT_ID,
        item_timeout_s: float = 1.5,
        retries: int = 5,
        token_ttl_s: float = 300.0,
        token_factory: Callable[[], str] | None = None,
    ) -> None:
        if not 1 <= target_system <= 255 or not 0 <= target_component <= 255:
            raise ValueError("target_system must be 1..255 and target_component 0..255")
        if not 1 <= source_system <= 255:
            raise ValueError("source_system must be 1..255")
        if not (item_timeout_s > 0 and retries >= 0 and token_ttl_s > 0):
            raise ValueError("item_timeout_s > 0, retries >= 0 and token_ttl_s > 0")
        if not borders:
            raise ValueError("a mission uploader needs the site's borders to check against")
        self._link = link
        self._clearance = MissionClearance(borders[0].frame, list(borders), buffer_m)
        self._lines = [shapely.LineString(b.vertices_xy) for b in borders]
        self.buffer_m = buffer_m
        self._clock = clock
        self.target = (target_system, target_component)
        self.source_system = source_system
        self.item_timeout_s = item_timeout_s
        self.retries = retries
        self.token_ttl_s = token_ttl_s
        self._token_factory = token_factory or (lambda: secrets.token_urlsafe(18))
        self._encoder = mav.MAVLink(None, srcSystem=source_system, srcComponent=source_component)
        self._parser = mav.MAVLink(None)
        self._parser.robust_parsing = True
        self._pending: dict[str, tuple[Mission, UploadPlan]] = {}
        self._lock = threading.Lock()
        self._link_lock = threading.Lock()

    # --- the two steps ---------------------------------------------------------------

    def prepare(self, mission: Mission) -> UploadPlan:
        """Check ``mission`` and hold it for confirmation; :class:`UploadRefusedError` when it
        breaks clearance (nothing is held then)."""
        self._check(mission)
        summary = self.summarise(mission)
        now = self._clock.monotonic()
        with self._lock:
            self._pending = {t: p for t, p in self._pending.items() if p[1].expires_s > now}
            token = self._token_factory()
            if not token or token in self._pending:
                raise UploadError("the token factory gave an empty or repeated token")
            plan = UploadPlan(token, self.target[0], summary, now + self.token_ttl_s)
            self._pending[token] = (mission, plan)
        return plan

    def cancel(self, token: str) -> bool:
        """Forget a prepared mission; ``True`` when the token was pending."""
        with self._lock:
            return self._pending.pop(token, None) is not None

    def confirm(self, token: str) -> UploadResult:
        """Upload the mission prepared under ``token`` (used up whatever happens next)."""
        with self._lock:
            found = self._pending.pop(token, None)
        if found is None:
            raise TokenError("unknown, used or cancelled confirmation token")
        mission, plan = found
        if self._clock.monotonic() > plan.expires_s:
            raise TokenError(
                f"the confirmation expired ({self.token_ttl_s:g} s after it was prepared)"
            )
        self._check(mission)
        with self._link_lock:
            return self._upload(mission)

    def summarise(self, mission: Mission) -> MissionSummary:
        path = mission.flight_path()
        xy = self._clearance.path_xy(mission)
        length = float(np.linalg.norm(np.diff(xy, axis=0), axis=1).sum()) if len(xy) > 1 else 0.0
        alts = [i.alt_m for i in mission.items if i.has_position and math.isfinite(i.alt_m)]
        geometry = shapely.LineString(xy) if len(xy) > 1 else shapely.Point(xy[0])
        distance = min(
            (float(shapely.distance(geometry, line)) for line in self._lines),
            default=math.inf,
        )
        return MissionSummary(
            items=len(mission.items),
            waypoints=sum(1 for i in mission.items if i.has_position),
            path_length_m=length,
            max_alt_m=max(alts, default=0.0),
            min_alt_m=min(alts, default=0.0),
            min_border_distance_m=distance,
            path_latlon=tuple((float(a), float(b)) for a, b in path),
        )

    def _check(self, mission: Mission) -> None:
        if not mission.items:
            raise MissionError("an empty mission is not uploaded")
        violations = self._clearance.check(mission)
        if violations:
            shown = "; ".join(str(v) for v in violations[:5])
            more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
            raise UploadRefusedError(
                f"refused: the mission breaks border clearance: {shown}{more}", violations
            )

    # --- the protocol ------------------------------------------------------------------

    def _upload(self, mission: Mission) -> UploadResult:
        items = mission_items(mission)
        count = len(items)
        start = self._clock.monotonic()
        last = self._pack(mav.MAVLink_mission_count_message(*self.target, count, MISSION_TYPE))
        self._link.send(last)
        resent = 0
        misses = 0
        highest = -1
        deadline = self._clock.monotonic() + self.item_timeout_s
        while True:
            remaining = deadline - self._clock.monotonic()
            data = self._link.receive(max(remaining, 0.0)) if remaining > 0 else b""
            if data is None:
                raise UploadError("the link to the vehicle closed during the upload")
            progressed = False
            for msg in self._messages(data):
                kind = msg.get_type()
                if kind in ("MISSION_REQUEST_INT", "MISSION_REQUEST"):
                    seq = int(msg.seq)
                    if not 0 <= seq < count:
                        continue  # not a request of this mission: let the timeout resend
                    last = self._pack(item_message(seq, items[seq], self.target))
                    self._link.send(last)
                    if seq > highest:
                        highest = seq
                        misses = 0
                    progressed = True
                elif kind == "MISSION_ACK":
                    if msg.type != mav.MAV_MISSION_ACCEPTED:
                        raise UploadError(
                            f"the vehicle refused the mission: {result_name(int(msg.type))}"
                        )
                    if highest != count - 1:
                        raise UploadError(
                            f"the vehicle acknowledged after {highest + 1} of {count} items"
                        )
                    return UploadResult(
                        self.target[0], count, resent, self._clock.monotonic() - start
                    )
            if progressed:
                deadline = self._clock.monotonic() + self.item_timeout_s
                continue
            if self._clock.monotonic() < deadline:
                continue
            misses += 1
            if misses > self.retries:
                self._link.send(
                    self._pack(
                        mav.MAVLink_mission_ack_message(
                            *self.target, mav.MAV_MISSION_OPERATION_CANCELLED, MISSION_TYPE
                        )
                    )
                )
                stage = "the first request" if highest < 0 else f"item {highest + 1} of {count}"
                raise UploadError(
                    f"no answer from system {self.target[0]} waiting for {stage} after "
                    f"{self.retries} retries of {self.item_timeout_s:g} s"
                )
            self._link.send(last)
            resent += 1
            deadline = self._clock.monotonic() + self.item_timeout_s

    def _pack(self, msg: Any) -> bytes:
        return bytes(msg.pack(self._encoder))

    def _messages(self, data: bytes) -> list[Any]:
        """Parsed messages of ``data`` that belong to this upload."""
        if not data:
            return []
        try:
            parsed = self._parser.parse_buffer(data) or []
        except Exception:  # robust parsing gives BAD_DATA; anything else is bad input too
            return []
        wanted = ("MISSION_REQUEST_INT", "MISSION_REQUEST", "MISSION_ACK")
        return [
            m
            for m in parsed
            if m.get_type() in wanted
            and m.get_srcSystem() == self.target[0]
            and getattr(m, "mission_type", MISSION_TYPE) == MISSION_TYPE
            and m.target_system in (0, self.source_system)
        ]


@dataclass(frozen=True, slots=True)
class CuePlan:
    """A cue mission prepared for an incident and a drone, waiting for the operator: the
    cue (mission, loiter point, stand-off) and the upload plan (token, summary)."""

    incident_id: str
    drone_id: str
    cue: Cue
    plan: UploadPlan


class DroneTasking:
    """ "Send drone" behind the API: :meth:`prepare_cue` plans a cue mission
    (:func:`plan_cue`) from a drone's launch point to an incident and prepares its
    upload; :meth:`confirm` uploads it when the same incident and drone confirm the
    token. ``uploaders`` are per drone id (``<sensor id>:<system id>``); ``launch_of``
    gives a drone's launch point (its home, else where it is) or ``None`` when unknown.
    A token confirmed for another incident or drone is refused and stays pending."""

    def __init__(
        self,
        uploaders: Mapping[str, MissionUploader],
        borders: Sequence[Border],
        launch_of: Callable[[str], tuple[float, float] | None],
        *,
        spec: CueSpec | None = None,
    ) -> None:
        self._uploaders = dict(uploaders)
        self._borders = list(borders)
        self._launch_of = launch_of
        self.spec = spec or CueSpec()
        self._bound: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    @property
    def drone_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._uploaders))

    def prepare_cue(
        self, *, incident_id: str, incident_lat: float, incident_lon: float, drone_id: str
    ) -> CuePlan:
        """Plan and prepare; :class:`CueError` when no safe cue exists or the drone is
        unknown or has no launch point, :class:`UploadRefusedError` on clearance."""
        uploader = self._uploaders.get(drone_id)
        if uploader is None:
            valid = ", ".join(self.drone_ids) or "none"
            raise CueError(f"unknown drone {drone_id!r} (valid: {valid})")
        launch = self._launch_of(drone_id)
        if launch is None:
            raise CueError(f"drone {drone_id!r} has not reported a position yet")
        cue = plan_cue(
            incident_lat=incident_lat,
            incident_lon=incident_lon,
            launch_lat=launch[0],
            launch_lon=launch[1],
            borders=self._borders,
            spec=self.spec,
        )
        plan = uploader.prepare(cue.mission)
        with self._lock:
            self._bound[plan.token] = (incident_id, drone_id)
        return CuePlan(incident_id, drone_id, cue, plan)

    def confirm(self, *, incident_id: str, drone_id: str, token: str) -> UploadResult:
        """Upload the cue prepared under ``token`` for this incident and drone."""
        with self._lock:
            bound = self._bound.get(token)
            if bound is None:
                raise TokenError("unknown, used or cancelled confirmation token")
            if bound != (incident_id, drone_id):
                raise TokenError("this token was prepared for another incident or drone")
            del self._bound[token]
        return self._uploaders[drone_id].confirm(token)

    def cancel(self, *, drone_id: str, token: str) -> bool:
        with self._lock:
            self._bound.pop(token, None)
        uploader = self._uploaders.get(drone_id)
        return uploader is not None and uploader.cancel(token)
