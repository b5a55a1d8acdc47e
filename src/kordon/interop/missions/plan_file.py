"""QGroundControl ``.plan`` files (JSON, ``fileType: Plan``, version 1): simple items only."""

from __future__ import annotations

import json
import math
from typing import Any

from kordon.interop.missions.model import Mission, MissionError, MissionItem


def _param(value: float) -> float | None:
    return None if math.isnan(value) else value


def plan_json(mission: Mission) -> dict[str, Any]:
    """The ``.plan`` document of ``mission`` (QGC mission version 2, ArduPilot firmware)."""
    items = [
        {
            "type": "SimpleItem",
            "autoContinue": item.autocontinue,
            "command": item.command,
            "doJumpId": number,
            "frame": item.frame,
            "params": [_param(p) for p in item.params],
        }
        for number, item in enumerate(mission.items, start=1)
    ]
    return {
        "fileType": "Plan",
        "version": 1,
        "groundStation": "Kordon",
        "mission": {
            "version": 2,
            "firmwareType": 3,  # MAV_AUTOPILOT_ARDUPILOTMEGA
            "vehicleType": 2,  # MAV_TYPE_QUADROTOR
            "cruiseSpeed": mission.cruise_speed_mps,
            "hoverSpeed": mission.hover_speed_mps,
            "plannedHomePosition": list(mission.home),
            "items": items,
        },
        "geoFence": {"version": 2, "circles": [], "polygons": []},
        "rallyPoints": {"version": 2, "points": []},
    }


def dump_plan(mission: Mission) -> str:
    return json.dumps(plan_json(mission), indent=2, allow_nan=False) + "\n"


def _number(value: object, where: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MissionError(f"{where}: expected a number or null, got {value!r}")
    return float(value)


def _item(raw: object, where: str) -> MissionItem:
    if not isinstance(raw, dict):
        raise MissionError(f"{where}: expected an object")
    kind = raw.get("type")
    if kind != "SimpleItem":
        raise MissionError(
            f"{where}: item type {kind!r} is not supported (only SimpleItem; convert survey "
            "and corridor items to waypoints in QGroundControl first)"
        )
    params = raw.get("params")
    if not isinstance(params, list) or len(params) != 7:
        raise MissionError(f"{where}: 'params' must be a list of 7 numbers")
    command, frame = raw.get("command"), raw.get("frame")
    if not isinstance(command, int) or not isinstance(frame, int):
        raise MissionError(f"{where}: 'command' and 'frame' must be integers")
    values = tuple(_number(p, f"{where} param {i + 1}") for i, p in enumerate(params))
    return MissionItem(command, frame, values, bool(raw.get("autoContinue", True)))  # type: ignore[arg-type]


def parse_plan(text: str, name: str = "plan") -> Mission:
    """A ``.plan`` document back to a :class:`Mission`; errors name the item."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MissionError(f"{name}: not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("fileType") != "Plan":
        raise MissionError(f"{name}: not a QGroundControl plan (fileType must be 'Plan')")
    if doc.get("version") != 1:
        raise MissionError(f"{name}: plan version {doc.get('version')!r} (supported: 1)")
    mission = doc.get("mission")
    if not isinstance(mission, dict) or not isinstance(mission.get("items"), list):
        raise MissionError(f"{name}: no mission.items list")
    home = mission.get("plannedHomePosition")
    if not isinstance(home, list) or len(home) != 3:
        raise MissionError(f"{name}: mission.plannedHomePosition must be [lat, lon, alt]")
    home_t = tuple(_number(v, f"{name}: plannedHomePosition") for v in home)
    items = tuple(_item(raw, f"{name}: item {i + 1}") for i, raw in enumerate(mission["items"]))
    return Mission(
        (home_t[0], home_t[1], home_t[2]),
        items,
        cruise_speed_mps=_number(mission.get("cruiseSpeed", 10.0), f"{name}: cruiseSpeed"),
        hover_speed_mps=_number(mission.get("hoverSpeed", 5.0), f"{name}: hoverSpeed"),
    )
