"""A registered unit for tests of other packages (incidents, reports) that dispatch."""

from __future__ import annotations

from datetime import UTC, datetime

from kordon.store import Store
from kordon.store.session import shared_transaction
from kordon.units.model import NewUnit
from kordon.units.store import UnitRepository

REGISTERED_AT = datetime(2025, 1, 1, tzinfo=UTC)


def add_unit(store: Store, callsign: str, sector_id: str = "sector-1") -> str:
    """Register an available unit ``callsign`` (id ``unit-<callsign>``) straight in the
    store, without audit; returns its id."""
    with store.sessions.begin() as session:
        unit = UnitRepository(shared_transaction(session)).add(
            NewUnit(name=f"Patrol {callsign}", callsign=callsign, sector_id=sector_id),
            unit_id=f"unit-{callsign}",
            time=REGISTERED_AT,
        )
    return unit.id
