"""Site tracker benchmark: ours against Stone Soup's GNN tracker, and ours under load.

One simulated multi-camera scenario (``kordon.sim.world``: crossings, a pair walking
together, a group splitting, two overlapping cameras with clutter and out-of-order
delivery), over several seeds, goes through both trackers with the same constant-velocity
Kalman model (same acceleration noise, same Mahalanobis gate, same velocity prior, 3
updates to confirm, tentative tracks dropped after 1 s and confirmed ones after 4 s
without an update). Both assign observations to confirmed tracks first and only then to
tentative ones (Stone Soup's initiator sees what its tracks left). Both are scored with
our OSPA and GOSPA at the same times against the objects then in some camera's view,
from the confirmed tracks as they stand at that time: Stone Soup's after every scan
before it, ours advanced to exactly that time (so neither uses a later measurement),
each track's mean extrapolated linearly to the time.

Differences, all stated: Stone Soup gets the observations already sorted by time (it
cannot re-order); ours gets them in arrival order and re-orders them itself. Stone Soup's
GNN cost is the Mahalanobis distance, ours the negative log-likelihood ``d² + ln det S``
(same gate). Ours confirms 3 hits among a track's last 5 scans, Stone Soup after 3 hits
without a window; ours also drops a track whose position σ passes 30 m (not reached
within the 4 s coast here). "positions only" is the like-for-like row; "with camera
local ids" also uses each camera's own track ids (in the same input, Stone Soup has no
use for them) as a tie-breaker, the way the node runs. Mean OSPA/GOSPA are over every
evaluation time of every seed; the rows "seeds where ours ≤ Stone Soup" count per-seed
wins.

Speed counts tracker calls only, in CPU time of the calling thread
(``time.thread_time``), so a busy shared machine slows the figures less than wall time
would; the run is single-threaded (one core).

Identity: track purity and site track id continuity across camera handover
(``kordon.fusion.metrics.identity_scores``) on people walking through two overlapping
cameras (``handover_walks``), and purity on the comparison scenario.

Then ours alone on a dense site (hundreds of people, a grid of cameras) for throughput
with many live tracks. Stone Soup is optional (``pip install .[bench]``): without it those
rows are skipped with the reason printed.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.common import BenchRow, main_for
from kordon.domain.site_tracks import SiteTracks
from kordon.fusion.config import FusionConfig
from kordon.fusion.metrics import IdentityScores, gospa, identity_scores, ospa
from kordon.fusion.sensors import SensorRegistry, SensorSpec
from kordon.fusion.tracker import SiteTracker
from kordon.sim.world import (
    SimulatedObservations,
    WorldScenario,
    crossing_and_groups,
    dense_site,
    handover_walks,
    simulate,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BENCH = "fusion"
CUTOFF_M = 5.0
EVAL_EVERY_S = 0.5
PERIOD_S = 0.05
ACCEL_NOISE = 0.7
GATE2 = 13.8
SEEDS = (1, 2, 3, 4, 5, 6, 7, 8)


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


@dataclass(frozen=True, slots=True)
class OursRun:
    """Tracker CPU seconds, scores, mean confirmed tracks at the evaluation times, and
    the site track id given to each simulated observation (-1: none)."""

    spent_s: float
    scores: Scores
    mean_live: float
    site_track_id: I64


def run_ours(scenario: WorldScenario, sim: SimulatedObservations, config: FusionConfig) -> OursRun:
    """Our tracker fed in arrival order, advanced every ``PERIOD_S`` and to each
    evaluation time."""
    registry = SensorRegistry(SensorSpec(c.sensor_id) for c in scenario.cameras)
    trk = SiteTracker(config, registry)
    scores = Scores(scenario)
    obs, arrival = sim.observations, sim.arrival_s
    n = len(obs)
    seq_of_row = np.full(n, -1, np.int64)
    seqs: list[I64] = []
    ids: list[I64] = []
    now = float(arrival[0])
    next_eval = float(np.ceil(obs.time_s.min() / EVAL_EVERY_S) * EVAL_EVERY_S)
    end_eval = float(obs.time_s.max())
    i = 0
    spent = 0.0
    live: list[int] = []
    lag = config.reorder_lag_s
    while i < n or trk.pending:
        j = int(np.searchsorted(arrival, now, side="right"))
        if j > i:
            batch = obs[i:j]  # what arrived: the input, not tracker work
            t0 = time.thread_time()
            report = trk.ingest(batch, now)
            spent += time.thread_time() - t0
            seq_of_row[i:j] = report.seq
            i = j
        while next_eval <= end_eval and next_eval + lag <= now:
            # Advance exactly to the evaluation time: the tracks then hold what was
            # measured up to it and nothing later (as Stone Soup's are scored).
            t0 = time.thread_time()
            step = trk.advance(next_eval + lag)
            spent += time.thread_time() - t0
            seqs.append(step.assignments.seq)
            ids.append(step.assignments.site_track_id)
            scores.add(next_eval, _extrapolate(step.tracks, next_eval))
            live.append(int(step.tracks.confirmed.sum()))
            next_eval += EVAL_EVERY_S
        t0 = time.thread_time()
        step = trk.advance(now)
        spent += time.thread_time() - t0
        seqs.append(step.assignments.seq)
        ids.append(step.assignments.site_track_id)
        now += PERIOD_S
    lookup = np.full(max(int(seq_of_row.max()) + 1, 1), -1, np.int64)
    lookup[np.concatenate(seqs)] = np.concatenate(ids)
    site = np.where(seq_of_row >= 0, lookup[np.maximum(seq_of_row, 0)], -1)
    return OursRun(spent, scores, float(np.mean(live)) if live else 0.0, site)


def _identity(sim: SimulatedObservations, site_track_id: I64) -> IdentityScores:
    return identity_scores(
        truth_id=sim.truth_id,
        sensor_id=sim.observations.sensor_id,
        time_s=sim.observations.time_s,
        site_track_id=site_track_id,
    )


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


def _pooled(scores: list[Scores]) -> tuple[float, float]:
    """Mean OSPA and mean GOSPA over every evaluation time of every run."""
    return (
        float(np.mean([v for sc in scores for v in sc.ospa])),
        float(np.mean([v for sc in scores for v in sc.gospa])),
    )


def comparison_rows(duration_s: float = 20.0, seeds: tuple[int, ...] = SEEDS) -> list[BenchRow]:
    scenario = crossing_and_groups(duration_s=duration_s)
    sims = [simulate(scenario, seed=seed) for seed in seeds]
    n = sum(len(sim.observations) for sim in sims)
    note = (
        f"crossing_and_groups {duration_s:.0f} s x {len(seeds)} seeds {seeds[0]}..{seeds[-1]}, "
        f"{n} observations, 2 cameras"
    )
    base = FusionConfig(acceleration_noise_mps2=ACCEL_NOISE, gate_mahalanobis2=GATE2)
    variants = {
        "ours, positions only": base.model_copy(update={"local_id_bonus": 0.0}),
        "ours, with camera local ids": base,
    }
    runs = {
        label: [run_ours(scenario, sim, config) for sim in sims]
        for label, config in variants.items()
    }
    rows: list[BenchRow] = []
    for label, done in runs.items():
        mean_ospa, mean_gospa = _pooled([r.scores for r in done])
        purity = float(
            np.mean(
                [_identity(sim, r.site_track_id).purity for sim, r in zip(sims, done, strict=True)]
            )
        )
        rows += [
            BenchRow(BENCH, f"{label}: speed", n / sum(r.spent_s for r in done), "obs/s", note),
            BenchRow(BENCH, f"{label}: mean OSPA (c=5 m, p=1)", mean_ospa, "m"),
            BenchRow(BENCH, f"{label}: mean GOSPA (c=5 m, p=2)", mean_gospa, "m"),
            BenchRow(BENCH, f"{label}: track purity", purity, "share", "mean over seeds"),
        ]
    try:
        import stonesoup
    except ImportError as exc:
        print(f"bench_fusion: Stone Soup skipped: {exc} (pip install '.[bench]')", file=sys.stderr)
        rows.append(BenchRow(BENCH, "Stone Soup GNN", 0.0, "skipped", "stonesoup not installed"))
        return rows
    ss_runs = [run_stonesoup(scenario, sim) for sim in sims]
    ss_s = sum(spent for spent, _ in ss_runs)
    ss_ospa, ss_gospa = _pooled([sc for _, sc in ss_runs])
    ss_note = f"Stone Soup {stonesoup.__version__} MultiTargetTracker + GNNWith2DAssignment"
    rows += [
        BenchRow(BENCH, "Stone Soup GNN: speed", n / ss_s, "obs/s", ss_note),
        BenchRow(BENCH, "Stone Soup GNN: mean OSPA (c=5 m, p=1)", ss_ospa, "m"),
        BenchRow(BENCH, "Stone Soup GNN: mean GOSPA (c=5 m, p=2)", ss_gospa, "m"),
    ]
    for label, done in runs.items():
        diff = [
            float(np.mean(r.scores.ospa)) - float(np.mean(sc.ospa))
            for r, (_, sc) in zip(done, ss_runs, strict=True)
        ]
        rows += [
            BenchRow(
                BENCH,
                f"seeds where {label} OSPA <= Stone Soup's",
                float(sum(d <= 0.0 for d in diff)),
                f"of {len(seeds)}",
            ),
            BenchRow(
                BENCH,
                f"{label}: per-seed OSPA − Stone Soup's, worst seed",
                max(diff),
                "m",
                "per-seed mean OSPA difference; > 0: ours worse on that seed",
            ),
            BenchRow(
                BENCH,
                f"{label}: per-seed OSPA − Stone Soup's, best seed",
                min(diff),
                "m",
                ", ".join(f"{d:+.4f}" for d in diff),
            ),
        ]
    plain_s = sum(r.spent_s for r in runs["ours, positions only"])
    rows.append(
        BenchRow(BENCH, "speed-up, ours (positions only) / Stone Soup", ss_s / plain_s, "x")
    )
    return rows


def handover_rows(seeds: tuple[int, ...] = (1, 2, 3, 4, 5)) -> list[BenchRow]:
    """Identity across handover: people walking through two overlapping cameras."""
    scenario = handover_walks(n_walkers=6, n_cameras=2, duration_s=70.0)
    scores = []
    for seed in seeds:
        sim = simulate(scenario, seed=seed)
        scores.append(_identity(sim, run_ours(scenario, sim, FusionConfig()).site_track_id))
    handovers = sum(s.handovers for s in scores)
    kept = sum(round(s.handover_continuity * s.handovers) for s in scores)
    note = (
        f"handover_walks: 6 people, 2 overlapping cameras, 70 s x {len(seeds)} seeds, "
        f"{handovers} handovers"
    )
    return [
        BenchRow(
            BENCH, "handover id continuity", kept / handovers if handovers else 1.0, "share", note
        ),
        BenchRow(
            BENCH,
            "handover track purity",
            float(np.mean([s.purity for s in scores])),
            "share",
            note,
        ),
        BenchRow(
            BENCH, "handover id switches", float(sum(s.id_switches for s in scores)), "count", note
        ),
    ]


def load_rows(n_actors: int = 700, duration_s: float = 6.0) -> list[BenchRow]:
    scenario = dense_site(n_actors, grid=6, duration_s=duration_s)
    sim = simulate(scenario, seed=0)
    n = len(sim.observations)
    run = run_ours(scenario, sim, FusionConfig())
    spent, live = run.spent_s, run.mean_live
    note = (
        f"dense_site: {n_actors} people, 36 cameras at 10 Hz, {n} observations, "
        f"{live:.0f} confirmed tracks on average, one core"
    )
    return [
        BenchRow(BENCH, "ours under load: speed", n / spent, "obs/s", note),
        BenchRow(BENCH, "ours under load: live confirmed tracks", live, "tracks", note),
    ]


def bench_rows() -> list[BenchRow]:
    return comparison_rows() + handover_rows() + load_rows()


if __name__ == "__main__":
    main_for(bench_rows)
