"""The drone camera's pose at a video frame's time, from the telemetry around it.

A drone camera moves every frame, so each frame needs the pose *at its own time*. Telemetry
arrives a few times a second (:class:`PoseSample`: position, the camera's orientation and
field of view); :class:`PoseHistory` keeps the recent samples and answers :meth:`PoseHistory.at`
a frame time: the position interpolated linearly between the two samples around it, the
orientation by spherical interpolation (slerp, so a nadir camera does not tumble through
an Euler singularity), with the frame's time shifted by a configurable ``offset_s`` first
(video and telemetry clocks rarely agree: the offset is what is added to a frame's time to
put it on the telemetry clock). A frame a little after the last sample is extrapolated
(``max_extrapolate_s``) at the last velocity; one before the history, in a gap longer than
``max_gap_s``, or too far ahead gets :class:`NoPose` with the reason.

The history screens its input: a sample that is not later than the last one (time going
backwards, or a duplicate) and a position that jumps more than ``min_jump_m`` faster than
``max_speed_mps`` (a GPS glitch) are refused and counted (:class:`PoseIssue`), never
interpolated. Ten refused jumps in a row are believed (the vehicle really is elsewhere:
a relocation or a reset estimate) and the history restarts from there.

The pose also carries the rates between its two samples (velocity east/north/up, angular
rate), which the projection uses to turn time-sync uncertainty into position uncertainty.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, deque
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from scipy.spatial.transform import Rotation, Slerp

from kordon.domain.drone import DroneState, LinkState
from kordon.geo.footprint import camera_orientation, metres_per_degree

F64 = npt.NDArray[np.float64]


class PoseIssue(StrEnum):
    """Why a telemetry sample was not added to the history."""

    TIME_BACKWARDS = "time_backwards"  # not later than the previous sample
    GPS_JUMP = "gps_jump"  # kilometres in an impossibly short time


def _finite(owner: str, **values: float | None) -> None:
    for name, value in values.items():
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{owner}: {name} must be finite, got {value}")


@dataclass(frozen=True, slots=True)
class PoseSample:
    """One telemetry report of the camera: ``time_s`` (POSIX seconds on the telemetry
    clock), WGS84 position with ``alt_m`` above mean sea level, the camera's orientation
    (yaw clockwise from north, pitch up > 0 with -90 straight down, roll; aerospace
    Z-Y-X), its field of view when reported (CAMERA_FOV_STATUS) and the height of flat
    ground under the drone (home altitude) when known."""

    time_s: float
    lat: float
    lon: float
    alt_m: float
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    hfov_deg: float | None = None
    vfov_deg: float | None = None
    ground_alt_m: float | None = None

    def __post_init__(self) -> None:
        _finite(
            "pose sample",
            time_s=self.time_s,
            lat=self.lat,
            lon=self.lon,
            alt_m=self.alt_m,
            yaw_deg=self.yaw_deg,
            pitch_deg=self.pitch_deg,
            roll_deg=self.roll_deg,
            hfov_deg=self.hfov_deg,
            vfov_deg=self.vfov_deg,
            ground_alt_m=self.ground_alt_m,
        )
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"pose sample: position {self.lat}, {self.lon} is outside WGS84")
        for name in ("hfov_deg", "vfov_deg"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value < 180.0:
                raise ValueError(f"pose sample: {name} must be in (0, 180), got {value}")

    @classmethod
    def from_state(cls, state: DroneState, *, mount_pitch_deg: float = -90.0) -> PoseSample | None:
        """The camera pose in a drone state (``None`` without attitude or gimbal, and
        for a state re-sent because the link was lost: its telemetry is old): the
        gimbal's angles (yaw added to the heading unless absolute), else a camera fixed
        to the body ``mount_pitch_deg`` below the nose; ground at the home altitude, else
        at the altitude minus the height above home."""
        if state.link is LinkState.LOST or (state.attitude is None and state.gimbal is None):
            return None
        yaw, pitch, roll = camera_orientation(
            state.attitude, state.gimbal, mount_pitch_deg=mount_pitch_deg
        )
        ground: float | None = None
        if state.home is not None:
            ground = state.home.alt_m
        elif state.relative_alt_m is not None:
            ground = state.position.alt_m - state.relative_alt_m
        return cls(
            time_s=state.time.timestamp(),
            lat=state.position.lat,
            lon=state.position.lon,
            alt_m=state.position.alt_m,
            yaw_deg=yaw,
            pitch_deg=pitch,
            roll_deg=roll,
            hfov_deg=state.camera_hfov_deg,
            vfov_deg=state.camera_vfov_deg,
            ground_alt_m=ground,
        )


def camera_rotation(yaw_deg: F64, pitch_deg: F64, roll_deg: F64) -> F64:
    """(M, 3, 3) camera-to-NED rotations (camera axes: forward, right, down) of Z-Y-X
    Euler angles in degrees, the convention of :mod:`kordon.geo.footprint`."""
    matrices: F64 = Rotation.from_euler(
        "ZYX", np.stack([yaw_deg, pitch_deg, roll_deg], axis=-1), degrees=True
    ).as_matrix()
    return matrices


def euler_zyx_deg(matrix: F64) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a camera-to-NED rotation; straight up or down
    (where yaw and roll turn about the same axis) the turn is all yaw."""
    pitch = math.asin(max(-1.0, min(1.0, -float(matrix[2, 0]))))
    if math.cos(pitch) < 1e-6:
        yaw = math.atan2(-float(matrix[0, 1]), float(matrix[1, 1]))
        roll = 0.0
    else:
        yaw = math.atan2(float(matrix[1, 0]), float(matrix[0, 0]))
        roll = math.atan2(float(matrix[2, 1]), float(matrix[2, 2]))
    return math.degrees(yaw), math.degrees(pitch), math.degrees(roll)


@dataclass(frozen=True, slots=True)
class DronePose:
    """The camera at one time (see the module docstring): position, orientation as a
    camera-to-NED rotation ``cam_to_ned`` (3×3) and as Z-Y-X angles, field of view when
    known, ground height under the drone when known, and the rates around that time:
    ``velocity_enu_mps`` (east, north, up) and ``rotation_rate_dps`` (the angle the camera
    turns per second, about the axis of ``rotation_axis``)."""

    time_s: float
    lat: float
    lon: float
    alt_m: float
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    cam_to_ned: F64
    hfov_deg: float | None
    vfov_deg: float | None
    ground_alt_m: float | None
    velocity_enu_mps: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation_rate_dps: float = 0.0
    rotation_axis: tuple[float, float, float] = (0.0, 0.0, 1.0)
    extrapolated_s: float = 0.0

    @classmethod
    def of_sample(cls, sample: PoseSample) -> DronePose:
        """A pose exactly as one sample reports it (no rates)."""
        matrix = camera_rotation(
            np.array([sample.yaw_deg]), np.array([sample.pitch_deg]), np.array([sample.roll_deg])
        )[0]
        return cls(
            time_s=sample.time_s,
            lat=sample.lat,
            lon=sample.lon,
            alt_m=sample.alt_m,
            yaw_deg=sample.yaw_deg % 360.0,
            pitch_deg=sample.pitch_deg,
            roll_deg=sample.roll_deg,
            cam_to_ned=matrix,
            hfov_deg=sample.hfov_deg,
            vfov_deg=sample.vfov_deg,
            ground_alt_m=sample.ground_alt_m,
        )


@dataclass(frozen=True, slots=True)
class NoPose:
    """Why there is no pose at a frame's time."""

    reason: str


def _distance_m(a: PoseSample, b: PoseSample) -> float:
    m_lon, m_lat = metres_per_degree((a.lat + b.lat) / 2.0)
    return math.hypot((b.lon - a.lon) * m_lon, (b.lat - a.lat) * m_lat)


class PoseHistory:
    """Recent telemetry of one drone camera, answering poses at frame times (see module)."""

    def __init__(
        self,
        *,
        offset_s: float = 0.0,
        max_gap_s: float = 2.0,
        max_extrapolate_s: float = 0.5,
        keep_s: float = 60.0,
        max_speed_mps: float = 150.0,
        min_jump_m: float = 500.0,
        resync_after: int = 10,
    ) -> None:
        _finite("pose history", offset_s=offset_s)
        if not (max_gap_s > 0 and max_extrapolate_s >= 0 and keep_s > max_gap_s):
            raise ValueError("max_gap_s > 0, max_extrapolate_s >= 0 and keep_s > max_gap_s")
        if not (max_speed_mps > 0 and min_jump_m >= 0 and resync_after >= 1):
            raise ValueError("max_speed_mps > 0, min_jump_m >= 0 and resync_after >= 1")
        self.offset_s = offset_s
        self.max_gap_s = max_gap_s
        self.max_extrapolate_s = max_extrapolate_s
        self.keep_s = keep_s
        self.max_speed_mps = max_speed_mps
        self.min_jump_m = min_jump_m
        self.resync_after = resync_after
        self._samples: deque[PoseSample] = deque()
        self._times: deque[float] = deque()
        self._jumps_in_row = 0
        self.refused: Counter[PoseIssue] = Counter()

    def __len__(self) -> int:
        return len(self._samples)

    def span_s(self) -> tuple[float, float] | None:
        """Times of the first and last sample kept (telemetry clock), ``None`` when empty."""
        if not self._times:
            return None
        return self._times[0], self._times[-1]

    def add(self, sample: PoseSample) -> PoseIssue | None:
        """Keep ``sample``; or refuse it (counted) and say why."""
        if self._samples:
            last = self._samples[-1]
            if sample.time_s <= last.time_s:
                self.refused[PoseIssue.TIME_BACKWARDS] += 1
                return PoseIssue.TIME_BACKWARDS
            dt = sample.time_s - last.time_s
            dist = _distance_m(last, sample)
            if dist > self.min_jump_m and dist > self.max_speed_mps * dt:
                self._jumps_in_row += 1
                if self._jumps_in_row < self.resync_after:
                    self.refused[PoseIssue.GPS_JUMP] += 1
                    return PoseIssue.GPS_JUMP
                # believed: the vehicle is really there; interpolating across is nonsense
                self._samples.clear()
                self._times.clear()
        self._jumps_in_row = 0
        self._samples.append(sample)
        self._times.append(sample.time_s)
        while self._times and self._times[0] < sample.time_s - self.keep_s:
            self._samples.popleft()
            self._times.popleft()
        return None

    def at(self, frame_time_s: float) -> DronePose | NoPose:
        """The pose at a frame stamped ``frame_time_s`` (video clock), or why there is none."""
        if not math.isfinite(frame_time_s):
            return NoPose("the frame time is not finite")
        if not self._samples:
            return NoPose("no telemetry yet")
        t = frame_time_s + self.offset_s
        times = self._times
        first, last = times[0], times[-1]
        if t < first:
            return NoPose(f"the frame is {first - t:.2f} s older than the telemetry kept")
        if t > last:
            ahead = t - last
            if ahead > self.max_extrapolate_s:
                return NoPose(
                    f"no telemetry for {ahead:.2f} s before the frame "
                    f"(limit {self.max_extrapolate_s:g} s)"
                )
            if len(self._samples) == 1:
                return _replace_time(DronePose.of_sample(self._samples[-1]), t, ahead)
            return self._between(self._samples[-2], self._samples[-1], t, extrapolated_s=ahead)
        k = bisect_left(times, t)
        if times[k] == t:
            after = self._samples[k]
            before = self._samples[k - 1] if k > 0 else None
            if before is None:
                nxt = self._samples[k + 1] if k + 1 < len(self._samples) else None
                if nxt is None or nxt.time_s - after.time_s > self.max_gap_s:
                    return DronePose.of_sample(after)
                return self._between(after, nxt, t)
        else:
            before, after = self._samples[k - 1], self._samples[k]
        if after.time_s - before.time_s > self.max_gap_s:
            return NoPose(
                f"the frame falls in a {after.time_s - before.time_s:.2f} s telemetry gap "
                f"(limit {self.max_gap_s:g} s)"
            )
        return self._between(before, after, t)

    def _between(
        self, a: PoseSample, b: PoseSample, t: float, *, extrapolated_s: float = 0.0
    ) -> DronePose:
        """Interpolate (or, past ``b``, extrapolate) between two samples at ``t``."""
        dt = b.time_s - a.time_s
        f = (t - a.time_s) / dt
        m_lon, m_lat = metres_per_degree(a.lat)
        east = (b.lon - a.lon) * m_lon
        north = (b.lat - a.lat) * m_lat
        up = b.alt_m - a.alt_m
        rots = Rotation.from_euler(
            "ZYX",
            [[a.yaw_deg, a.pitch_deg, a.roll_deg], [b.yaw_deg, b.pitch_deg, b.roll_deg]],
            degrees=True,
        )
        delta = rots[1] * rots[0].inv()
        rotvec = delta.as_rotvec()
        angle = float(np.linalg.norm(rotvec))
        if f <= 1.0:
            rot = Slerp([0.0, 1.0], rots)([f])[0]
        else:  # extrapolate: keep turning at the same rate (in NED)
            rot = Rotation.from_rotvec(rotvec * (f - 1.0)) * rots[1]
        yaw, pitch, roll = euler_zyx_deg(rot.as_matrix())
        axis = (0.0, 0.0, 1.0) if angle == 0 else tuple(float(v) / angle for v in rotvec)

        def lerp(x: float | None, y: float | None) -> float | None:
            if x is None or y is None:
                return y if x is None else x
            return x + min(f, 1.0) * (y - x)

        return DronePose(
            time_s=t,
            lat=a.lat + f * (b.lat - a.lat),
            lon=a.lon + f * (b.lon - a.lon),
            alt_m=a.alt_m + f * up,
            yaw_deg=yaw % 360.0,
            pitch_deg=pitch,
            roll_deg=roll,
            cam_to_ned=rot.as_matrix(),
            hfov_deg=lerp(a.hfov_deg, b.hfov_deg),
            vfov_deg=lerp(a.vfov_deg, b.vfov_deg),
            ground_alt_m=lerp(a.ground_alt_m, b.ground_alt_m),
            velocity_enu_mps=(east / dt, north / dt, up / dt),
            rotation_rate_dps=math.degrees(angle) / dt,
            rotation_axis=(axis[0], axis[1], axis[2]),
            extrapolated_s=extrapolated_s,
        )


def _replace_time(pose: DronePose, t: float, extrapolated_s: float) -> DronePose:
    return DronePose(
        time_s=t,
        lat=pose.lat,
        lon=pose.lon,
        alt_m=pose.alt_m,
        yaw_deg=pose.yaw_deg,
        pitch_deg=pose.pitch_deg,
        roll_deg=pose.roll_deg,
        cam_to_ned=pose.cam_to_ned,
        hfov_deg=pose.hfov_deg,
        vfov_deg=pose.vfov_deg,
        ground_alt_m=pose.ground_alt_m,
        extrapolated_s=extrapolated_s,
    )
