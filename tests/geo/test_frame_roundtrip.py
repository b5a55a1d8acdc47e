"""LocalFrame round trips across Ukraine."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.geo.frame import LocalFrame


@settings(max_examples=40, deadline=None)
@given(
    origin_lat=st.floats(44.5, 52.3),
    origin_lon=st.floats(22.2, 40.2),
    bearing=st.floats(0.0, 2 * math.pi),
    dist_m=st.floats(0.0, 100_000.0),
)
def test_lonlat_local_lonlat_within_1mm(
    origin_lat: float, origin_lon: float, bearing: float, dist_m: float
) -> None:
    frame = LocalFrame(origin_lat, origin_lon)
    xy = np.array([[dist_m * math.sin(bearing), dist_m * math.cos(bearing)]])
    lonlat = frame.xy_to_lonlat(xy)
    back = frame.lonlat_to_xy(lonlat)
    assert np.hypot(*(back - xy).T)[0] < 1e-3
    again = frame.xy_to_lonlat(back)
    # 1 mm is ~1e-8 degrees.
    assert np.all(np.abs(again - lonlat) < 2e-8)
