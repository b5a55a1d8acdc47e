"""The suggestion order, as properties over random units (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from kordon.units.model import Unit, UnitPosition, UnitStatus
from kordon.units.suggest import distance_m, suggest

T = datetime(2025, 1, 1, tzinfo=UTC)
LAT = st.floats(min_value=50.0, max_value=53.0)
LON = st.floats(min_value=22.0, max_value=26.0)


@st.composite
def units(draw: st.DrawFn) -> list[Unit]:
    count = draw(st.integers(min_value=0, max_value=12))
    made = []
    for n in range(count):
        position = None
        if draw(st.booleans()):
            position = UnitPosition(lat=draw(LAT), lon=draw(LON), time=T, source="test")
        made.append(
            Unit(
                id=f"u{n}",
                name=f"P{n}",
                callsign=f"C{draw(st.integers(0, 99)):02d}-{n}",
                sector_id=draw(st.sampled_from(["s1", "s2"])),
                status=draw(st.sampled_from(list(UnitStatus))),
                incident_id=None,
                cot_uid=None,
                position=position,
                created_at=T,
                updated_at=T,
                version=1,
            )
        )
    return made


@given(units(), LAT, LON, st.sampled_from(["s1", "s2", None]))
def test_suggestions_are_available_units_same_sector_first_then_nearest(
    found: list[Unit], lat: float, lon: float, sector: str | None
) -> None:
    ranked = suggest(found, sector_id=sector, lat=lat, lon=lon)
    available = {u.id for u in found if u.status is UnitStatus.AVAILABLE}
    assert {s.unit.id for s in ranked} == available
    assert len(ranked) == len(available)
    keys = [(not s.same_sector, s.distance_m is None, s.distance_m or 0.0) for s in ranked]
    assert keys == sorted(keys)
    for s in ranked:
        assert s.same_sector == (sector is not None and s.unit.sector_id == sector)
        assert (s.distance_m is None) == (s.unit.position is None)
        if s.unit.position is not None:
            assert s.distance_m == distance_m(lat, lon, s.unit.position.lat, s.unit.position.lon)


@given(LAT, LON, LAT, LON)
def test_distance_is_symmetric_and_within_the_region(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    d = distance_m(lat1, lon1, lat2, lon2)
    assert d == distance_m(lat2, lon2, lat1, lon1)
    assert 0.0 <= d < 600_000.0  # the 3° × 4° box is smaller than 600 km across
    assert distance_m(lat1, lon1, lat1, lon1) == 0.0


def test_distance_matches_known_values() -> None:
    # one degree of latitude at 51.5° N, and 0.01° of longitude there (spherical Earth)
    assert abs(distance_m(51.0, 24.0, 52.0, 24.0) - 111_195) < 1
    assert abs(distance_m(51.5, 24.0, 51.5, 24.01) - 692.2) < 0.5


def test_without_an_incident_position_units_come_by_callsign() -> None:
    def unit(uid: str, callsign: str, sector: str) -> Unit:
        return Unit(uid, "P", callsign, sector, UnitStatus.AVAILABLE, None, None, None, T, T, 1)

    ranked = suggest(
        [unit("a", "zulu", "s1"), unit("b", "Alpha", "s2"), unit("c", "bravo", "s1")],
        sector_id="s1",
        lat=None,
        lon=None,
    )
    assert [s.unit.callsign for s in ranked] == ["bravo", "zulu", "Alpha"]
