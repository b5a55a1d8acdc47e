"""``Event``: an immutable fact produced by a rule or a device."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kordon.domain.time import require_utc


class EventKind(StrEnum):
    LINE_CROSSING = "line_crossing"
    ZONE_ENTER = "zone_enter"
    ZONE_EXIT = "zone_exit"
    ZONE_DWELL = "zone_dwell"
    BORDER_CROSSING = "border_crossing"
    BORDER_APPROACH = "border_approach"
    DEVICE_ONLINE = "device_online"
    DEVICE_OFFLINE = "device_offline"
    STORAGE_ALARM = "storage_alarm"


class Direction(StrEnum):
    """Crossing direction: ``in``/``out`` for image lines, ``inbound``/``outbound`` for a border."""

    IN = "in"
    OUT = "out"
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Frame(StrEnum):
    """The plane an event's ``xy`` is expressed in."""

    IMAGE = "image"
    LOCAL = "local"


AttributeValue = str | float | int | bool


def new_event_id() -> str:
    """A random, globally unique event id (edge nodes dedupe on it centrally)."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    time: datetime
    source_id: str
    id: str = field(default_factory=new_event_id)
    rule_id: str | None = None
    track_id: str | None = None
    class_name: str | None = None
    confidence: float = 1.0
    direction: Direction | None = None
    frame: Frame | None = None
    x: float | None = None
    y: float | None = None
    lat: float | None = None
    lon: float | None = None
    uncertainty_m: float | None = None
    km_post: float | None = None
    sector_id: str | None = None
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time))
        if not self.source_id:
            raise ValueError("source_id must not be empty")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")
        if self.lat is not None and not -90.0 <= self.lat <= 90.0:
            raise ValueError(f"lat out of range: {self.lat}")
        if self.lon is not None and not -180.0 <= self.lon <= 180.0:
            raise ValueError(f"lon out of range: {self.lon}")
        for name in ("x", "y", "uncertainty_m", "km_post"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value}")
