"""Site picture: what corroboration cuts, and the cost of the site stage per scan.

A simulated stretch of the real Volyn border at km 10 (``kordon.sim.world``, exact truth):
two towers whose views overlap over the middle of the stretch. People cross inside the
overlap (both towers see them, confidence about 0.8); animals cross at the ends of the
stretch, where one tower alone sees them, and the detector calls them "person" with a low
confidence (about 0.25): the classic single-sensor nuisance. Every frame of every tower
is a scan into ``SitePictureCore`` (tracker, site rules, corroboration), run twice: with
corroboration off (``single_sensor_min_confidence: 0``) and at the default. A crossing
alert matches a person's true crossing within ±3 s in the same direction; any other
crossing alert is a false alarm. Speed is CPU time of the site stage alone (one core).

Hold: how long the site picture keeps a crossing back after the frame it rests on has
arrived, in the replay's own time (each frame arrives ``latency_s`` after it was taken),
so the figure does not depend on how busy the machine is: the alert's step time minus
the arrival of the newest measurement behind the track (``detected_at``). With promises
(the node's cameras: each scan promises the next analysed frame no earlier than one frame
interval less 10 ms) and without (the picture then waits for the other tower's next frame).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from datetime import datetime

import numpy as np

from benchmarks.common import REPO_ROOT, BenchRow, main_for
from kordon.config.fusion import CorroborationConfig, SiteFusionConfig
from kordon.config.loader import load_site
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.world import Actor, WorldScenario, simulate
from kordon.site.factory import site_picture_core
from tests.site.scene import BorderFrame, border_frame, two_overlapping_cameras, walk

BENCH = "site"
EPISODE_S = 20.0
EPISODES = 40
START_S = 1_800_000_000.0
MATCH_S = 3.0


def _actors(frame: BorderFrame, rng: np.random.Generator) -> tuple[list[Actor], set[int]]:
    actors: list[Actor] = []
    animals: set[int] = set()
    for n in range(EPISODES):
        t0 = n * EPISODE_S + 1.0
        inbound = n % 2 == 0
        sign = 1.0 if inbound else -1.0
        along = float(rng.uniform(-12.0, 12.0))
        speed = float(rng.uniform(1.0, 1.8))
        actors.append(
            walk(2 * n, [frame.at(along, -30 * sign), frame.at(along, 30 * sign)], speed, t0)
        )
        # an animal where only one tower sees it (the far ends of the stretch)
        end = 75.0 if n % 4 < 2 else -75.0
        a_along = end + float(rng.uniform(-8.0, 8.0))
        a_sign = 1.0 if rng.uniform() < 0.5 else -1.0
        actors.append(
            walk(
                2 * n + 1,
                [frame.at(a_along, -25 * a_sign), frame.at(a_along, 25 * a_sign)],
                float(rng.uniform(0.8, 1.6)),
                t0 + float(rng.uniform(0.0, 5.0)),
            )
        )
        animals.add(2 * n + 1)
    return actors, animals


PROMISE_MARGIN_S = 0.01


def _scans(
    scenario: WorldScenario, animals: set[int], rng: np.random.Generator
) -> list[tuple[float, SensorScan]]:
    """Every frame of each tower as a scan promising the next (see the module docstring)."""
    sim = simulate(scenario, seed=11)
    obs = sim.observations
    conf = obs.confidence.copy()
    weak = np.isin(sim.truth_id, sorted(animals))
    conf[weak] = np.clip(rng.normal(0.25, 0.05, int(weak.sum())), 0.05, 0.45)
    obs = Observations(
        obs.time_s, obs.sensor_id, obs.east_north_m, obs.cov_m2, obs.class_name, conf, obs.local_id
    )
    out: list[tuple[float, SensorScan]] = []
    for cam in scenario.cameras:
        frames = np.arange(cam.phase_s, scenario.duration_s, 1.0 / cam.rate_hz) + scenario.start_s
        mine = np.flatnonzero(obs.sensor_id == cam.sensor_id)
        times = obs.time_s[mine]
        order = np.argsort(times, kind="stable")
        mine, times = mine[order], times[order]
        lo = np.searchsorted(times, frames - 1e-3)
        hi = np.searchsorted(times, frames + 1e-3)
        for t, a, b in zip(frames.tolist(), lo.tolist(), hi.tolist(), strict=True):
            batch = obs[mine[a:b]] if b > a else Observations.empty()
            after = t + 1.0 / cam.rate_hz - PROMISE_MARGIN_S
            out.append((t + cam.latency_s, SensorScan(cam.sensor_id, t, batch, after)))
    out.sort(key=lambda item: item[0])
    return out


def _true_crossings(actors: list[Actor], animals: set[int]) -> list[tuple[float, Direction]]:
    out = []
    for actor in actors:
        if actor.actor_id in animals:
            continue
        legs = actor.trajectory.legs
        t_mid = (legs[0].t0_s + legs[-1].t1_s) / 2.0  # straight walk, line at its middle
        inbound = actor.actor_id // 2 % 2 == 0
        out.append((START_S + t_mid, Direction.INBOUND if inbound else Direction.OUTBOUND))
    return out


def _run(
    geometry: SiteGeometry, scans: list[tuple[float, SensorScan]], threshold: float
) -> tuple[list[Event], list[float], float, list[float]]:
    """Crossings, CPU ms per scan, CPU s in all, and each crossing's hold (s, replay time)."""
    specs = [SensorSpec(s, SensorKind.CAMERA) for s in ("cam-a", "cam-b")]
    settings = SiteFusionConfig(
        corroboration=CorroborationConfig(single_sensor_min_confidence=threshold)
    )
    core = site_picture_core(geometry, specs, settings)
    latency_s = two_overlapping_cameras(border_frame(geometry, 10.0))[0].latency_s
    events: list[Event] = []
    step_ms: list[float] = []
    hold_s: list[float] = []
    cpu0 = time.thread_time()
    for arrival, scan in scans:
        t = time.thread_time()
        out = core.on_scan(scan, arrival)
        step_ms.append((time.thread_time() - t) * 1e3)
        for event in out.events:
            if event.kind is EventKind.BORDER_CROSSING:
                events.append(event)
                if "corroborated" not in event.attributes:  # not held for a second sensor
                    detected = datetime.fromisoformat(str(event.attributes["detected_at"]))
                    hold_s.append(arrival - (detected.timestamp() + latency_s))
    for k in range(200):
        out = core.step(scans[-1][0] + 0.1 * (k + 1))
        events.extend(e for e in out.events if e.kind is EventKind.BORDER_CROSSING)
    return events, step_ms, time.thread_time() - cpu0, hold_s


def _score(events: list[Event], truth: list[tuple[float, Direction]]) -> tuple[int, int]:
    """(true crossings alerted, false crossing alerts)."""
    used: set[int] = set()
    hits = 0
    for event in events:
        t = event.time.timestamp()
        match = next(
            (
                i
                for i, (ts, d) in enumerate(truth)
                if i not in used and d == event.direction and abs(ts - t) <= MATCH_S
            ),
            None,
        )
        if match is not None:
            used.add(match)
            hits += 1
    return hits, len(events) - hits


def _hold_rows(label: str, hold_s: list[float]) -> list[BenchRow]:
    note = (
        "crossing alert's step − arrival of the newest frame behind it, replay time "
        f"(frames arrive 50 ms after capture), {len(hold_s)} crossings"
    )
    if not hold_s:
        return [BenchRow(BENCH, f"site picture hold, {label}", 0.0, "skipped", "no crossing")]
    ms = np.asarray(hold_s) * 1e3
    return [
        BenchRow(BENCH, f"site picture hold p50, {label}", float(np.median(ms)), "ms", note),
        BenchRow(BENCH, f"site picture hold p95, {label}", float(np.percentile(ms, 95)), "ms"),
        BenchRow(BENCH, f"site picture hold max, {label}", float(ms.max()), "ms"),
    ]


def bench_rows() -> list[BenchRow]:
    geometry = SiteGeometry.from_config(load_site(REPO_ROOT / "examples" / "volyn" / "site.yaml"))
    geometry.build_indexes()
    frame = border_frame(geometry, 10.0)
    rng = np.random.default_rng(7)
    actors, animals = _actors(frame, rng)
    duration = EPISODES * EPISODE_S + 10.0
    scenario = WorldScenario(
        two_overlapping_cameras(frame), tuple(actors), duration, start_s=START_S
    )
    scans = _scans(scenario, animals, rng)
    truth = _true_crossings(actors, animals)
    hours = duration / 3600.0
    rows: list[BenchRow] = []
    note = f"{len(truth)} people crossing, {len(animals)} animals, {len(scans):,} scans, two towers"
    results = {}
    for label, threshold in (("off", 0.0), ("default 0.35", 0.35)):
        events, step_ms, cpu_s, hold_s = _run(geometry, scans, threshold)
        hits, false = _score(events, truth)
        results[label] = (hits, false)
        rows += [
            BenchRow(
                BENCH,
                f"corroboration {label}: crossing recall",
                hits / len(truth),
                "fraction",
                note,
            ),
            BenchRow(
                BENCH,
                f"corroboration {label}: false crossing alerts",
                false / hours,
                "per hour",
                note,
            ),
        ]
        if label == "off":
            n_obs = sum(len(s.observations) for _, s in scans)
            rows += [
                BenchRow(
                    BENCH,
                    "site stage per scan, p95",
                    float(np.percentile(step_ms, 95)),
                    "ms",
                    "tracker + rules + map messages, CPU time",
                ),
                BenchRow(
                    BENCH, "site stage per scan, mean", statistics.fmean(step_ms), "ms", "CPU time"
                ),
                BenchRow(
                    BENCH, "site stage throughput", n_obs / cpu_s, "obs/s", "CPU time, one core"
                ),
            ]
            rows += _hold_rows("promised scans", hold_s)
    unpromised = [(a, dataclasses.replace(scan, next_after_s=None)) for a, scan in scans]
    rows += _hold_rows("no promises", _run(geometry, unpromised, 0.0)[3])
    off_false, on_false = results["off"][1], results["default 0.35"][1]
    cut = 1.0 - on_false / off_false if off_false else 0.0
    rows.append(
        BenchRow(
            BENCH, "false alarms cut by corroboration", cut, "fraction", f"{off_false} → {on_false}"
        )
    )
    return rows


if __name__ == "__main__":
    main_for(bench_rows)
