"""IncidentRepository: round trip, optimistic concurrency, links, history, atomicity."""

from __future__ import annotations

import pytest

from kordon.domain.incident import IncidentStatus, Resolution
from kordon.store import ConflictError, InvalidInputError, NotFoundError, Store, StoredIncident
from tests.store.builders import at, event, incident


@pytest.fixture
def with_events(store: Store) -> Store:
    store.events.add_many([event(f"ev-{i}", float(i)) for i in range(4)])
    return store


def test_incident_round_trips_with_events_and_history(with_events: Store) -> None:
    original = incident(event_ids=("ev-2", "ev-0"))
    created = with_events.incidents.create(original, time=at(1))
    assert (created.version, created.updated_at) == (1, at(1))
    loaded = with_events.incidents.get("inc-1")
    assert loaded == created
    assert loaded.incident.event_ids == ("ev-2", "ev-0")
    assert loaded.incident.history[0].time.utcoffset() is not None


def test_lifecycle_saves_bump_the_version(with_events: Store) -> None:
    stored = with_events.incidents.create(incident(), time=at(0))
    acked = stored.incident.transition(IncidentStatus.ACKNOWLEDGED, actor="op-anna", time=at(5))
    stored = with_events.incidents.save(acked, expected_version=1, time=at(5))
    resolved = stored.incident.transition(
        IncidentStatus.RESOLVED,
        actor="sup-oleh",
        time=at(9),
        note="patrol found a deer",
        resolution=Resolution.FALSE_ALARM,
    )
    stored = with_events.incidents.save(resolved, expected_version=2, time=at(9))
    loaded = with_events.incidents.get("inc-1")
    assert loaded.version == 3
    assert loaded.updated_at == at(9)
    assert loaded.incident == resolved
    assert [s.status for s in loaded.incident.history] == ["open", "acknowledged", "resolved"]
    assert loaded.incident.history[-1].note == "patrol found a deer"


def test_stale_version_is_a_conflict_and_changes_nothing(with_events: Store) -> None:
    stored = with_events.incidents.create(incident(), time=at(0))
    mine = stored.incident.transition(IncidentStatus.ACKNOWLEDGED, actor="op-a", time=at(1))
    theirs = stored.incident.transition(IncidentStatus.DISPATCHED, actor="op-b", time=at(2))
    with_events.incidents.save(theirs, expected_version=stored.version, time=at(2))
    with pytest.raises(ConflictError, match="expected version 1, stored version is 2"):
        with_events.incidents.save(mine, expected_version=stored.version, time=at(3))
    assert with_events.incidents.get("inc-1").incident == theirs


def test_create_twice_is_a_conflict(with_events: Store) -> None:
    with_events.incidents.create(incident(), time=at(0))
    with pytest.raises(ConflictError, match="already exists"):
        with_events.incidents.create(incident(priority=1), time=at(1))
    assert with_events.incidents.get("inc-1").incident.priority == 2


def test_saving_an_unknown_incident_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="'inc-1'"):
        store.incidents.save(incident(), expected_version=1, time=at(0))


def test_history_is_append_only(with_events: Store) -> None:
    stored = with_events.incidents.create(incident(), time=at(0))
    rewritten = incident()  # same id, but its one step differs in time
    rewritten = type(rewritten)(
        id=rewritten.id,
        title=rewritten.title,
        opened_at=rewritten.opened_at,
        priority=rewritten.priority,
        history=(),
    )
    with pytest.raises(InvalidInputError, match="append-only"):
        with_events.incidents.save(rewritten, expected_version=stored.version, time=at(1))
    assert with_events.incidents.get("inc-1").version == 1


def test_failed_save_rolls_back_the_version_bump_and_fields(with_events: Store) -> None:
    """The version UPDATE runs first; linking an unknown event then fails: all undone."""
    stored = with_events.incidents.create(incident(event_ids=("ev-0",)), time=at(0))
    changed = stored.incident.transition(IncidentStatus.ACKNOWLEDGED, actor="op", time=at(1))
    broken = type(changed)(
        id=changed.id,
        title="changed title",
        opened_at=changed.opened_at,
        priority=1,
        status=changed.status,
        event_ids=("ev-0", "ev-missing"),
        history=changed.history,
    )
    with pytest.raises(NotFoundError, match="ev-missing"):
        with_events.incidents.save(broken, expected_version=1, time=at(1))
    assert with_events.incidents.get("inc-1") == stored


def test_failed_create_leaves_no_incident(with_events: Store) -> None:
    with pytest.raises(NotFoundError, match="ev-missing"):
        with_events.incidents.create(incident(event_ids=("ev-1", "ev-missing")), time=at(0))
    with pytest.raises(NotFoundError):
        with_events.incidents.get("inc-1")
    assert with_events.incidents.list() == []


def test_attach_event_appends_once_and_bumps_the_version(with_events: Store) -> None:
    with_events.incidents.create(incident(event_ids=("ev-1",)), time=at(0))
    attached = with_events.incidents.attach_event("inc-1", event_id="ev-3", time=at(4))
    assert attached.incident.event_ids == ("ev-1", "ev-3")
    assert (attached.version, attached.updated_at) == (2, at(4))
    again = with_events.incidents.attach_event("inc-1", event_id="ev-3", time=at(5))
    assert again == attached
    with pytest.raises(NotFoundError, match="ev-nope"):
        with_events.incidents.attach_event("inc-1", event_id="ev-nope", time=at(6))
    with pytest.raises(NotFoundError, match="'inc-x'"):
        with_events.incidents.attach_event("inc-x", event_id="ev-1", time=at(6))
    assert with_events.incidents.get("inc-1") == attached


def test_list_filters_by_status_and_sector(with_events: Store) -> None:
    for i, sector in enumerate(["north", "south", "north"]):
        with_events.incidents.create(
            incident(f"inc-{i}", seconds=float(i), sector_id=sector), time=at(i)
        )
    first = with_events.incidents.get("inc-0")
    acked = first.incident.transition(IncidentStatus.ACKNOWLEDGED, actor="op", time=at(9))
    with_events.incidents.save(acked, expected_version=first.version, time=at(9))

    def ids(stored: list[StoredIncident]) -> list[str]:
        return [s.incident.id for s in stored]

    assert ids(with_events.incidents.list()) == ["inc-2", "inc-1", "inc-0"]
    assert ids(with_events.incidents.list(status=IncidentStatus.OPEN)) == ["inc-2", "inc-1"]
    assert ids(with_events.incidents.list(sector_ids=["north"])) == ["inc-2", "inc-0"]
    assert ids(
        with_events.incidents.list(status=[IncidentStatus.ACKNOWLEDGED], sector_ids=["north"])
    ) == ["inc-0"]
    assert ids(with_events.incidents.list(limit=1)) == ["inc-2"]
    with pytest.raises(InvalidInputError, match="IncidentStatus"):
        with_events.incidents.list(status=["open"])  # type: ignore[list-item]


def test_naive_update_time_is_refused(with_events: Store) -> None:
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        with_events.incidents.create(incident(), time=at(0).replace(tzinfo=None))
