"""The site tracker on simulated multi-camera scenarios with exact truth."""

from __future__ import annotations

import numpy as np

from kordon.fusion.config import FusionConfig
from kordon.fusion.identity import identity_scores
from kordon.fusion.metrics import gospa
from kordon.fusion.replay import ReplayResult, replay
from kordon.fusion.sensors import SensorRegistry, SensorSpec
from kordon.fusion.tracker import SiteTracker
from kordon.sim.world import (
    SimulatedObservations,
    WorldScenario,
    crossing_and_groups,
    handover_walks,
    simulate,
)


def run(
    scen: WorldScenario, seed: int, **config: float
) -> tuple[SimulatedObservations, ReplayResult]:
    sim = simulate(scen, seed=seed)
    registry = SensorRegistry(SensorSpec(c.sensor_id) for c in scen.cameras)
    trk = SiteTracker(FusionConfig.model_validate(config), registry)
    return sim, replay(trk, sim.observations, sim.arrival_s, period_s=0.1, sample_every=5)


def test_walks_keep_one_site_track_id_across_camera_handovers() -> None:
    scen = handover_walks(n_walkers=3, n_cameras=2, duration_s=60.0)
    sim, result = run(scen, seed=2)
    assert result.rejected == 0
    scores = identity_scores(
        truth_id=sim.truth_id,
        sensor_id=sim.observations.sensor_id,
        time_s=sim.observations.time_s,
        site_track_id=result.site_track_id,
    )
    assert scores.handovers >= 3
    assert scores.handover_continuity >= 0.99
    assert scores.purity >= 0.99
    # Each walker is one dominant site track.
    for actor in scen.actors:
        rows = sim.truth_id == actor.actor_id
        _, counts = np.unique(result.site_track_id[rows], return_counts=True)
        assert counts.max() / counts.sum() >= 0.98


def test_crossings_and_groups_are_tracked_close_to_the_truth() -> None:
    scen = crossing_and_groups(duration_s=40.0)
    sim, result = run(scen, seed=1)
    scores = identity_scores(
        truth_id=sim.truth_id,
        sensor_id=sim.observations.sensor_id,
        time_s=sim.observations.time_s,
        site_track_id=result.site_track_id,
    )
    assert scores.purity >= 0.97
    distances = []
    for snap in result.snapshots:
        _, truth = scen.visible_truth_at(snap.time_s - scen.start_s)
        distances.append(gospa(truth, snap.east_north_m[snap.confirmed], cutoff_m=5.0).distance)
    # Mostly localisation error (decimetres) plus confirmation delay at entries.
    assert float(np.mean(distances)) < 2.5
