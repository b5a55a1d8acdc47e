"""``Mission``: MAVLink mission items (command, frame, seven parameters) and a home position."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from kordon.domain.errors import KordonError


class MissionError(KordonError, ValueError):
    """A mission or mission file is unusable (malformed, unsupported item, bad value)."""


class Command(enum.IntEnum):
    """The MAV_CMD values Kordon writes or reads a position from."""

    NAV_WAYPOINT = 16
    NAV_LOITER_UNLIM = 17
    NAV_LOITER_TURNS = 18
    NAV_LOITER_TIME = 19
    NAV_RETURN_TO_LAUNCH = 20
    NAV_LAND = 21
    NAV_TAKEOFF = 22
    NAV_LOITER_TO_ALT = 31
    NAV_SPLINE_WAYPOINT = 82
    DO_CHANGE_SPEED = 178
    DO_SET_ROI_LOCATION = 195
    DO_SET_ROI_NONE = 197
    DO_SET_ROI = 201


class Frame(enum.IntEnum):
    """MAV_FRAME values used in missions."""

    GLOBAL = 0
    MISSION = 2
    GLOBAL_RELATIVE_ALT = 3
    GLOBAL_TERRAIN_ALT = 10


# Commands the vehicle flies to (x = latitude, y = longitude); 0/0 means "where it is".
NAV_WITH_POSITION = frozenset(
    {
        Command.NAV_WAYPOINT,
        Command.NAV_LOITER_UNLIM,
        Command.NAV_LOITER_TURNS,
        Command.NAV_LOITER_TIME,
        Command.NAV_LAND,
        Command.NAV_TAKEOFF,
        Command.NAV_LOITER_TO_ALT,
        Command.NAV_SPLINE_WAYPOINT,
    }
)


@dataclass(frozen=True, slots=True)
class MissionItem:
    """One mission item: ``params`` are param1..param4, then x (lat), y (lon), z (alt, m).

    A parameter may be NaN ("unset", ``null`` in a ``.plan``).
    """

    command: int
    frame: int
    params: tuple[float, float, float, float, float, float, float]
    autocontinue: bool = True

    @property
    def lat(self) -> float:
        return self.params[4]

    @property
    def lon(self) -> float:
        return self.params[5]

    @property
    def alt_m(self) -> float:
        return self.params[6]

    @property
    def has_position(self) -> bool:
        """True for a navigation command with a real latitude/longitude."""
        lat, lon = self.lat, self.lon
        return (
            self.command in NAV_WITH_POSITION
            and math.isfinite(lat)
            and math.isfinite(lon)
            and not (lat == 0.0 and lon == 0.0)
        )


@dataclass(frozen=True)
class Mission:
    """A mission: the planned home (lat, lon, alt m AMSL or 0) and its items in order."""

    home: tuple[float, float, float]
    items: tuple[MissionItem, ...]
    cruise_speed_mps: float = 10.0
    hover_speed_mps: float = 5.0

    def flight_path(self) -> list[tuple[float, float]]:
        """(lat, lon) the vehicle flies through, from home: navigation positions in item
        order, and home again at a return-to-launch."""
        path = [(self.home[0], self.home[1])]
        for item in self.items:
            if item.has_position:
                path.append((item.lat, item.lon))
            elif item.command == Command.NAV_RETURN_TO_LAUNCH:
                path.append((self.home[0], self.home[1]))
        return path
