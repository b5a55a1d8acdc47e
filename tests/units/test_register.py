"""The unit register: registering, changing, deleting, status and positions (SQLite and PG)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from kordon.store import Store
from kordon.units.demo import seed_demo_units
from kordon.units.errors import (
    UnitConflictError,
    UnitInputError,
    UnitNotFoundError,
)
from kordon.units.model import NewUnit, UnitChanges, UnitStatus
from kordon.units.positions import position_sink, store_report
from kordon.units.rows import UnitRow
from kordon.units.service import PositionUpdate, UnitService
from tests.incidents.builders import at
from tests.units.conftest import AuditLog, register


def _rows(store: Store) -> list[tuple[object, ...]]:
    """Every stored unit, as plain tuples (to show that a refusal changed nothing)."""
    with store.sessions() as session:
        return [
            (r.id, r.name, r.callsign, r.sector_id, r.status, r.incident_id, r.cot_uid, r.version)
            for r in session.scalars(select(UnitRow).order_by(UnitRow.id))
        ]


def test_register_list_and_read_back(units: UnitService, audit: AuditLog) -> None:
    b1 = register(units, "Bravo-1")
    a2 = register(units, "Alpha-2", "sector-2", cot_uid="ANDROID-a2")
    a1 = register(units, "Alpha-1")

    assert b1.status is UnitStatus.AVAILABLE
    assert b1.version == 1
    assert b1.position is None
    assert [u.callsign for u in units.list()] == ["Alpha-1", "Bravo-1", "Alpha-2"]
    assert [u.id for u in units.list(sector_ids=["sector-2"])] == [a2.id]
    assert units.list(sector_ids=[]) == []
    assert units.get(a1.id) == a1
    assert units.get(a2.id).cot_uid == "ANDROID-a2"
    assert audit.actions() == ["unit.create"] * 3
    assert audit.entries[1].subject == f"unit:{a2.id}"
    assert audit.entries[1].details["sector_id"] == "sector-2"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "name must be a non-empty string"),
        ({"name": "x" * 129}, "at most 128"),
        ({"callsign": "  "}, "callsign must be a non-empty string"),
        ({"callsign": " B-1"}, "must not start or end with spaces"),
        ({"callsign": "B\n1"}, "control characters"),
        ({"callsign": "x" * 65}, "at most 64"),
        ({"status": UnitStatus.DISPATCHED}, "a new unit's status must be one of"),
        ({"cot_uid": ""}, "cot_uid must be a non-empty string"),
    ],
)
def test_bad_new_units_are_refused(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"name": "Patrol", "callsign": "B-1", "sector_id": "sector-1"}
    values.update(fields)
    with pytest.raises(UnitInputError, match=message):
        NewUnit(**values)  # type: ignore[arg-type]


def test_unknown_sector_and_out_of_scope_sector_are_refused(
    units: UnitService, store: Store, audit: AuditLog
) -> None:
    with pytest.raises(UnitInputError, match=r"unknown sector 's9'.*sector-1"):
        register(units, "B-1", "s9")
    with pytest.raises(UnitInputError, match="outside your sectors"):
        units.create(
            NewUnit(name="P", callsign="B-1", sector_id="sector-2"),
            actor="cmdr",
            time=at(0),
            sectors=["sector-1"],
        )
    assert _rows(store) == []
    assert audit.entries == []


def test_duplicate_callsign_is_a_conflict_whatever_its_case_and_spacing(
    units: UnitService, store: Store
) -> None:
    register(units, "Bravo 1", cot_uid="uid-1")
    before = _rows(store)
    for taken in ("Bravo 1", "BRAVO 1", "bravo  1"):
        with pytest.raises(UnitConflictError, match=r"callsign .* is taken by unit unit-1"):
            register(units, taken)
    with pytest.raises(UnitConflictError, match="CoT uid 'uid-1' belongs to unit unit-1"):
        register(units, "Other", cot_uid="uid-1")
    assert _rows(store) == before


def test_update_changes_only_what_is_given(units: UnitService, audit: AuditLog) -> None:
    unit = register(units, "B-1", cot_uid="uid-1")
    changed = units.update(
        unit.id,
        UnitChanges(name="Second patrol", sector_id="sector-2"),
        actor="cmdr",
        time=at(5),
    )
    assert (changed.name, changed.callsign, changed.sector_id, changed.cot_uid) == (
        "Second patrol",
        "B-1",
        "sector-2",
        "uid-1",
    )
    assert changed.version == unit.version + 1
    assert changed.updated_at == at(5)
    assert audit.entries[-1].action == "unit.update"
    assert audit.entries[-1].details == {
        "callsign": "B-1",
        "name": "Second patrol",
        "sector_id": "sector-2",
    }
    cleared = units.update(unit.id, UnitChanges(clear_cot_uid=True), actor="cmdr", time=at(6))
    assert cleared.cot_uid is None
    same = units.update(unit.id, UnitChanges(name="Second patrol"), actor="cmdr", time=at(7))
    assert same == cleared  # nothing to change: no new version, no audit entry
    assert audit.actions().count("unit.update") == 2


def test_update_refusals_change_nothing(units: UnitService, store: Store) -> None:
    unit = register(units, "B-1")
    register(units, "B-2")
    before = _rows(store)
    with pytest.raises(UnitConflictError, match="callsign 'b-2' is taken"):
        units.update(unit.id, UnitChanges(callsign="b-2"), actor="cmdr", time=at(1))
    with pytest.raises(UnitInputError, match="unknown sector"):
        units.update(unit.id, UnitChanges(sector_id="nowhere"), actor="cmdr", time=at(1))
    with pytest.raises(UnitNotFoundError, match="no unit with id 'unit-99'"):
        units.update("unit-99", UnitChanges(name="x"), actor="cmdr", time=at(1))
    with pytest.raises(UnitNotFoundError):
        units.update(unit.id, UnitChanges(name="x"), actor="cmdr", time=at(1), sectors=["s2"])
    with pytest.raises(UnitInputError, match="not both"):
        UnitChanges(cot_uid="x", clear_cot_uid=True)
    assert _rows(store) == before


def test_naive_time_and_blank_actor_are_refused(units: UnitService, store: Store) -> None:
    with pytest.raises(UnitInputError, match="timezone-aware"):
        units.create(
            NewUnit(name="P", callsign="B-1", sector_id="sector-1"),
            actor="admin",
            time=datetime(2025, 1, 1),
        )
    with pytest.raises(UnitInputError, match="actor"):
        units.create(NewUnit(name="P", callsign="B-1", sector_id="sector-1"), actor=" ", time=at(0))
    assert _rows(store) == []


def test_status_rules(units: UnitService, store: Store, audit: AuditLog) -> None:
    unit = register(units, "B-1")
    with pytest.raises(UnitInputError, match="by dispatching it to an incident"):
        units.set_status(unit.id, UnitStatus.DISPATCHED, actor="op", time=at(1))
    for engaged in (UnitStatus.ON_SCENE, UnitStatus.RETURNING):
        with pytest.raises(UnitConflictError, match="not on an incident"):
            units.set_status(unit.id, engaged, actor="op", time=at(1))
    assert _rows(store)[0][4] == "available"
    off = units.set_status(unit.id, UnitStatus.OFF_DUTY, actor="op", time=at(2), note="shift")
    assert off.status is UnitStatus.OFF_DUTY
    assert audit.entries[-1].action == "unit.status"
    assert audit.entries[-1].details == {
        "callsign": "B-1",
        "from": "available",
        "to": "off_duty",
        "incident_id": None,
        "note": "shift",
    }
    again = units.set_status(unit.id, UnitStatus.OFF_DUTY, actor="op", time=at(3))
    assert again == off
    with pytest.raises(UnitNotFoundError):
        units.set_status("nope", UnitStatus.AVAILABLE, actor="op", time=at(3))


def test_delete(units: UnitService, store: Store, audit: AuditLog) -> None:
    unit = register(units, "B-1")
    with pytest.raises(UnitNotFoundError):
        units.delete(unit.id, actor="cmdr", time=at(1), sectors=["sector-2"])
    units.delete(unit.id, actor="cmdr", time=at(1))
    assert _rows(store) == []
    assert audit.actions() == ["unit.create", "unit.delete"]
    with pytest.raises(UnitNotFoundError):
        units.delete(unit.id, actor="cmdr", time=at(2))
    register(units, "B-1")  # the callsign is free again


def test_positions_by_callsign_uid_or_id_newest_wins(units: UnitService, store: Store) -> None:
    unit = register(units, "Bravo-1", cot_uid="ANDROID-42")
    t = at(100)
    assert units.update_position("ANDROID-42", 51.5, 24.0, t) is PositionUpdate.STORED
    assert units.update_position("bravo-1", 51.6, 24.1, t + timedelta(seconds=5)) is (
        PositionUpdate.STORED
    )
    assert units.update_position(unit.id, 51.7, 24.2, t + timedelta(seconds=1)) is (
        PositionUpdate.STALE
    )
    assert units.update_position("ANDROID-other", 50.0, 24.0, t) is PositionUpdate.UNKNOWN_UNIT
    position = units.get(unit.id).position
    assert position is not None
    assert (position.lat, position.lon, position.time, position.source) == (
        51.6,
        24.1,
        t + timedelta(seconds=5),
        "cot",
    )
    assert units.get(unit.id).version == unit.version  # positions do not bump the version


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (91.0, 24.0, "lat must be within"),
        (51.0, -180.5, "lon must be within"),
        (float("nan"), 24.0, "lat must be within"),
        (51.0, float("inf"), "lon must be within"),
        (True, 24.0, "lat must be a number"),
        ("51", 24.0, "lat must be a number"),
    ],
)
def test_bad_positions_are_refused(
    units: UnitService, store: Store, lat: object, lon: object, message: str
) -> None:
    unit = register(units, "B-1")
    with pytest.raises(UnitInputError, match=message):
        units.update_position(unit.id, lat, lon, at(1))  # type: ignore[arg-type]
    with store.sessions() as session:
        assert session.scalar(select(func.count()).where(UnitRow.lat.is_not(None))) == 0


def test_naive_position_time_is_refused(units: UnitService) -> None:
    unit = register(units, "B-1")
    with pytest.raises(UnitInputError, match="timezone-aware"):
        units.update_position(unit.id, 51.0, 24.0, datetime(2025, 1, 1))
    assert units.get(unit.id).position is None


def test_demo_units_seed_an_empty_register_only(units: UnitService, audit: AuditLog) -> None:
    sectors = [("sector-1", "Tripoint sector"), ("sector-2", "Central sector")]
    made = seed_demo_units(units, sectors=sectors, time=at(0), per_sector=2)
    assert [(u.callsign, u.sector_id, u.name) for u in made] == [
        ("SECTOR-1-P1", "sector-1", "Patrol 1, Tripoint sector"),
        ("SECTOR-1-P2", "sector-1", "Patrol 2, Tripoint sector"),
        ("SECTOR-2-P1", "sector-2", "Patrol 1, Central sector"),
        ("SECTOR-2-P2", "sector-2", "Patrol 2, Central sector"),
    ]
    assert all(u.status is UnitStatus.AVAILABLE for u in made)
    assert {e.actor for e in audit.entries} == {"system"}
    assert seed_demo_units(units, sectors=sectors, time=at(1)) == []
    assert len(units.list()) == 4


@dataclass(frozen=True)
class Report:
    uid: str
    callsign: str
    lat: float
    lon: float
    time: datetime


def test_tak_reports_reach_the_unit_by_uid_then_callsign(
    units: UnitService, caplog: pytest.LogCaptureFixture
) -> None:
    by_uid = register(units, "Bravo-1", cot_uid="ANDROID-1")
    by_callsign = register(units, "Bravo-2")
    t = at(60)
    assert store_report(units, Report("ANDROID-1", "whatever", 51.5, 24.0, t)) is (
        PositionUpdate.STORED
    )
    assert store_report(units, Report("ANDROID-2", "BRAVO-2", 51.6, 24.1, t)) is (
        PositionUpdate.STORED
    )
    assert store_report(units, Report("ANDROID-3", "Stranger", 51.6, 24.1, t)) is (
        PositionUpdate.UNKNOWN_UNIT
    )
    first = units.get(by_uid.id).position
    second = units.get(by_callsign.id).position
    assert first is not None
    assert (first.lat, first.lon) == (51.5, 24.0)
    assert second is not None
    assert (second.lat, second.lon) == (51.6, 24.1)
    sink = position_sink(units)
    sink(Report("ANDROID-1", "Bravo-1", 95.0, 24.0, at(61)))  # refused, logged, not raised
    assert "lat must be within" in caplog.text
    assert units.get(by_uid.id).position == first
