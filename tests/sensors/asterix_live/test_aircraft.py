"""Cooperative aircraft: CAT021 encoding, the aircraft message, expiry, and the intake and
service handing aircraft to the map (clocks driven by the test)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kordon.config.integrations import AsterixRadar
from kordon.domain.aircraft import AircraftState, AircraftStatus
from kordon.sensors.asterix import Cat021Record, decode_strict
from kordon.sensors.asterix.aircraft import aircraft_state, ground_vector
from kordon.sensors.asterix.cooperative import DEFAULT_MAX_AGE_S, CooperativeAircraft
from kordon.sensors.asterix.encoder021 import AdsbReport, adsb_block, encode_adsb_report
from kordon.sensors.asterix.fields import NM_M
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.asterix.health import HealthSettings, RadarHealth
from kordon.sensors.asterix.intake import RadarIntake
from kordon.sensors.asterix.observer import RadarObserver
from kordon.sensors.asterix.service import AsterixRadarService
from kordon.sensors.ugs.flood import RateLimit
from tests.sensors.asterix_live.support import (
    FRAME,
    SAC,
    SENSOR,
    SIC,
    T0,
    Collected,
    ManualClock,
    build_intake,
    tod,
)
from tests.sensors.builders import block
from tests.sensors.test_asterix_spec import CAT021_REPORT

SPEED_LSB_MPS = 2.0**-14 * NM_M
TRACK_LSB_DEG = 360.0 / 2**16


def _report(moment: datetime = T0, **kw: object) -> AdsbReport:
    fields: dict[str, object] = {
        "sac": SAC,
        "sic": SIC,
        "time_of_day_s": tod(moment),
        "lat": 51.55,
        "lon": 23.65,
        "icao_address": "50AD01",
        "track_number": 7,
        "callsign": "KRD101",
        "flight_level": 350.0,
        "geometric_height_ft": 36_000.0,
        "ground_speed_mps": 230.0,
        "track_deg": 85.0,
        "emitter_category": 5,
    }
    fields.update(kw)
    return AdsbReport(**fields)  # type: ignore[arg-type]


def _decoded(report: AdsbReport) -> tuple[Cat021Record, bytes]:
    data = adsb_block([report])
    [record] = decode_strict(data)
    assert isinstance(record, Cat021Record)
    return record, data


# --- encoding ------------------------------------------------------------------------------


def test_an_encoded_report_decodes_to_its_values_within_one_lsb() -> None:
    record, data = _decoded(_report())
    assert (record.sac, record.sic, record.track_number) == (SAC, SIC, 7)
    assert (record.aircraft_address, record.callsign, record.emitter_category) == (
        "50AD01",
        "KRD101",
        5,
    )
    assert record.lat == pytest.approx(51.55, abs=180 / 2**30)
    assert record.lon == pytest.approx(23.65, abs=180 / 2**30)
    assert (record.flight_level, record.geometric_height_ft) == (350.0, 36_000.0)
    assert record.time_of_day_s == pytest.approx(tod(T0), abs=1 / 128)
    assert record.time_applicability_position_s == record.time_reception_position_s
    vector = ground_vector(data, record.offset)
    assert vector is not None
    assert vector.ground_speed_mps == pytest.approx(230.0, abs=SPEED_LSB_MPS)
    assert vector.track_deg == pytest.approx(85.0, abs=TRACK_LSB_DEG)
    assert not vector.range_exceeded


def test_optional_items_are_left_out() -> None:
    bare = _report(
        track_number=None,
        callsign=None,
        flight_level=None,
        geometric_height_ft=None,
        ground_speed_mps=None,
        track_deg=None,
        emitter_category=None,
    )
    record, data = _decoded(bare)
    assert record.items == ("I021/010", "I021/040", "I021/071", "I021/131", "I021/080", "I021/073")
    assert (record.callsign, record.flight_level, record.track_number) == (None, None, None)
    assert ground_vector(data, record.offset) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sac": 300}, "SAC/SIC must be 0..255"),
        ({"icao_address": "XYZ123"}, "six upper-case hex digits"),
        ({"lat": 95.0}, "is not on the Earth"),
        ({"time_of_day_s": 86_400.0}, "not within a day"),
        ({"track_deg": None}, "go together"),
        ({"ground_speed_mps": 4_000.0}, "does not fit I021/160"),
        ({"flight_level": 9_000.0}, "flight_level 9000.0 does not fit"),
        ({"callsign": "krd101"}, "A-Z, 0-9 and space"),
        ({"callsign": "KRD1010101"}, "A-Z, 0-9 and space"),
        ({"track_number": 4096}, "track_number must be 0..4095"),
    ],
)
def test_values_an_item_cannot_hold_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_adsb_report(replace(_report(), **change))  # type: ignore[arg-type]


def test_ground_vector_range_exceeded_and_unwalkable_records() -> None:
    record, data = _decoded(_report())
    items_end = len(data)
    # I021/160 sits before I021/170 (6 octets) and I021/020 (1 octet): set its RE bit
    start = items_end - 1 - 6 - 4
    patched = bytearray(data)
    patched[start] |= 0x80
    vector = ground_vector(bytes(patched), record.offset)
    assert vector is not None
    assert vector.range_exceeded
    assert vector.ground_speed_mps == pytest.approx(230.0, abs=SPEED_LSB_MPS)
    assert ground_vector(data[:10], record.offset) is None  # cut inside the record


# --- the aircraft message ------------------------------------------------------------------


def test_a_report_becomes_the_aircraft_message() -> None:
    record, data = _decoded(_report())
    state = aircraft_state(SENSOR, record, T0.timestamp(), data=data)
    assert state is not None
    assert (state.key, state.icao_address, state.callsign) == ("50AD01", "50AD01", "KRD101")
    assert (state.sensor_id, state.sac, state.sic) == (SENSOR, SAC, SIC)
    assert state.time == T0
    assert (state.flight_level, state.geometric_altitude_ft) == (350.0, 36_000.0)
    assert state.ground_speed_mps == pytest.approx(230.0, abs=SPEED_LSB_MPS)
    assert state.track_deg == pytest.approx(85.0, abs=TRACK_LSB_DEG)
    assert (state.emitter_category, state.status) == (5, AircraftStatus.CURRENT)


def test_fields_a_report_leaves_out_are_the_last_ones_heard() -> None:
    first, data1 = _decoded(_report())
    previous = aircraft_state(SENSOR, first, T0.timestamp(), data=data1)
    bare = _report(
        T0 + timedelta(seconds=1),
        lat=51.56,
        callsign=None,
        flight_level=None,
        ground_speed_mps=None,
        track_deg=None,
    )
    second, data2 = _decoded(bare)
    state = aircraft_state(SENSOR, second, T0.timestamp() + 1, data=data2, previous=previous)
    assert state is not None
    assert state.lat == pytest.approx(51.56, abs=1e-7)
    assert (state.callsign, state.flight_level) == ("KRD101", 350.0)
    assert state.ground_speed_mps == pytest.approx(230.0, abs=SPEED_LSB_MPS)
    assert state.time == T0 + timedelta(seconds=1)


def test_reports_without_an_aircraft_or_a_position_give_no_message() -> None:
    record, _data = _decoded(_report())
    no_id = record._replace(aircraft_address=None, track_number=None)
    assert aircraft_state(SENSOR, no_id, T0.timestamp()) is None
    no_position = record._replace(lat=None, lon=None)
    assert aircraft_state(SENSOR, no_position, T0.timestamp()) is None
    no_station = record._replace(sac=None)
    assert aircraft_state(SENSOR, no_station, T0.timestamp()) is None


def test_without_an_address_the_key_is_the_stations_track_number() -> None:
    record, _data = _decoded(_report())
    state = aircraft_state(SENSOR, record._replace(aircraft_address=None), T0.timestamp())
    assert state is not None
    assert (state.key, state.icao_address) == (f"{SENSOR}:TN7", None)


def test_a_previous_state_of_another_aircraft_is_a_programming_error() -> None:
    record, _data = _decoded(_report())
    other = aircraft_state(SENSOR, record._replace(aircraft_address="50AD02"), T0.timestamp())
    with pytest.raises(ValueError, match="previous state is of aircraft '50AD02'"):
        aircraft_state(SENSOR, record, T0.timestamp(), previous=other)


# --- the cooperative picture and its expiry --------------------------------------------------


def test_the_latest_report_wins_and_older_ones_are_counted() -> None:
    picture = CooperativeAircraft()
    record, data = _decoded(_report())
    t = T0.timestamp()
    assert picture.update(SENSOR, record, t, data=data) is not None
    assert picture.update(SENSOR, record._replace(lat=50.0), t - 1.0) is None
    assert picture.stale == 1
    [state] = picture.current(t)
    assert state.lat == pytest.approx(51.55, abs=1e-7)


def test_a_report_without_position_of_an_unknown_aircraft_is_counted() -> None:
    picture = CooperativeAircraft()
    record, _data = _decoded(_report())
    assert picture.update(SENSOR, record._replace(lat=None, lon=None), T0.timestamp()) is None
    assert picture.unpositioned == 1
    assert picture.current(T0.timestamp()) == []


def test_aircraft_expire_after_their_stations_silence_once() -> None:
    picture = CooperativeAircraft(max_age_s=60.0)
    t = T0.timestamp()
    first, data = _decoded(_report())
    second, _ = _decoded(_report(icao_address="50AD02", callsign="KRD202"))
    picture.update(SENSOR, first, t, data=data, max_age_s=10.0)
    picture.update("radar-2", second, t)  # the default: 60 s
    assert picture.expire(t + 10.0) == []  # at the limit: still there
    [gone] = picture.expire(t + 10.5)
    assert (gone.key, gone.status, gone.callsign, gone.time) == (
        "50AD01",
        AircraftStatus.EXPIRED,
        "KRD101",
        T0,
    )
    assert picture.expire(t + 11.0) == []  # said once
    assert [s.key for s in picture.current(t + 59.0)] == ["50AD02"]
    assert [s.key for s in picture.expire(t + 61.0)] == ["50AD02"]
    assert picture.current(t + 61.0) == []


def test_a_new_report_pushes_the_expiry_back() -> None:
    picture = CooperativeAircraft(max_age_s=10.0)
    record, _ = _decoded(_report())
    t = T0.timestamp()
    picture.update(SENSOR, record, t)
    picture.update(SENSOR, record, t + 8.0)
    assert picture.expire(t + 15.0) == []
    assert len(picture.expire(t + 18.5)) == 1


def test_the_picture_is_bounded_by_dropping_the_oldest() -> None:
    picture = CooperativeAircraft(max_aircraft=2)
    t = T0.timestamp()
    for i, address in enumerate(("50AD01", "50AD02", "50AD03")):
        record, _ = _decoded(_report(icao_address=address))
        picture.update(SENSOR, record, t + i)
    assert [s.key for s in picture.current(t + 3)] == ["50AD02", "50AD03"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_age_s": 0.0}, "max_age_s must be > 0"),
        ({"max_aircraft": 0}, "max_aircraft >= 1"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CooperativeAircraft(**kwargs)  # type: ignore[arg-type]
    record, _ = _decoded(_report())
    with pytest.raises(ValueError, match="max_age_s must be > 0"):
        CooperativeAircraft().update(SENSOR, record, 0.0, max_age_s=-1.0)


# --- the intake and the service ---------------------------------------------------------------


def _intake(clock: ManualClock, seen: list[AircraftState]) -> tuple[RadarIntake, Collected]:
    got = Collected()
    intake = RadarIntake(
        sac=SAC,
        sic=SIC,
        observer=RadarObserver(
            SENSOR, RadarGeometry(0.0, 0.0, 0.0, 0.0, 10.0, 0.5), FRAME, confidence=0.6
        ),
        health=RadarHealth(SENSOR, HealthSettings(4.0), started=clock()),
        rate=RateLimit(1_000.0, 1_000),
        clock=clock,
        on_scan=got.scans.append,
        on_status=got.statuses.append,
        on_aircraft=seen.append,
    )
    return intake, got


def test_the_intake_hands_each_aircraft_state_to_the_map_and_none_to_the_picture() -> None:
    clock = ManualClock(T0 + timedelta(seconds=0.4))
    seen: list[AircraftState] = []
    intake, got = _intake(clock, seen)
    intake.receive(adsb_block([_report(), _report(icao_address="50AD02", callsign="KRD202")]))
    assert got.rows == 0
    assert [(s.key, s.callsign) for s in seen] == [("50AD01", "KRD101"), ("50AD02", "KRD202")]
    assert seen[0].time_s == pytest.approx(T0.timestamp(), abs=1 / 128)
    assert intake.counters.aircraft_reports == 2
    assert intake.metrics()["aircraft_reports"] == 2.0


def test_the_existing_cat021_sample_still_gives_its_aircraft() -> None:
    clock = ManualClock(datetime(2026, 5, 4, 0, 0, 12, tzinfo=UTC))
    intake, _got = build_intake(clock)
    record = bytearray(CAT021_REPORT)
    record[1 + 6 : 1 + 8] = bytes([SAC, SIC])
    intake.receive(block(21, bytes(record)))
    [state] = intake.aircraft.current(clock().timestamp())
    assert (state.key, state.callsign, state.mode3a, state.flight_level) == (
        "4BAACD",
        "THY9TX",
        "7500",
        325.0,
    )
    assert state.ground_speed_mps is None  # the sample has no I021/160


def _radar(radar_id: str, port: int, sic: int) -> AsterixRadar:
    return AsterixRadar.model_validate(
        {
            "kind": "radar_asterix",
            "id": radar_id,
            "udp_port": port,
            "bind_address": "127.0.0.1",
            "sac": SAC,
            "sic": sic,
            "lat": 51.6,
            "lon": 23.7,
        }
    )


def test_the_service_expires_aircraft_per_radar_on_its_tick() -> None:
    clock = ManualClock(T0 + timedelta(seconds=0.2))
    seen: list[AircraftState] = []
    service = AsterixRadarService(
        [_radar("radar-1", 8600, SIC), _radar("radar-2", 8601, SIC + 1)],
        FRAME,
        clock=clock,
        on_scan=lambda _scan: None,
        on_status=lambda _status: None,
        on_aircraft=seen.append,
        aircraft_max_age_s={"radar-1": 5.0},
    )
    service.intakes["radar-1"].receive(adsb_block([_report()]))
    service.intakes["radar-2"].receive(
        adsb_block([_report(sic=SIC + 1, icao_address="50AD02", callsign="KRD202")])
    )
    assert [s.key for s in seen] == ["50AD01", "50AD02"]
    clock.advance(4.7)  # T0 + 4.9 s: radar-1's aircraft heard 4.9 s ago
    service.tick()
    assert len(seen) == 2
    clock.advance(0.2)  # 5.1 s
    service.tick()
    assert [(s.key, s.status) for s in seen[2:]] == [("50AD01", AircraftStatus.EXPIRED)]
    clock.advance(DEFAULT_MAX_AGE_S - 5.2)  # 59.9 s
    service.tick()
    assert len(seen) == 3
    clock.advance(0.2)  # 60.1 s
    assert [s.key for s in service.expire_aircraft()] == ["50AD02"]
    assert [(s.key, s.status) for s in seen[3:]] == [("50AD02", AircraftStatus.EXPIRED)]


def test_a_silence_limit_for_an_unknown_radar_is_refused() -> None:
    with pytest.raises(ValueError, match=r"names no radar of the node: \['radar-9'\]"):
        AsterixRadarService(
            [_radar("radar-1", 8600, SIC)],
            FRAME,
            clock=ManualClock(),
            on_scan=lambda _scan: None,
            on_status=lambda _status: None,
            aircraft_max_age_s={"radar-9": 5.0},
        )
    with pytest.raises(ValueError, match="aircraft_max_age_s must be > 0"):
        AsterixRadarService(
            [_radar("radar-1", 8600, SIC)],
            FRAME,
            clock=ManualClock(),
            on_scan=lambda _scan: None,
            on_status=lambda _status: None,
            aircraft_max_age_s={"radar-1": 0.0},
        )
