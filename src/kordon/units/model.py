"""``Unit``: a patrol unit of the register, its status, and its last known position."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kordon.domain.time import require_utc
from kordon.units.errors import UnitInputError

MAX_NAME = 128
MAX_CALLSIGN = 64
MAX_UID = 128
MAX_SOURCE = 64
MAX_SECTOR = 128

_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    """Ready to be dispatched."""
    DISPATCHED = "dispatched"
    """Sent to an incident, on the way."""
    ON_SCENE = "on_scene"
    """At the incident."""
    RETURNING = "returning"
    """Done at the scene, on the way back (still bound to the incident until it closes)."""
    OFF_DUTY = "off_duty"
    OUT_OF_SERVICE = "out_of_service"
    """Vehicle or radio broken: cannot be dispatched, not even with ``force``."""


ENGAGED: frozenset[UnitStatus] = frozenset(
    {UnitStatus.DISPATCHED, UnitStatus.ON_SCENE, UnitStatus.RETURNING}
)
"""Statuses of a unit bound to an incident."""

SETTABLE: frozenset[UnitStatus] = frozenset(UnitStatus) - {UnitStatus.DISPATCHED}
"""Statuses an operator may set directly; ``dispatched`` only comes from a dispatch."""


@dataclass(frozen=True, slots=True)
class UnitPosition:
    """Where the unit was last reported (WGS84 degrees), when, and by what (``cot``…)."""

    lat: float
    lon: float
    time: datetime
    source: str

    def __post_init__(self) -> None:
        check_lat_lon(self.lat, self.lon)
        try:
            require_utc(self.time, name="position time")
        except (ValueError, AttributeError) as exc:
            raise UnitInputError(str(exc)) from exc
        check_text("position source", self.source, MAX_SOURCE)


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    callsign: str
    sector_id: str
    status: UnitStatus
    incident_id: str | None
    """The incident the unit is bound to (while dispatched, on scene or returning)."""
    cot_uid: str | None
    """The unit's TAK/CoT uid (``ANDROID-…``), for position reports from its phone."""
    position: UnitPosition | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class NewUnit:
    """What registering a unit takes; checked on construction (``UnitInputError``)."""

    name: str
    callsign: str
    sector_id: str
    status: UnitStatus = UnitStatus.AVAILABLE
    cot_uid: str | None = None

    def __post_init__(self) -> None:
        check_text("name", self.name, MAX_NAME)
        check_text("callsign", self.callsign, MAX_CALLSIGN)
        check_text("sector_id", self.sector_id, MAX_SECTOR)
        if self.cot_uid is not None:
            check_text("cot_uid", self.cot_uid, MAX_UID)
        if self.status not in SETTABLE:
            raise UnitInputError(
                f"a new unit's status must be one of {sorted(SETTABLE)}, got {self.status!r}"
            )


@dataclass(frozen=True, slots=True)
class UnitChanges:
    """Fields to change (``None``: keep); ``clear_cot_uid`` removes the CoT uid."""

    name: str | None = None
    callsign: str | None = None
    sector_id: str | None = None
    cot_uid: str | None = None
    clear_cot_uid: bool = False

    def __post_init__(self) -> None:
        if self.name is not None:
            check_text("name", self.name, MAX_NAME)
        if self.callsign is not None:
            check_text("callsign", self.callsign, MAX_CALLSIGN)
        if self.sector_id is not None:
            check_text("sector_id", self.sector_id, MAX_SECTOR)
        if self.cot_uid is not None:
            check_text("cot_uid", self.cot_uid, MAX_UID)
            if self.clear_cot_uid:
                raise UnitInputError("give cot_uid or clear_cot_uid, not both")


def callsign_key(callsign: str) -> str:
    """The form callsigns are compared in: ``Bravo-1`` and ``BRAVO-1`` are the same unit."""
    return " ".join(callsign.split()).casefold()


def check_text(name: str, value: object, limit: int) -> None:
    """A non-blank one-line string of at most ``limit`` characters, without control
    characters or surrogates; ``UnitInputError`` otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise UnitInputError(f"{name} must be a non-empty string, got {value!r}")
    if len(value) > limit:
        raise UnitInputError(f"{name} is {len(value)} characters long; at most {limit}")
    if value != value.strip():
        raise UnitInputError(f"{name} must not start or end with spaces: {value!r}")
    if _CONTROL.search(value):
        raise UnitInputError(f"{name} must not contain control characters: {value!r}")


def check_lat_lon(lat: object, lon: object) -> None:
    for name, value, bound in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UnitInputError(f"{name} must be a number, got {value!r}")
        if not math.isfinite(value) or not -bound <= value <= bound:
            raise UnitInputError(f"{name} must be within ±{bound:g} degrees, got {value!r}")
