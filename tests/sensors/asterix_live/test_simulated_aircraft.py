"""The simulated radar's ADS-B aircraft: straight passes over the site, CAT021 once a second."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kordon.config.integrations import AsterixRadar
from kordon.domain.aircraft import AircraftState
from kordon.sensors.asterix import Cat021Record, decode_strict
from kordon.sensors.asterix.aircraft import ground_vector
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.asterix.service import AsterixRadarService
from kordon.sensors.ugs.simulated import world_positions
from kordon.sim.aircraft import SimulatedAircraft, crossing, demo_aircraft
from kordon.sim.radar import MAX_ADSB_CATCH_UP, SimulatedRadar, SimulatedRadarSpec
from kordon.sim.world import WorldScenario
from tests.sensors.asterix_live.support import FRAME, SAC, SIC, T0, ManualClock

NOBODY = world_positions(WorldScenario(cameras=(), actors=(), duration_s=10_000.0))


def _radar() -> AsterixRadar:
    return AsterixRadar.model_validate(
        {
            "kind": "radar_asterix",
            "id": "radar-1",
            "udp_port": 8600,
            "bind_address": "127.0.0.1",
            "sac": SAC,
            "sic": SIC,
            "lat": 51.61,
            "lon": 23.72,
        }
    )


def _reports(radar: SimulatedRadar, until_s: float, step_s: float = 0.1) -> list[bytes]:
    out: list[bytes] = []
    for t in np.arange(0.0, until_s + 1e-9, step_s):
        out += [d for d in radar.step(float(t), epoch=T0) if d[0] == 21]
    return out


def test_a_pass_runs_straight_and_starts_again() -> None:
    plane = SimulatedAircraft("50AD01", "KRD101", 0.0, 0.0, 90.0, 100.0, 300.0, pass_s=50.0)
    assert plane.east_north_m(10.0) == pytest.approx((1_000.0, 0.0), abs=1e-9)
    assert plane.east_north_m(60.0) == pytest.approx((1_000.0, 0.0), abs=1e-9)
    assert plane.geometric_height_ft == 30_000.0


def test_a_crossing_passes_beside_the_centre_halfway() -> None:
    plane = crossing(
        "50AD01",
        "KRD101",
        centre_en_m=(500.0, -200.0),
        track_deg=0.0,
        miss_m=1_000.0,
        span_m=20_000.0,
        ground_speed_mps=200.0,
        flight_level=300.0,
    )
    assert plane.pass_s == 100.0
    assert plane.east_north_m(0.0) == pytest.approx((1_500.0, -10_200.0), abs=1e-9)
    assert plane.east_north_m(50.0) == pytest.approx((1_500.0, -200.0), abs=1e-9)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"icao_address": "50ad01"}, "six upper-case hex digits"),
        ({"ground_speed_mps": 0.0}, "must be > 0"),
        ({"pass_s": -1.0}, "must be > 0"),
        ({"track_deg": math.nan}, "must be finite"),
    ],
)
def test_bad_aircraft_are_refused(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "icao_address": "50AD01",
        "callsign": "KRD101",
        "start_east_m": 0.0,
        "start_north_m": 0.0,
        "track_deg": 90.0,
        "ground_speed_mps": 100.0,
        "flight_level": 300.0,
        "pass_s": 50.0,
    }
    fields.update(change)
    with pytest.raises(ValueError, match=message):
        SimulatedAircraft(**fields)  # type: ignore[arg-type]


def test_the_demo_twin_reports_its_two_aircraft_once_a_second_where_they_are() -> None:
    spec = SimulatedRadarSpec.of(_radar(), FRAME)
    planes = spec.aircraft
    assert [p.callsign for p in planes] == ["KRD101", "KRD202"]
    assert planes == demo_aircraft((spec.geometry.east_m, spec.geometry.north_m))
    radar = SimulatedRadar(spec, NOBODY)
    datagrams = _reports(radar, 10.0)
    records = [(r, d) for d in datagrams for r in decode_strict(d)]
    assert all(isinstance(r, Cat021Record) for r, _ in records)
    assert len(records) == 2 * 10  # at 1, 2, ... 10 s
    assert radar.adsb_reports_sent == 20
    t0 = T0.timestamp() % 86_400.0
    for k, (record, data) in enumerate(records):
        assert isinstance(record, Cat021Record)
        at_s = float(k // 2 + 1)
        plane = planes[k % 2]
        assert (record.sac, record.sic) == (SAC, SIC)
        assert (record.aircraft_address, record.callsign) == (plane.icao_address, plane.callsign)
        assert record.time_of_day_s == pytest.approx(t0 + at_s, abs=1 / 128)
        lon, lat = FRAME.to_wgs84(*plane.east_north_m(at_s))
        assert record.lat == pytest.approx(float(lat), abs=1e-7)
        assert record.lon == pytest.approx(float(lon), abs=1e-7)
        assert record.flight_level == plane.flight_level
        vector = ground_vector(data, record.offset)
        assert vector is not None
        assert vector.ground_speed_mps == pytest.approx(plane.ground_speed_mps, abs=0.12)
        # the reported track is the true track: the bearing between two reported positions
        if k >= 2:
            before, _ = records[k - 2]
            assert isinstance(before, Cat021Record)
            assert before.lat is not None
            assert before.lon is not None
            assert record.lat is not None
            assert record.lon is not None
            d_north = record.lat - before.lat
            d_east = (record.lon - before.lon) * math.cos(math.radians(record.lat))
            bearing = math.degrees(math.atan2(d_east, d_north)) % 360.0
            assert vector.track_deg == pytest.approx(bearing, abs=0.05)
    airliner_track = ground_vector(records[0][1], records[0][0].offset)
    assert airliner_track is not None
    # grid track 85° plus the frame's convergence away from the site origin: under a degree
    assert airliner_track.track_deg == pytest.approx(85.0, abs=1.0)


def test_a_radar_without_aircraft_sends_no_adsb() -> None:
    spec = SimulatedRadarSpec.of(_radar(), FRAME, aircraft=())
    assert _reports(SimulatedRadar(spec, NOBODY), 5.0) == []


def test_after_a_stall_only_the_latest_reports_are_sent() -> None:
    radar = SimulatedRadar(SimulatedRadarSpec.of(_radar(), FRAME), NOBODY)
    radar.step(0.0, epoch=T0)
    out = [d for d in radar.step(100.0, epoch=T0) if d[0] == 21]
    records = [r for d in out for r in decode_strict(d)]
    assert len(records) == 2 * MAX_ADSB_CATCH_UP
    t0 = T0.timestamp() % 86_400.0
    assert records[0].time_of_day_s == pytest.approx(t0 + 100.0 - MAX_ADSB_CATCH_UP + 1, abs=0.01)


def test_aircraft_beyond_adsb_range_are_not_reported() -> None:
    spec = SimulatedRadarSpec.of(_radar(), FRAME)
    far = SimulatedRadarSpec(
        sensor_id=spec.sensor_id,
        sac=SAC,
        sic=SIC,
        geometry=spec.geometry,
        aircraft=spec.aircraft,
        frame=FRAME,
        adsb_range_m=5_000.0,
    )
    # at 1 s the airliner is ~10 km west of the radar, the light aircraft ~10 km south-east
    assert _reports(SimulatedRadar(far, NOBODY), 1.0) == []


def test_simulated_aircraft_need_the_frame() -> None:
    spec = SimulatedRadarSpec.of(_radar(), FRAME)
    with pytest.raises(ValueError, match="simulated aircraft need the site's frame"):
        SimulatedRadarSpec(
            sensor_id="radar-1",
            sac=SAC,
            sic=SIC,
            geometry=RadarGeometry(0.0, 0.0),
            aircraft=spec.aircraft,
        )


def test_the_simulated_aircraft_reach_the_map_through_the_radar_service() -> None:
    """What the simulated radar sends, through the node's radar service, as aircraft."""
    clock = ManualClock()
    seen: list[AircraftState] = []
    service = AsterixRadarService(
        [_radar()],
        FRAME,
        clock=clock,
        on_scan=lambda _scan: None,
        on_status=lambda _status: None,
        on_aircraft=seen.append,
    )
    radar = SimulatedRadar(SimulatedRadarSpec.of(_radar(), FRAME), NOBODY)
    radar.step(0.0, epoch=T0)
    for second in range(1, 4):
        clock.advance(1.0)
        for datagram in radar.step(float(second), epoch=T0):
            service.intakes["radar-1"].receive(datagram)
    assert [s.callsign for s in seen] == ["KRD101", "KRD202"] * 3
    assert [s.flight_level for s in seen[:2]] == [350.0, 45.0]
    assert all(s.ground_speed_mps is not None and s.track_deg is not None for s in seen)
    assert [s.emitter_category for s in seen[:2]] == [5, 1]
