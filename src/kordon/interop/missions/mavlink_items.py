"""MAVLink ``MISSION_ITEM_INT`` fields of a :class:`MissionItem`: which frames carry
latitude/longitude as integers × 1e7, and a received item back to a mission item.

Shared by the ground station's upload (``kordon.sensors.mavlink.mission_upload``) and the
simulated vehicle that receives it (``kordon.sim.mission_receiver``). A message is any
object with the ``MISSION_ITEM_INT`` fields (a parsed pymavlink message); nothing here
imports pymavlink.
"""

from __future__ import annotations

from typing import Any

from kordon.interop.missions.model import MissionItem

GLOBAL_FRAMES = frozenset({0, 3, 5, 6, 10, 11})  # x/y are latitude/longitude × 1e7


def item_of_message(msg: Any) -> MissionItem:
    """A received ``MISSION_ITEM_INT`` back to a :class:`MissionItem`."""
    scale = 1e-7 if msg.frame in GLOBAL_FRAMES else 1.0
    params = (
        float(msg.param1),
        float(msg.param2),
        float(msg.param3),
        float(msg.param4),
        msg.x * scale,
        msg.y * scale,
        float(msg.z),
    )
    return MissionItem(int(msg.command), int(msg.frame), params, bool(msg.autocontinue))
