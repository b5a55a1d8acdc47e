"""Site tracker benchmark: ours against Stone Soup's GNN tracker, and ours under load.

One simulated multi-camera scenario (``kordon.sim.world``: crossings, a pair walking
together, a group splitting, two overlapping cameras with clutter and out-of-order
delivery) goes through both trackers with the same constant-velocity Kalman model (same
acceleration noise, same gate, 3 updates to confirm, same coasting). Both are scored with
our OSPA and GOSPA at the same times, extrapolating each confirmed track linearly to them.
Stone Soup gets the observations already sorted by time (it cannot re-order); ours gets
them in arrival order and re-orders them itself. Speed counts tracker calls only, in CPU
time of the calling thread (``time.thread_time``), so a busy shared machine slows the
figures less than wall time would; the run is single-threaded (one core).

Then ours alone on a dense site (hundreds of people, a grid of cameras) for throughput
with many live tracks. Stone Soup is optional (``pip install .[bench]``): without it those
rows are skipped with the reason printed.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.common import BenchRow, main_for
from kordon.domain.site_tracks import SiteTracks
from kordon.fusion.config import FusionConfig
from kordon.fusion.metrics import gospa, ospa
from kordon.fusion.sensors import SensorRegistry, SensorSpec
from kordon.fusion.tracker import SiteTracker
from kordon.sim.world import (
    SimulatedObservations,
    WorldScenario,
    crossing_and_groups,
    dense_site,
    simulate,
)

F64 = npt.NDArray[np.float64]
BENCH = "fusion"
CUTOFF_M = 5.0
EVAL_EVERY_S = 0.5
PERIOD_S = 0.05
ACCEL_NOISE = 0.7
GATE2 = 13.8


class Scores:
    """OSPA (p = 1) and GOSPA (p = 2) at each evaluation time against the visible truth."""

    def __init__(self, scenario: WorldScenario) -> None:
        self.scenario = scenario
        self.ospa: list[float] = []
        self.gospa: list[float] = []

    def add(self, eval_s: float, estimates: F64) -> None:
        _, truth = self.scenario.visible_truth_at(eval_s - self.scenario.start_s)
        self.ospa.append(ospa(truth, estimates, cutoff_m=CUTOFF_M, order=1.0))
        self.gospa.append(gospa(truth, estimates, cutoff_m=CUTOFF_M, order=2.0).distance)


def _extrapolate(tracks: SiteTracks, eval_s: float) -> F64:
    keep = tracks.confirmed
    return np.asarray(
        tracks.east_north_m[keep] + tracks.velocity_mps[keep] * (eval_s - tracks.time_s)
    )


def run_ours(
    scenario: WorldScenario, sim: SimulatedObservations, config: FusionConfig
) -> tuple[float, Scores, float]:
    """(tracker seconds, scores, mean confirmed tracks) for our tracker in arrival order."""
    registry = SensorRegistry(SensorSpec(c.sensor_id) for c in scenario.cameras)
    trk = SiteTracker(config, registry)
    scores = Scores(scenario)
    obs, arrival = sim.observations, sim.arrival_s
    n = len(obs)
    now = float(arrival[0])
    next_eval = float(np.ceil(obs.time_s.min() / EVAL_EVERY_S) * EVAL_EVERY_S)
    end_eval = float(obs.time_s.max())
    i = 0
    spent = 0.0
    live: list[int] = []
    while i < n or trk.pending:
        j = int(np.searchsorted(arrival, now, side="right"))
        t0 = time.thread_time()
        if j > i:
            trk.ingest(obs[i:j], now)
            i = j
        step = trk.advance(now)
        spent += time.thread_time() - t0
        while next_eval <= min(step.tracks.time_s, end_eval):
            scores.add(next_eval, _extrapolate(step.tracks, next_eval))
            live.append(int(step.tracks.confirmed.sum()))
            next_eval += EVAL_EVERY_S
        now += PERIOD_S
    return spent, scores, float(np.mean(live)) if live else 0.0


def run_stonesoup(scenario: WorldScenario, sim: SimulatedObservations) -> tuple[float, Scores]:
    """(tracker seconds, scores) for Stone Soup's GNN tracker on time-sorted scans."""
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    q = ACCEL_NOISE**2
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(q), ConstantVelocity(q)])
    default_model = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.eye(2))
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(default_model)

    def gnn() -> Any:
        return GNNWith2DAssignment(
            DistanceHypothesiser(
                predictor, updater, Mahalanobis(), missed_distance=math.sqrt(GATE2)
            )
        )

    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(np.zeros((4, 1)), np.diag([0.0, 4.0, 0.0, 4.0])),
        measurement_model=None,
        deleter=UpdateTimeDeleter(timedelta(seconds=1.0)),
        data_associator=gnn(),
        updater=updater,
        min_points=3,
    )
    obs = sim.observations
    order = np.lexsort((obs.sensor_id, obs.time_s))
    t_sorted = obs.time_s[order]
    s_sorted = obs.sensor_id[order]
    change = np.flatnonzero((np.diff(t_sorted) != 0) | (s_sorted[1:] != s_sorted[:-1])) + 1
    bounds = [0, *change.tolist(), order.size]
    scans: list[tuple[datetime, set[Any]]] = []
    for lo, hi in itertools.pairwise(bounds):
        stamp = datetime.fromtimestamp(float(t_sorted[lo]), UTC)
        dets = set()
        for r in order[lo:hi].tolist():
            model = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=obs.cov_m2[r])
            xy = obs.east_north_m[r]
            dets.add(Detection(np.array([[xy[0]], [xy[1]]]), stamp, measurement_model=model))
        scans.append((stamp, dets))
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeDeleter(timedelta(seconds=4.0)),
        detector=scans,
        data_associator=gnn(),
        updater=updater,
    )
    steps = iter(tracker)
    scores = Scores(scenario)
    next_eval = float(np.ceil(t_sorted[0] / EVAL_EVERY_S) * EVAL_EVERY_S)
    spent = 0.0
    for k in range(len(scans)):
        scan_s = float(t_sorted[bounds[k]])
        while next_eval < scan_s:
            estimates = []
            for track in tracker.tracks:
                state = track.state
                dt = next_eval - state.timestamp.timestamp()
                sv = np.asarray(state.state_vector, np.float64).reshape(-1)
                estimates.append((sv[0] + sv[1] * dt, sv[2] + sv[3] * dt))
            scores.add(next_eval, np.asarray(estimates, np.float64).reshape(-1, 2))
            next_eval += EVAL_EVERY_S
        t0 = time.thread_time()
        next(steps)
        spent += time.thread_time() - t0
    return spent, scores


def comparison_rows(duration_s: float = 20.0, seed: int = 1) -> list[BenchRow]:
    scenario = crossing_and_groups(duration_s=duration_s)
    sim = simulate(scenario, seed=seed)
    n = len(sim.observations)
    note = f"crossing_and_groups {duration_s:.0f} s, {n} observations, 2 cameras, seed {seed}"
    base = FusionConfig(acceleration_noise_mps2=ACCEL_NOISE, gate_mahalanobis2=GATE2)
    rows: list[BenchRow] = []
    plain_s, plain, _ = run_ours(scenario, sim, base.model_copy(update={"local_id_bonus": 0.0}))
    ours_s, ours, _ = run_ours(scenario, sim, base)
    for label, spent, sc in (
        ("ours, positions only", plain_s, plain),
        ("ours, with camera local ids", ours_s, ours),
    ):
        rows += [
            BenchRow(BENCH, f"{label}: speed", n / spent, "obs/s", note),
            BenchRow(BENCH, f"{label}: mean OSPA (c=5 m, p=1)", float(np.mean(sc.ospa)), "m"),
            BenchRow(BENCH, f"{label}: mean GOSPA (c=5 m, p=2)", float(np.mean(sc.gospa)), "m"),
        ]
    try:
        import stonesoup
    except ImportError as exc:
        print(f"bench_fusion: Stone Soup skipped: {exc} (pip install '.[bench]')", file=sys.stderr)
        rows.append(BenchRow(BENCH, "Stone Soup GNN", 0.0, "skipped", "stonesoup not installed"))
        return rows
    ss_s, ss = run_stonesoup(scenario, sim)
    ss_note = f"Stone Soup {stonesoup.__version__} MultiTargetTracker + GNNWith2DAssignment"
    rows += [
        BenchRow(BENCH, "Stone Soup GNN: speed", n / ss_s, "obs/s", ss_note),
        BenchRow(BENCH, "Stone Soup GNN: mean OSPA (c=5 m, p=1)", float(np.mean(ss.ospa)), "m"),
        BenchRow(BENCH, "Stone Soup GNN: mean GOSPA (c=5 m, p=2)", float(np.mean(ss.gospa)), "m"),
        BenchRow(BENCH, "speed-up, ours (positions only) / Stone Soup", ss_s / plain_s, "x"),
    ]
    return rows


def load_rows(n_actors: int = 700, duration_s: float = 6.0) -> list[BenchRow]:
    scenario = dense_site(n_actors, grid=6, duration_s=duration_s)
    sim = simulate(scenario, seed=0)
    n = len(sim.observations)
    spent, _, live = run_ours(scenario, sim, FusionConfig())
    note = (
        f"dense_site: {n_actors} people, 36 cameras at 10 Hz, {n} observations, "
        f"{live:.0f} confirmed tracks on average, one core"
    )
    return [
        BenchRow(BENCH, "ours under load: speed", n / spent, "obs/s", note),
        BenchRow(BENCH, "ours under load: live confirmed tracks", live, "tracks", note),
    ]


def bench_rows() -> list[BenchRow]:
    return comparison_rows() + load_rows()


if __name__ == "__main__":
    main_for(bench_rows)
