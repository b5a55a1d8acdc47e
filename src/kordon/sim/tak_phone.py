"""Simulated ATAK phones for the demo: patrols walking their sector, reporting self SA.

Each demo patrol unit carries a phone. The phone walks a *beat*: a line a few hundred
metres inland of its sector's stretch of border, on the home side, back and forth at
walking speed (:func:`sector_beat`, :class:`Beat`). Every ``interval_s`` it sends its
position as a Cursor-on-Target self-SA event (``a-f-G-U-C``, ``how="m-g"``, with
``<contact callsign>``, ``<__group>`` and ``<track>``), encoded by
:mod:`kordon.interop.cot.encode`, one event per UDP datagram, to the node's CoT listener
(a ``cot`` notifier's ``listen_udp``), as ATAK's SA broadcast does. The node's TAK
service turns them into :class:`~kordon.interop.cot.inbound.FieldUnitPosition` for the
patrol-unit register, so the units move on the map.

Motion is exact and time is an argument (:meth:`SimulatedPhone.position_at`); the service
reads its injected clock: ``monotonic`` for how far the phones have walked, ``now`` for the
events' time stamps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt
import shapely

from kordon.config.site import SiteConfig
from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.cot.encode import OutEvent, node, to_xml
from kordon.sim.errors import SimulationError
from kordon.video.source.clock import Clock

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

SELF_SA_TYPE = "a-f-G-U-C"
"""Friendly ground unit, combat: what ATAK sends for its own position by default."""
SELF_SA_HOW = "m-g"
"""Machine-generated, GPS."""
WALKING_SPEED_MPS = 1.4
BEAT_STEP_M = 25.0
"""Spacing of a beat's vertices: between two vertices a walker is never farther than half
of it from one of them."""
GROUPS = ("Cyan", "Green", "Yellow", "Magenta", "Orange", "Maroon", "Purple", "Dark Blue")
"""ATAK team colours, one per sector in turn."""
SIM_UID_PREFIX = "KORDON-SIM-"
KM_MARGIN = BEAT_STEP_M / 1000.0
"""A beat ends this far (km) inside its stretch, so it stays in its sector between vertices."""


@dataclass(frozen=True)
class Beat:
    """A walking route in the site's local metres: an (N >= 2, 2) east/north polyline."""

    xy: FloatArray
    _cum: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        xy = np.asarray(self.xy, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 2:
            raise SimulationError(f"a beat needs an (N >= 2, 2) polyline, got shape {xy.shape}")
        if not np.all(np.isfinite(xy)):
            raise SimulationError("a beat has NaN or infinite coordinates")
        seg = np.hypot(*np.diff(xy, axis=0).T)
        if not seg.sum() > 0.0:
            raise SimulationError("a beat has no length")
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "_cum", np.concatenate([[0.0], np.cumsum(seg)]))

    @property
    def length_m(self) -> float:
        return float(self._cum[-1])

    def at(self, distance_m: float) -> tuple[FloatArray, float]:
        """Point and heading (degrees from north, clockwise) ``distance_m`` along the beat
        walked back and forth: past the end the walker turns round."""
        length = self.length_m
        s = distance_m % (2.0 * length)
        backwards = s > length
        if backwards:
            s = 2.0 * length - s
        seg = int(np.clip(np.searchsorted(self._cum, s, side="right") - 1, 0, len(self._cum) - 2))
        while seg < len(self._cum) - 2 and self._cum[seg + 1] == self._cum[seg]:
            seg += 1
        a, b = self.xy[seg], self.xy[seg + 1]
        span = float(self._cum[seg + 1] - self._cum[seg])
        t = 0.0 if span == 0.0 else (s - float(self._cum[seg])) / span
        point: FloatArray = a + min(max(t, 0.0), 1.0) * (b - a)
        d = (a - b) if backwards else (b - a)
        heading = math.degrees(math.atan2(float(d[0]), float(d[1]))) % 360.0
        return point, heading


def border_beat(
    border: Border,
    from_km: float,
    to_km: float,
    *,
    inland_m: float,
    min_clearance_m: float | None = None,
) -> Beat:
    """The beat ``inland_m`` into the home side of ``border`` between two km posts.

    The stretch is offset with GEOS (its offset curve keeps ``inland_m`` from the stretch),
    cut into ``BEAT_STEP_M`` pieces, and only its longest run of vertices at least
    ``min_clearance_m`` (default half of ``inland_m``) inside the home side of the *whole*
    border and nearest to the stretch (in its sector) is kept, so a walker on it never
    comes nearer the border than ``min_clearance_m - BEAT_STEP_M / 2``."""
    if not (math.isfinite(inland_m) and inland_m > BEAT_STEP_M):
        raise SimulationError(f"inland_m must be > {BEAT_STEP_M:g} m, got {inland_m!r}")
    clearance = inland_m / 2.0 if min_clearance_m is None else min_clearance_m
    if not 0.0 < clearance <= inland_m:
        raise SimulationError(f"min_clearance_m must be in (0, {inland_m:g}], got {clearance!r}")
    stretch = shapely.LineString(border.substring(from_km, to_km))
    # shapely offsets to the left for a positive distance; the line's order is km order
    home_left = border.home_side == border.left_side
    along_first = float(border.along_at_km(from_km)) <= float(border.along_at_km(to_km))
    sign = 1.0 if home_left == along_first else -1.0
    offset = shapely.offset_curve(stretch, sign * inland_m, join_style="round")
    parts = [g for g in shapely.get_parts(offset) if isinstance(g, shapely.LineString)]
    if not parts:
        raise SimulationError(f"border {border.border_id!r}: no beat {inland_m:g} m inland")
    line = shapely.segmentize(max(parts, key=lambda g: g.length), BEAT_STEP_M)
    xy = np.asarray(shapely.get_coordinates(line), dtype=np.float64)
    nearest = border.signed_distance_m(xy)
    home = nearest.distance_m if home_left else -nearest.distance_m
    km = border.km_post(nearest.along_m)
    lo, hi = sorted((from_km, to_km))
    # on the home side, clear of the border, and nearest to this stretch (its sector)
    ok = (home >= clearance) & (km >= lo + KM_MARGIN) & (km <= hi - KM_MARGIN)
    best: tuple[int, int] = (0, 0)
    start: int | None = None
    for i, good in enumerate([*ok.tolist(), False]):
        if good and start is None:
            start = i
        elif not good and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    if best[1] - best[0] < 2:
        raise SimulationError(
            f"border {border.border_id!r} km {from_km:g}..{to_km:g}: no beat stays "
            f"{clearance:g} m inside the home side"
        )
    return Beat(xy[best[0] : best[1]])


def sector_beat(
    config: SiteConfig, geometry: SiteGeometry, sector_id: str, *, inland_m: float
) -> Beat:
    """The beat of a sector defined as a km range of a border (``SimulationError`` for an
    unknown sector or a polygon sector)."""
    for sector in config.sectors:
        if sector.id != sector_id:
            continue
        border = geometry.borders.get(sector.border or "")
        if border is None or sector.from_km is None or sector.to_km is None:
            raise SimulationError(
                f"sector {sector_id!r} is not a stretch of a border: no beat to walk"
            )
        return border_beat(border, sector.from_km, sector.to_km, inland_m=inland_m)
    known = ", ".join(s.id for s in config.sectors) or "none"
    raise SimulationError(f"unknown sector {sector_id!r} (known: {known})")


@dataclass(frozen=True, slots=True)
class PhoneFix:
    """Where a phone is at a time: WGS84 degrees, heading and speed."""

    lat: float
    lon: float
    course_deg: float
    speed_mps: float


@dataclass(frozen=True)
class SimulatedPhone:
    """One patrol's phone: its TAK identity and the beat it walks from ``start_m``."""

    uid: str
    callsign: str
    group: str
    beat: Beat
    frame: LocalFrame
    speed_mps: float = WALKING_SPEED_MPS
    start_m: float = 0.0
    role: str = "Team Member"
    ce_m: float = 8.0
    """GPS circular error reported with each fix."""

    def __post_init__(self) -> None:
        if not self.uid.strip() or not self.callsign.strip():
            raise SimulationError("a phone needs a uid and a callsign")
        if not (math.isfinite(self.speed_mps) and self.speed_mps > 0):
            raise SimulationError(f"{self.callsign}: speed_mps must be > 0")
        if not math.isfinite(self.start_m):
            raise SimulationError(f"{self.callsign}: start_m must be finite")

    def local_at(self, time_s: float) -> tuple[FloatArray, float]:
        """East/north metres and heading ``time_s`` seconds after the walk began."""
        return self.beat.at(self.start_m + self.speed_mps * max(time_s, 0.0))

    def position_at(self, time_s: float) -> PhoneFix:
        xy, heading = self.local_at(time_s)
        lon, lat = (float(v) for v in self.frame.xy_to_lonlat(xy.reshape(1, 2))[0])
        return PhoneFix(lat, lon, heading, self.speed_mps)

    def event_at(self, time_s: float, now: datetime, *, stale_s: float) -> OutEvent:
        """The self-SA event ATAK would send: ``a-f-G-U-C`` with contact, group and track."""
        fix = self.position_at(time_s)
        return OutEvent(
            uid=self.uid,
            type=SELF_SA_TYPE,
            how=SELF_SA_HOW,
            time=now,
            start=now,
            stale=now + timedelta(seconds=stale_s),
            lat=fix.lat,
            lon=fix.lon,
            ce=self.ce_m,
            callsign=self.callsign,
            course_deg=fix.course_deg,
            speed_mps=fix.speed_mps,
            detail=(
                node("__group", name=self.group, role=self.role),
                node("takv", device="Kordon simulator", platform="ATAK-CIV", version="demo"),
                node("uid", Droid=self.callsign),
            ),
        )


class PatrolUnit(Protocol):
    """What a phone needs of a patrol unit (``kordon.units.model.Unit``)."""

    @property
    def callsign(self) -> str: ...
    @property
    def sector_id(self) -> str: ...
    @property
    def cot_uid(self) -> str | None: ...


def phone_uid(unit: PatrolUnit) -> str:
    """The unit's CoT uid, else one made from its callsign (the register then matches the
    reports by callsign)."""
    return unit.cot_uid or SIM_UID_PREFIX + "-".join(unit.callsign.split())


def phones_for(
    units: Sequence[PatrolUnit],
    config: SiteConfig,
    geometry: SiteGeometry,
    *,
    inland_m: float = 300.0,
    inland_step_m: float = 150.0,
    speed_mps: float = WALKING_SPEED_MPS,
) -> list[SimulatedPhone]:
    """A phone per unit whose sector is a border stretch: the k-th unit of a sector walks
    ``inland_m + k * inland_step_m`` inland, starting ``(k + 1/2) / n`` of the way along its
    beat (two patrols start at a quarter and three quarters of the sector: spread out).
    Units of other sectors are skipped (logged)."""
    by_sector: dict[str, list[PatrolUnit]] = {}
    for unit in units:
        by_sector.setdefault(unit.sector_id, []).append(unit)
    order = [s.id for s in config.sectors]
    out: list[SimulatedPhone] = []
    for sector_id, members in by_sector.items():
        try:
            index = order.index(sector_id)
        except ValueError:
            logger.warning("units of unknown sector %r get no simulated phone", sector_id)
            continue
        for k, unit in enumerate(members):
            try:
                beat = sector_beat(
                    config, geometry, sector_id, inland_m=inland_m + k * inland_step_m
                )
            except SimulationError as exc:
                logger.warning("%s gets no simulated phone: %s", unit.callsign, exc)
                continue
            out.append(
                SimulatedPhone(
                    uid=phone_uid(unit),
                    callsign=unit.callsign,
                    group=GROUPS[index % len(GROUPS)],
                    beat=beat,
                    frame=geometry.frame,
                    speed_mps=speed_mps,
                    start_m=beat.length_m * (k + 0.5) / len(members),
                )
            )
    return out


def _check_address(address: tuple[str, int]) -> tuple[str, int]:
    if not address[0] or not 0 < address[1] < 65_536:
        raise SimulationError(f"cannot send to {address[0]!r} port {address[1]} (ports 1..65535)")
    return address


class SimulatedTakPhones:
    """The demo's phones as a node service: every ``interval_s`` each phone's self SA goes
    as one UDP datagram to ``address`` (the node's CoT listener).

    ``phones`` is called at ``start`` (the unit register is seeded before the services
    start, and a restarted node finds its units there); so is ``address`` when it is a
    callable (a listener bound to port 0 knows its port only once started)."""

    name = "sim-tak-phones"

    def __init__(
        self,
        phones: Callable[[], Sequence[SimulatedPhone]],
        *,
        address: tuple[str, int] | Callable[[], tuple[str, int] | None],
        clock: Clock,
        interval_s: float = 3.0,
        stale_s: float = 60.0,
    ) -> None:
        if not (math.isfinite(interval_s) and interval_s > 0):
            raise SimulationError(f"interval_s must be > 0, got {interval_s!r}")
        if not (math.isfinite(stale_s) and stale_s >= interval_s):
            raise SimulationError(f"stale_s must be >= interval_s, got {stale_s!r}")
        if isinstance(address, tuple):
            _check_address(address)
        self._provider = phones
        self._address = address
        self.address: tuple[str, int] | None = address if isinstance(address, tuple) else None
        self._clock = clock
        self.interval_s = interval_s
        self.stale_s = stale_s
        self.phones: list[SimulatedPhone] = []
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None
        self._t0 = 0.0
        self.sent = 0
        self.send_errors = 0

    def open(self) -> None:
        """Take the phones and open the socket (``start`` does it; tests stepping by hand
        call it); the walk's time 0 is now."""
        if self._socket is None:
            address = self._address if isinstance(self._address, tuple) else self._address()
            if address is None:
                raise SimulationError("the CoT listener the phones report to is not up")
            self.address = _check_address(address)
            self.phones = list(self._provider())
            self._t0 = self._clock.monotonic()
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    def step(self) -> int:
        """Send every phone's position now; the number of datagrams sent."""
        sock, address = self._socket, self.address
        if sock is None or address is None:
            raise SimulationError("simulated TAK phones not started")
        time_s = self._clock.monotonic() - self._t0
        now = self._clock.now()
        sent = 0
        for phone in self.phones:
            data = to_xml(phone.event_at(time_s, now, stale_s=self.stale_s))
            try:
                sock.sendto(data, address)
            except OSError as exc:
                # a listener not up yet answers ICMP "refused": count it and go on
                self.send_errors += 1
                logger.debug("%s: %s to %s:%d: %s", self.name, phone.callsign, *address, exc)
                continue
            sent += 1
        self.sent += sent
        return sent

    async def start(self) -> None:
        self.open()
        logger.info("%s: %d phones reporting to %s", self.name, len(self.phones), self.address)
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.close()

    async def _run(self) -> None:
        while True:
            self.step()
            await asyncio.sleep(self.interval_s)
