"""A simulated drone's camera: the shared simulated world rendered from the drone's live pose.

A drone camera is a camera whose pose changes every frame. :class:`DroneCameraView` draws
the people of a simulated world (the cast of a site camera's border scene, so a tower and
the drone see the same people at the same time) through a pinhole camera placed at the
simulated vehicle's true position and pointed as its gimbal is (:meth:`SimulatedDrone.pose_at`,
:meth:`SimulatedDrone.camera_at`), with the field of view it reports (CAMERA_FOV_STATUS).
The forward projection is :meth:`GroundProjector.to_pixel`, the inverse of the one that
geolocates the detections, so the truth and the geolocation share one camera model.

:class:`DroneViewSource` yields those frames at a set rate on an injected clock: frame
``k`` shows the world at ``k / fps`` after the world's :class:`SharedEpoch` and the drone
at the same wall time after its flight's epoch, and is stamped with that wall time (the
telemetry the node receives is stamped on the same clock). Like a live camera it does not
queue: a reader that falls behind gets the frame due now, the ones missed are dropped.

The ground is flat at the drone's home altitude (the simulated world's ground); the
background is procedural grass that does not move with the camera (the detector looks for
people, not for ground features); the scene's reeds and trees, placed for the tower's
picture, are not drawn.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from kordon.domain.time import require_utc
from kordon.geo.frame import LocalFrame
from kordon.sensors.dronecam.pose import DronePose, PoseSample
from kordon.sensors.dronecam.projection import CameraIntrinsics, GroundProjector
from kordon.sim.drone import SimulatedDrone
from kordon.sim.errors import SimulationError
from kordon.sim.projector import ProjectedPoint
from kordon.sim.render import RenderedFrame, Renderer
from kordon.sim.scenario import BackgroundSpec, Scenario
from kordon.sim.source import SharedEpoch
from kordon.video.source.clock import Clock
from kordon.video.source.frame import Frame, SourceInfo

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SimulatedFlight:
    """A simulated vehicle and the epoch its flight time counts from (shared by its
    telemetry service and its camera)."""

    drone: SimulatedDrone
    epoch: SharedEpoch


@dataclass(frozen=True)
class DroneViewProjector:
    """``Projector`` of the drone camera at one pose: a ground point (site east/north, on
    the ground at ``ground_alt_m``) → pixel, ``m_per_px`` from a 1 m vertical step (a
    person is drawn as tall as a camera looking down on them sees them). Pixels follow
    the renderer's convention (centres on integers), half a pixel from the camera
    model's, as :class:`~kordon.sim.geo_scene.PoseProjector` does."""

    ground: GroundProjector
    intrinsics: CameraIntrinsics
    pose: DronePose
    ground_alt_m: float
    min_range_m: float = 1.0

    def project(self, east_m: float, north_m: float) -> ProjectedPoint | None:
        z = self.ground_alt_m
        uv, front = self.ground.to_pixel(
            self.pose, self.intrinsics, [[east_m, north_m, z], [east_m, north_m, z + 1.0]]
        )
        if not bool(front.all()):
            return None
        height_m = self.pose.alt_m - z
        if not height_m > 0:
            return None
        px_per_m = math.hypot(*(uv[1] - uv[0]))
        if not (math.isfinite(px_per_m) and px_per_m > 0):
            return None
        if 1.0 / px_per_m * self.intrinsics.fx < self.min_range_m:
            return None
        return ProjectedPoint(
            u_px=float(uv[0, 0]) - 0.5, v_px=float(uv[0, 1]) - 0.5, m_per_px=1.0 / px_per_m
        )


class _MovingProjector:
    """The renderer's projector, pointed anew before each frame (``None``: sees nothing)."""

    def __init__(self) -> None:
        self.view: DroneViewProjector | None = None

    def project(self, east_m: float, north_m: float) -> ProjectedPoint | None:
        return None if self.view is None else self.view.project(east_m, north_m)


class DroneCameraView:
    """Renders what ``drone``'s camera sees of ``world`` (a border scene's scenario: its
    cast is used) at ``size_wh`` (see the module docstring). Not thread-safe: one view per
    thread."""

    def __init__(
        self,
        world: Scenario,
        drone: SimulatedDrone,
        frame: LocalFrame,
        *,
        size_wh: tuple[int, int],
        fps: float,
        name: str = "drone",
    ) -> None:
        w, h = size_wh
        self.drone = drone
        self.intrinsics = CameraIntrinsics(w, h, drone.hfov_deg, drone.vfov_deg)
        self.scenario = Scenario(
            name=f"{name}_view_of_{world.name}",
            resolution_wh=(w, h),
            fps=fps,
            background=BackgroundSpec(
                seed=world.background.seed,
                bushes=world.background.bushes,
                noise_sigma=world.background.noise_sigma,
            ),
            cast=world.cast,
            illumination=world.illumination,
            duration_s=world.duration_s,
            thermal=world.thermal,
            contrast=world.contrast,
        )
        self._ground = GroundProjector(frame)
        self._moving = _MovingProjector()
        self.renderer = Renderer(self.scenario, self._moving)

    def pose_at(self, flight_s: float, time_s: float) -> DronePose:
        """The camera's true pose ``flight_s`` into the flight, stamped ``time_s``."""
        sim = self.drone.pose_at(flight_s)
        yaw, pitch, roll = self.drone.camera_at(flight_s)
        return DronePose.of_sample(
            PoseSample(
                time_s=time_s,
                lat=sim.lat,
                lon=sim.lon,
                alt_m=sim.alt_m,
                yaw_deg=yaw,
                pitch_deg=pitch,
                roll_deg=roll,
                hfov_deg=self.drone.hfov_deg,
                vfov_deg=self.drone.vfov_deg,
                ground_alt_m=self.drone.home_alt_m,
            )
        )

    def render(self, frame_index: int, pose: DronePose) -> RenderedFrame:
        """Frame ``frame_index`` of the world (time ``frame_index / fps``) seen from ``pose``."""
        self._moving.view = DroneViewProjector(
            self._ground, self.intrinsics, pose, ground_alt_m=self.drone.home_alt_m
        )
        try:
            return self.renderer.render(frame_index)
        finally:
            self._moving.view = None


@dataclass(frozen=True, slots=True)
class DroneFrame:
    """One rendered drone frame, the true camera pose it was drawn from and its truth."""

    frame: Frame
    pose: DronePose
    rendered: RenderedFrame


class DroneViewSource:
    """Frames of a :class:`DroneCameraView` at its fps, paced on ``clock`` (a live drone
    camera: see the module docstring). ``world_epoch`` is the simulated world's start
    (shared with the tower cameras that show it), ``flight`` the drone and its epoch."""

    def __init__(
        self,
        view: DroneCameraView,
        flight: SimulatedFlight,
        *,
        world_epoch: SharedEpoch,
        clock: Clock,
        realtime: bool = True,
        source_id: str = "drone",
    ) -> None:
        if flight.drone is not view.drone:
            raise SimulationError(f"{source_id}: the view and the flight are different drones")
        self.view = view
        self.flight = flight
        self.world_epoch = world_epoch
        self._clock = clock
        self.realtime = realtime
        self.source_id = source_id
        self._closed = False
        self.dropped = 0
        """Frames skipped because the reader fell behind real time."""

    @property
    def fps(self) -> float:
        return self.view.scenario.fps

    @property
    def info(self) -> SourceInfo:
        w, h = self.view.scenario.resolution_wh
        return SourceInfo(width_px=w, height_px=h, nominal_fps=self.fps, codec="sim")

    @property
    def decode_errors(self) -> int:
        return 0

    def open(self) -> SourceInfo:
        self._closed = False
        self.view.renderer.load()
        return self.info

    def close(self) -> None:
        self._closed = True

    def frames(self) -> Iterator[Frame]:
        for drone_frame in self.drone_frames():
            yield drone_frame.frame

    def drone_frames(self) -> Iterator[DroneFrame]:
        """Frames with the pose and truth they were drawn from, until closed or the
        world's scenario ends."""
        clock = self._clock
        now = clock.now()
        start = require_utc(self.world_epoch.fix(now), name="world epoch")
        flight_start = self.flight.epoch.fix(now)
        fps = self.fps
        # join the world where it has got to, as the tower cameras do
        elapsed_s = (now - start).total_seconds()
        k = max(math.ceil(elapsed_s * fps - 1e-9), 0)
        t0 = clock.monotonic() - elapsed_s  # the monotonic time of the world's start
        count = self.view.scenario.frame_count
        while not self._closed and (count is None or k < count):
            if self.realtime:
                late = math.floor((clock.monotonic() - t0) * fps + 1e-9)
                if late > k:  # a live camera behind its reader: the latest frame, not old ones
                    self.dropped += late - k
                    k = late
                wait = t0 + k / fps - clock.monotonic()
                if wait > 0:
                    clock.sleep(wait)
            time = start + timedelta(seconds=k / fps)
            flight_s = (time - flight_start).total_seconds()
            pose = self.view.pose_at(flight_s, time.timestamp())
            rendered = self.view.render(k, pose)
            yield DroneFrame(
                Frame(image=rendered.image, index=k, pts_s=k / fps, time=time), pose, rendered
            )
            k += 1
        logger.info("drone view %s stopped at frame %d", self.source_id, k)
