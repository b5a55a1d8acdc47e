"""Border crossings seen by the demo tower camera, per range, light, sensor and noise.

For every setting of the table below, the Volyn demo site's tower camera (``cam-1``: 20 m
mast, 20° lens, 1280×720) is moved so the border lies at the setting's range, and the
simulator renders episodes of one intruder crossing every 20 s (inbound and outbound in
turn, a patrol along the home side every other episode) as the camera sees them at the
analytics rate (5 fps). Frames go through the node's own pipeline (``build_camera_pipeline``
with the geo stage of ``GeoStage.from_site``: default settings), and the border-crossing
events are matched to the exact crossings (same direction, event time within ±2 s).

Per setting: recall, precision, false alarms per simulated hour, delay from the true
crossing to the frame on which the event fired (p50, p95), and the CPU milliseconds the
pipeline spent per analysed frame (process time: less disturbed by other load than wall
time, but inflated on a crowded machine). The figures are compared with ``benchmarks/baseline.json``
(same mode); the run fails when a recall falls more than ``RECALL_SLACK`` below it.

Usage::

    python -m benchmarks.bench_border_recall            # quick (what `make bench` runs)
    python -m benchmarks.bench_border_recall --full     # 8 seeds × 20 crossings, ~50 min (--jobs 2)
    python -m benchmarks.bench_border_recall --quick    # 2 seeds × 2 crossings, minutes
    python -m benchmarks.bench_border_recall --medium   # 4 seeds × 5 crossings, ~6 min (--jobs 2)
    python -m benchmarks.bench_border_recall --quick --only "200 m day"
    python -m benchmarks.bench_border_recall --quick --write-baseline
    python -m benchmarks.bench_border_recall --full --jobs 2     # seeds on 2 processes

The readable table goes to stderr; the JSON rows for ``python -m benchmarks`` to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from benchmarks.common import REPO_ROOT, BenchRow, emit
from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.domain.event import Event, EventKind
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage
from kordon.sim.border_spec import BorderSceneSpec, WalkDirection
from kordon.sim.crossing_score import CrossingScore, score_crossings
from kordon.sim.geo_scene import build_geo_scene
from kordon.sim.ground_truth import crossings
from kordon.sim.range_site import camera_at_range
from kordon.sim.render import Renderer
from kordon.sim.scenario import ActorClass
from kordon.video.factory import build_camera_pipeline
from kordon.video.source.frame import Frame

SITE = REPO_ROOT / "examples" / "volyn" / "site.yaml"
BASELINE = REPO_ROOT / "benchmarks" / "baseline.json"
CAMERA = "cam-1"
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
TOLERANCE_S = 2.0
RECALL_SLACK = 0.05


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the table: the camera's range and kind, and the scene's spec."""

    name: str
    range_m: float
    spec: BorderSceneSpec = field(default_factory=BorderSceneSpec)


SETTINGS: tuple[Setting, ...] = (
    Setting("100 m day", 100.0),
    Setting("200 m day", 200.0),
    Setting("400 m day", 400.0),
    Setting("600 m day", 600.0),
    Setting("thermal 200 m", 200.0, BorderSceneSpec(thermal=True)),
    Setting("thermal 400 m", 400.0, BorderSceneSpec(thermal=True)),
    Setting("noise 12, 200 m", 200.0, BorderSceneSpec(noise_sigma=12.0)),
    Setting("dark gain 0.25, 200 m", 200.0, BorderSceneSpec(gain=0.25)),
    Setting(
        "nuisance 200 m",
        200.0,
        BorderSceneSpec(animals=1, swaying=8, occluders=4, direction=WalkDirection.OBLIQUE),
    ),
)


@dataclass(frozen=True, slots=True)
class Mode:
    name: str
    seeds: int
    episodes: int


QUICK = Mode("quick", seeds=2, episodes=2)
MEDIUM = Mode("medium", seeds=4, episodes=5)
FULL = Mode("full", seeds=8, episodes=20)


@dataclass(frozen=True, slots=True)
class Outcome:
    setting: str
    score: CrossingScore
    hours: float
    ms_per_frame: float

    @property
    def false_alarms_per_h(self) -> float:
        return self.score.false_alarms / self.hours if self.hours > 0 else math.nan

    def as_dict(self) -> dict[str, float]:
        s = self.score
        return {
            "crossings": s.crossings,
            "recall": round(s.recall, 4),
            "precision": round(s.precision, 4) if s.events else 1.0,
            "false_alarms_per_h": round(self.false_alarms_per_h, 3),
            "delay_p50_s": round(s.delay_percentile_s(50), 3),
            "delay_p95_s": round(s.delay_percentile_s(95), 3),
            "ms_per_frame": round(self.ms_per_frame, 2),
        }


def run_seed(
    site: SiteConfig,
    geometry: SiteGeometry,
    setting: Setting,
    seed: int,
    episodes: int,
    *,
    verbose: bool = False,
) -> tuple[CrossingScore, float, float, int]:
    """One seed of one setting: (score, simulated seconds, pipeline seconds, frames)."""
    moved = camera_at_range(
        site,
        CAMERA,
        setting.range_m,
        kind="thermal" if setting.spec.thermal else "visible",
        geometry=geometry,
    )
    camera = moved.camera(CAMERA)
    fps = camera.analytics.fps
    scene = build_geo_scene(
        moved, CAMERA, seed, episodes=episodes, fps=fps, geometry=geometry, spec=setting.spec
    )
    stage = GeoStage.from_site(moved, CAMERA, geometry=geometry)
    if stage is None or stage.border is None:
        raise RuntimeError(f"{CAMERA} has no geo stage or border")
    stage.start()
    pipeline = build_camera_pipeline(camera, moved, track_stages=[stage])
    pipeline.load()
    renderer = Renderer(scene.scenario, scene.projector)
    count = scene.scenario.frame_count or 0
    events: list[Event] = []
    busy_s = 0.0
    for k in range(count):
        pts = scene.scenario.frame_time_s(k)
        image = renderer.render(k).image
        frame = Frame(image=image, index=k, pts_s=pts, time=T0 + timedelta(seconds=pts))
        t0 = time.process_time()
        result = pipeline.process(frame)
        busy_s += time.process_time() - t0
        events.extend(e for e in result.events if e.kind is EventKind.BORDER_CROSSING)
    duration = scene.scenario.duration_s or 0.0
    actors = [
        a for a in scene.scenario.cast.actors_between(0.0, duration) if a.kind is ActorClass.PERSON
    ]
    truth = crossings(actors, scene.line, clearance=scene.clearance)
    border = stage.border
    score = score_crossings(
        truth,
        events,
        t0=T0,
        home_is_left=border.home_side == border.left_side,
        tolerance_s=TOLERANCE_S,
    )
    if verbose:
        for c in truth:
            print(
                f"  seed {seed}: crossing at {c.time_s:.1f} s (actor {c.actor_id})", file=sys.stderr
            )
        for e in events:
            at = (e.time - T0).total_seconds()
            print(
                f"  seed {seed}: event {e.direction} at {at:.1f} s, track {e.track_id}, "
                f"fired {e.attributes.get('detected_at')}",
                file=sys.stderr,
            )
    return score, duration, busy_s, count


def _outcome(setting: Setting, seeds: Sequence[tuple[CrossingScore, float, float, int]]) -> Outcome:
    total = CrossingScore(0, 0, 0, 0)
    seconds = busy = 0.0
    frames = 0
    for score, sim_s, busy_s, n in seeds:
        total += score
        seconds += sim_s
        busy += busy_s
        frames += n
    return Outcome(setting.name, total, seconds / 3600.0, 1e3 * busy / max(frames, 1))


def _load() -> tuple[SiteConfig, SiteGeometry]:
    site = load_site(SITE)
    geometry = SiteGeometry.from_config(site)
    geometry.build_indexes()
    return site, geometry


# A worker process's site and geometry, loaded once per process by ``_init_worker`` (the
# border index takes seconds to build).
_WORKER: dict[str, tuple[SiteConfig, SiteGeometry]] = {}


def _init_worker() -> None:
    _WORKER["site"] = _load()


def _run_seed_in_worker(
    setting: Setting, seed: int, episodes: int, verbose: bool
) -> tuple[CrossingScore, float, float, int]:
    site, geometry = _WORKER["site"]
    return run_seed(site, geometry, setting, seed, episodes, verbose=verbose)


def run_settings(
    chosen: Sequence[Setting], mode: Mode, *, jobs: int, verbose: bool
) -> list[Outcome]:
    """Every seed of every chosen setting, on ``jobs`` processes (1: in this process).

    Seeds are independent (each builds its own scene, pipeline and geo stage) and the
    pipeline runs on the frames' own clock, so the figures do not depend on ``jobs``;
    only ``ms_per_frame`` grows when the processes share too few cores."""
    outcomes: list[Outcome] = []
    if jobs <= 1:
        site, geometry = _load()
        for setting in chosen:
            t0 = time.perf_counter()
            seeds = [
                run_seed(site, geometry, setting, seed, mode.episodes, verbose=verbose)
                for seed in range(mode.seeds)
            ]
            outcomes.append(_outcome(setting, seeds))
            _progress(outcomes[-1], time.perf_counter() - t0)
        return outcomes
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker) as pool:
        t0 = time.perf_counter()
        futures = {
            setting.name: [
                pool.submit(_run_seed_in_worker, setting, seed, mode.episodes, verbose)
                for seed in range(mode.seeds)
            ]
            for setting in chosen
        }
        for setting in chosen:
            outcomes.append(_outcome(setting, [f.result() for f in futures[setting.name]]))
            _progress(outcomes[-1], time.perf_counter() - t0)
    return outcomes


def _progress(outcome: Outcome, took_s: float) -> None:
    print(
        f"{outcome.setting}: {json.dumps(outcome.as_dict())} ({took_s:.0f} s)",
        file=sys.stderr,
        flush=True,
    )


def _load_baseline(mode: Mode) -> dict[str, dict[str, float]]:
    if not BASELINE.is_file():
        return {}
    doc = json.loads(BASELINE.read_text(encoding="utf-8"))
    section = doc.get("border_recall", {}).get(mode.name, {})
    settings: dict[str, dict[str, float]] = section.get("settings", {})
    return settings


def _write_baseline(mode: Mode, outcomes: list[Outcome], note: str | None = None) -> None:
    """Store ``outcomes`` as the mode's baseline; settings not run keep their figures.

    The first figures ever stored for a mode stay under ``before`` (the numbers the
    closing note of a change compares against) unless a ``before`` block exists already.
    """
    doc = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.is_file() else {}
    border = doc.setdefault("border_recall", {})
    old = border.get(mode.name, {})
    settings = dict(old.get("settings", {})) if old.get("seeds") == mode.seeds else {}
    settings.update({o.setting: o.as_dict() for o in outcomes})
    section: dict[str, object] = {
        "seeds": mode.seeds,
        "episodes": mode.episodes,
        "settings": settings,
    }
    if note:
        section["note"] = note
    if "before" in old:
        section["before"] = old["before"]
    elif old.get("settings"):
        section["before"] = {k: v for k, v in old.items() if k != "before"}
    border[mode.name] = section
    BASELINE.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _fmt(value: float, digits: int = 2) -> str:
    return "—" if not math.isfinite(value) else f"{value:.{digits}f}"


def _table(outcomes: list[Outcome], baseline: dict[str, dict[str, float]]) -> str:
    head = (
        f"{'setting':<24}{'n':>5}{'recall':>8}{'(base)':>8}{'prec':>6}{'FA/h':>7}"
        f"{'p50 s':>7}{'p95 s':>7}{'ms/fr':>7}"
    )
    lines = [head, "-" * len(head)]
    for o in outcomes:
        d = o.as_dict()
        base = baseline.get(o.setting, {}).get("recall", math.nan)
        lines.append(
            f"{o.setting:<24}{o.score.crossings:>5}{_fmt(d['recall']):>8}{_fmt(base):>8}"
            f"{_fmt(d['precision']):>6}{_fmt(d['false_alarms_per_h'], 1):>7}"
            f"{_fmt(d['delay_p50_s'], 1):>7}{_fmt(d['delay_p95_s'], 1):>7}"
            f"{_fmt(d['ms_per_frame'], 0):>7}"
        )
    return "\n".join(lines)


def _rows(
    outcomes: list[Outcome], baseline: dict[str, dict[str, float]], mode: Mode
) -> list[BenchRow]:
    rows: list[BenchRow] = []
    for o in outcomes:
        d = o.as_dict()
        base = baseline.get(o.setting, {})
        for key, label, unit in (
            ("recall", "recall", "ratio"),
            ("false_alarms_per_h", "false alarms", "per h"),
            ("delay_p50_s", "delay p50", "s"),
            ("delay_p95_s", "delay p95", "s"),
        ):
            note = f"{mode.name}, {o.score.crossings} crossings"
            if key in base:
                note += f"; baseline {base[key]}"
            rows.append(BenchRow("border", f"{label}, {o.setting}", float(d[key]), unit, note))
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_border_recall")
    parser.add_argument("--quick", action="store_true", help="2 seeds × 2 crossings per setting")
    parser.add_argument(
        "--full",
        action="store_true",
        help="8 seeds × 20 crossings per setting (~50 min on 2 cores with --jobs 2)",
    )
    parser.add_argument(
        "--medium", action="store_true", help="4 seeds × 5 crossings per setting (~6 min, --jobs 2)"
    )
    parser.add_argument("--only", action="append", default=[], help="run only this setting")
    parser.add_argument(
        "--write-baseline", action="store_true", help="store these figures as the baseline"
    )
    parser.add_argument(
        "--note", default=None, help="with --write-baseline: a note stored with the figures"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="list every true crossing and every event"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="processes running seeds side by side (the figures do not change; ms/frame "
        "grows when they share too few cores)",
    )
    args = parser.parse_args(argv)
    # `make bench` runs the module without arguments: quick unless asked for the full range
    # (KORDON_BENCH_BORDER=full, or `make bench-border`): most of an hour on a 2-core node.
    full = args.full or os.environ.get("KORDON_BENCH_BORDER") == "full"
    mode = FULL if full and not args.quick else MEDIUM if args.medium else QUICK
    names = {s.name for s in SETTINGS}
    unknown = [n for n in args.only if n not in names]
    if unknown:
        print(f"unknown setting(s) {unknown}; valid: {sorted(names)}", file=sys.stderr)
        return 2
    by_name = {s.name: s for s in SETTINGS}
    chosen = [by_name[n] for n in args.only] if args.only else list(SETTINGS)
    if args.jobs < 1:
        print(f"--jobs must be at least 1, got {args.jobs}", file=sys.stderr)
        return 2
    outcomes = run_settings(chosen, mode, jobs=args.jobs, verbose=args.verbose)
    baseline = _load_baseline(mode)
    print(_table(outcomes, baseline), file=sys.stderr)
    emit(_rows(outcomes, baseline, mode))
    if args.write_baseline:
        _write_baseline(mode, outcomes, args.note)
        return 0
    worse = [
        o.setting
        for o in outcomes
        if o.setting in baseline and o.score.recall < baseline[o.setting]["recall"] - RECALL_SLACK
    ]
    if worse:
        print(f"recall below the baseline: {worse}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
