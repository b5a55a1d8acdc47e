"""The world-space scenario generator: exact truth, honest covariances, delivery order."""

from __future__ import annotations

import numpy as np
import pytest

from kordon.sim.errors import SimulationError
from kordon.sim.world import WorldCamera, crossing_and_groups, handover_walks, simulate


def test_simulation_is_deterministic_and_sorted_by_arrival() -> None:
    scen = crossing_and_groups(duration_s=10.0)
    a, b = simulate(scen, seed=3), simulate(scen, seed=3)
    np.testing.assert_array_equal(a.observations.east_north_m, b.observations.east_north_m)
    assert np.all(np.diff(a.arrival_s) >= 0)
    assert np.all(a.arrival_s >= a.observations.time_s)
    # Frames of different cameras arrive out of time order.
    assert np.any(np.diff(a.observations.time_s) < 0)


def test_truth_is_exact_and_noise_matches_the_reported_covariance() -> None:
    scen = handover_walks(n_walkers=4, n_cameras=2, duration_s=40.0)
    sim = simulate(scen, seed=5)
    real = sim.truth_id >= 0
    t = sim.observations.time_s[real] - scen.start_s
    ids = sim.truth_id[real]
    for actor in scen.actors:
        rows = ids == actor.actor_id
        xy, alive = actor.positions(t[rows])
        assert alive.all()
        # Exact up to the float64 rounding of POSIX times (sub-microsecond).
        np.testing.assert_allclose(sim.truth_xy[real][rows], xy, rtol=0, atol=1e-5)
    err = sim.observations.east_north_m[real] - sim.truth_xy[real]
    inv = np.linalg.inv(sim.observations.cov_m2[real])
    nees = np.einsum("ni,nij,nj->n", err, inv, err)
    assert nees.mean() == pytest.approx(2.0, rel=0.1)  # χ² with 2 degrees of freedom


def test_cameras_overlap_and_give_new_local_ids_on_reentry() -> None:
    cams = handover_walks(n_cameras=2).cameras
    point = np.array([[25.0, 40.0]])  # between the two cameras, deep in the corridor
    assert cams[0].sees(point)[0]
    assert cams[1].sees(point)[0]
    assert not cams[0].sees(np.array([[0.0, -5.0]]))[0]  # behind the camera
    sim = simulate(handover_walks(n_walkers=2, n_cameras=2, duration_s=60.0), seed=1)
    for sensor in ("cam-1", "cam-2"):
        rows = (sim.observations.sensor_id == sensor) & (sim.truth_id >= 0)
        pairs = set(
            zip(sim.truth_id[rows].tolist(), sim.observations.local_id[rows].tolist(), strict=True)
        )
        assert len({lid for _, lid in pairs}) == len(pairs)  # one object per local id


def test_camera_parameters_are_checked() -> None:
    with pytest.raises(SimulationError, match="rate_hz"):
        WorldCamera("c", 0.0, 0.0, 0.0, rate_hz=0.0)
