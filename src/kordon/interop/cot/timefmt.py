"""CoT time stamps: ISO 8601 with a zone (``2020-02-08T18:10:44.000Z``) and milliseconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def parse_time(name: str, text: str | None) -> datetime:
    """A timezone-aware UTC datetime; ``ValueError`` naming ``name`` when absent or malformed."""
    if text is None or text == "":
        raise ValueError(f"{name}: missing")
    m = _ISO.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"{name}: {text[:40]!r} is not ISO 8601 with a zone (…Z)")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "0").ljust(6, "0")[:6])
    zone = m.group(8)
    if zone == "Z":
        tz = UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"{name}: zone {zone!r} out of range")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        value = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
        return value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{name}: {text[:40]!r}: {exc}") from None


def from_millis(name: str, millis: int) -> datetime:
    """A TAK protocol time (milliseconds since the Unix epoch) as a UTC datetime."""
    if not 0 <= millis <= _MAX_MS:
        raise ValueError(f"{name}: {millis} ms since the epoch is out of range")
    return _EPOCH + timedelta(milliseconds=millis)


def format_time(value: datetime) -> str:
    """UTC, millisecond precision, ``Z``: the form ATAK writes."""
    v = value.astimezone(UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"
