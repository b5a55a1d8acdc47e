"""Drone missions: the patrol planner, QGroundControl ``.plan`` and MAVLink WPL 110 files,
and the border-clearance check every mission passes before it leaves Kordon."""

from kordon.interop.missions.clearance import ClearanceViolation, MissionClearance
from kordon.interop.missions.files import read_mission, write_mission
from kordon.interop.missions.model import Command, Mission, MissionError, MissionItem
from kordon.interop.missions.patrol import PatrolError, PatrolSpec, patrol_sector, plan_patrol

__all__ = [
    "ClearanceViolation",
    "Command",
    "Mission",
    "MissionClearance",
    "MissionError",
    "MissionItem",
    "PatrolError",
    "PatrolSpec",
    "patrol_sector",
    "plan_patrol",
    "read_mission",
    "write_mission",
]
