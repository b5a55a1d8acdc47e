"""The typed CoT event, and the checks every event passes whatever its encoding."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from kordon.interop.cot.timefmt import format_time

UNKNOWN_ERROR_M = 9_999_999.0
"""CoT's "unknown" circular/linear error and height (and the largest value accepted)."""
MAX_TEXT = 256
"""Longest uid, type, how or callsign accepted."""

_TYPE = re.compile(r"[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True, kw_only=True)
class CotEvent:
    """One validated event. Errors and height of 9,999,999 mean unknown (CoT convention)."""

    uid: str
    type: str
    how: str | None
    time: datetime
    start: datetime
    stale: datetime
    lat: float
    lon: float
    hae: float
    ce: float
    le: float
    callsign: str | None = None

    def to_json(self) -> dict[str, object]:
        """The event as the CLI's JSON object (times ISO 8601 UTC, ``Z``)."""
        out: dict[str, object] = {
            "uid": self.uid,
            "type": self.type,
            "how": self.how,
            "time": format_time(self.time),
            "start": format_time(self.start),
            "stale": format_time(self.stale),
            "lat": self.lat,
            "lon": self.lon,
            "hae": self.hae,
            "ce": self.ce,
            "le": self.le,
            "callsign": self.callsign,
        }
        return {k: v for k, v in out.items() if v is not None}


def check_text(
    name: str, value: str | None, *, required: bool, pattern: bool = False
) -> str | None:
    """A bounded, printable attribute; ``pattern``: CoT's dash-separated type syntax."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{name}: missing")
        return None
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name}: {len(value)} characters, at most {MAX_TEXT}")
    if _CONTROL.search(value):
        raise ValueError(f"{name}: control characters")
    if pattern and not _TYPE.fullmatch(value):
        raise ValueError(f"{name}: {value!r} is not dash-separated letters and digits")
    return value


def check_number(name: str, value: float, low: float, high: float) -> float:
    """A finite number within ``[low, high]``."""
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name}: {value!r} outside [{low:g}, {high:g}]")
    return value


def make_event(
    *,
    uid: str | None,
    type_: str | None,
    how: str | None,
    time: datetime,
    start: datetime,
    stale: datetime,
    lat: float,
    lon: float,
    hae: float,
    ce: float,
    le: float,
    callsign: str | None,
) -> CotEvent:
    """Validate every field (raises ``ValueError`` naming the field) and build the event."""
    if stale < start:
        raise ValueError(f"stale {format_time(stale)} before start {format_time(start)}")
    return CotEvent(
        uid=check_text("uid", uid, required=True) or "",
        type=check_text("type", type_, required=True, pattern=True) or "",
        how=check_text("how", how, required=False, pattern=True),
        time=time,
        start=start,
        stale=stale,
        lat=check_number("lat", lat, -90.0, 90.0),
        lon=check_number("lon", lon, -180.0, 180.0),
        hae=check_number("hae", hae, -UNKNOWN_ERROR_M, UNKNOWN_ERROR_M),
        ce=check_number("ce", ce, 0.0, UNKNOWN_ERROR_M),
        le=check_number("le", le, 0.0, UNKNOWN_ERROR_M),
        callsign=check_text("callsign", callsign, required=False),
    )
