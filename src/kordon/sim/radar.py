"""``SimulatedRadar``: a rotating surveillance radar in the simulator's world, sending ASTERIX.

It watches the simulated actors (any :class:`ActorPositions`, as the simulated ground
sensors do) from its place in the site's local frame. Its antenna turns clockwise once
every ``rotation_period_s`` from scenario time 0; when the beam sweeps over an actor within
range it is detected with probability ``detection_probability`` and reported as a CAT048
plot (I048/040 polar position with Gaussian range and azimuth noise, the time the beam
passed it). The antenna crossing north gives a CAT034 north marker (with the period),
each other sector boundary a CAT034 sector crossing message. Cooperative aircraft
flying over the site (:mod:`kordon.sim.aircraft`; the demo twin of a configured radar has
two) are reported once every ``adsb_interval_s`` as CAT021 ADS-B reports with the radar's
SAC/SIC, as if it were also the site's ADS-B ground station. Times are scenario times
mapped to UTC through the world's epoch; the ASTERIX encoding is
:mod:`kordon.sensors.asterix.encoder` and :mod:`kordon.sensors.asterix.encoder021`.

:class:`SimulatedRadarService` steps one radar in real time and sends its datagrams over
UDP to the node's radar port, as the real radar would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from kordon.config.integrations import AsterixRadar
from kordon.domain.time import require_utc
from kordon.geo.frame import LocalFrame
from kordon.sensors.asterix.encoder import (
    NORTH_MARKER,
    SECTOR_CROSSING,
    Plot,
    ServiceMessage,
    plots_block,
    service_block,
)
from kordon.sensors.asterix.encoder021 import AdsbReport, adsb_block
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.ugs.simulated import ActorPositions
from kordon.sensors.ugs.simulated_service import Epoch
from kordon.sim.aircraft import SimulatedAircraft, demo_aircraft

logger = logging.getLogger(__name__)

PLOTS_PER_DATAGRAM = 100
"""About 1,100 octets of CAT048: a datagram within an Ethernet frame."""
DAY_S = 86_400.0
ADSB_REPORTS_PER_DATAGRAM = 20
MAX_ADSB_CATCH_UP = 5
"""Report times sent at most per aircraft after a stall (the latest ones)."""


@dataclass(frozen=True)
class SimulatedRadarSpec:
    """A simulated radar: where it stands, how it turns, how well it measures."""

    sensor_id: str
    sac: int
    sic: int
    geometry: RadarGeometry
    rotation_period_s: float = 4.0
    detection_probability: float = 0.9
    max_range_m: float = 10_000.0
    sectors: int = 16
    seed: int = 0
    aircraft: tuple[SimulatedAircraft, ...] = ()
    """Cooperative aircraft reported as ADS-B (CAT021); they need ``frame``."""
    frame: LocalFrame | None = None
    """The site's local frame, to give aircraft positions in WGS84."""
    adsb_interval_s: float = 1.0
    adsb_range_m: float = 100_000.0
    """Aircraft farther than this from the radar (along the ground) are not reported."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rotation_period_s) and self.rotation_period_s > 0):
            raise ValueError(f"{self.sensor_id}: rotation_period_s must be > 0")
        if not 0.0 <= self.detection_probability <= 1.0:
            raise ValueError(f"{self.sensor_id}: detection_probability must be in [0, 1]")
        if not self.max_range_m > 0:
            raise ValueError(f"{self.sensor_id}: max_range_m must be > 0")
        if not 1 <= self.sectors <= 256:
            raise ValueError(f"{self.sensor_id}: sectors must be 1..256")
        if self.aircraft and self.frame is None:
            raise ValueError(f"{self.sensor_id}: simulated aircraft need the site's frame")
        if not (math.isfinite(self.adsb_interval_s) and self.adsb_interval_s > 0):
            raise ValueError(f"{self.sensor_id}: adsb_interval_s must be > 0")
        if not self.adsb_range_m > 0:
            raise ValueError(f"{self.sensor_id}: adsb_range_m must be > 0")

    @classmethod
    def of(
        cls,
        radar: AsterixRadar,
        frame: LocalFrame,
        *,
        seed: int = 0,
        aircraft: tuple[SimulatedAircraft, ...] | None = None,
    ) -> SimulatedRadarSpec:
        """The simulated twin of a configured radar: same place, alignment, SAC/SIC,
        period and measurement errors; ``aircraft`` reported over ADS-B (none given: the
        two demo aircraft crossing the sky over the radar)."""
        geometry = RadarGeometry.of(radar, frame)
        if aircraft is None:
            aircraft = demo_aircraft((geometry.east_m, geometry.north_m))
        return cls(
            sensor_id=radar.id,
            sac=radar.sac,
            sic=radar.sic,
            geometry=geometry,
            rotation_period_s=radar.rotation_period_s,
            seed=seed,
            aircraft=aircraft,
            frame=frame,
        )


def _time_of_day(epoch: datetime, time_s: float) -> float:
    t = (epoch + timedelta(seconds=time_s)).timestamp()
    return t % DAY_S


def _true_track_deg(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    """Initial bearing from the first point to the second, degrees clockwise from north."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dl = math.radians(lon1 - lon0)
    y = math.sin(dl) * math.cos(p1)
    x = math.cos(p0) * math.sin(p1) - math.sin(p0) * math.cos(p1) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


class SimulatedRadar:
    """Sweeps through scenario time and says which datagrams the radar sends."""

    def __init__(self, spec: SimulatedRadarSpec, positions: ActorPositions) -> None:
        self.spec = spec
        self._positions = positions
        self._rng = np.random.default_rng(spec.seed)
        self._last_s: float | None = None
        self.plots_sent = 0
        self.adsb_reports_sent = 0

    def antenna_deg(self, time_s: float) -> float:
        """Unwrapped antenna azimuth (radar's own degrees) at scenario time ``time_s``."""
        return 360.0 * time_s / self.spec.rotation_period_s

    def step(self, time_s: float, *, epoch: datetime) -> list[bytes]:
        """Datagrams for the sweep since the previous step up to scenario time ``time_s``
        (call with increasing times; the first call only sets the antenna going).
        ``epoch`` is the UTC time of scenario time 0."""
        epoch = require_utc(epoch, name="epoch")
        previous, self._last_s = self._last_s, time_s
        if previous is None or time_s <= previous:
            return []
        spec = self.spec
        start_s = max(previous, time_s - spec.rotation_period_s)
        a0, a1 = self.antenna_deg(start_s), self.antenna_deg(time_s)
        deg_per_s = 360.0 / spec.rotation_period_s
        messages = self._service_messages(a0, a1, start_s, deg_per_s, epoch)
        plots = self._plots(a0, a1, start_s, deg_per_s, time_s=time_s, epoch=epoch)
        out: list[bytes] = []
        for i in range(0, len(plots), PLOTS_PER_DATAGRAM):
            out.append(plots_block(plots[i : i + PLOTS_PER_DATAGRAM]))
        if messages:
            out.append(service_block(messages))
        self.plots_sent += len(plots)
        reports = self._adsb_reports(previous, time_s, epoch)
        for i in range(0, len(reports), ADSB_REPORTS_PER_DATAGRAM):
            out.append(adsb_block(reports[i : i + ADSB_REPORTS_PER_DATAGRAM]))
        self.adsb_reports_sent += len(reports)
        return out

    def _adsb_reports(self, previous: float, time_s: float, epoch: datetime) -> list[AdsbReport]:
        """CAT021 reports of every aircraft in range at each report time in
        (``previous``, ``time_s``], oldest first."""
        spec, frame = self.spec, self.spec.frame
        if not spec.aircraft or frame is None:
            return []
        step = spec.adsb_interval_s
        first = max(
            math.floor(previous / step) + 1, math.floor(time_s / step) - MAX_ADSB_CATCH_UP + 1
        )
        last = math.floor(time_s / step)
        out: list[AdsbReport] = []
        for k in range(first, last + 1):
            at_s = k * step
            for number, plane in enumerate(spec.aircraft, start=1):
                east, north = plane.east_north_m(at_s)
                ground_m = math.hypot(east - spec.geometry.east_m, north - spec.geometry.north_m)
                if ground_m > spec.adsb_range_m:
                    continue
                ahead = plane.east_north_m(at_s + 1.0)
                lon, lat = frame.to_wgs84([east, ahead[0]], [north, ahead[1]])
                out.append(
                    AdsbReport(
                        spec.sac,
                        spec.sic,
                        _time_of_day(epoch, at_s),
                        float(lat[0]),
                        float(lon[0]),
                        plane.icao_address,
                        track_number=number,
                        callsign=plane.callsign,
                        flight_level=plane.flight_level,
                        geometric_height_ft=plane.geometric_height_ft,
                        ground_speed_mps=plane.ground_speed_mps,
                        track_deg=_true_track_deg(
                            float(lat[0]), float(lon[0]), float(lat[1]), float(lon[1])
                        ),
                        emitter_category=plane.emitter_category,
                    )
                )
        return out

    def _service_messages(
        self, a0: float, a1: float, start_s: float, deg_per_s: float, epoch: datetime
    ) -> list[ServiceMessage]:
        spec = self.spec
        width = 360.0 / spec.sectors
        out: list[ServiceMessage] = []
        k = math.ceil(a0 / width - 1e-12)
        while k * width < a1:
            boundary = k * width
            at_s = start_s + (boundary - a0) / deg_per_s
            sector = boundary % 360.0
            north = k % spec.sectors == 0
            out.append(
                ServiceMessage(
                    spec.sac,
                    spec.sic,
                    _time_of_day(epoch, at_s),
                    NORTH_MARKER if north else SECTOR_CROSSING,
                    sector_deg=None if north else sector,
                    antenna_period_s=spec.rotation_period_s if north else None,
                )
            )
            k += 1
        return out

    def _plots(
        self,
        a0: float,
        a1: float,
        start_s: float,
        deg_per_s: float,
        *,
        time_s: float,
        epoch: datetime,
    ) -> list[Plot]:
        spec = self.spec
        g = spec.geometry
        xy, _classes = self._positions(time_s)
        if not xy.shape[0]:
            return []
        slant, azimuth = g.to_polar(xy)
        # the azimuth's turn of the unwrapped antenna angle that falls in [a0, a0 + 360)
        swept = azimuth + 360.0 * np.ceil((a0 - azimuth) / 360.0)
        hit = (swept < a1) & (slant <= spec.max_range_m)
        hit &= self._rng.random(hit.shape[0]) < spec.detection_probability
        idx = np.flatnonzero(hit)
        if not idx.size:
            return []
        at_s = start_s + (swept[idx] - a0) / deg_per_s
        noisy_range = slant[idx] + self._rng.normal(0.0, g.range_sigma_m, idx.size)
        noisy_az = azimuth[idx] + self._rng.normal(0.0, g.azimuth_sigma_deg, idx.size)
        order = np.argsort(at_s, kind="stable")
        return [
            Plot(
                spec.sac,
                spec.sic,
                _time_of_day(epoch, float(at_s[j])),
                max(0.0, float(noisy_range[j])),
                float(noisy_az[j]) % 360.0,
            )
            for j in order.tolist()
        ]


class SimulatedRadarService:
    """Steps a simulated radar in (scenario) time and sends its datagrams over UDP."""

    name = "simulated-radar"

    def __init__(
        self,
        radar: SimulatedRadar,
        *,
        epoch: Epoch,
        clock: Callable[[], datetime],
        address: tuple[str, int],
        tick_s: float = 0.1,
    ) -> None:
        if not tick_s > 0:
            raise ValueError(f"tick_s must be > 0, got {tick_s}")
        self.radar = radar
        self._epoch = epoch
        self._clock = clock
        self.address = address
        self._tick_s = tick_s
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    def step(self) -> int:
        """One tick: sweep the antenna to the current scenario time; datagrams sent."""
        now = self._clock()
        epoch = self._epoch.fix(now)
        datagrams = self.radar.step((now - epoch).total_seconds(), epoch=epoch)
        sock = self._socket
        if sock is None:
            raise RuntimeError("simulated radar not started")
        for datagram in datagrams:
            sock.sendto(datagram, self.address)
        self.sent += len(datagrams)
        return len(datagrams)

    def open(self) -> None:
        """Open the sending socket (``start`` does it; tests that step by hand call it)."""
        if self._socket is None:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    async def start(self) -> None:
        self.open()
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
            try:
                self.step()
            except Exception:
                logger.exception("simulated radar %s failed to step", self.radar.spec.sensor_id)
            await asyncio.sleep(self._tick_s)
