"""``DroneCamObserver``: detections in one drone video frame → a :class:`SensorScan`.

The frame's time (video clock, POSIX seconds) is matched to the telemetry by the
:class:`PoseHistory` (offset, interpolation); each detection's foot point (the middle of
its box's bottom edge: where a person stands) is projected to the ground through that
pose by the :class:`GroundProjector`, with its covariance; the rows that reach the ground
become observations stamped with the frame's time on the telemetry clock.

What is refused, and said: a frame whose time is not after the previous frame's (time
going backwards: its pose would be a guess and the site tracker would refuse it as out of
order), a frame without a pose (no telemetry around it, a gap, or only samples refused as
GPS jumps or as going backwards), a frame without a field of view (none configured, none
reported), detections whose foot lies outside the image, and each detection whose ray
does not reach the ground (the gimbal at the sky, beyond the range limit, too close to the
horizon for its uncertainty). A frame with a pose and no usable detection still gives an
empty scan: the camera looked and saw nothing it can place.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.sensors.dronecam.pose import DronePose, NoPose, PoseHistory, PoseIssue, PoseSample
from kordon.sensors.dronecam.projection import CameraIntrinsics, GroundProjector

OUTSIDE_IMAGE = "the foot point is outside the image"


class FrameIssue(StrEnum):
    """Why a whole frame gave no scan."""

    TIME_BACKWARDS = "time_backwards"
    NO_POSE = "no_pose"
    NO_FIELD_OF_VIEW = "no_field_of_view"


@dataclass(frozen=True, slots=True)
class DroneCamResult:
    """What one frame gave: a scan (``None`` when the frame is refused, with ``issue`` and
    ``detail``), the pose used, and for each detection ``""`` when it became an
    observation or why it did not."""

    scan: SensorScan | None
    issue: FrameIssue | None = None
    detail: str = ""
    pose: DronePose | None = None
    refused: tuple[str, ...] = field(default=())


class DroneCamObserver:
    """One drone camera's detections → observations (see the module docstring).

    ``intrinsics`` fixes the camera (configured); without it the field of view comes from
    the telemetry (CAMERA_FOV_STATUS), with ``default_hfov_deg`` as a fallback, and the
    image size from each frame. ``class_names`` maps detector labels to observation
    classes (unmapped labels keep their name).
    """

    def __init__(
        self,
        sensor_id: str,
        history: PoseHistory,
        projector: GroundProjector,
        *,
        intrinsics: CameraIntrinsics | None = None,
        default_hfov_deg: float | None = None,
        class_names: dict[str, str] | None = None,
    ) -> None:
        if not sensor_id:
            raise ValueError("a drone camera needs a sensor id")
        if default_hfov_deg is not None and not 0.0 < default_hfov_deg < 180.0:
            raise ValueError(f"default_hfov_deg must be in (0, 180), got {default_hfov_deg}")
        self.sensor_id = sensor_id
        self.history = history
        self.projector = projector
        self.intrinsics = intrinsics
        self.default_hfov_deg = default_hfov_deg
        self.class_names = dict(class_names or {})
        self._last_frame_s: float | None = None
        self.frame_issues: Counter[FrameIssue] = Counter()
        self.refused_detections: Counter[str] = Counter()

    def add_telemetry(self, sample: PoseSample) -> PoseIssue | None:
        """Feed one telemetry sample to the pose history (refused ones are counted there)."""
        return self.history.add(sample)

    def observe(
        self,
        detections: Detections,
        frame_time_s: float,
        image_size_wh: tuple[int, int],
        *,
        local_ids: npt.ArrayLike | None = None,
    ) -> DroneCamResult:
        """Observations of ``detections`` in the frame stamped ``frame_time_s`` (video
        clock) of size ``image_size_wh``; ``local_ids`` are image-tracker ids, if any."""
        n = len(detections.confidence)
        ids = (
            np.full(n, "", dtype=np.str_)
            if local_ids is None
            else np.asarray(local_ids, dtype=np.str_).reshape(-1)
        )
        if ids.shape[0] != n:
            raise ValueError(f"{self.sensor_id}: {n} detections but {ids.shape[0]} local ids")
        w, h = image_size_wh
        if w < 1 or h < 1:
            raise ValueError(f"{self.sensor_id}: image size {w}×{h} must be positive")
        if not math.isfinite(frame_time_s):
            raise ValueError(f"{self.sensor_id}: the frame time must be finite")
        if self._last_frame_s is not None and frame_time_s <= self._last_frame_s:
            return self._refuse(
                FrameIssue.TIME_BACKWARDS,
                f"frame time {frame_time_s:.3f} is not after the previous frame's "
                f"{self._last_frame_s:.3f}",
            )
        self._last_frame_s = frame_time_s
        pose = self.history.at(frame_time_s)
        if isinstance(pose, NoPose):
            return self._refuse(FrameIssue.NO_POSE, pose.reason)
        intrinsics = self._intrinsics(pose, (w, h))
        if intrinsics is None:
            return self._refuse(
                FrameIssue.NO_FIELD_OF_VIEW,
                "no camera field of view (none configured, none reported)",
            )
        if intrinsics.width_px != w or intrinsics.height_px != h:
            raise ValueError(
                f"{self.sensor_id}: frame is {w}×{h} but the camera is configured "
                f"{intrinsics.width_px}×{intrinsics.height_px}"
            )
        boxes = detections.xyxy_px.astype(np.float64)
        foot = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2.0, boxes[:, 3]], axis=1)
        finite = np.all(np.isfinite(foot), axis=1)
        inside = finite & (foot[:, 0] >= 0) & (foot[:, 0] <= w) & (foot[:, 1] >= 0)
        inside &= foot[:, 1] <= h
        reasons = np.full(n, OUTSIDE_IMAGE, dtype=object)
        projected = self.projector.project(pose, intrinsics, foot[inside])
        reasons[inside] = projected.reason
        ok = np.flatnonzero(inside)[projected.valid]
        for reason in reasons[reasons != ""]:
            self.refused_detections[str(reason)] += 1
        labels = detections.labels
        names = [
            labels[int(c)] if 0 <= int(c) < len(labels) else str(int(c))
            for c in detections.class_id[ok]
        ]
        time_s = pose.time_s
        obs = Observations.from_arrays(
            time_s=np.full(ok.shape[0], time_s),
            sensor_id=self.sensor_id,
            east_north_m=projected.xy_m[projected.valid],
            cov_m2=projected.covariance_m2[projected.valid],
            class_name=np.asarray([self.class_names.get(x, x) for x in names], dtype=np.str_),
            confidence=detections.confidence[ok].astype(np.float64),
            local_id=ids[ok],
        )
        return DroneCamResult(
            SensorScan(self.sensor_id, time_s, obs),
            pose=pose,
            refused=tuple(str(r) for r in reasons),
        )

    def _intrinsics(self, pose: DronePose, size_wh: tuple[int, int]) -> CameraIntrinsics | None:
        if self.intrinsics is not None:
            return self.intrinsics
        hfov = pose.hfov_deg if pose.hfov_deg is not None else self.default_hfov_deg
        if hfov is None:
            return None
        vfov = pose.vfov_deg if pose.hfov_deg is not None else None
        return CameraIntrinsics.from_fov(size_wh, hfov, vfov)

    def _refuse(self, issue: FrameIssue, detail: str) -> DroneCamResult:
        self.frame_issues[issue] += 1
        return DroneCamResult(None, issue, f"{self.sensor_id}: {detail}")
