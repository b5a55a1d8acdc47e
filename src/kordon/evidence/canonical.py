"""Canonical JSON and UTC timestamps: the exact bytes that get hashed and signed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer

from kordon.evidence.errors import EntryError

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def canonical_json(value: object) -> bytes:
    """Encode ``value`` as canonical JSON: sorted keys, no whitespace, UTF-8, no NaN/Infinity.

    The same value always gives the same bytes, so the bytes can be hashed and signed.
    """
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise EntryError(f"value cannot be encoded as canonical JSON: {exc}") from exc


def format_utc(value: datetime) -> str:
    """``2024-05-01T12:00:00.000000Z``: always UTC, always microseconds, so it round-trips."""
    return _to_utc(value).strftime(_TIME_FORMAT)


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"time must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


UtcDatetime = Annotated[
    datetime,
    AfterValidator(_to_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]
"""A timezone-aware datetime, stored in UTC and serialised by :func:`format_utc`."""

SHA256_PATTERN = r"^[0-9a-f]{64}$"
"""Pattern of a lower-case hex SHA-256 digest."""
