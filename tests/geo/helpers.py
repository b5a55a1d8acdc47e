"""Builders shared by the geo tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame

FRAME = LocalFrame(51.5, 25.0)


def border_from_xy(
    xy: npt.ArrayLike, *, border_id: str = "test", km_origin: str = "start"
) -> Border:
    """A border through local points (metres), with a small index so tests stay fast."""
    lonlat = FRAME.xy_to_lonlat(np.asarray(xy, dtype=np.float64))
    return Border(
        border_id,
        lonlat,
        FRAME,
        left_side="UA",
        right_side="BY",
        home_side="UA",
        km_origin="end" if km_origin == "end" else "start",
        index_margin_m=3_000.0,
    )
