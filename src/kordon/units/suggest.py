"""Which available unit to send: same sector first, then nearest by straight-line distance."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from kordon.units.model import Unit, UnitStatus

EARTH_RADIUS_M = 6_371_008.8
"""The mean Earth radius (IUGG), for great-circle distances."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    unit: Unit
    same_sector: bool
    distance_m: float | None
    """Great-circle distance from the incident to the unit's last known position; ``None``
    when either has no position."""


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres between two WGS84 points in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlam = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def suggest(
    units: Iterable[Unit],
    *,
    sector_id: str | None,
    lat: float | None,
    lon: float | None,
) -> list[Suggestion]:
    """The available units among ``units``, best first.

    Units of the incident's sector come before the others; within each group, units with a
    known position come nearest first, then those without one by callsign. Units that are
    not available are left out.
    """
    found: list[Suggestion] = []
    for unit in units:
        if unit.status is not UnitStatus.AVAILABLE:
            continue
        d = None
        if lat is not None and lon is not None and unit.position is not None:
            d = distance_m(lat, lon, unit.position.lat, unit.position.lon)
        found.append(Suggestion(unit, sector_id is not None and unit.sector_id == sector_id, d))
    found.sort(
        key=lambda s: (
            not s.same_sector,
            s.distance_m is None,
            s.distance_m if s.distance_m is not None else 0.0,
            s.unit.callsign.casefold(),
            s.unit.id,
        )
    )
    return found
