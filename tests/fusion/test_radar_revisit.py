"""Radar-only tracks start and confirm: a scanning sensor's revisit interval in the tracker.

A radar looks at a target once per antenna turn (4 s here) and reports each plot as its
beam passes, stamped with that time. The tracker must (1) keep tentative and confirmed
tracks alive for a turn or two without an update, and (2) count one look per turn for
M of N, not one per plot: every other plot (other targets, clutter) is a scan of the
same sensor at another time. Camera-only tracks keep their limits in seconds.

The end-to-end tests run the simulated radar's CAT048 datagrams, plus random false plots
(clutter) encoded the same way, through the real ASTERIX intake into the site tracker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt
import pytest

from kordon.fusion.config import FusionConfig
from kordon.fusion.deleter import CoastingDeleter
from kordon.fusion.initiator import MOfNInitiator
from kordon.fusion.sensors import SensorKind, SensorRegistry, SensorSpec
from kordon.fusion.tracker import SiteTracker
from kordon.sensors.asterix.encoder import Plot, plots_block
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.ugs.simulated import world_positions
from kordon.sim.radar import SimulatedRadar, SimulatedRadarSpec
from kordon.sim.trajectory import Trajectory, Waypoint
from kordon.sim.world import Actor, WorldScenario
from tests.fusion.builders import T0 as T0_S
from tests.fusion.builders import obs
from tests.sensors.asterix_live.support import SAC, SENSOR, SIC, T0, ManualClock, build_intake

PERIOD_S = 4.0
GEOMETRY = RadarGeometry(-500.0, -1_500.0, 0.0, 10.0, 10.0, 0.3)
DAY_S = 86_400.0


# -- units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confirmed", "revisit_s", "expected_s"),
    [
        (False, 0.0, 1.0),  # a camera's track: the configured limit
        (True, 0.0, 4.0),
        (False, 4.0, 10.0),  # 2.5 turns of a 4 s radar
        (True, 4.0, 14.0),  # 3.5 turns
        (False, 0.2, 1.0),  # a fast scan never shortens the configured limit
        (True, 1.0, 4.0),
    ],
)
def test_coast_limit_is_at_least_some_revisits(
    confirmed: bool, revisit_s: float, expected_s: float
) -> None:
    deleter = CoastingDeleter(
        tentative_max_coast_s=1.0, confirmed_max_coast_s=4.0, max_position_sigma_m=30.0
    )
    limit = deleter.coast_limit_s(np.array([confirmed]), np.array([revisit_s]))
    assert limit.tolist() == [pytest.approx(expected_s)]


def test_coast_limit_without_revisits_is_the_configured_one() -> None:
    deleter = CoastingDeleter(
        tentative_max_coast_s=1.0, confirmed_max_coast_s=4.0, max_position_sigma_m=30.0
    )
    assert deleter.coast_limit_s(np.array([False, True]), None).tolist() == [1.0, 4.0]


@pytest.mark.parametrize("revisits", [0.0, -1.0, math.nan])
def test_deleter_refuses_non_positive_revisits(revisits: float) -> None:
    with pytest.raises(ValueError, match="tentative_coast_revisits must be > 0"):
        CoastingDeleter(
            tentative_max_coast_s=1.0,
            confirmed_max_coast_s=4.0,
            max_position_sigma_m=30.0,
            tentative_coast_revisits=revisits,
        )


@pytest.mark.parametrize(
    ("history", "since_s", "missed"),
    [
        (0b1, 0.5, False),  # same turn as the hit
        (0b1, 5.9, False),  # the next look may still be coming (target moved in azimuth)
        (0b1, 6.1, True),  # half a turn past the next look: missed it
        (0b10, 6.1, False),  # ... and that miss is already recorded
        (0b10, 10.1, True),  # the look after that one
        (0b100, 10.1, False),
        (0b1011, 2.0, False),
    ],
)
def test_a_scanning_sensor_misses_once_per_look(history: int, since_s: float, missed: bool) -> None:
    initiator = MOfNInitiator(3, 5, 2.0)
    got = initiator.missed_look(
        np.array([history], np.uint16), np.array([since_s]), revisit_s=PERIOD_S
    )
    assert got.tolist() == [missed]


def test_missed_look_refuses_a_non_positive_revisit() -> None:
    with pytest.raises(ValueError, match=r"revisit_s must be > 0, got 0\.0"):
        MOfNInitiator(3, 5, 2.0).missed_look(np.ones(1, np.uint16), np.zeros(1), 0.0)


@pytest.mark.parametrize("revisit_s", [0.0, -4.0, math.inf, math.nan])
def test_sensor_spec_refuses_a_bad_revisit(revisit_s: float) -> None:
    with pytest.raises(ValueError, match="radar-1: revisit_s must be > 0"):
        SensorSpec("radar-1", SensorKind.RADAR, revisit_s=revisit_s)


def test_registry_lists_revisits_with_zero_for_cameras() -> None:
    registry = SensorRegistry(
        [SensorSpec("cam-1"), SensorSpec("radar-1", SensorKind.RADAR, revisit_s=PERIOD_S)]
    )
    assert registry.revisit_s.tolist() == [0.0, PERIOD_S]


def _mixed_tracker() -> SiteTracker:
    registry = SensorRegistry(
        [SensorSpec("cam-1"), SensorSpec("radar-1", SensorKind.RADAR, revisit_s=PERIOD_S)]
    )
    return SiteTracker(FusionConfig(reorder_lag_s=0.0), registry)


def test_camera_only_tentative_track_keeps_its_coast_limit_beside_a_radar() -> None:
    trk = _mixed_tracker()
    trk.update(obs([(0.0, 0.0)], time_s=T0_S, sensor="cam-1"), T0_S)
    assert trk.advance(T0_S + 0.9).deleted.tolist() == []
    assert trk.advance(T0_S + 1.1).deleted.tolist() == [1]


def test_radar_tentative_track_waits_for_the_next_turns() -> None:
    trk = _mixed_tracker()
    trk.update(obs([(0.0, 0.0)], time_s=T0_S, sensor="radar-1", sigma_m=10.0), T0_S)
    assert trk.advance(T0_S + 9.9).deleted.tolist() == []
    assert trk.advance(T0_S + 10.1).deleted.tolist() == [1]


def test_radar_plots_of_other_targets_are_not_misses_within_a_turn() -> None:
    trk = _mixed_tracker()
    hits = [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)]
    for turn, p in enumerate(hits):
        t = T0_S + turn * PERIOD_S
        trk.update(obs([p], time_s=t, sensor="radar-1", sigma_m=10.0), t)
        # other plots of the same sweep, each a scan of its own
        for k in range(1, 8):
            far = (3_000.0 + 100.0 * k, 1_000.0 * turn)
            trk.update(obs([far], time_s=t + 0.4 * k, sensor="radar-1", sigma_m=10.0), t + 0.4 * k)
    tracks = trk.snapshot(T0_S + 2 * PERIOD_S + 3.0)
    row = np.flatnonzero(tracks.site_track_id == 1)
    assert row.size == 1
    assert bool(tracks.confirmed[row[0]])


# -- end to end: simulated radar → ASTERIX → intake → tracker -------------------------------


@dataclass(frozen=True, slots=True)
class RadarRun:
    """What a run of the radar into the tracker gave."""

    confirmed_on_walker_s: list[float]
    """Times (scenario s, once a second) at which a confirmed track was within 30 m of
    the walker."""
    false_confirmed: set[int]
    """Ids of tracks confirmed more than 60 m from the walker and never within 30 m of
    it (the walker's own track coasting off after missed looks is not one)."""
    clutter_plots: int


def _clutter(rng: np.random.Generator, t0_s: float, t1_s: float, per_turn: float) -> list[Plot]:
    """False plots the beam makes between scenario times ``t0_s`` and ``t1_s``: Poisson
    in number, uniform in azimuth over the swept sector and in range over 0.3–6 km."""
    n = int(rng.poisson(per_turn * (t1_s - t0_s) / PERIOD_S))
    at_s = np.sort(rng.uniform(t0_s, t1_s, n))
    azimuth = (360.0 * at_s / PERIOD_S) % 360.0
    range_m = rng.uniform(300.0, 6_000.0, n)
    epoch_s = T0.timestamp()
    return [
        Plot(SAC, SIC, (epoch_s + float(t)) % DAY_S, float(r), float(a))
        for t, r, a in zip(at_s, range_m, azimuth, strict=True)
    ]


def _run(spec: SensorSpec, *, clutter_per_turn: float, duration_s: float, seed: int) -> RadarRun:
    walk = Trajectory([Waypoint(-150.0, 0.0, 1.4), Waypoint(150.0, 0.0, 1.4)])
    world = WorldScenario(
        cameras=(), actors=(Actor(0, walk, "person"),), duration_s=duration_s + 10.0
    )
    positions = world_positions(world)
    radar = SimulatedRadar(
        SimulatedRadarSpec(SENSOR, SAC, SIC, GEOMETRY, rotation_period_s=PERIOD_S, seed=seed),
        positions,
    )
    config = FusionConfig()  # the node's defaults: tentative tracks coast 1 s, lag 0.2 s
    clock = ManualClock()
    # as the node wires it: a late plot's stamp is kept within half the re-ordering lag
    intake, _ = build_intake(
        clock, geometry=GEOMETRY, period_s=PERIOD_S, max_delay_s=config.reorder_lag_s / 2
    )
    tracker = SiteTracker(config, SensorRegistry([spec]))
    rng = np.random.default_rng(seed + 100)
    on_walker: list[float] = []
    far_confirmed: set[int] = set()
    near: set[int] = set()
    clutter_plots = 0
    tick_s = 0.25
    previous = 0.0
    for t in np.arange(0.0, duration_s, tick_s):
        clock.now = T0 + timedelta(seconds=float(t) + 0.05)  # 50 ms on the wire
        now_s = clock.now.timestamp()
        datagrams = radar.step(float(t), epoch=T0)
        if t > 0 and clutter_per_turn:
            false = _clutter(rng, previous, float(t), clutter_per_turn)
            clutter_plots += len(false)
            if false:
                datagrams.append(plots_block(false))
        previous = float(t)
        for datagram in datagrams:
            scan = intake.receive(datagram)
            if scan is not None and len(scan.observations):
                tracker.ingest(scan.observations, now_s)
        step = tracker.advance(now_s)
        tracks = step.tracks
        truth, _ = positions(step.tracks.time_s - T0.timestamp())
        if not len(tracks):
            continue
        distance = np.hypot(*(tracks.east_north_m - truth[0]).T)
        confirmed = tracks.confirmed
        far: npt.NDArray[np.bool_] = confirmed & (distance > 60.0)
        far_confirmed.update(tracks.site_track_id[far].tolist())
        near.update(tracks.site_track_id[distance < 30.0].tolist())
        if float(t) % 1.0 == 0.0 and bool((confirmed & (distance < 30.0)).any()):
            on_walker.append(float(t))
    return RadarRun(on_walker, far_confirmed - near, clutter_plots)


RADAR = SensorSpec(SENSOR, SensorKind.RADAR, max_rate_hz=500.0, burst=2_000, revisit_s=PERIOD_S)


def _held(run: RadarRun) -> float:
    """Share of the seconds from 30 s to 120 s with a confirmed track on the walker."""
    return len([t for t in run.confirmed_on_walker_s if t >= 30.0]) / 90.0


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_radar_only_walker_gets_a_confirmed_track(seed: int) -> None:
    run = _run(RADAR, clutter_per_turn=0.0, duration_s=120.0, seed=seed)
    assert run.confirmed_on_walker_s, "the walker never got a confirmed track"
    # 3 of 5 looks: the third plot, two turns after the first (later after a miss)
    assert run.confirmed_on_walker_s[0] <= 25.0
    # and keeps it, but for a gap after two missed looks in a row (detection p = 0.9)
    assert _held(run) >= 0.8
    assert run.false_confirmed == set()


def test_radar_walker_confirms_in_clutter_and_clutter_rarely_does() -> None:
    # 40 false plots per turn over 0.3-6 km: 0.35 per km² per turn, hundreds of times a
    # CFAR radar's usual false-alarm rate; every false plot starts a tentative track.
    false_tracks = 0
    for seed in (1, 2, 3, 4):
        run = _run(RADAR, clutter_per_turn=40.0, duration_s=120.0, seed=seed)
        assert run.clutter_plots > 1_000
        assert run.confirmed_on_walker_s, f"seed {seed}: the walker never got a confirmed track"
        assert run.confirmed_on_walker_s[0] <= 25.0
        assert _held(run) >= 0.8
        false_tracks += len(run.false_confirmed)
    # 8 minutes of clutter, about 19,000 false plots: at most 2 false confirmed tracks
    assert false_tracks <= 2


def test_without_a_revisit_interval_radar_tracks_never_confirm() -> None:
    """The defect this fixes: a radar treated like a camera (as before) deletes every
    tentative track after 1 s and counts each other plot as a miss, so nothing the radar
    alone sees is ever confirmed: neither clutter nor the walker."""
    camera_like = SensorSpec(SENSOR, SensorKind.RADAR, max_rate_hz=500.0, burst=2_000)
    run = _run(camera_like, clutter_per_turn=40.0, duration_s=120.0, seed=1)
    assert run.clutter_plots > 1_000
    assert run.confirmed_on_walker_s == []
    assert run.false_confirmed == set()
