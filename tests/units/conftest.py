"""A unit register and an incident service on the shared ``store`` fixture.

``store`` (``tests/conftest.py``) is an open, migrated, empty database: every unit test
runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

import pytest
from pydantic import JsonValue

from kordon.incidents import IncidentService
from kordon.incidents.model import IngestOutcome
from kordon.store import Store
from kordon.units.model import NewUnit, Unit
from kordon.units.service import UnitService
from tests.incidents.builders import at, ev
from tests.incidents.conftest import Recorder

SECTORS = ("sector-1", "sector-2", "sector-3")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    subject: str
    outcome: str
    details: dict[str, JsonValue]
    time: datetime


@dataclass
class AuditLog:
    """Collects the unit register's audit entries (the ``AuditSink`` signature)."""

    entries: list[AuditEntry] = field(default_factory=list)

    def record(  # noqa: PLR0917 (the AuditSink signature)
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        self.entries.append(AuditEntry(actor, action, subject, outcome, dict(details), time))

    def actions(self) -> list[str]:
        return [e.action for e in self.entries]


@pytest.fixture
def audit() -> AuditLog:
    return AuditLog()


@pytest.fixture
def units(store: Store, audit: AuditLog) -> UnitService:
    numbers = count(1)
    return UnitService(
        store, sector_ids=SECTORS, audit=audit, new_id=lambda: f"unit-{next(numbers)}"
    )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def incidents(store: Store, recorder: Recorder) -> IncidentService:
    return IncidentService(store, recorder.publish, audit=recorder.audit)


def register(
    units: UnitService, callsign: str, sector_id: str = "sector-1", *, cot_uid: str | None = None
) -> Unit:
    return units.create(
        NewUnit(name=f"Patrol {callsign}", callsign=callsign, sector_id=sector_id, cot_uid=cot_uid),
        actor="admin",
        time=at(0),
    )


def open_incident(
    incidents: IncidentService, n: int, *, sector_id: str = "sector-1", north_m: float = 0.0
) -> str:
    """Open incident number ``n`` (far apart in time, so they never correlate)."""
    seconds = 10_000.0 * n
    result = incidents.ingest(
        ev(f"e{n}", seconds, track_id=f"t{n}", sector_id=sector_id, north_m=north_m),
        at(seconds + 1),
    )
    assert result.outcome is IngestOutcome.CREATED
    assert result.incident is not None
    return result.incident.incident.id
