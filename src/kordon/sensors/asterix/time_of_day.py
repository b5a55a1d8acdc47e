"""ASTERIX time of day (seconds since UTC midnight) → POSIX seconds, against a known time.

A record says only the time of day; the date is the one that puts it nearest the node's
clock at arrival. A plot stamped 86399.9 s that arrives at 00:00:00.2 belongs to the day
before; one stamped 0.1 s that arrives at 23:59:59.9 (a radar clock slightly ahead) to
the next day. This holds while radar and node clocks differ by less than 12 hours.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt

from kordon.domain.time import require_utc

DAY_S = 86_400.0

F64 = npt.NDArray[np.float64]


def valid_time_of_day(time_of_day_s: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which times of day are within a day (the 24-bit field can say up to 131072 s)."""
    t = np.asarray(time_of_day_s, dtype=np.float64)
    return np.isfinite(t) & (t >= 0.0) & (t < DAY_S)


def resolve_time_of_day(time_of_day_s: npt.ArrayLike, now: datetime) -> F64:
    """POSIX seconds of each time of day on the UTC day (before, of, or after ``now``'s)
    that puts it nearest ``now``."""
    now_s = require_utc(now, name="now").timestamp()
    midnight_s = (now_s // DAY_S) * DAY_S
    t = midnight_s + np.asarray(time_of_day_s, dtype=np.float64)
    return t - DAY_S * np.round((t - now_s) / DAY_S)
