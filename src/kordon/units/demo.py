"""Demo units: two patrols per sector, so the demo's dispatch prompt has units to offer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kordon.units.model import NewUnit, Unit
from kordon.units.service import UnitService

DEMO_ACTOR = "system"


def seed_demo_units(
    units: UnitService,
    *,
    sectors: Sequence[tuple[str, str]],
    time: datetime,
    per_sector: int = 2,
) -> list[Unit]:
    """Register ``per_sector`` patrols in each ``(sector_id, sector_name)``, callsigns
    ``S1-TRIPOINT-P1``, ``S1-TRIPOINT-P2``… (the sector id upper-cased); only into an empty
    register, so a restart (or the operators' own units) is left alone. Returns what it
    registered."""
    if units.list():
        return []
    made: list[Unit] = []
    for sector_id, sector_name in sectors:
        prefix = sector_id.upper()[:58]
        for n in range(1, per_sector + 1):
            made.append(
                units.create(
                    NewUnit(
                        name=f"Patrol {n}, {sector_name}"[:128],
                        callsign=f"{prefix}-P{n}",
                        sector_id=sector_id,
                        cot_uid=f"KORDON-SIM-{prefix}-P{n}",
                    ),
                    actor=DEMO_ACTOR,
                    time=time,
                )
            )
    return made
