"""``AsterixRadarService``: the node's ASTERIX radars, built from the site file.

Builds, without I/O, one :class:`RadarIntake` per radar (geometry in the site's local
frame, observer, health, flood guard) and one :class:`UdpReceiver` per listening address
(radars that share a port or multicast group share its receiver; each keeps only its own
SAC/SIC). ``start`` binds the sockets and runs the once-a-second health check (which also
expires the ADS-B aircraft silent past their radar's limit); ``stop`` undoes both. Scans,
device statuses and aircraft states (new and expired) are handed to the callbacks on the
node's event loop (datagrams are decoded on the receivers' threads).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from kordon.config.integrations import AsterixRadar
from kordon.domain.aircraft import AircraftState
from kordon.domain.status import DeviceStatus
from kordon.geo.frame import LocalFrame
from kordon.sensors.asterix.cooperative import DEFAULT_MAX_AGE_S, CooperativeAircraft
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.asterix.health import HealthSettings, RadarHealth
from kordon.sensors.asterix.intake import AircraftSink, RadarIntake, ScanSink, StatusSink
from kordon.sensors.asterix.observer import RadarObserver
from kordon.sensors.asterix.receiver import UdpReceiver
from kordon.sensors.ugs.flood import RateLimit

logger = logging.getLogger(__name__)

T = TypeVar("T")
Endpoint = tuple[str, int, str | None]
"""(bind address, port, multicast group) a receiver listens on."""


def rate_limit(radar: AsterixRadar) -> RateLimit:
    """A radar's flood guard: ``max_plots_per_s``, one antenna period's worth at once."""
    burst = max(1, round(radar.max_plots_per_s * radar.rotation_period_s))
    return RateLimit(radar.max_plots_per_s, burst)


class AsterixRadarService:
    """ASTERIX radar input of one node (UDP), with health, flood guard and ADS-B apart."""

    name = "radars"

    def __init__(
        self,
        radars: Sequence[AsterixRadar],
        frame: LocalFrame,
        *,
        clock: Callable[[], datetime],
        on_scan: ScanSink,
        on_status: StatusSink,
        tick_s: float = 1.0,
        max_delay_s: float | None = None,
        on_aircraft: AircraftSink | None = None,
        aircraft_max_age_s: Mapping[str, float] | None = None,
    ) -> None:
        """``aircraft_max_age_s``: per radar id, the silence after which an ADS-B aircraft
        it reported expires (default :data:`DEFAULT_MAX_AGE_S`)."""
        if not tick_s > 0:
            raise ValueError(f"tick_s must be > 0, got {tick_s}")
        max_ages = dict(aircraft_max_age_s or {})
        unknown = sorted(set(max_ages) - {r.id for r in radars})
        if unknown:
            raise ValueError(f"aircraft_max_age_s names no radar of the node: {unknown}")
        self._clock = clock
        self._on_aircraft = self._hand_over(on_aircraft) if on_aircraft is not None else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tick_s = tick_s
        self._task: asyncio.Task[None] | None = None
        self.aircraft = CooperativeAircraft()
        """ADS-B aircraft of every radar feed (for the map); never in the observations."""
        started = clock()
        self.intakes: dict[str, RadarIntake] = {}
        for radar in radars:
            self.intakes[radar.id] = RadarIntake(
                sac=radar.sac,
                sic=radar.sic,
                observer=RadarObserver(
                    radar.id,
                    RadarGeometry.of(radar, frame),
                    frame,
                    confidence=radar.confidence,
                    max_delay_s=max_delay_s,
                ),
                health=RadarHealth(
                    radar.id, HealthSettings(radar.rotation_period_s), started=started
                ),
                rate=rate_limit(radar),
                clock=clock,
                on_scan=self._hand_over(on_scan),
                on_status=self._hand_over(on_status),
                aircraft=self.aircraft,
                on_aircraft=self._on_aircraft,
                aircraft_max_age_s=max_ages.get(radar.id, DEFAULT_MAX_AGE_S),
            )
        groups: dict[Endpoint, list[RadarIntake]] = {}
        for radar in radars:
            key = (radar.bind_address, radar.udp_port, radar.multicast_group)
            groups.setdefault(key, []).append(self.intakes[radar.id])
        self.receivers = [
            UdpReceiver(
                port=port,
                bind_address=bind,
                multicast_group=group,
                on_datagram=_fan_out(intakes),
                name=f"radar-{'+'.join(i.sensor_id for i in intakes)}",
            )
            for (bind, port, group), intakes in groups.items()
        ]

    def _hand_over(self, sink: Callable[[T], None]) -> Callable[[T], None]:
        """``sink`` called on the node's loop once started (directly before that)."""

        def deliver(item: T) -> None:
            loop = self._loop
            if loop is None or loop.is_closed():
                sink(item)
                return
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                sink(item)
            else:
                loop.call_soon_threadsafe(sink, item)

        return deliver

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        started: list[UdpReceiver] = []
        try:
            for receiver in self.receivers:
                receiver.start()
                started.append(receiver)
        except OSError:
            for receiver in started:
                await asyncio.to_thread(receiver.stop)
            raise
        self._task = asyncio.create_task(self._watch(), name="radar-health")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for receiver in self.receivers:
            await asyncio.to_thread(receiver.stop)

    def tick(self) -> None:
        """One health check of every radar; aircraft silent too long expire."""
        for intake in self.intakes.values():
            try:
                intake.tick()
            except Exception:
                logger.exception("radar %s: health check failed", intake.sensor_id)
        try:
            self.expire_aircraft()
        except Exception:
            logger.exception("radars: expiring ADS-B aircraft failed")

    def expire_aircraft(self) -> list[AircraftState]:
        """Forget the aircraft silent past their radar's limit now; their last states
        (marked expired) go to ``on_aircraft`` and are returned."""
        expired = self.aircraft.expire(self._clock().timestamp())
        if self._on_aircraft is not None:
            for state in expired:
                self._on_aircraft(state)
        return expired

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._tick_s)
            self.tick()

    def statuses(self) -> list[DeviceStatus]:
        """Every radar's current health."""
        return [self.intakes[k].status() for k in sorted(self.intakes)]

    @staticmethod
    def radars(sensors: Sequence[object]) -> list[AsterixRadar]:
        """The ASTERIX radars among a site's configured sensors."""
        return [s for s in sensors if isinstance(s, AsterixRadar)]


def _fan_out(intakes: Sequence[RadarIntake]) -> Callable[[bytes], None]:
    def receive(data: bytes) -> None:
        for intake in intakes:
            intake.receive(data)

    return receive
