"""Radar observations pass the site tracker's screening and make one track of a walker
(the contract with fusion: times, covariance and local ids the tracker accepts).

A radar updates a track once per antenna turn (2 s here): the tracker's coasting limits
must outlast that, which its defaults (tentative tracks deleted after 1 s) do not.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from kordon.fusion.config import FusionConfig
from kordon.fusion.health import RejectReason
from kordon.fusion.sensors import SensorKind, SensorRegistry, SensorSpec
from kordon.fusion.tracker import SiteTracker
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.ugs.simulated import world_positions
from kordon.sim.radar import SimulatedRadar, SimulatedRadarSpec
from kordon.sim.trajectory import Trajectory, Waypoint
from kordon.sim.world import Actor, WorldScenario
from tests.sensors.asterix_live.support import SAC, SENSOR, SIC, T0, ManualClock, build_intake

GEOMETRY = RadarGeometry(-500.0, -1_500.0, 0.0, 10.0, 10.0, 0.3)


def test_a_walker_seen_by_the_simulated_radar_becomes_one_confirmed_track() -> None:
    walk = Trajectory([Waypoint(-100.0, 0.0, 1.5), Waypoint(100.0, 0.0, 1.5)])
    world = WorldScenario(cameras=(), actors=(Actor(0, walk, "person"),), duration_s=130.0)
    positions = world_positions(world)
    radar = SimulatedRadar(
        SimulatedRadarSpec(SENSOR, SAC, SIC, GEOMETRY, rotation_period_s=2.0, seed=4),
        positions,
    )
    clock = ManualClock()
    intake, got = build_intake(clock, geometry=GEOMETRY, period_s=2.0, max_delay_s=1.0)
    tracker = SiteTracker(
        FusionConfig(reorder_lag_s=2.0, tentative_max_coast_s=5.0, confirmed_max_coast_s=10.0),
        SensorRegistry([SensorSpec(SENSOR, SensorKind.RADAR, max_rate_hz=50.0, burst=100)]),
    )
    reasons: list[int] = []
    for t in np.arange(0.0, 120.0, 0.25):
        clock.now = T0 + timedelta(seconds=float(t) + 0.1)  # 100 ms on the wire
        now_s = clock.now.timestamp()
        for datagram in radar.step(float(t), epoch=T0):
            scan = intake.receive(datagram)
            if scan is not None and len(scan.observations):
                reasons += tracker.ingest(scan.observations, now_s).reason.tolist()
        tracker.advance(now_s)
    assert len(reasons) > 40
    assert set(reasons) == {RejectReason.ACCEPTED}
    end_s = (T0 + timedelta(seconds=118.0)).timestamp()
    tracks = tracker.snapshot(end_s)
    confirmed = np.flatnonzero(tracks.confirmed)
    assert confirmed.shape[0] == 1
    truth, _ = positions(118.0)
    miss = tracks.east_north_m[confirmed[0]] - truth[0]
    assert float(np.hypot(*miss)) < 25.0
    assert tracks.sensor_ids[confirmed[0]] == (SENSOR,)
    assert len(got.scans) > 0
