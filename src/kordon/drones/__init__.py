"""Drone tasking for operators: cue and patrol missions planned, confirmed and uploaded."""

from kordon.drones.link import LinkTap, SharedLink
from kordon.drones.tasking import (
    Binding,
    DroneLink,
    DroneTaskingService,
    DroneUnavailableError,
    MissionKind,
    PlannedMission,
    PlanRefusedError,
    TaskingError,
    TaskingResult,
    TokenRefusedError,
    UnknownDroneError,
    VehicleRefusedError,
    VehicleTimeoutError,
)

__all__ = [
    "Binding",
    "DroneLink",
    "DroneTaskingService",
    "DroneUnavailableError",
    "LinkTap",
    "MissionKind",
    "PlanRefusedError",
    "PlannedMission",
    "SharedLink",
    "TaskingError",
    "TaskingResult",
    "TokenRefusedError",
    "UnknownDroneError",
    "VehicleRefusedError",
    "VehicleTimeoutError",
]
