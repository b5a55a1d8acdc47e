"""Cameras one node holds at 5 fps *while seeing every crossing* (issue 10).

Each camera is what ``kordon run`` runs for the demo tower camera ``cam-1`` with the
border at 200 m (default settings): a real :class:`CameraService` thread decoding an H.264
file in real time (``FileSource``, 10 fps, decimated to the analytics' 5 fps), the node's
own pipeline (``build_camera_pipeline``, one inference thread per camera) and its geo stage
with the border rule. The file is rendered once by the simulator and encoded with libx264:

- **busy**: the border scene, an intruder crossing every 20 s (inbound, then outbound, the
  patrol walking the home side in the first episode), ``EPISODES`` episodes;
- **quiet**: the same view for as long with nobody in it (sensor noise, the bushes).

``N`` cameras run side by side for the clip's length. A frame is *late* when its result
comes more than one analytics period (0.2 s) after the frame was due (the camera's first
result plus the frame's own time). ``N`` is held when at most ``LATE_LIMIT`` of its frames
are late *and*, for busy cameras, every camera reported every crossing (same direction,
within ±2 s, no false event): a camera that keeps time by seeing less does not count. The
figure per kind is the largest ``N`` held, stepping up until one is not; with it, the
process's peak memory (the clip's frames are decoded per camera, as on a node).

Usage::

    python -m benchmarks.bench_camera_hold              # busy 4..12, quiet 8..24
    python -m benchmarks.bench_camera_hold --only busy --counts 6,8
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from benchmarks.bench_border_recall import CAMERA, SITE
from benchmarks.common import BenchRow, emit
from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.domain.event import Event, EventKind
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage
from kordon.services.camera_service import CameraService, ResultSink
from kordon.sim.crossing_score import score_crossings
from kordon.sim.geo_scene import build_geo_scene
from kordon.sim.ground_truth import Crossing, crossings
from kordon.sim.range_site import camera_at_range
from kordon.sim.render import Renderer
from kordon.sim.scenario import ActorClass
from kordon.video.factory import build_camera_pipeline
from kordon.video.pipeline.pipeline import CameraPipeline
from kordon.video.pipeline.result import FrameResult
from kordon.video.source.base import HealthSink
from kordon.video.source.clock import SystemClock
from kordon.video.source.file import FileSource
from kordon.video.source.frame import Frame

B = "camera_hold"
RANGE_M = 200.0
SOURCE_FPS = 10.0
EPISODES = 2
SEED = 1
LATE_LIMIT = 0.01
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
BUSY_COUNTS = (4, 6, 8, 10, 12)
QUIET_COUNTS = (8, 12, 16, 20, 24)


@dataclass(frozen=True, slots=True)
class Clip:
    """An encoded clip and what happens in it."""

    path: Path
    duration_s: float
    truth: tuple[Crossing, ...]
    home_is_left: bool


@dataclass
class CameraRun:
    """What one camera's results showed: lateness per frame and its crossing events."""

    lags_s: list[float] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    first: tuple[float, float, datetime] | None = None  # (wall, pts, frame time)

    def take(self, frame: Frame, result: FrameResult, wall_s: float) -> None:
        if self.first is None:
            self.first = (wall_s, frame.pts_s, frame.time)
        first_wall, first_pts, first_time = self.first
        self.lags_s.append(wall_s - (first_wall + frame.pts_s - first_pts))
        for event in result.events:
            if event.kind is EventKind.BORDER_CROSSING:
                # On the clip's own time line, for matching with the truth.
                offset = (event.time - first_time).total_seconds() + first_pts
                self.events.append(replace(event, time=T0 + timedelta(seconds=offset)))


def _site() -> tuple[SiteConfig, SiteGeometry]:
    site = load_site(SITE)
    geometry = SiteGeometry.from_config(site)
    geometry.build_indexes()
    return camera_at_range(site, CAMERA, RANGE_M, geometry=geometry), geometry


def _encode(path: Path, frames: Iterator[np.ndarray], size_wh: tuple[int, int], fps: float) -> None:
    """Encode ``frames`` as they come (one in memory at a time)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = size_wh
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23", "g": str(int(2 * fps))}
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _clip(site: SiteConfig, geometry: SiteGeometry, directory: Path, *, busy: bool) -> Clip:
    scene = build_geo_scene(
        site, CAMERA, SEED, episodes=EPISODES, fps=SOURCE_FPS, geometry=geometry
    )
    renderer = Renderer(scene.scenario, scene.projector)
    count = scene.scenario.frame_count or 0
    frames = (renderer.render(k, actors=busy).image for k in range(count))
    path = directory / ("busy.mp4" if busy else "quiet.mp4")
    _encode(path, frames, scene.scenario.resolution_wh, SOURCE_FPS)
    duration = scene.scenario.duration_s or 0.0
    truth: tuple[Crossing, ...] = ()
    if busy:
        people = [
            a
            for a in scene.scenario.cast.actors_between(0.0, duration)
            if a.kind is ActorClass.PERSON
        ]
        truth = tuple(crossings(people, scene.line, clearance=scene.clearance))
    stage = GeoStage.from_site(site, CAMERA, geometry=geometry)
    if stage is None or stage.border is None:
        raise RuntimeError(f"{CAMERA} has no geo stage or border")
    border = stage.border
    return Clip(path, duration, truth, border.home_side == border.left_side)


def _pipeline(site: SiteConfig, geometry: SiteGeometry) -> CameraPipeline:
    stage = GeoStage.from_site(site, CAMERA, geometry=geometry)
    if stage is None:
        raise RuntimeError(f"{CAMERA} has no geo stage")
    stage.start()
    return build_camera_pipeline(site.camera(CAMERA), site, track_stages=[stage])


@dataclass(frozen=True, slots=True)
class HoldResult:
    cameras: int
    frames: int
    late: int
    lag_p99_s: float
    found_all: bool
    recall_min: float
    false_events: int
    rss_mb: float

    @property
    def held(self) -> bool:
        return self.late <= LATE_LIMIT * self.frames and self.found_all


def _hold(site: SiteConfig, geometry: SiteGeometry, clip: Clip, n: int) -> HoldResult:
    """``n`` camera services over ``clip`` side by side until each has finished it."""
    clock = SystemClock()
    analytics_fps = site.camera(CAMERA).analytics.fps
    runs = [CameraRun() for _ in range(n)]
    lock = threading.Lock()

    def on_result(index: int) -> ResultSink:
        def take(_camera: str, frame: Frame, result: FrameResult) -> None:
            with lock:
                runs[index].take(frame, result, time.monotonic())

        return take

    def make_source(_health: HealthSink) -> FileSource:
        return FileSource(clip.path, clock=clock, realtime=True, target_fps=analytics_fps)

    def ignore(_status: DeviceStatus) -> None:
        return None

    services = [
        CameraService(
            f"{CAMERA}-{k}",
            make_source=make_source,
            make_pipeline=lambda: _pipeline(site, geometry),
            on_result=on_result(k),
            on_status=ignore,
            clock=clock,
        )
        for k in range(n)
    ]
    threads = [threading.Thread(target=s.run, name=f"hold-{k}") for k, s in enumerate(services)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rss = _rss_mb()
    period = 1.0 / analytics_fps
    lags = [lag for run in runs for lag in run.lags_s]
    late = sum(1 for lag in lags if lag > period)
    recalls: list[float] = []
    false_events = 0
    for run in runs:
        score = score_crossings(list(clip.truth), run.events, t0=T0, home_is_left=clip.home_is_left)
        recalls.append(score.recall if clip.truth else 1.0)
        false_events += score.false_alarms
    return HoldResult(
        cameras=n,
        frames=len(lags),
        late=late,
        lag_p99_s=statistics.quantiles(lags, n=100)[98] if len(lags) > 1 else 0.0,
        found_all=min(recalls) == 1.0 and false_events == 0,
        recall_min=min(recalls),
        false_events=false_events,
        rss_mb=rss,
    )


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0
    return float("nan")


def run(kinds: Sequence[str], counts: dict[str, Sequence[int]]) -> list[BenchRow]:
    site, geometry = _site()
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory() as name:
        for kind in kinds:
            clip = _clip(site, geometry, Path(name), busy=kind == "busy")
            best: HoldResult | None = None
            start = len(rows)
            for n in counts[kind]:
                result = _hold(site, geometry, clip, n)
                print(
                    f"{kind} x{n}: {result.late}/{result.frames} late, lag p99 "
                    f"{result.lag_p99_s * 1e3:.0f} ms, min recall {result.recall_min:.2f}, "
                    f"{result.false_events} false, peak {result.rss_mb:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
                rows.append(
                    BenchRow(
                        B,
                        f"{kind}: late frames with {n} cameras",
                        float(result.late),
                        "frames",
                        f"of {result.frames}; lag p99 {result.lag_p99_s * 1e3:.0f} ms; "
                        f"lowest recall {result.recall_min:.2f}, {result.false_events} "
                        "false events",
                    )
                )
                if not result.held:
                    break
                best = result
            goal = 8 if kind == "busy" else 16
            what = (
                f"{len(clip.truth)} crossings per camera at {RANGE_M:.0f} m, each seen"
                if kind == "busy"
                else "nobody in view"
            )
            rows.insert(
                start,
                BenchRow(
                    B,
                    f"{kind} cameras held at 5 fps",
                    float(best.cameras if best else 0),
                    "cameras",
                    f"{what}; <= {LATE_LIMIT:.0%} late frames; {clip.duration_s:.0f} s clip "
                    f"(H.264 1280x720, 10 fps); goal >= {goal}",
                ),
            )
            if best is not None:
                rows.append(
                    BenchRow(
                        B,
                        f"{kind}: peak memory with {best.cameras} cameras",
                        best.rss_mb,
                        "MB",
                        "process high-water mark (VmHWM); goal for 16 < 4096",
                    )
                )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_camera_hold")
    parser.add_argument("--only", choices=("busy", "quiet"), default=None)
    parser.add_argument("--counts", default=None, help="camera counts to try, e.g. 6,8,10")
    args = parser.parse_args(argv)
    kinds = [args.only] if args.only else ["busy", "quiet"]
    counts: dict[str, Sequence[int]] = {"busy": BUSY_COUNTS, "quiet": QUIET_COUNTS}
    if args.counts:
        try:
            chosen = tuple(int(c) for c in args.counts.split(","))
        except ValueError:
            print(f"--counts: numbers separated by commas, got {args.counts!r}", file=sys.stderr)
            return 2
        if not chosen or min(chosen) < 1:
            print(f"--counts: each at least 1, got {args.counts!r}", file=sys.stderr)
            return 2
        counts = dict.fromkeys(kinds, chosen)
    emit(run(kinds, counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
