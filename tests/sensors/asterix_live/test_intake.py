"""``RadarIntake``: datagrams in; observations, health and counters out; never a crash."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.domain.status import DeviceState
from kordon.sensors.asterix.encoder import (
    NORTH_MARKER,
    SECTOR_CROSSING,
    Plot,
    ServiceMessage,
    data_block,
    plots_block,
    service_block,
)
from kordon.sensors.asterix.geometry import RadarGeometry
from tests.fuzz.mutate import FUZZ
from tests.sensors.asterix_live.support import (
    FRAME,
    SAC,
    SENSOR,
    SIC,
    T0,
    ManualClock,
    build_intake,
    cat062_track,
    tod,
)
from tests.sensors.builders import block
from tests.sensors.test_asterix_spec import CAT021_REPORT

GEOMETRY = RadarGeometry(100.0, -50.0, 0.0, 0.0, 10.0, 0.5)


def _plot(
    moment: datetime = T0, *, range_m: float = 1_000.0, az: float = 90.0, **kw: object
) -> Plot:
    return Plot(
        int(kw.get("sac", SAC)),  # type: ignore[call-overload]
        int(kw.get("sic", SIC)),  # type: ignore[call-overload]
        tod(moment),
        range_m,
        az,
        simulated=bool(kw.get("simulated", False)),
        track_number=kw.get("track_number"),  # type: ignore[arg-type]
    )


def test_a_plot_becomes_an_observation_where_the_radar_sees_it() -> None:
    clock = ManualClock(T0 + timedelta(seconds=0.3))
    intake, got = build_intake(clock, geometry=GEOMETRY)
    scan = intake.receive(plots_block([_plot(range_m=1_000.0, az=90.0, track_number=42)]))
    assert scan is not None
    assert got.scans == [scan]
    obs = scan.observations
    assert len(obs) == 1
    rho = obs.east_north_m[0] - (100.0, -50.0)
    assert float(np.hypot(*rho)) == pytest.approx(1_000.0, abs=NM_STEP)
    assert obs.east_north_m[0, 1] == pytest.approx(-50.0, abs=1e-6)  # due east
    assert obs.time_s[0] == pytest.approx(T0.timestamp(), abs=1 / 128)
    assert scan.time_s == obs.time_s[0]
    assert (str(obs.sensor_id[0]), str(obs.local_id[0]), str(obs.class_name[0])) == (
        SENSOR,
        "42",
        "unknown",
    )
    assert obs.confidence[0] == 0.6
    # east of the radar: range error east-west, azimuth error north-south
    assert obs.cov_m2[0, 0, 0] == pytest.approx(100.0)
    across_m = (obs.east_north_m[0, 0] - 100.0) * math.radians(0.5)
    assert obs.cov_m2[0, 1, 1] == pytest.approx(across_m**2)
    assert intake.counters.observations == 1


NM_STEP = 1852.0 / 256


def test_records_of_another_sac_sic_are_ignored_and_counted() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock)
    data = plots_block([_plot(sac=SAC, sic=SIC + 1), _plot(sac=SAC + 1, sic=SIC), _plot()])
    intake.receive(data)
    assert got.rows == 1
    assert intake.counters.foreign == 2
    only_foreign = plots_block([_plot(sic=99)])
    assert intake.receive(only_foreign) is None
    assert intake.counters.foreign == 3
    assert intake.status().state is DeviceState.ONLINE  # heard from its own records


def test_a_feed_of_only_foreign_records_does_not_make_the_radar_heard() -> None:
    clock = ManualClock()
    intake, _got = build_intake(clock)
    intake.receive(plots_block([_plot(sic=99)]))
    assert intake.status().state is DeviceState.STARTING


def test_test_targets_are_ignored_and_counted() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock)
    intake.receive(plots_block([_plot(simulated=True), _plot()]))
    assert got.rows == 1
    assert intake.counters.test_targets == 1


def test_adsb_reports_are_cooperative_aircraft_not_observations() -> None:
    clock = ManualClock(datetime(2026, 5, 4, 0, 0, 12, tzinfo=UTC))
    intake, got = build_intake(clock)
    record = bytearray(CAT021_REPORT)
    record[1 + 6 : 1 + 8] = bytes([SAC, SIC])  # after the 7-octet FSPEC
    intake.receive(block(21, bytes(record)))
    assert got.rows == 0
    assert intake.counters.aircraft_reports == 1
    [aircraft] = intake.aircraft.current(clock().timestamp())
    assert (aircraft.key, aircraft.callsign, aircraft.sensor_id) == ("4BAACD", "THY9TX", SENSOR)
    assert aircraft.time_s == pytest.approx(clock().timestamp() - 1.0)  # I021/073: 11 s
    assert intake.aircraft.current(clock().timestamp() + 120.0) == []


def test_cat062_tracks_carry_their_own_covariance_or_the_radars() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock, geometry=GEOMETRY)
    lon, lat = FRAME.to_wgs84(2_000.0, 3_000.0)
    own = cat062_track(
        time_of_day_s=tod(T0),
        lat=float(lat),
        lon=float(lon),
        track_number=17,
        apc_m=(6.0, 8.0),
        cov_component_m=-4.0,
    )
    plain = cat062_track(time_of_day_s=tod(T0), lat=float(lat), lon=float(lon), track_number=18)
    intake.receive(block(62, own, plain))
    [scan] = got.scans
    obs = scan.observations
    assert obs.local_id.tolist() == ["T17", "T18"]
    assert obs.east_north_m[0] == pytest.approx((2_000.0, 3_000.0), abs=1.0)
    assert obs.cov_m2[0] == pytest.approx(np.array([[36.0, -16.0], [-16.0, 64.0]]))
    expected = GEOMETRY.covariance(*GEOMETRY.to_polar(obs.east_north_m[1:]))
    assert obs.cov_m2[1] == pytest.approx(expected[0])


def test_north_markers_measure_the_period_and_keep_a_quiet_radar_online() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock, period_s=4.0)
    for k in range(3):
        now = T0 + timedelta(seconds=4.0 * k)
        clock.now = now + timedelta(seconds=0.05)
        intake.receive(service_block([ServiceMessage(SAC, SIC, tod(now), NORTH_MARKER)]))
        clock.advance(2.0)
        intake.tick()
    assert got.rows == 0
    assert [s.state for s in got.statuses] == [DeviceState.ONLINE]
    status = intake.status()
    assert status.state is DeviceState.ONLINE
    assert status.metrics["rotation_period_s"] == pytest.approx(4.0, abs=0.01)
    assert status.metrics["north_markers"] == 3
    assert len(got.scans) == 3  # empty scans: the radar's time moves on
    assert got.scans[-1].time_s == pytest.approx((T0 + timedelta(seconds=8)).timestamp(), abs=0.01)


def test_a_wrong_antenna_period_degrades_the_radar() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock, period_s=4.0)
    intake.receive(
        service_block([ServiceMessage(SAC, SIC, tod(T0), NORTH_MARKER, antenna_period_s=6.0)])
    )
    [status] = got.statuses
    assert status.state is DeviceState.DEGRADED
    assert "antenna period 6.00 s, expected 4 s" in status.detail


def test_silence_past_three_periods_is_offline_and_data_brings_it_back() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock, period_s=2.0)
    intake.receive(plots_block([_plot()]))
    clock.advance(6.0)
    intake.tick()
    assert [s.state for s in got.statuses] == [DeviceState.ONLINE]
    clock.advance(0.1)
    intake.tick()
    assert got.statuses[-1].state is DeviceState.OFFLINE
    assert "no data for more than 6 s" in got.statuses[-1].detail
    clock.advance(30.0)
    intake.tick()
    assert len(got.statuses) == 2  # reported once
    intake.receive(plots_block([_plot(clock.now)]))
    assert [s.state for s in got.statuses[2:]] == [DeviceState.ONLINE]


def test_a_radar_never_heard_goes_offline_too() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock, period_s=4.0)
    clock.advance(12.5)
    intake.tick()
    assert [s.state for s in got.statuses] == [DeviceState.OFFLINE]


def test_a_flood_of_plots_is_cut_counted_and_reported_once() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock, rate_hz=10.0, burst=20)
    for _ in range(5):
        intake.receive(plots_block([_plot()] * 10))
    assert got.rows == 20
    assert intake.counters.dropped == 30
    degraded = [s for s in got.statuses if s.state is DeviceState.DEGRADED]
    assert len(degraded) == 1
    assert "flooding" in degraded[0].detail
    assert degraded[0].metrics["dropped"] == 10  # the datagram that started it
    clock.advance(3.0)
    intake.tick()
    assert got.statuses[-1].state is DeviceState.ONLINE
    assert got.statuses[-1].metrics["dropped"] == 30


def test_malformed_data_is_counted_and_degrades_for_a_while_rate_limited() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock)
    intake.receive(plots_block([_plot()]))
    good = plots_block([_plot()])
    truncated = good[:-3]
    lying = good[:1] + (len(good) + 40).to_bytes(2, "big") + good[3:]
    wrong_category = data_block(1, [b"\x80\x01\x02"])
    for data in (truncated, lying, wrong_category, b"\x30\x00"):
        assert intake.receive(data) is None
    counters = intake.counters
    assert counters.errors == {
        "truncated_block": 3,
        "unsupported_category": 1,
    }
    states = [(s.state, s.detail) for s in got.statuses]
    assert states[0][0] is DeviceState.ONLINE
    assert states[1][0] is DeviceState.DEGRADED
    assert states[1][1] == "malformed data in the last 60 s (truncated_block)"
    assert len(states) == 2  # the second kind waits for the rate limit
    clock.advance(5.0)
    intake.tick()
    assert got.statuses[-1].detail == (
        "malformed data in the last 60 s (truncated_block, unsupported_category)"
    )
    clock.advance(56.0)
    intake.receive(plots_block([_plot(clock.now)]))
    intake.tick()
    assert got.statuses[-1].state is DeviceState.ONLINE


def test_a_plot_stamped_just_before_midnight_keeps_its_day() -> None:
    midnight = datetime(2026, 5, 5, tzinfo=UTC)
    clock = ManualClock(midnight + timedelta(seconds=0.4))
    intake, _got = build_intake(clock)
    before = midnight - timedelta(seconds=0.25)
    scan = intake.receive(plots_block([_plot(before)]))
    assert scan is not None
    assert scan.observations.time_s[0] == pytest.approx(before.timestamp(), abs=1 / 128)


def test_a_plot_without_a_position_is_unusable() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock)
    record = bytes([0xC0, SAC, SIC]) + round(tod(T0) * 128).to_bytes(3, "big")  # 010 140
    intake.receive(block(48, record))
    assert got.rows == 0
    assert intake.counters.unusable == 1


SEEDS = [
    plots_block([_plot(), _plot(track_number=5)]),
    service_block([ServiceMessage(SAC, SIC, 10.0, SECTOR_CROSSING, sector_deg=45.0)]),
    block(62, cat062_track(time_of_day_s=5.0, lat=51.6, lon=23.7, track_number=3, apc_m=(1, 2))),
]


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6),
    st.integers(0, 200),
    st.binary(max_size=40),
)
def test_mutated_datagrams_never_raise(
    seed: bytes, flips: list[tuple[int, int]], cut: int, tail: bytes
) -> None:
    data = bytearray(seed)
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    clock = ManualClock()
    intake, got = build_intake(clock, rate_hz=5.0, burst=5)
    intake.receive(bytes(data[: max(cut, 1)]) + tail)
    intake.receive(bytes(data))
    intake.tick()
    counters = intake.counters
    assert counters.datagrams == 2
    assert counters.observations == got.rows
    for scan in got.scans:
        assert np.isfinite(scan.observations.time_s).all()
        assert np.isfinite(scan.observations.east_north_m).all()


@FUZZ
@given(st.binary(max_size=300))
def test_random_datagrams_never_raise(data: bytes) -> None:
    intake, got = build_intake(ManualClock())
    intake.receive(data)
    assert intake.counters.datagrams == 1
    assert got.rows == intake.counters.observations
