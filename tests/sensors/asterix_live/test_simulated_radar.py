"""The simulated radar: sweeps, plots with noise, north and sector messages, ASTERIX out."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from kordon.config.integrations import AsterixRadar
from kordon.sensors.asterix import Cat034Record, Cat048Record, decode_strict
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.ugs.simulated import cast_positions, world_positions
from kordon.sim import scenario as sim_scenario
from kordon.sim.radar import SimulatedRadar, SimulatedRadarSpec
from kordon.sim.trajectory import Trajectory, Waypoint
from kordon.sim.world import Actor, WorldScenario
from tests.sensors.asterix_live.support import FRAME, SAC, SIC, T0, ManualClock, build_intake

GEOMETRY = RadarGeometry(0.0, 0.0, 0.0, 0.0, 10.0, 0.5)


def _still_world(x: float, y: float, duration_s: float = 10_000.0) -> WorldScenario:
    stay = Trajectory([Waypoint(x, y, pause_s=duration_s)], start_s=0.0)
    return WorldScenario(cameras=(), actors=(Actor(0, stay, "person"),), duration_s=duration_s)


def _spec(**kw: object) -> SimulatedRadarSpec:
    base: dict[str, object] = {
        "sensor_id": "radar-1",
        "sac": SAC,
        "sic": SIC,
        "geometry": GEOMETRY,
        "rotation_period_s": 4.0,
        "detection_probability": 1.0,
    }
    base.update(kw)
    return SimulatedRadarSpec(**base)  # type: ignore[arg-type]


def _sweep(radar: SimulatedRadar, until_s: float, step_s: float) -> list[bytes]:
    out: list[bytes] = []
    for t in np.arange(0.0, until_s + 1e-9, step_s):
        out += radar.step(float(t), epoch=T0)
    return out


def test_one_plot_per_rotation_when_the_beam_passes_and_markers_per_sector() -> None:
    radar = SimulatedRadar(_spec(), world_positions(_still_world(300.0, 400.0)))
    records = [r for d in _sweep(radar, 8.0, 0.1) for r in decode_strict(d)]
    plots = [r for r in records if isinstance(r, Cat048Record)]
    service = [r for r in records if isinstance(r, Cat034Record)]
    az = math.degrees(math.atan2(300.0, 400.0))
    t0 = T0.timestamp() % 86_400.0
    assert [p.time_of_day_s for p in plots] == pytest.approx(
        [t0 + az / 90.0, t0 + 4.0 + az / 90.0], abs=1 / 128
    )
    assert [(p.sac, p.sic, p.target_type, p.simulated) for p in plots] == [(SAC, SIC, 1, False)] * 2
    north = [m for m in service if m.message_type == 1]
    assert [m.time_of_day_s for m in north] == pytest.approx([t0, t0 + 4.0], abs=1 / 128)
    assert {m.antenna_period_s for m in north} == {4.0}
    crossings = [m for m in service if m.message_type == 2]
    assert len(crossings) == 30
    assert [m.sector_deg for m in crossings[:15]] == pytest.approx([22.5 * k for k in range(1, 16)])


def test_plots_scatter_by_the_configured_sigmas() -> None:
    radar = SimulatedRadar(_spec(seed=3), world_positions(_still_world(0.0, 2_000.0)))
    plots = [
        r
        for d in _sweep(radar, 4.0 * 400, 1.0)
        for r in decode_strict(d)
        if isinstance(r, Cat048Record)
    ]
    assert len(plots) == 400
    rng = np.array([p.range_m for p in plots])
    az = np.array([((p.azimuth_deg or 0.0) + 180.0) % 360.0 - 180.0 for p in plots])
    assert rng.mean() == pytest.approx(2_000.0, abs=2.0)
    assert rng.std() == pytest.approx(math.hypot(10.0, 1852 / 256 / math.sqrt(12)), rel=0.15)
    assert az.mean() == pytest.approx(0.0, abs=0.1)
    assert az.std() == pytest.approx(0.5, rel=0.15)


def test_nobody_detected_at_pd_zero_or_beyond_range_but_markers_go_on() -> None:
    for spec in (_spec(detection_probability=0.0), _spec(max_range_m=100.0)):
        radar = SimulatedRadar(spec, world_positions(_still_world(300.0, 400.0)))
        records = [r for d in _sweep(radar, 8.0, 0.5) for r in decode_strict(d)]
        assert records
        assert all(isinstance(r, Cat034Record) for r in records)


def test_the_intake_puts_simulated_plots_on_the_walker() -> None:
    """A walker of the camera simulator's cast, seen by the radar, lands where it walks."""
    cast = sim_scenario.FixedCast(
        (
            sim_scenario.Actor(
                1,
                sim_scenario.ActorClass.PERSON,
                (Waypoint(-300.0, 800.0, 1.5), Waypoint(300.0, 800.0, 1.5)),
            ),
        )
    )
    positions = cast_positions(cast)
    radar = SimulatedRadar(_spec(seed=1), positions)
    clock = ManualClock()
    intake, got = build_intake(clock, geometry=GEOMETRY)
    for t in np.arange(0.0, 200.0, 0.25):
        clock.now = T0 + timedelta(seconds=float(t) + 0.05)
        for datagram in radar.step(float(t), epoch=T0):
            intake.receive(datagram)
    obs = [s.observations for s in got.scans if len(s.observations)]
    assert len(obs) == 49  # once a rotation: the beam first meets it (339°) at 3.8 s
    for o in obs:
        truth, _ = positions(o.time_s[0] - T0.timestamp())
        miss = o.east_north_m[0] - truth[0]
        # within 4 sigma of the plot's own covariance (Mahalanobis)
        assert float(miss @ np.linalg.solve(o.cov_m2[0], miss)) < 16.0 + 4.0
    assert intake.counters.north_markers == 50  # at 0, 4, ..., 196 s
    assert intake.status().metrics["rotation_period_s"] == pytest.approx(4.0)


def test_the_twin_of_a_configured_radar_stands_where_the_config_says() -> None:
    radar = AsterixRadar(
        kind="radar_asterix",
        id="radar-9",
        udp_port=8600,
        sac=9,
        sic=8,
        lat=51.61,
        lon=23.71,
        north_offset_deg=5.0,
        rotation_period_s=2.5,
        range_sigma_m=20.0,
    )
    spec = SimulatedRadarSpec.of(radar, FRAME)
    east, north = FRAME.to_local(23.71, 51.61)
    where = (spec.geometry.east_m, spec.geometry.north_m)
    assert where == pytest.approx((float(east), float(north)))
    assert (spec.sac, spec.sic, spec.rotation_period_s) == (9, 8, 2.5)
    assert spec.geometry.range_sigma_m == 20.0
    assert spec.geometry.rotation_deg == pytest.approx(5.0, abs=0.02)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"rotation_period_s": 0.0}, "rotation_period_s"),
        ({"detection_probability": 1.5}, "detection_probability"),
        ({"sectors": 0}, "sectors"),
    ],
)
def test_a_bad_spec_is_refused(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _spec(**kw)
