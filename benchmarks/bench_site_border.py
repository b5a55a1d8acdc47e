"""Site-level border crossings of the demo's two overlapping towers (``make run``'s scene).

The Volyn demo site's ``cam-1`` and ``cam-2`` watch the same simulated people (``cam-2``
shows ``cam-1``'s world, as in ``examples/volyn/site.yaml``): one walker crosses every
20 s, inbound and outbound in turn, so the next walker is often on the border strip while
the last one walks away. Every frame of both cameras goes through the node's own camera
pipeline and geo stage (``geo_rules`` off, as in a fused node), each frame's ground
observations go as a scan into the node's site picture (``site_picture_core`` with the
site's ``fusion`` settings), and the site's border-crossing events are scored against the
simulator's exact crossings (same direction within ±2 s, ``kordon.sim.crossing_score``).

The camera half (render + detect + georeference) is the slow part; ``--record DIR`` keeps
each seed's scans so ``--replay DIR`` runs only the site picture again (seconds).

Usage::

    nice python -m benchmarks.bench_site_border --seeds 2 --episodes 10
    nice python -m benchmarks.bench_site_border --seeds 2 --episodes 10 --record var/site-border
    nice python -m benchmarks.bench_site_border --replay var/site-border -v
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import REPO_ROOT
from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.domain.event import Event, EventKind
from kordon.domain.scan import SensorScan
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage, GeoStageSettings
from kordon.sim.crossing_score import CrossingScore, score_crossings
from kordon.sim.geo_scene import build_geo_scene
from kordon.sim.ground_truth import Crossing, crossings
from kordon.sim.render import Renderer
from kordon.sim.scenario import ActorClass
from kordon.site.factory import site_picture_core
from kordon.video.factory import build_camera_pipeline
from kordon.video.source.frame import Frame

SITE = REPO_ROOT / "examples" / "volyn" / "site.yaml"
CAMERAS = ("cam-1", "cam-2")
WORLD = "cam-1"
T0 = datetime(2025, 6, 1, 22, 30, tzinfo=UTC)
TOLERANCE_S = 2.0
LATENCY_S = 0.05
"""How long after its frame a scan reaches the site picture (replay time)."""
PHASE_S = (0.0, 0.07)
"""Each camera's frame offset: the towers' frames are not taken together."""


@dataclass(frozen=True, slots=True)
class Recording:
    """One seed's scans (arrival time, scan) in arrival order, and its true crossings."""

    seed: int
    scans: list[tuple[float, SensorScan]]
    truth: list[Crossing]
    home_is_left: bool


def record(site: SiteConfig, geometry: SiteGeometry, seed: int, episodes: int) -> Recording:
    """Run both cameras' pipelines over ``episodes`` of one seed's scene."""
    scans: list[tuple[float, SensorScan]] = []
    truth: list[Crossing] = []
    home_is_left = True
    for camera_id, phase_s in zip(CAMERAS, PHASE_S, strict=True):
        camera = site.camera(camera_id)
        fps = camera.analytics.fps
        scene = build_geo_scene(
            site,
            camera_id,
            seed,
            episodes=episodes,
            fps=fps,
            geometry=geometry,
            world_camera_id=None if camera_id == WORLD else WORLD,
        )
        stage = GeoStage.from_site(
            site, camera_id, geometry=geometry, settings=GeoStageSettings(geo_rules=False)
        )
        if stage is None or stage.border is None:
            raise RuntimeError(f"{camera_id} has no geo stage or border")
        stage.start()
        pipeline = build_camera_pipeline(camera, site, track_stages=[stage])
        pipeline.load()
        renderer = Renderer(scene.scenario, scene.projector)
        start = T0 + timedelta(seconds=phase_s)
        for k in range(scene.scenario.frame_count or 0):
            pts = scene.scenario.frame_time_s(k)
            frame = Frame(
                image=renderer.render(k).image,
                index=k,
                pts_s=pts,
                time=start + timedelta(seconds=pts),
            )
            result = pipeline.process(frame)
            promise = frame.time.timestamp() + 1.0 / fps - 0.01
            scan = stage.scan(result.time, next_after_s=promise)
            scans.append((frame.time.timestamp() + LATENCY_S, scan))
        if camera_id == WORLD:
            duration = scene.scenario.duration_s or 0.0
            people = [
                a
                for a in scene.scenario.cast.actors_between(0.0, duration)
                if a.kind is ActorClass.PERSON
            ]
            # the world's times are cam-1's pts: shift them to the scans' clock
            truth = [
                dataclasses.replace(c, time_s=c.time_s + phase_s)
                for c in crossings(people, scene.line, clearance=scene.clearance)
            ]
            border = stage.border
            home_is_left = border.home_side == border.left_side
    scans.sort(key=lambda item: item[0])
    return Recording(seed, scans, truth, home_is_left)


def replay(site: SiteConfig, geometry: SiteGeometry, rec: Recording) -> list[Event]:
    """The site picture's border-crossing events for one recording."""
    specs = [SensorSpec(c, SensorKind.CAMERA) for c in CAMERAS]
    core = site_picture_core(geometry, specs, site.fusion)
    events: list[Event] = []
    for arrival, scan in rec.scans:
        out = core.on_scan(scan, arrival)
        events.extend(e for e in out.events if e.kind is EventKind.BORDER_CROSSING)
    last = rec.scans[-1][0] if rec.scans else 0.0
    for k in range(100):
        out = core.step(last + 0.1 * (k + 1))
        events.extend(e for e in out.events if e.kind is EventKind.BORDER_CROSSING)
    return events


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_site_border")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--record", type=Path, default=None, help="keep each seed's scans here")
    parser.add_argument("--replay", type=Path, default=None, help="replay the scans kept here")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    site = load_site(SITE)
    geometry = SiteGeometry.from_config(site)
    geometry.build_indexes()
    recordings: list[Recording] = []
    if args.replay is not None:
        for path in sorted(args.replay.glob("seed-*.pkl")):
            with path.open("rb") as fh:
                recordings.append(Recording(**pickle.load(fh)))
    else:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            rec = record(site, geometry, seed, args.episodes)
            recordings.append(rec)
            if args.record is not None:
                args.record.mkdir(parents=True, exist_ok=True)
                with (args.record / f"seed-{seed}.pkl").open("wb") as fh:
                    # a plain dict: readable whichever module name wrote it
                    pickle.dump({f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)}, fh)
    total = CrossingScore(0, 0, 0, 0)
    twice = 0
    for rec in recordings:
        events = replay(site, geometry, rec)
        score = score_crossings(
            rec.truth, events, t0=T0, home_is_left=rec.home_is_left, tolerance_s=TOLERANCE_S
        )
        total = total + score
        # every walker crosses once: a site track with two crossings carried two walkers
        per_track = Counter(e.track_id for e in events)
        doubled = sorted(t for t, n in per_track.items() if t is not None and n > 1)
        twice += len(doubled)
        print(
            f"seed {rec.seed}: {score.crossings} crossings, {score.seen} seen, "
            f"{score.events} events, {score.false_alarms} false, "
            f"site tracks with two crossings: {', '.join(doubled) or 'none'}"
        )
        if args.verbose:
            for c in rec.truth:
                print(f"  crossing at {c.time_s:7.1f} s (actor {c.actor_id})")
            for e in events:
                at = (e.time - T0).total_seconds()
                print(
                    f"  event {e.direction} at {at:7.1f} s {e.track_id} "
                    f"sensors {e.attributes.get('sensors')}"
                )
    print(
        f"site border, {len(recordings)} seeds: {total.crossings} true crossings, recall "
        f"{total.recall:.3f}, {total.false_alarms} false crossing events of {total.events}, "
        f"{twice} site tracks with two crossings"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
