"""``LocalIdBook``: which site track each sensor-local id last supported, and where.

A sensor that tracks on its own (a camera's image tracker) labels its reports with its
track ids; the site tracker lowers the cost of a report that continues the site track its
local id last supported (``FusionConfig.local_id_bonus``), a tie-breaker between close
tracks. An image tracker that swaps two people who pass each other keeps the id and moves
it to the other person; the bonus would then carry the swap into the site picture (one
site track takes the first person's crossing and then the second person's back).

A swap shows as a jump: from one report of a local id to its next, the reported position
moves by more than the site track's own velocity explains, beyond what the sensor's
report-to-report jitter does (a camera's ground error is mostly a bias that stays from
frame to frame). Such a report gets no bonus; position alone decides, and the id is
bound to whichever track that report then continues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

VelocityOf = Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]]
"""Site track ids (K,) → their velocities (K, 2) (m/s)."""

JUMP_M = 2.0
"""Largest unexplained move between two reports of one local id close in time (m)."""
JUMP_MPS = 3.0
"""Further unexplained move allowed per second between the two reports (m/s): a walker's
change of pace or direction, and a longer gap's drift."""


@dataclass(slots=True)
class _Binding:
    site_track_id: int
    time_s: float
    east_north_m: tuple[float, float]


class LocalIdBook:
    """(sensor index, local id) → the site track it last supported and its last report."""

    def __init__(self) -> None:
        self._bound: dict[tuple[int, str], _Binding] = {}

    def __bool__(self) -> bool:
        return bool(self._bound)

    def site_track_of(self, sensor: int, local_id: str) -> int:
        """The site track ``local_id`` of ``sensor`` last supported (-1: none)."""
        bound = self._bound.get((sensor, local_id)) if local_id else None
        return -1 if bound is None else bound.site_track_id

    def continuing(
        self, sensor: int, local_ids: list[str], z: F64, time_s: float, velocity_of: VelocityOf
    ) -> I64:
        """Per report, the site track its local id continues (-1: none, or a jump).

        ``velocity_of(site_track_ids)`` gives each bound track's velocity (m/s, (K, 2))."""
        sites = np.full(len(local_ids), -1, np.int64)
        prev_t = np.zeros(len(local_ids))
        prev_z = np.zeros((len(local_ids), 2))
        for k, lid in enumerate(local_ids):
            bound = self._bound.get((sensor, lid)) if lid else None
            if bound is not None:
                sites[k] = bound.site_track_id
                prev_t[k] = bound.time_s
                prev_z[k] = bound.east_north_m
        cols = np.flatnonzero(sites >= 0)
        if cols.size == 0:
            return sites
        dt = np.abs(time_s - prev_t[cols])
        moved = z[cols] - prev_z[cols]
        unexplained = moved - velocity_of(sites[cols]) * (time_s - prev_t[cols])[:, None]
        jumped = np.hypot(unexplained[:, 0], unexplained[:, 1]) > JUMP_M + JUMP_MPS * dt
        sites[cols[jumped]] = -1
        return sites

    def bind(self, sensor: int, local_id: str, site_track_id: int, time_s: float, z: F64) -> None:
        """``local_id`` of ``sensor`` now supports ``site_track_id``, reported at ``z``."""
        if not local_id:
            return
        bound = self._bound.get((sensor, local_id))
        if bound is not None and bound.time_s > time_s:
            # a late report: keep the newer position, follow the newer assignment
            bound.site_track_id = site_track_id
            return
        self._bound[(sensor, local_id)] = _Binding(
            site_track_id, time_s, (float(z[0]), float(z[1]))
        )

    def forget(self, sensor: int, local_id: str, site_track_id: int) -> None:
        """Drop ``local_id``'s binding if it still names ``site_track_id`` (deleted)."""
        bound = self._bound.get((sensor, local_id))
        if bound is not None and bound.site_track_id == site_track_id:
            del self._bound[(sensor, local_id)]
