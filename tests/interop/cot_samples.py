"""Hand-written CoT inputs for the tests (benign and hostile)."""

from __future__ import annotations

EVENT = (
    '<event version="2.0" uid="{uid}" type="a-f-G-U-C" how="m-g" '
    'time="2024-05-01T10:00:00.500Z" start="2024-05-01T10:00:00.500Z" '
    'stale="2024-05-01T10:05:00Z">'
    '<point lat="{lat}" lon="24.1" hae="150.5" ce="{ce}" le="9999999.0"/>'
    '<detail><contact callsign="PATROL {uid}"/></detail></event>'
)


def event(uid: str = "U1", lat: str = "51.5", ce: str = "12.0") -> bytes:
    """One valid event (its fields may be overridden to make it invalid)."""
    return EVENT.format(uid=uid, lat=lat, ce=ce).encode()
