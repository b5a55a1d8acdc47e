"""Typed records crossing the recorder's boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kordon.domain.time import require_utc
from kordon.record.errors import InvalidRecordingInputError


class GapReason(StrEnum):
    SOURCE_OUTAGE = "source_outage"
    TIMESTAMP_BACKWARDS = "timestamp_backwards"
    TIMESTAMP_JUMP = "timestamp_jump"
    CLOCK_DRIFT = "clock_drift"
    FILE_MISSING = "file_missing"
    QUARANTINED = "quarantined"
    STORAGE_ERROR = "storage_error"


def _check_interval(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    try:
        start_utc, end_utc = require_utc(start, name="start"), require_utc(end, name="end")
    except (ValueError, AttributeError) as exc:
        raise InvalidRecordingInputError(str(exc)) from exc
    if end_utc < start_utc:
        raise InvalidRecordingInputError(
            f"interval ends before it starts: {start_utc.isoformat()} > {end_utc.isoformat()}"
        )
    return start_utc, end_utc


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A closed segment: ``path_rel`` is relative to the data directory (POSIX separators)."""

    camera_id: str
    path_rel: str
    start: datetime
    end: datetime
    size_bytes: int
    sha256: str
    packet_count: int
    has_keyframe: bool
    id: int | None = None

    def __post_init__(self) -> None:
        start, end = _check_interval(self.start, self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if self.size_bytes < 0 or self.packet_count < 0:
            raise InvalidRecordingInputError("size_bytes and packet_count must be >= 0")
        if len(self.sha256) != 64:
            raise InvalidRecordingInputError(f"sha256 must be 64 hex digits, got {self.sha256!r}")

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class GapRecord:
    """No footage for ``camera_id`` in ``[start, end]`` (zero length: a discontinuity)."""

    camera_id: str
    start: datetime
    end: datetime
    reason: GapReason
    detail: str = ""

    def __post_init__(self) -> None:
        start, end = _check_interval(self.start, self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)


@dataclass(frozen=True, slots=True)
class HoldRecord:
    """An evidence lock on ``camera_id``'s footage in ``[start, end]``."""

    id: str
    camera_id: str
    start: datetime
    end: datetime
    reason: str
    created_at: datetime
    incident_id: str | None = None
    event_id: str | None = None
    released_at: datetime | None = None

    def __post_init__(self) -> None:
        start, end = _check_interval(self.start, self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if not self.reason.strip():
            raise InvalidRecordingInputError("a hold needs a reason")
