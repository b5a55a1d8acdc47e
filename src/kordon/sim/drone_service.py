"""The simulated drone as a demo node service, on its own thread.

:class:`SimulatedDroneService` streams a :class:`~kordon.sim.drone.SimulatedDrone`'s
telemetry over a :class:`~kordon.sim.drone_radio.DroneRadio` (on a
:class:`~kordon.sim.source.SharedEpoch` when its camera is rendered too:
``kordon.sim.drone_camera``) and answers mission uploads on the same link with a
:class:`~kordon.sim.mission_receiver.MissionReceiver`.
"""

from __future__ import annotations

import logging
import time

from kordon.interop.missions.model import Mission
from kordon.sim.drone import SimulatedDrone
from kordon.sim.drone_radio import DroneRadio
from kordon.sim.mission_receiver import MissionReceiver, UplinkParser
from kordon.sim.service_thread import ServiceThread
from kordon.sim.source import SharedEpoch
from kordon.video.source.clock import Clock

logger = logging.getLogger(__name__)


class SimulatedDroneService:
    """The simulated drone as a node service (demo): streams its telemetry to ``host:port``
    on its own thread from ``start`` to ``stop`` (give the drone ``repeat_after_s`` to fly
    its route over and over), and answers mission uploads that come back on the same link
    (:attr:`receiver`): an accepted mission replaces the route and is flown from where the
    vehicle is (:meth:`SimulatedDrone.fly`)."""

    def __init__(
        self,
        drone: SimulatedDrone,
        *,
        host: str,
        port: int,
        clock: Clock,
        rate_hz: float = 5.0,
        epoch: SharedEpoch | None = None,
    ) -> None:
        if not rate_hz > 0:
            raise ValueError("rate_hz must be > 0")
        self.name = f"sim-drone-{drone.system_id}"
        self._epoch = epoch
        self._drone = drone
        self._target = (host, port)
        self._clock = clock
        self._rate_hz = rate_hz
        self._thread = ServiceThread(self._run, name=self.name)
        self.receiver = MissionReceiver(system_id=drone.system_id)
        """The vehicle's side of mission uploads on its telemetry link."""
        self._parser = UplinkParser()
        self.flown: list[tuple[float, Mission]] = []
        """Accepted uploads: the flight time each was taken at, and the mission."""

    @property
    def drone(self) -> SimulatedDrone:
        return self._drone

    async def start(self) -> None:
        self._thread.start()

    async def stop(self) -> None:
        await self._thread.stop_async()

    def _run(self) -> None:
        radio = DroneRadio(*self._target)
        start = self._clock.monotonic()
        try:
            while not self._thread.stopping.is_set():
                radio.send(self._drone.frames_at(self._flight_s(start)))
                self._listen(radio, start, 1.0 / self._rate_hz)
        except OSError:
            logger.exception("%s: cannot send telemetry to %s:%d", self.name, *self._target)
        finally:
            radio.close()

    def _listen(self, radio: DroneRadio, start: float, wait_s: float) -> None:
        """Answer what the ground station sends until the next telemetry is due (paced in
        real seconds, like the telemetry itself)."""
        due = time.monotonic() + wait_s
        while not self._thread.stopping.is_set():
            remaining = due - time.monotonic()
            if remaining <= 0:
                return
            got = radio.receive(remaining)
            if got is None:
                continue
            data, sender = got
            for msg in self._parser.messages(data):
                uploads = self.receiver.uploads
                replies = self.receiver.handle(msg)
                mission = self.receiver.received
                if self.receiver.uploads != uploads and mission is not None:
                    at_s = self._flight_s(start)
                    plan = self._drone.fly(mission, from_s=at_s)
                    self.flown.append((at_s, mission))
                    logger.info(
                        "%s: flying an uploaded mission (%d items, %d waypoints, %.0f s)",
                        self.name,
                        len(mission.items),
                        len(plan.route),
                        plan.duration_s,
                    )
                radio.reply(replies, sender)

    def _flight_s(self, start_monotonic_s: float) -> float:
        """Seconds of flight now: since the shared epoch (the drone's camera renders from
        the same one), else since this service started."""
        if self._epoch is None:
            return self._clock.monotonic() - start_monotonic_s
        now = self._clock.now()
        return (now - self._epoch.fix(now)).total_seconds()
