"""``GroundSensorService``: the node's ground sensors, built from the site file.

Builds, without I/O: the decoder (known ids and types), the detection areas in the site's
local frame, the flood limiter, device health, the shared :class:`UgsIntake`, one MQTT
subscriber per broker named in the sensors' ``mqtt`` settings and, when any sensor has a
``secret_env``, the HTTP intake for ``/api/sensors/ugs``. ``start`` connects the
subscribers and runs the once-a-second health check; ``stop`` undoes both.

Observations and device statuses are handed to the two callbacks on the node's event loop
(messages arrive on the MQTT client's thread and the API's thread pool). ``max_delay_s``
(see :class:`AlarmObserver`) keeps late alarms within the site tracker's re-ordering lag.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from kordon.config.integrations import GroundSensor
from kordon.domain.status import DeviceStatus
from kordon.geo.frame import LocalFrame
from kordon.sensors.ugs.area import sensor_areas
from kordon.sensors.ugs.decoder import UgsDecoder
from kordon.sensors.ugs.flood import FloodLimiter, RateLimit
from kordon.sensors.ugs.health import HealthLimits, UgsHealthMonitor
from kordon.sensors.ugs.http_intake import UgsHttpIntake
from kordon.sensors.ugs.intake import ObservationSink, StatusSink, UgsIntake
from kordon.sensors.ugs.mqtt import MqttEndpoint, UgsMqttSubscriber
from kordon.sensors.ugs.observer import AlarmObserver
from kordon.sensors.ugs.shared_secrets import sensor_secrets
from kordon.sensors.ugs.signature import SignatureVerifier

logger = logging.getLogger(__name__)

T = TypeVar("T")


class GroundSensorService:
    """Ground-sensor input of one node (MQTT and HTTP), with health and flood control."""

    name = "ground-sensors"

    def __init__(
        self,
        sensors: Sequence[GroundSensor],
        frame: LocalFrame,
        *,
        clock: Callable[[], datetime],
        environ: Mapping[str, str],
        on_observations: ObservationSink,
        on_status: StatusSink,
        client_id: str = "kordon-ugs",
        tick_s: float = 1.0,
        max_delay_s: float | None = None,
    ) -> None:
        self._on_observations = on_observations
        self._on_status = on_status
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tick_s = tick_s
        self._task: asyncio.Task[None] | None = None
        decoder = UgsDecoder({s.id: s.sensor_type for s in sensors}, clock)
        self.intake = UgsIntake(
            decoder=decoder,
            observer=AlarmObserver(
                sensor_areas(sensors, frame),
                {s.id: s.confidence for s in sensors},
                max_delay_s=max_delay_s,
            ),
            health=UgsHealthMonitor(
                {s.id: HealthLimits(s.heartbeat_interval_s, s.low_battery_pct) for s in sensors},
                started=clock(),
            ),
            flood=FloodLimiter(
                {s.id: RateLimit(s.max_alarm_rate_hz, s.alarm_burst) for s in sensors}
            ),
            clock=clock,
            on_observations=self._hand_over(self._on_observations),
            on_status=self._hand_over(self._on_status),
        )
        secrets = sensor_secrets(sensors, environ)
        self.http_intake: UgsHttpIntake | None = (
            UgsHttpIntake(SignatureVerifier(secrets, clock), self.intake) if secrets else None
        )
        """For ``ApiContext.ground_sensors``; none when no sensor sends over HTTP."""
        self.subscribers = self._subscribers(sensors, decoder, client_id)

    def _subscribers(
        self, sensors: Sequence[GroundSensor], decoder: UgsDecoder, client_id: str
    ) -> list[UgsMqttSubscriber]:
        brokers: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for s in sensors:
            if s.mqtt is not None:
                brokers[(s.mqtt.host, s.mqtt.port)][s.mqtt.topic].append(s.id)
        return [
            UgsMqttSubscriber(
                MqttEndpoint(host, port, client_id=f"{client_id}-{i}" if i else client_id),
                filters,
                decoder,
                on_message=self.intake.handle,
                on_refused=self.intake.refused,
            )
            for i, ((host, port), filters) in enumerate(sorted(brokers.items()))
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
        for subscriber in self.subscribers:
            subscriber.start()
        self._task = asyncio.create_task(self._watch(), name="ugs-health")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for subscriber in self.subscribers:
            await asyncio.to_thread(subscriber.stop)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._tick_s)
            try:
                self.intake.tick()
            except Exception:
                logger.exception("ground sensor health check failed")

    def statuses(self) -> list[DeviceStatus]:
        """Every ground sensor's current health."""
        return self.intake.statuses()

    @staticmethod
    def ground_sensors(sensors: Sequence[object]) -> list[GroundSensor]:
        """The ground sensors among a site's configured sensors."""
        return [s for s in sensors if isinstance(s, GroundSensor)]
