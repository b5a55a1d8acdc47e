"""A real ADS-B track through the radar intake as CAT021, into aircraft messages and expiry.

No capture in ``../shared/data/tracks/`` holds CAT021 records (they are CAT034/048 and
CAT062), so the real input is the recorded ADS-B track of a border-patrol aircraft over the
Dover Strait (``traffic`` 2.13, 1,465 points, 10 s apart): each point is encoded as the
CAT021 report a ground station would send, and what reaches the map must be that point.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kordon.domain.aircraft import AircraftState, AircraftStatus
from kordon.sensors.asterix.cooperative import CooperativeAircraft
from kordon.sensors.asterix.encoder021 import AdsbReport, adsb_block
from kordon.sensors.asterix.fields import NM_M
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.asterix.health import HealthSettings, RadarHealth
from kordon.sensors.asterix.intake import RadarIntake
from kordon.sensors.asterix.observer import RadarObserver
from kordon.sensors.ugs.flood import RateLimit
from tests.sensors.asterix_live.support import FRAME, ManualClock, tod

TRACK = "tracks/traffic-2.13_surveillance_border_control.json.gz"
SENSOR, SAC, SIC = "adsb-1", 40, 2
KT_MPS = NM_M / 3600.0
SPEED_LSB_MPS = 2.0**-14 * NM_M
MAX_AGE_S = 30.0


@dataclass(frozen=True)
class Point:
    time: datetime
    lat: float
    lon: float
    altitude_ft: float
    groundspeed_kt: float
    track_deg: float
    callsign: str
    icao24: str
    squawk: str


def _points(shared_data: Path) -> list[Point]:
    path = shared_data / TRACK
    if not path.is_file():
        pytest.fail(f"{path} is missing from the shared data", pytrace=False)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = json.load(f)
    return [
        Point(
            datetime.fromtimestamp(r["timestamp"] / 1000.0, UTC),
            r["latitude"],
            r["longitude"],
            r["altitude"],
            r["groundspeed"],
            r["track"],
            r["callsign"],
            r["icao24"].upper(),
            r["squawk"],
        )
        for r in rows
    ]


def _datagram(p: Point) -> bytes:
    return adsb_block(
        [
            AdsbReport(
                SAC,
                SIC,
                tod(p.time),
                p.lat,
                p.lon,
                p.icao24,
                callsign=p.callsign,
                flight_level=p.altitude_ft / 100.0,
                ground_speed_mps=p.groundspeed_kt * KT_MPS,
                track_deg=p.track_deg,
                mode3a=p.squawk,
            )
        ]
    )


def _intake(clock: ManualClock, seen: list[AircraftState]) -> RadarIntake:
    return RadarIntake(
        sac=SAC,
        sic=SIC,
        observer=RadarObserver(SENSOR, RadarGeometry(0.0, 0.0), FRAME, confidence=0.6),
        health=RadarHealth(SENSOR, HealthSettings(4.0), started=clock()),
        rate=RateLimit(1_000.0, 1_000),
        clock=clock,
        on_scan=lambda _scan: None,
        on_status=lambda _status: None,
        aircraft=CooperativeAircraft(),
        on_aircraft=seen.append,
        aircraft_max_age_s=MAX_AGE_S,
    )


def _replay(points: list[Point]) -> list[AircraftState]:
    """Each point 0.3 s after its time, the picture expired every second in between."""
    clock = ManualClock(points[0].time)
    seen: list[AircraftState] = []
    intake = _intake(clock, seen)
    for p in points:
        while clock.now.timestamp() + 1.0 < p.time.timestamp():
            clock.advance(1.0)
            seen.extend(intake.aircraft.expire(clock.now.timestamp()))
        clock.now = p.time
        clock.advance(0.3)
        intake.receive(_datagram(p))
    for _ in range(int(MAX_AGE_S) + 2):
        clock.advance(1.0)
        seen.extend(intake.aircraft.expire(clock.now.timestamp()))
    return seen


def test_every_point_of_the_real_track_reaches_the_map_as_it_was_recorded(
    shared_data: Path,
) -> None:
    points = _points(shared_data)
    assert len(points) == 1_465
    seen = _replay(points)
    current = [s for s in seen if s.status is AircraftStatus.CURRENT]
    assert len(current) == len(points)
    for p, s in zip(points, current, strict=True):
        assert (s.key, s.icao_address, s.callsign, s.mode3a) == (
            "407918",
            "407918",
            "GTEKV",
            p.squawk,
        )
        assert (s.sensor_id, s.sac, s.sic) == (SENSOR, SAC, SIC)
        assert s.time_s == pytest.approx(p.time.timestamp(), abs=1 / 128)
        assert s.lat == pytest.approx(p.lat, abs=180 / 2**30)
        assert s.lon == pytest.approx(p.lon, abs=180 / 2**30)
        assert s.flight_level == pytest.approx(p.altitude_ft / 100.0, abs=0.125)
        assert s.ground_speed_mps == pytest.approx(p.groundspeed_kt * KT_MPS, abs=SPEED_LSB_MPS)
        assert s.track_deg == pytest.approx(p.track_deg % 360.0, abs=360 / 2**16)
    # one expiry, MAX_AGE_S after the last report, and none while it kept reporting
    [gone] = [s for s in seen if s.status is AircraftStatus.EXPIRED]
    assert seen[-1] is gone
    assert gone.time == current[-1].time


def test_a_coverage_gap_longer_than_the_silence_expires_the_aircraft_then_it_returns(
    shared_data: Path,
) -> None:
    points = _points(shared_data)
    gap = points[:600] + points[660:]  # ten minutes without reports
    seen = _replay(gap)
    statuses = [(s.status, s.time) for s in seen]
    expired = [i for i, (status, _t) in enumerate(statuses) if status is AircraftStatus.EXPIRED]
    assert len(expired) == 2
    assert statuses[expired[0]][1] == seen[599].time  # the last report before the gap
    back = seen[expired[0] + 1]  # the first report after the gap
    assert back.status is AircraftStatus.CURRENT
    assert back.time_s == pytest.approx(points[660].time.timestamp(), abs=1 / 128)
    assert expired[1] == len(seen) - 1
