"""Time helpers: every timestamp in Kordon is a timezone-aware UTC datetime."""

from datetime import UTC, datetime


def require_utc(value: datetime, *, name: str = "time") -> datetime:
    """Return ``value`` converted to UTC; reject naive datetimes.

    Components never read the clock themselves; time is always an argument, and a
    naive datetime is ambiguous, so it is refused rather than guessed.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)
