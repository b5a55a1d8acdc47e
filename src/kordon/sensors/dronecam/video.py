"""A drone camera's video in the node: frames → detections → observations of the drone.

:class:`DroneVideoAnalyser` runs the detector on one frame and hands the detections, with
the frame's time and size, to the :class:`DroneCamObserver` (pose matched by time,
projection through the live pose). :class:`DroneVideoService` is the node service: it
takes the drone's telemetry (``DroneState`` on the ``drones`` channel, this vehicle's
only) into the observer's pose history, and on its own thread reads the camera's frames,
analyses each and publishes the scans (``observations`` channel: the site picture fuses
them with the towers' and the other sensors'). A frame the observer refuses (no pose yet,
time going backwards) publishes nothing; the counts are on the observer. Given a status
sink, the service also says how its video is (device ``<drone>:video``: ``stopped`` at the
end of a file, ``offline`` with the reason when the source fails) and whether its frames
find telemetry (device ``<drone>:video-sync``: :class:`TelemetryMatchWatch`), so a video
whose times miss the telemetry is a health event and a warning, not silent nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from kordon.bus.channels import DRONES
from kordon.bus.inprocess import InProcessBus
from kordon.bus.protocol import Subscription, route
from kordon.domain.drone import DroneState
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.sensors.dronecam.observer import DroneCamObserver, DroneCamResult
from kordon.sensors.dronecam.pose import PoseIssue, PoseSample
from kordon.sensors.dronecam.sync import TelemetryMatchWatch
from kordon.video.detectors.base import Detector
from kordon.video.source.clock import Clock
from kordon.video.source.frame import Frame

logger = logging.getLogger(__name__)

PROMISE_MARGIN_S = 0.01
"""Slack on the promise of the next frame's time (the frames come at a fixed rate)."""


class DroneFrames(Protocol):
    """Where a drone camera's frames come from (opened and closed by the service)."""

    def open(self) -> object: ...

    def frames(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


class DroneVideoAnalyser:
    """One drone camera's frames → :class:`DroneCamResult` (detector, then observer).

    ``add_state`` and ``analyse`` may be called from different threads: the observer's
    pose history is used under a lock (the detector runs outside it)."""

    def __init__(self, detector: Detector, observer: DroneCamObserver) -> None:
        self.detector = detector
        self.observer = observer
        self._lock = threading.Lock()

    @property
    def drone_id(self) -> str:
        return self.observer.sensor_id

    def add_state(self, state: DroneState, *, mount_pitch_deg: float = -90.0) -> PoseIssue | None:
        """Feed the vehicle's telemetry (a state without a camera pose is skipped)."""
        sample = PoseSample.from_state(state, mount_pitch_deg=mount_pitch_deg)
        if sample is None:
            return None
        with self._lock:
            return self.observer.add_telemetry(sample)

    def analyse(self, frame: Frame) -> DroneCamResult:
        """Detect in ``frame`` and geolocate what was found through the pose at its time."""
        detections = self.detector.detect(frame.image)
        h, w = frame.image.shape[:2]
        with self._lock:
            return self.observer.observe(detections, frame.time.timestamp(), (w, h))

    def telemetry_span_s(self) -> tuple[float, float] | None:
        """The times the pose history covers (telemetry clock), ``None`` when empty."""
        with self._lock:
            return self.observer.history.span_s()


def video_device_id(drone_id: str) -> str:
    """The device id of a drone camera's video (its source's health)."""
    return f"{drone_id}:video"


def sync_device_id(drone_id: str) -> str:
    """The device id saying whether a drone camera's frames find telemetry."""
    return f"{drone_id}:video-sync"


@dataclass(frozen=True, slots=True)
class StatusSink:
    """Where the service's device statuses go (``publish``), stamped by ``clock``."""

    publish: Callable[[DeviceStatus], None]
    clock: Clock

    def __call__(self, status: DeviceStatus) -> None:
        self.publish(status)


class DroneVideoService:
    """A drone camera as a node service (see the module docstring): telemetry from the
    bus in, scans out through ``publish``. ``make_frames`` builds the frame source on the
    service's thread; ``load`` readies the detector there (its ONNX session). With
    ``frame_interval_s`` (frames at a fixed rate) each scan promises the site picture
    when the next can come at the earliest, so it need not wait for it."""

    def __init__(
        self,
        analyser: DroneVideoAnalyser,
        make_frames: Callable[[], DroneFrames],
        bus: InProcessBus,
        *,
        publish: Callable[[SensorScan], None],
        load: Callable[[], None] = lambda: None,
        frame_interval_s: float | None = None,
        status: StatusSink | None = None,
        unmatched_frames: int = 10,
    ) -> None:
        if frame_interval_s is not None and not frame_interval_s > 0:
            raise ValueError(f"frame_interval_s must be > 0, got {frame_interval_s}")
        self.name = f"drone-video-{analyser.drone_id}"
        self.analyser = analyser
        self._make_frames = make_frames
        self._bus = bus
        self._publish = publish
        self._load = load
        self._interval_s = frame_interval_s
        self._status = status
        self._watch = TelemetryMatchWatch(
            sync_device_id(analyser.drone_id), after_frames=unmatched_frames
        )
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._frames: DroneFrames | None = None
        self._subscription: Subscription | None = None
        self._pump: asyncio.Task[None] | None = None
        self.frames_analysed = 0
        self.scans_published = 0

    async def start(self) -> None:
        self._subscription = self._bus.subscribe(route(DRONES, self._on_state))
        self._pump = asyncio.create_task(self._deliver(self._subscription), name=self.name)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        self._stopping.set()
        frames = self._frames
        if frames is not None:
            frames.close()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 10.0)
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription = None
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None

    async def _deliver(self, subscription: Subscription) -> None:
        while True:
            await subscription.deliver_next()

    async def _on_state(self, state: DroneState) -> None:
        if state.drone_id == self.analyser.drone_id:
            self.analyser.add_state(state)

    def _run(self) -> None:
        try:
            self._load()
            self._frames = self._make_frames()
            self._frames.open()
            for frame in self._frames.frames():
                if self._stopping.is_set():
                    break
                self.step(frame)
            if not self._stopping.is_set():  # the input ended (a file), not the node
                detail = f"finished: end of input after {self.frames_analysed} frames"
                logger.info("%s %s", self.name, detail)
                self._report(video_device_id(self.analyser.drone_id), DeviceState.STOPPED, detail)
        except Exception as exc:  # a crashed camera thread must say why, not vanish
            logger.exception("%s stopped", self.name)
            device = video_device_id(self.analyser.drone_id)
            self._report(device, DeviceState.OFFLINE, f"stopped: {exc}")
        finally:
            if self._frames is not None:
                self._frames.close()

    def _report(self, device_id: str, state: DeviceState, detail: str) -> None:
        if self._status is not None:
            self._status(DeviceStatus(device_id, self._status.clock.now(), state, detail))

    def step(self, frame: Frame) -> DroneCamResult:
        """Analyse one frame and publish its scan, if it gave one."""
        result = self.analyser.analyse(frame)
        self.frames_analysed += 1
        scan = result.scan
        if scan is not None:
            if self._interval_s is not None:  # the next frame comes one interval later
                promise = scan.time_s + self._interval_s - PROMISE_MARGIN_S
                scan = dataclasses.replace(scan, next_after_s=max(promise, scan.time_s))
            self._publish(scan)
            self.scans_published += 1
        else:
            logger.debug("%s: frame %d: %s", self.name, frame.index, result.detail)
        if self._status is not None:
            telemetry_s = frame.time.timestamp() + self.analyser.observer.history.offset_s
            span = self.analyser.telemetry_span_s()
            change = self._watch.check(result, telemetry_s, span, self._status.clock.now())
            if change is not None:
                level = logging.INFO if change.state is DeviceState.ONLINE else logging.WARNING
                logger.log(level, "%s: %s", self.name, change.detail)
                self._status(change)
        return result
