"""MAVLink telemetry: drone logs (``.tlog``, DataFlash ``.bin``) to typed, screened samples.

pymavlink (LGPL-3.0) is used as a dependency behind :class:`TelemetryLogReader`; nothing
else in Kordon imports it for telemetry.
"""

from kordon.sensors.mavlink.reader import TelemetryLogReader, TelemetryReadError
from kordon.sensors.mavlink.samples import (
    AttitudeSample,
    BatterySample,
    DropReason,
    ModeSample,
    PositionSample,
    PositionSource,
    TelemetryLog,
)
from kordon.sensors.mavlink.screen import PositionScreen
from kordon.sensors.mavlink.track import DroneTrack, track_geojson, tracks_of

__all__ = [
    "AttitudeSample",
    "BatterySample",
    "DroneTrack",
    "DropReason",
    "ModeSample",
    "PositionSample",
    "PositionScreen",
    "PositionSource",
    "TelemetryLog",
    "TelemetryLogReader",
    "TelemetryReadError",
    "track_geojson",
    "tracks_of",
]
