"""A unit follows its incident: dispatch binds it, resolve/close free it, reopen does not
send it again; refusals change neither the incident nor the unit (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest

from kordon.domain.incident import IncidentStatus, InvalidTransitionError, Resolution
from kordon.incidents import IncidentService
from kordon.incidents.errors import IncidentInputError
from kordon.store import ConflictError, Store
from kordon.units.errors import UnitConflictError, UnitNotFoundError, UnitUnavailableError
from kordon.units.model import UnitStatus
from kordon.units.service import UnitService
from tests.incidents.builders import at
from tests.incidents.conftest import Recorder
from tests.units.conftest import open_incident, register


def _version(incidents: IncidentService, incident_id: str) -> int:
    return incidents.get(incident_id).version


def test_dispatch_binds_the_unit_and_resolve_frees_it(
    incidents: IncidentService, units: UnitService, recorder: Recorder
) -> None:
    unit = register(units, "Bravo-1")
    iid = open_incident(incidents, 1)
    dispatched = incidents.dispatch(
        iid, actor="op", unit_id=unit.id, time=at(100), expected_version=1, note="go"
    )
    assert dispatched.incident.status is IncidentStatus.DISPATCHED
    assert dispatched.incident.dispatched_unit == "Bravo-1"
    bound = units.get(unit.id)
    assert (bound.status, bound.incident_id) == (UnitStatus.DISPATCHED, iid)
    assert bound.updated_at == at(100)
    assert units.bound_to(iid) == [bound]
    assert recorder.audited[-1].action == "dispatch"
    assert recorder.audited[-1].details == {
        "unit_id": unit.id,
        "unit": "Bravo-1",
        "force": "false",
        "note": "go",
    }
    assert incidents.activity(iid)[-1].details["unit_id"] == unit.id

    units.set_status(unit.id, UnitStatus.ON_SCENE, actor="op", time=at(200))
    units.set_status(unit.id, UnitStatus.RETURNING, actor="op", time=at(300))
    resolved = incidents.resolve(
        iid,
        actor="op",
        resolution=Resolution.TRUE_ALARM,
        time=at(400),
        expected_version=dispatched.version,
    )
    freed = units.get(unit.id)
    assert (freed.status, freed.incident_id) == (UnitStatus.AVAILABLE, None)
    assert recorder.audited[-1].details["released_units"] == "Bravo-1"
    assert resolved.incident.dispatched_unit == "Bravo-1"  # the record keeps who went

    reopened = incidents.reopen(iid, actor="sup", time=at(500), expected_version=resolved.version)
    assert reopened.incident.status is IncidentStatus.OPEN
    assert units.get(unit.id).status is UnitStatus.AVAILABLE  # reopening sends no one


def test_close_frees_only_the_units_of_its_own_incident(
    incidents: IncidentService, units: UnitService
) -> None:
    """Resolve already freed the unit; close (which also frees any unit still bound, as a
    safety net) must not touch the unit that went on to another incident."""
    unit = register(units, "B-1")
    iid = open_incident(incidents, 1)
    inc = incidents.dispatch(iid, actor="op", unit_id=unit.id, time=at(10), expected_version=1)
    inc = incidents.resolve(
        iid,
        actor="op",
        resolution=Resolution.FALSE_ALARM,
        time=at(20),
        expected_version=inc.version,
    )
    assert units.get(unit.id).status is UnitStatus.AVAILABLE
    other = open_incident(incidents, 2)
    incidents.dispatch(other, actor="op", unit_id=unit.id, time=at(30), expected_version=1)
    closed = incidents.close(iid, actor="sup", time=at(40), expected_version=inc.version)
    assert closed.incident.status is IncidentStatus.CLOSED
    assert units.get(unit.id).incident_id == other
    assert units.get(unit.id).status is UnitStatus.DISPATCHED


def test_dispatching_an_unavailable_unit_is_refused_and_changes_nothing(
    incidents: IncidentService, units: UnitService, recorder: Recorder
) -> None:
    busy = register(units, "B-1")
    off = register(units, "B-2")
    broken = register(units, "B-3")
    first = open_incident(incidents, 1)
    second = open_incident(incidents, 2)
    incidents.dispatch(first, actor="op", unit_id=busy.id, time=at(10), expected_version=1)
    units.set_status(off.id, UnitStatus.OFF_DUTY, actor="op", time=at(11))
    units.set_status(broken.id, UnitStatus.OUT_OF_SERVICE, actor="op", time=at(12))
    audited = len(recorder.audited)

    with pytest.raises(UnitUnavailableError, match=rf"'B-1' is dispatched on incident {first}"):
        incidents.dispatch(second, actor="op", unit_id=busy.id, time=at(20), expected_version=1)
    with pytest.raises(UnitUnavailableError, match="'B-2' is off_duty, not available"):
        incidents.dispatch(second, actor="op", unit_id=off.id, time=at(20), expected_version=1)
    with pytest.raises(UnitUnavailableError, match="out of service"):
        incidents.dispatch(
            second, actor="op", unit_id=broken.id, time=at(20), expected_version=1, force=True
        )
    with pytest.raises(UnitNotFoundError, match="no unit with id 'ghost'"):
        incidents.dispatch(second, actor="op", unit_id="ghost", time=at(20), expected_version=1)
    with pytest.raises(UnitNotFoundError, match="no unit with id"):
        incidents.dispatch(
            second,
            actor="op",
            unit_id=off.id,
            time=at(20),
            expected_version=1,
            sectors=["sector-2"],
        )
    with pytest.raises(IncidentInputError, match="unit_id must be a non-empty string"):
        incidents.dispatch(second, actor="op", unit_id=" ", time=at(20), expected_version=1)

    stored = incidents.get(second)
    assert (stored.version, stored.incident.status) == (1, IncidentStatus.OPEN)
    assert stored.incident.dispatched_unit is None
    assert units.get(busy.id).incident_id == first
    assert units.get(off.id).status is UnitStatus.OFF_DUTY
    assert len(recorder.audited) == audited


def test_force_takes_a_busy_unit_off_its_incident(
    incidents: IncidentService, units: UnitService
) -> None:
    unit = register(units, "B-1")
    first = open_incident(incidents, 1)
    second = open_incident(incidents, 2)
    incidents.dispatch(first, actor="op", unit_id=unit.id, time=at(10), expected_version=1)
    moved = incidents.dispatch(
        second, actor="op", unit_id=unit.id, time=at(20), expected_version=1, force=True
    )
    assert moved.incident.dispatched_unit == "B-1"
    assert units.get(unit.id).incident_id == second
    assert units.bound_to(first) == []
    # resolving the first incident must not free the unit now working the second one
    incidents.resolve(
        first,
        actor="op",
        resolution=Resolution.TRUE_ALARM,
        time=at(30),
        expected_version=_version(incidents, first),
    )
    assert units.get(unit.id).status is UnitStatus.DISPATCHED


def test_a_refused_lifecycle_move_leaves_the_unit_alone(
    incidents: IncidentService, units: UnitService
) -> None:
    unit = register(units, "B-1")
    spare = register(units, "B-2")
    iid = open_incident(incidents, 1)
    inc = incidents.dispatch(iid, actor="op", unit_id=unit.id, time=at(10), expected_version=1)
    # dispatched -> dispatched is not a lifecycle move: the spare unit stays available
    with pytest.raises(InvalidTransitionError):
        incidents.dispatch(
            iid, actor="op", unit_id=spare.id, time=at(20), expected_version=inc.version
        )
    with pytest.raises(ConflictError, match="changed by someone else"):
        incidents.dispatch(iid, actor="op", unit_id=spare.id, time=at(20), expected_version=1)
    assert units.get(spare.id).status is UnitStatus.AVAILABLE
    assert units.get(spare.id).version == spare.version


def test_a_unit_bound_to_an_incident_cannot_be_deleted(
    incidents: IncidentService, units: UnitService
) -> None:
    unit = register(units, "B-1")
    iid = open_incident(incidents, 1)
    incidents.dispatch(iid, actor="op", unit_id=unit.id, time=at(10), expected_version=1)
    with pytest.raises(UnitConflictError, match="release it"):
        units.delete(unit.id, actor="cmdr", time=at(11))
    released = units.set_status(unit.id, UnitStatus.AVAILABLE, actor="op", time=at(12))
    assert released.incident_id is None
    units.delete(unit.id, actor="cmdr", time=at(13))


def _race(incidents: IncidentService, unit_id: str, ids: list[str]) -> list[str]:
    """Dispatch ``unit_id`` to ``ids[0]`` and ``ids[1]`` from two threads at once; each
    outcome is ``"ok"`` or the name of the ``UnitConflictError`` subclass raised."""
    start = threading.Barrier(2)
    outcomes = ["", ""]

    def go(k: int) -> None:
        start.wait()
        try:
            incidents.dispatch(
                ids[k], actor=f"op{k}", unit_id=unit_id, time=at(5), expected_version=1
            )
            outcomes[k] = "ok"
        except UnitConflictError as exc:
            outcomes[k] = type(exc).__name__

    threads = [threading.Thread(target=go, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_operators_dispatching_the_same_unit_one_wins(
    incidents: IncidentService, units: UnitService, store: Store
) -> None:
    """Two incidents, one unit, two threads released together: exactly one dispatch
    succeeds, the other is refused (unit unavailable or changed), and the loser's incident
    is untouched. Repeated to give the race many chances."""
    for round_ in range(6):
        unit = register(units, f"R-{round_}")
        ids = [open_incident(incidents, 10 * round_ + k + 1) for k in range(2)]
        outcomes = _race(incidents, unit.id, ids)
        assert sorted(outcomes) in (
            ["UnitUnavailableError", "ok"],
            ["UnitConflictError", "ok"],
        ), outcomes
        winner = ids[outcomes.index("ok")]
        loser = ids[1 - outcomes.index("ok")]
        assert units.get(unit.id).incident_id == winner
        assert incidents.get(loser).incident.status is IncidentStatus.OPEN
        assert incidents.get(loser).version == 1
