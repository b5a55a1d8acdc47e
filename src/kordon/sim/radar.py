"""``SimulatedRadar``: a rotating surveillance radar in the simulator's world, sending ASTERIX.

It watches the simulated actors (any :class:`ActorPositions`, as the simulated ground
sensors do) from its place in the site's local frame. Its antenna turns clockwise once
every ``rotation_period_s`` from scenario time 0; when the beam sweeps over an actor within
range it is detected with probability ``detection_probability`` and reported as a CAT048
plot (I048/040 polar position with Gaussian range and azimuth noise, the time the beam
passed it). The antenna crossing north gives a CAT034 north marker (with the period),
each other sector boundary a CAT034 sector crossing message. Times are scenario times
mapped to UTC through the world's epoch; the ASTERIX encoding is
:mod:`kordon.sensors.asterix.encoder`.

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
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.ugs.simulated import ActorPositions
from kordon.sensors.ugs.simulated_service import Epoch

logger = logging.getLogger(__name__)

PLOTS_PER_DATAGRAM = 100
"""About 1,100 octets of CAT048: a datagram within an Ethernet frame."""
DAY_S = 86_400.0


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

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rotation_period_s) and self.rotation_period_s > 0):
            raise ValueError(f"{self.sensor_id}: rotation_period_s must be > 0")
        if not 0.0 <= self.detection_probability <= 1.0:
            raise ValueError(f"{self.sensor_id}: detection_probability must be in [0, 1]")
        if not self.max_range_m > 0:
            raise ValueError(f"{self.sensor_id}: max_range_m must be > 0")
        if not 1 <= self.sectors <= 256:
            raise ValueError(f"{self.sensor_id}: sectors must be 1..256")

    @classmethod
    def of(cls, radar: AsterixRadar, frame: LocalFrame, *, seed: int = 0) -> SimulatedRadarSpec:
        """The simulated twin of a configured radar: same place, alignment, SAC/SIC,
        period and measurement errors."""
        return cls(
            sensor_id=radar.id,
            sac=radar.sac,
            sic=radar.sic,
            geometry=RadarGeometry.of(radar, frame),
            rotation_period_s=radar.rotation_period_s,
            seed=seed,
        )


def _time_of_day(epoch: datetime, time_s: float) -> float:
    t = (epoch + timedelta(seconds=time_s)).timestamp()
    return t % DAY_S


class SimulatedRadar:
    """Sweeps through scenario time and says which datagrams the radar sends."""

    def __init__(self, spec: SimulatedRadarSpec, positions: ActorPositions) -> None:
        self.spec = spec
        self._positions = positions
        self._rng = np.random.default_rng(spec.seed)
        self._last_s: float | None = None
        self.plots_sent = 0

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
