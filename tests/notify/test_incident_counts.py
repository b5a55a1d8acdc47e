"""Incidents by state, counted in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from kordon.domain.incident import IncidentStatus
from kordon.notify.incident_counts import incidents_by_status
from kordon.store.store import Store
from tests.notify import builders


def test_counts_by_status(store: Store) -> None:
    assert incidents_by_status(store.sessions) == {}
    for i, status in enumerate([IncidentStatus.OPEN, IncidentStatus.OPEN, IncidentStatus.RESOLVED]):
        store.incidents.create(
            builders.incident(f"inc-{i}", status=status, event_ids=()), time=builders.at(i)
        )
    assert incidents_by_status(store.sessions) == {"open": 2, "resolved": 1}
