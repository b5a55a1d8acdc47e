"""Migration ``0005_incident_alerts`` fills the alert time and crossing counts of incidents
stored before it (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from kordon.domain.event import Direction, EventKind
from kordon.domain.incident import CrossingCounts, Incident
from kordon.store import Store
from kordon.store.engine import create_engine_for, upgrade
from kordon.store.events import EventRepository
from kordon.store.incident_extras import IncidentExtrasRepository
from kordon.store.incidents import IncidentRepository
from kordon.store.session import shared_transaction
from tests.incidents.builders import at, ev

BEFORE = "0004"


def test_incidents_stored_before_get_their_alert_time_and_counts(db_url: str) -> None:
    events = [
        ev("i1", 0, kind=EventKind.BORDER_CROSSING, direction=Direction.INBOUND),
        ev("i2", 5, kind=EventKind.BORDER_CROSSING, direction=Direction.INBOUND),
        ev("o1", 9, kind=EventKind.BORDER_CROSSING, direction=Direction.OUTBOUND),
        ev("l1", 11, kind=EventKind.LINE_CROSSING, direction=Direction.OUT),
        ev("a1", 12, kind=EventKind.BORDER_APPROACH),
        ev("z1", 13, kind=EventKind.ZONE_ENTER, direction=Direction.IN),  # not a crossing
    ]
    engine = create_engine_for(db_url)
    try:
        upgrade(engine, BEFORE)
        with Session(engine) as session, session.begin():
            scope = shared_transaction(session)
            for event in events:
                EventRepository(scope).add(event)
            incident = Incident(
                id="inc-a",
                title="t",
                opened_at=at(1),
                priority=2,
                event_ids=tuple(e.id for e in events),
            )
            IncidentRepository(scope).create(incident, time=at(1))
            session.execute(text("INSERT INTO incident_extras (incident_id) VALUES ('inc-a')"))
        upgrade(engine)
    finally:
        engine.dispose()

    with Store(db_url) as store, store.sessions.begin() as session:
        extras = IncidentExtrasRepository(shared_transaction(session)).get_extras("inc-a")
    assert extras.last_alert_at == at(1)
    assert extras.crossings == CrossingCounts(inbound=2, outbound=1, line_in=0, line_out=1)
