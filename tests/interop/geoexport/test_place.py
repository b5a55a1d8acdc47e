"""``IncidentPlace`` refuses positions and times an export could not write truthfully."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.interop.geoexport.builders import place


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lat": None}, "lat and lon must both be given or neither"),
        ({"lon": None}, "lat and lon must both be given or neither"),
        ({"lat": 90.5}, "lat 90.5 is not in"),
        ({"lat": float("nan")}, "lat nan is not in"),
        ({"lon": -181.0}, "lon -181.0 is not in"),
        ({"lon": float("inf")}, "lon inf is not in"),
        ({"opened_at": datetime(2026, 5, 4, 12, 0)}, "opened_at must be timezone-aware"),
    ],
)
def test_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        place(**changes)


def test_without_position() -> None:
    unplaced = place(lat=None, lon=None)
    assert not unplaced.located
    assert place().located
