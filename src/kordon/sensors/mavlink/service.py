"""``MavlinkService``: one MAVLink endpoint of the node, received on its own thread.

The constructor is cheap (it parses the connection string and builds the ingest);
``start`` opens the endpoint and starts the receive thread; ``stop`` ends it. Drone
states and device statuses are handed to the two callables given to the constructor, on
the node's event loop once started (the composition root publishes them on the bus).
The thread also sends a ground-station heartbeat once a second where the link is two-way
(``udpout`` needs it for the vehicle to learn our address) and checks for silent vehicles.
``open_link`` opens the endpoint (``open_endpoint``; drone tasking passes a
:class:`~kordon.drones.link.SharedLink` so mission uploads share the link).

A ``tlog`` replay with ``replay_time: recorded`` runs its telemetry on a
:class:`~kordon.sensors.mavlink.replay_clock.ReplayClock`: each message is fed to the
ingest at the time the log recorded for it (so its drone states carry that time), and the
heartbeat and silence checks run on the replay's clock, not the node's. Device statuses
stay the node's: each is stamped with the node's clock when it is handed over (the
register, the device watch and its incidents compare them with the node's time).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from kordon.config.integrations import MavlinkSensor
from kordon.domain.drone import DroneState
from kordon.domain.errors import KordonError
from kordon.domain.status import DeviceStatus
from kordon.geo.footprint import Ground, SrtmTile
from kordon.sensors.mavlink.endpoint import Endpoint, EndpointSpec, open_endpoint
from kordon.sensors.mavlink.ingest import IngestLimits, IngestOutput, TelemetryIngest
from kordon.sensors.mavlink.replay_clock import ReplayClock
from kordon.video.source.clock import Clock

logger = logging.getLogger(__name__)

T = TypeVar("T")
_GCS_SYSTEM_ID = 255
_GCS_COMPONENT_ID = 190
_HEARTBEAT_EVERY_S = 1.0


class ReplayTimeError(KordonError, ValueError):
    """``replay_time: recorded`` on a link that is not a replayed log."""


class EndpointOpener(Protocol):
    """Opens a parsed connection string (:func:`open_endpoint` is one)."""

    def __call__(self, spec: EndpointSpec, *, clock: Clock, replay_speed: float) -> Endpoint: ...


class MavlinkService:
    """Telemetry of the vehicles behind one MAVLink endpoint (see the module docstring)."""

    def __init__(
        self,
        sensor: MavlinkSensor,
        *,
        clock: Clock,
        on_state: Callable[[DroneState], None],
        on_status: Callable[[DeviceStatus], None],
        terrain: Ground | None = None,
        limits: IngestLimits | None = None,
        poll_s: float = 0.2,
        open_link: EndpointOpener = open_endpoint,
    ) -> None:
        self.name = f"mavlink-{sensor.id}"
        self.spec = EndpointSpec.parse(sensor.url)
        self._clock = clock
        self.replay_clock: ReplayClock | None = None
        """The replay's clock (``replay_time: recorded``), else ``None``."""
        if sensor.replay_time == "recorded":
            if self.spec.kind != "tlog":
                raise ReplayTimeError(
                    f"mavlink sensor {sensor.id!r}: replay_time 'recorded' needs a replayed "
                    f"log (tlog:PATH), not a live {self.spec.kind} link"
                )
            self.replay_clock = ReplayClock(clock, speed=sensor.replay_speed)
        self._telemetry_clock: Clock = self.replay_clock or clock
        self._status_times: dict[str, datetime] = {}
        self._on_state = on_state
        self._on_status = on_status
        self._terrain = terrain
        self._poll_s = poll_s
        self._open_link = open_link
        self._replay_speed = sensor.replay_speed
        self._dem_file = sensor.dem_file
        self._sensor_id = sensor.id
        self._system_ids = tuple(sensor.system_ids)
        self._limits = limits or IngestLimits(
            heartbeat_timeout_s=sensor.heartbeat_timeout_s,
            default_hfov_deg=sensor.camera_hfov_deg,
        )
        self.ingest = self._make_ingest(terrain)
        self._encoder = mav.MAVLink(None, srcSystem=_GCS_SYSTEM_ID, srcComponent=_GCS_COMPONENT_ID)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._endpoint: Endpoint | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.finished = threading.Event()
        """Set when the link has ended (a replay reached its end, or stop)."""

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._terrain is None and self._dem_file is not None:
            self._terrain = await asyncio.to_thread(SrtmTile.read, Path(self._dem_file))
            self.ingest = self._make_ingest(self._terrain)
        self._endpoint = await asyncio.to_thread(
            self._open_link,
            self.spec,
            clock=self._telemetry_clock,
            replay_speed=self._replay_speed,
        )
        if self.replay_clock is not None:
            # the replay's clock now stands at the log's start: the ingest starts there
            self.ingest = self._make_ingest(self._terrain)
        self._stopping.clear()
        self.finished.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _make_ingest(self, terrain: Ground | None) -> TelemetryIngest:
        return TelemetryIngest(
            self._sensor_id,
            self._system_ids,
            started=self._telemetry_clock.now(),
            limits=self._limits,
            terrain=terrain,
        )

    async def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 5.0)
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is not None:
            endpoint.close()

    def statuses(self) -> list[DeviceStatus]:
        with self._lock:
            found = self.ingest.statuses()
            if self.replay_clock is None:
                return found
            return [self._node_time(s, self._status_times.get(s.device_id)) for s in found]

    def states(self) -> list[DroneState]:
        with self._lock:
            return self.ingest.states(self._telemetry_clock.now())

    def _run(self) -> None:
        endpoint = self._endpoint
        assert endpoint is not None
        next_beat = 0.0
        try:
            while not self._stopping.is_set():
                mono = self._clock.monotonic()
                if mono >= next_beat and self.spec.kind != "tlog":
                    endpoint.send(self._heartbeat())
                    next_beat = mono + _HEARTBEAT_EVERY_S
                data = endpoint.receive(self._poll_s)
                if data is None:
                    break
                with self._lock:
                    out = self.ingest.feed(data, self._received()) if data else IngestOutput()
                    out.extend(self.ingest.check(self._telemetry_clock.now()))
                self._deliver(out)
            self.finished.set()
            # the link ended (a replay's end, a closed TCP connection): keep checking, so
            # its vehicles go offline after the heartbeat timeout
            while not self._stopping.wait(self._poll_s):
                with self._lock:
                    out = self.ingest.check(self._telemetry_clock.now())
                self._deliver(out)
        except Exception:
            logger.exception("%s: the receive loop failed", self.name)
        finally:
            self.finished.set()

    def _received(self) -> datetime:
        """When the bytes just received arrived: the node's time, or in a replay on
        recorded time, exactly the time the log recorded for them."""
        if self.replay_clock is not None:
            recorded = self.replay_clock.frame_time()
            if recorded is not None:
                return recorded
        return self._telemetry_clock.now()

    def _node_time(self, status: DeviceStatus, time: datetime | None = None) -> DeviceStatus:
        """``status`` stamped with the node's clock (``time``, else now)."""
        return dataclasses.replace(status, time=time or self._clock.now())

    def _heartbeat(self) -> bytes:
        msg = mav.MAVLink_heartbeat_message(
            mav.MAV_TYPE_GCS, mav.MAV_AUTOPILOT_INVALID, 0, 0, mav.MAV_STATE_ACTIVE, 3
        )
        return bytes(msg.pack(self._encoder))

    def _deliver(self, out: IngestOutput) -> None:
        for status in out.statuses:
            if self.replay_clock is not None:
                status = self._node_time(status)
                with self._lock:
                    self._status_times[status.device_id] = status.time
            self._hand_over(self._on_status, status)
        for state in out.states:
            self._hand_over(self._on_state, state)

    def _hand_over(self, sink: Callable[[T], None], item: T) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            sink(item)
        else:
            loop.call_soon_threadsafe(sink, item)
