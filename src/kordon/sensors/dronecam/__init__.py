"""Drone video geolocation: frames matched to telemetry, detections projected to the ground
through the live camera pose, with covariance, and published as observations."""

from kordon.sensors.dronecam.observer import DroneCamObserver, DroneCamResult, FrameIssue
from kordon.sensors.dronecam.pose import DronePose, NoPose, PoseHistory, PoseIssue, PoseSample
from kordon.sensors.dronecam.projection import CameraIntrinsics, GroundProjector, PoseUncertainty

__all__ = [
    "CameraIntrinsics",
    "DroneCamObserver",
    "DroneCamResult",
    "DronePose",
    "FrameIssue",
    "GroundProjector",
    "NoPose",
    "PoseHistory",
    "PoseIssue",
    "PoseSample",
    "PoseUncertainty",
]
