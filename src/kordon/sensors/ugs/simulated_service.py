"""``SimulatedGroundSensorsService``: runs simulated ground sensors alongside the demo.

Every ``tick_s`` it reads the clock, fixes the world's epoch (the UTC time of scenario
time 0, shared with the simulated cameras of the same world: ``kordon.sim.source.SharedEpoch``),
steps each :class:`SimulatedGroundSensor` to ``now - epoch`` and hands their messages to
``send`` (``UgsMqttPublisher.publish`` to go through the broker like real sensors, or
``UgsIntake.handle`` to skip it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from kordon.sensors.ugs.message import UgsMessage
from kordon.sensors.ugs.simulated import SimulatedGroundSensor

logger = logging.getLogger(__name__)


class Epoch(Protocol):
    """The UTC time of scenario time 0, fixed by whoever starts first
    (``kordon.sim.source.SharedEpoch``)."""

    def fix(self, now: datetime) -> datetime: ...


class SimulatedGroundSensorsService:
    """Steps simulated sensors in (scenario) time and sends what they report."""

    name = "simulated-ground-sensors"

    def __init__(
        self,
        sensors: Sequence[SimulatedGroundSensor],
        *,
        epoch: Epoch,
        clock: Callable[[], datetime],
        send: Callable[[UgsMessage], object],
        tick_s: float = 0.5,
    ) -> None:
        if not tick_s > 0:
            raise ValueError(f"tick_s must be > 0, got {tick_s}")
        self._sensors = list(sensors)
        self._epoch = epoch
        self._clock = clock
        self._send = send
        self._tick_s = tick_s
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    def step(self) -> int:
        """One tick: step every sensor to the current scenario time; messages sent."""
        now = self._clock()
        epoch = self._epoch.fix(now)
        time_s = (now - epoch).total_seconds()
        count = 0
        for sensor in self._sensors:
            for message in sensor.step(time_s, epoch=epoch):
                self._send(message)
                count += 1
        self.sent += count
        return count

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                self.step()
            except Exception:
                logger.exception("simulated ground sensors failed to step")
            await asyncio.sleep(self._tick_s)
