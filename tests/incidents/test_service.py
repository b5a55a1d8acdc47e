"""The incident service on a real SQLite store: ingest, lifecycle, concurrency, errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pytest

from kordon.domain.event import EventKind
from kordon.domain.incident import IncidentStatus, InvalidTransitionError, Resolution
from kordon.incidents import IncidentInputError, IncidentService, IngestOutcome
from kordon.store import ConflictError, NotFoundError, Store, StoredIncident
from tests.incidents.builders import at, ev
from tests.incidents.conftest import Recorder
from tests.units.helpers import add_unit


def _open_one(service: IncidentService) -> StoredIncident:
    result = service.ingest(ev("e1", 0.0, track_id="t1", north_m=0.0), at(1.0))
    assert result.outcome is IngestOutcome.CREATED
    assert result.incident is not None
    return result.incident


def test_events_correlate_into_incidents_through_the_store(
    service: IncidentService, store: Store, recorder: Recorder
) -> None:
    first = _open_one(service)
    same_track = service.ingest(ev("e2", 200.0, track_id="t1", north_m=900.0), at(201.0))
    crossing = ev("e3", 250.0, kind=EventKind.BORDER_CROSSING, source_id="cam-2", north_m=850.0)
    nearby = service.ingest(crossing, at(251.0))
    far = service.ingest(ev("e4", 260.0, north_m=5000.0), at(261.0))
    assert same_track.outcome is IngestOutcome.ATTACHED
    assert nearby.outcome is IngestOutcome.ATTACHED
    assert far.outcome is IngestOutcome.CREATED
    assert same_track.incident is not None
    assert nearby.incident is not None
    assert far.incident is not None
    assert same_track.incident.incident.id == first.incident.id
    assert nearby.incident.incident.id == first.incident.id
    assert far.incident.incident.id != first.incident.id
    stored = store.incidents.get(first.incident.id)
    assert stored.incident.event_ids == ("e1", "e2", "e3")
    assert stored.incident.opened_at == at(1.0)
    # a zone entry by a person is P2; the border crossing seen by a second camera makes it P1
    assert first.incident.priority == 2
    assert stored.incident.priority == 1
    assert [i.id for i in recorder.published].count(first.incident.id) == 3


def test_ingesting_the_same_event_twice_changes_nothing(
    service: IncidentService, store: Store, recorder: Recorder
) -> None:
    first = _open_one(service)
    published = len(recorder.published)
    again = service.ingest(ev("e1", 0.0, track_id="t1", north_m=0.0), at(99.0))
    assert again.outcome is IngestOutcome.DUPLICATE
    assert again.incident is not None
    assert again.incident.incident.id == first.incident.id
    assert again.incident.version == first.version
    assert len(recorder.published) == published
    assert len(store.incidents.list()) == 1
    assert len(store.events.list()) == 1


def test_an_event_stored_before_ingest_is_still_correlated(
    service: IncidentService, store: Store
) -> None:
    store.events.add(ev("pre", 0.0))
    result = service.ingest(ev("pre", 0.0), at(1.0))
    assert result.outcome is IngestOutcome.CREATED


def test_full_lifecycle_records_who_and_when(
    service: IncidentService, store: Store, recorder: Recorder
) -> None:
    inc = _open_one(service)
    iid = inc.incident.id
    inc = service.assign(iid, actor="sup1", assignee="op1", time=at(5), expected_version=1)
    inc = service.acknowledge(iid, actor="op1", time=at(10), expected_version=inc.version)
    inc = service.add_note(
        iid,
        actor="op1",
        note="two people by the fence",
        time=at(20),
        expected_version=inc.version,
    )
    inc = service.dispatch(
        iid,
        actor="op1",
        unit_id=add_unit(store, "patrol-7"),
        time=at(30),
        expected_version=inc.version,
        note="go",
    )
    inc = service.resolve(
        iid,
        actor="op1",
        resolution=Resolution.TRUE_ALARM,
        time=at(900),
        expected_version=inc.version,
    )
    inc = service.close(iid, actor="sup1", time=at(1000), expected_version=inc.version)

    assert inc.version == 7
    assert inc.incident.status is IncidentStatus.CLOSED
    assert inc.incident.resolution is Resolution.TRUE_ALARM
    assert inc.incident.assignee == "op1"
    assert inc.incident.dispatched_unit == "patrol-7"
    reloaded = service.get(iid)
    assert reloaded == inc
    assert [(s.status, s.actor, s.time) for s in reloaded.incident.history] == [
        (IncidentStatus.OPEN, "system:incidents", at(1)),
        (IncidentStatus.ACKNOWLEDGED, "op1", at(10)),
        (
            IncidentStatus.ACKNOWLEDGED,
            "op1",
            at(20),
        ),  # the note: a step keeping the status
        (IncidentStatus.DISPATCHED, "op1", at(30)),
        (IncidentStatus.RESOLVED, "op1", at(900)),
        (IncidentStatus.CLOSED, "sup1", at(1000)),
    ]
    activity = service.activity(iid)
    assert [(a.action, a.actor, a.time) for a in activity] == [
        ("open", "system:incidents", at(1)),
        ("assign", "sup1", at(5)),
        ("acknowledge", "op1", at(10)),
        ("note", "op1", at(20)),
        ("dispatch", "op1", at(30)),
        ("resolve", "op1", at(900)),
        ("close", "sup1", at(1000)),
    ]
    assert activity[3].note == "two people by the fence"
    assert activity[4].details == {
        "unit_id": "unit-patrol-7",
        "unit": "patrol-7",
        "force": "false",
    }
    assert activity[5].details == {
        "resolution": "true_alarm",
        "released_units": "patrol-7",
    }
    assert [(a.actor, a.action, a.subject) for a in recorder.audited] == [
        ("sup1", "assign", f"incident:{iid}"),
        ("op1", "acknowledge", f"incident:{iid}"),
        ("op1", "note", f"incident:{iid}"),
        ("op1", "dispatch", f"incident:{iid}"),
        ("op1", "resolve", f"incident:{iid}"),
        ("sup1", "close", f"incident:{iid}"),
    ]
    assert recorder.audited[3].details == {
        "unit_id": "unit-patrol-7",
        "unit": "patrol-7",
        "force": "false",
        "note": "go",
    }
    assert recorder.published[-1] == inc.incident
    # the store's own view agrees on the core fields
    assert store.incidents.get(iid).version == 7


def test_a_stale_version_is_a_conflict_and_changes_nothing(
    service: IncidentService, recorder: Recorder
) -> None:
    inc = _open_one(service)
    iid = inc.incident.id
    service.acknowledge(iid, actor="op1", time=at(10), expected_version=inc.version)
    audited = len(recorder.audited)
    with pytest.raises(ConflictError, match="expected version 1, stored version is 2"):
        service.dispatch(
            iid,
            actor="op2",
            unit_id="unit-p-1",
            time=at(11),
            expected_version=inc.version,
        )
    after = service.get(iid)
    assert after.version == 2
    assert after.incident.status is IncidentStatus.ACKNOWLEDGED
    assert after.incident.dispatched_unit is None
    assert len(recorder.audited) == audited


def test_an_attached_event_bumps_the_version_operators_saw(
    service: IncidentService,
) -> None:
    inc = _open_one(service)
    service.ingest(ev("e2", 5.0, track_id="t1"), at(6.0))
    with pytest.raises(ConflictError):
        service.acknowledge(inc.incident.id, actor="op1", time=at(7), expected_version=1)


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "close"),
        (["acknowledge"], "acknowledge"),
        (["dispatch"], "acknowledge"),
        (["resolve"], "dispatch"),
        (["resolve", "close"], "assign"),
        (["resolve", "close"], "reopen"),
        ([], "reopen"),
    ],
)
def test_invalid_transitions_are_refused_with_nothing_changed(
    service: IncidentService,
    store: Store,
    recorder: Recorder,
    steps: list[str],
    action: str,
) -> None:
    add_unit(store, "u1")
    inc = _open_one(service)
    for step in steps:
        inc = _do(service, step, inc)
    audited, published = len(recorder.audited), len(recorder.published)
    with pytest.raises(InvalidTransitionError, match=inc.incident.id):
        _do(service, action, inc)
    assert service.get(inc.incident.id) == inc
    assert (len(recorder.audited), len(recorder.published)) == (audited, published)
    assert len(service.activity(inc.incident.id)) == 1 + len(steps)


def _do(service: IncidentService, action: str, inc: StoredIncident) -> StoredIncident:
    iid, version, time = inc.incident.id, inc.version, at(100 + inc.version)
    if action == "acknowledge":
        return service.acknowledge(iid, actor="op", time=time, expected_version=version)
    if action == "dispatch":
        return service.dispatch(
            iid, actor="op", unit_id="unit-u1", time=time, expected_version=version
        )
    if action == "resolve":
        return service.resolve(
            iid,
            actor="op",
            resolution=Resolution.FALSE_ALARM,
            time=time,
            expected_version=version,
        )
    if action == "close":
        return service.close(iid, actor="op", time=time, expected_version=version)
    if action == "reopen":
        return service.reopen(iid, actor="op", time=time, expected_version=version)
    assert action == "assign"
    return service.assign(iid, actor="op", assignee="x", time=time, expected_version=version)


def test_unknown_incident_is_not_found(service: IncidentService) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        service.acknowledge("nope", actor="op", time=at(1), expected_version=1)
    with pytest.raises(NotFoundError, match="nope"):
        service.get("nope")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"actor": ""}, "actor must be a non-empty string"),
        ({"actor": "a" * 129}, "at most 128"),
        ({"time": datetime(2025, 6, 1, 8, 0)}, "timezone-aware"),
        ({"note": "n" * 4001}, "at most 4000"),
        ({"expected_version": "1"}, "expected_version must be an int"),
    ],
)
def test_bad_arguments_are_refused(
    service: IncidentService, kwargs: dict[str, object], match: str
) -> None:
    inc = _open_one(service)
    args: dict[str, object] = {
        "actor": "op",
        "time": at(5),
        "expected_version": 1,
        "note": "",
    }
    args.update(kwargs)
    with pytest.raises(IncidentInputError, match=match):
        service.acknowledge(inc.incident.id, **args)  # type: ignore[arg-type]
    with pytest.raises(IncidentInputError, match="unit"):
        service.dispatch(inc.incident.id, actor="op", unit_id=" ", time=at(5), expected_version=1)
    with pytest.raises(IncidentInputError, match="note must not be empty"):
        service.add_note(inc.incident.id, actor="op", note="", time=at(5), expected_version=1)
    with pytest.raises(IncidentInputError, match="resolution must be one of"):
        service.resolve(
            inc.incident.id,
            actor="op",
            resolution="false",  # type: ignore[arg-type]
            time=at(5),
            expected_version=1,
        )
    assert service.get(inc.incident.id).version == 1


def test_a_failing_audit_rolls_the_action_back(store: Store, recorder: Recorder) -> None:
    def broken_audit(
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, str],
        time: datetime,
    ) -> None:
        raise OSError("ledger disk full")

    service = IncidentService(store, recorder.publish, audit=broken_audit)
    inc = _open_one(service)
    with pytest.raises(OSError, match="ledger"):
        service.acknowledge(inc.incident.id, actor="op", time=at(5), expected_version=1)
    assert service.get(inc.incident.id).incident.status is IncidentStatus.OPEN


def test_a_failing_publisher_does_not_undo_the_action(store: Store) -> None:
    def broken_publish(incident: object) -> None:
        raise RuntimeError("bus down")

    service = IncidentService(store, broken_publish)
    inc = _open_one(service)
    service.acknowledge(inc.incident.id, actor="op", time=at(5), expected_version=1)
    assert service.get(inc.incident.id).incident.status is IncidentStatus.ACKNOWLEDGED


def test_device_events_open_device_incidents_and_online_alone_is_ignored(
    service: IncidentService,
) -> None:
    online = service.ingest(ev("d0", 0.0, kind=EventKind.DEVICE_ONLINE, track_id=None), at(0))
    assert online.outcome is IngestOutcome.IGNORED
    offline = service.ingest(ev("d1", 10.0, kind=EventKind.DEVICE_OFFLINE), at(10))
    back = service.ingest(ev("d2", 70.0, kind=EventKind.DEVICE_ONLINE), at(70))
    assert offline.outcome is IngestOutcome.CREATED
    assert back.outcome is IngestOutcome.ATTACHED
    assert back.incident is not None
    assert back.incident.incident.event_ids == ("d1", "d2")
    assert back.incident.incident.priority == 2


def test_a_weightier_event_retitles_the_incident(service: IncidentService) -> None:
    approach = ev("a1", 0.0, kind=EventKind.BORDER_APPROACH, track_id="t9", north_m=0.0)
    opened = service.ingest(approach, at(0.5)).incident
    assert opened is not None
    assert opened.incident.title.startswith("Border approach")
    crossing = ev("c1", 5.0, kind=EventKind.BORDER_CROSSING, track_id="t9", north_m=2.0)
    attached = service.ingest(crossing, at(5.5)).incident
    assert attached is not None
    assert attached.incident.id == opened.incident.id
    assert attached.incident.title.startswith("Border crossing")
    exit_event = ev("x1", 9.0, kind=EventKind.ZONE_EXIT, track_id="t9", north_m=4.0)
    later = service.ingest(exit_event, at(9.5)).incident
    assert later is not None
    assert later.incident.title.startswith("Border crossing")
