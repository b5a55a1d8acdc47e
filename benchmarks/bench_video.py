"""Video benchmarks: decode rate, full camera pipeline rate, cameras held in real time,
memory, and tracking/crossing quality on the simulated ``border_walk`` scene.

Real footage (``vtest.avi``, 768×576, 10 fps) when ``../shared/data`` is present, else the
simulated scene (said in each note). Runs in about two minutes on 2 cores.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks.common import BenchRow, main_for, shared_data_dir
from kordon.analyze.job import AnalyzeJob
from kordon.analyze.options import AnalyzeOptions, LineSpec
from kordon.domain.event import Direction, Event
from kordon.domain.event import Frame as EventFrame
from kordon.rules.line_crossing import LineCrossingRule
from kordon.sim.ground_truth import crossings, mot_gt_rows
from kordon.sim.render import FrameTruth, Renderer
from kordon.sim.scenario import FixedCast
from kordon.sim.scenes import get_scene
from kordon.sim.source import SimulatedSource
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.pipeline import AnchoredRule, CameraPipeline
from kordon.video.source.clock import FakeClock
from kordon.video.source.decimate import Decimator
from kordon.video.source.file import FileSource
from kordon.video.source.frame import Frame

B = "video"
T0 = datetime(2024, 5, 1, tzinfo=UTC)
ANALYTICS_FPS = 5.0
HOLD_SECONDS = 8.0
HOLD_COUNTS = (1, 2, 4, 6, 8, 10)


def _pipeline(threads: int, line: tuple[tuple[float, float], ...] | None = None) -> CameraPipeline:
    rules = []
    if line is not None:
        rule = LineCrossingRule("l1", "cam", EventFrame.IMAGE, line, hysteresis_distance=20.0,
                                hysteresis_frames=2)  # fmt: skip
        rules.append(AnchoredRule(rule))
    p = CameraPipeline(
        "cam", NanoDetDetector(classes=["person", "car"], threads=threads), rules=rules
    )
    p.load()
    return p


def _sim_frames(fps: float | None) -> list[Frame]:
    scene = get_scene("border_walk", 0)
    source = SimulatedSource(Renderer(scene.scenario, scene.projector), T0)
    d = Decimator(fps)
    return [f for f in source.frames() if d.keep(f.pts_s)]


def _vtest() -> Path | None:
    data = shared_data_dir()
    path = data / "vtest.avi" if data is not None else None
    return path if path is not None and path.is_file() else None


def _decode_rows(video: Path | None) -> tuple[list[BenchRow], float]:
    if video is None:
        return [BenchRow(B, "decode-only rate", 0.0, "frames/s", "skipped: no vtest.avi")], 0.0
    t0 = time.perf_counter()
    with FileSource(video, clock=FakeClock(T0)) as src:
        n = sum(1 for _ in src.frames())
    rate = n / (time.perf_counter() - t0)
    return [BenchRow(B, "decode-only rate", rate, "frames/s", f"vtest.avi, {n} frames, BGR")], rate


def _analyze_rows(video: Path, decode_rate: float) -> list[BenchRow]:
    """``kordon analyze`` as the command runs it (decode prefetch thread, NanoDet 2 threads,
    5 fps), without and with the annotated MP4."""
    rows: list[BenchRow] = []
    for write_video in (False, True):
        with tempfile.TemporaryDirectory() as out:
            options = AnalyzeOptions(
                video,
                Path(out),
                lines=(LineSpec.parse("0,300,768,300", "l1"),),
                write_video=write_video,
            )
            summary = AnalyzeJob(options, start_time=T0).run()
        what = "with annotated MP4" if write_video else "--no-video"
        note = f"vtest.avi, kordon analyze {what}, NanoDet 2 threads, analytics 5 fps"
        source_rate = summary.frames_decoded / summary.wall_s
        rows += [
            BenchRow(
                B,
                f"analyze speed vs real time ({what})",
                summary.realtime_factor,
                "x",
                f"{note}; goal >= 8",
            ),
            BenchRow(B, f"analyze rate, source frames ({what})", source_rate, "frames/s", note),
        ]
        if decode_rate > 0:
            rows.append(
                BenchRow(
                    B,
                    f"analyze / decode-only rate ({what})",
                    source_rate / decode_rate,
                    "ratio",
                    "goal: near 0.5",
                )
            )
        if not write_video:
            rows.append(
                BenchRow(
                    B,
                    "frames skipped by motion gate",
                    summary.frames_skipped_by_gate,
                    "frames",
                    f"of {summary.frames_analysed}",
                )
            )
            for stage, ms in summary.stages_ms.items():
                rows.append(
                    BenchRow(
                        B,
                        f"stage {stage} mean",
                        ms["mean"],
                        "ms",
                        f"p95 {ms['p95']:.1f} ms; decode on its own thread",
                    )
                )
    return rows


def _pipeline_rows(video: Path | None, decode_rate: float) -> list[BenchRow]:
    if video is not None:
        return _analyze_rows(video, decode_rate)
    pipeline = _pipeline(threads=2)
    note = "simulated border_walk (no vtest.avi), NanoDet 2 threads, 5 fps"
    frames = _sim_frames(ANALYTICS_FPS)
    t0 = time.perf_counter()
    for frame in frames:
        pipeline.process(frame)
    n, video_s = len(frames), frames[-1].pts_s + 0.1
    wall = time.perf_counter() - t0
    stats = pipeline.stats()
    rows = [
        BenchRow(B, "analyze speed vs real time", video_s / wall, "x", f"{note}; goal >= 8"),
        BenchRow(B, "analysed frames per second", n / wall, "frames/s", note),
        BenchRow(B, "frames skipped by motion gate", stats.frames_skipped, "frames", f"of {n}"),
    ]
    for s in stats.stages:
        rows.append(BenchRow(B, f"stage {s.stage} mean", s.mean_ms, "ms", f"p95 {s.p95_ms:.1f} ms"))
    return rows


def _hold(frames: list[Frame], n_cameras: int) -> tuple[int, int, float]:
    """Run ``n_cameras`` paced pipelines (one detector thread each) for ``HOLD_SECONDS``;
    returns (late frames, frames, VmRSS MB with all loaded)."""
    pipelines = [_pipeline(threads=1) for _ in range(n_cameras)]
    rss = _rss_mb()
    late = [0] * n_cameras
    done = [0] * n_cameras
    period = 1.0 / ANALYTICS_FPS
    start = time.monotonic() + 0.5

    def worker(i: int) -> None:
        k = 0
        base = frames[0].pts_s
        while True:
            due = start + k * period
            if due - start >= HOLD_SECONDS:
                return
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            f = frames[k % len(frames)]
            loop = k // len(frames)
            shifted = Frame(f.image, k, f.pts_s - base + loop * len(frames) * period, T0)
            pipelines[i].process(shifted)
            if time.monotonic() > due + period:
                late[i] += 1
            done[i] += 1
            k += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_cameras)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(late), sum(done), rss


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1]) / 1024.0
    return 0.0


def _hold_rows(video: Path | None) -> list[BenchRow]:
    if video is not None:
        with FileSource(video, clock=FakeClock(T0), target_fps=ANALYTICS_FPS) as src:
            frames = [f for f in src.frames() if f.index < 300]
        what = "vtest.avi (people in every frame: the motion gate never skips)"
    else:
        frames = _sim_frames(ANALYTICS_FPS)
        what = "simulated border_walk"
    best, rss8 = 0, 0.0
    rows: list[BenchRow] = []
    for n in HOLD_COUNTS:
        late, total, rss = _hold(frames, n)
        if n == 8:
            rss8 = rss
        rows.append(BenchRow(B, f"late frames with {n} cameras", late, "frames", f"of {total}"))
        if late > 0:
            break
        best = n
    note = f"{what}; 5 fps each, threads, 1 ORT thread each, {HOLD_SECONDS:.0f} s per N"
    rows.insert(0, BenchRow(B, "cameras held in real time", best, "cameras", note + "; goal >= 8"))
    if rss8:
        rows.append(BenchRow(B, "memory with 8 cameras (VmRSS)", rss8, "MB", "goal < 4096"))
    return rows


def _quality_rows() -> list[BenchRow]:
    from tests.video.test_track_metrics import evaluate  # the shimmed motmetrics helper

    scene = get_scene("border_walk", 0)
    source = SimulatedSource(Renderer(scene.scenario, scene.projector), T0)
    pipeline = _pipeline(threads=2, line=scene.line)
    d = Decimator(ANALYTICS_FPS)
    hyp: list[list[float]] = []
    truths: list[FrameTruth] = []
    events: list[Event] = []
    for f in source.frames():
        if not d.keep(f.pts_s):
            continue
        r = pipeline.process(f)
        events.extend(r.events)
        truths.append(source.ground_truth(f.index))
        t = r.tracks[r.tracks.confirmed]
        for tid, (x1, y1, x2, y2) in zip(t.tracker_id.tolist(), t.xyxy_px.tolist(), strict=True):
            hyp.append([f.index + 1, tid, x1, y1, x2 - x1, y2 - y1, 1.0])
    gt = np.array([[float(v) for v in row.split(",")[:7]] for row in mot_gt_rows(truths)])
    m = evaluate(gt, np.asarray(hyp))
    note = "simulated border_walk, NanoDet, 5 fps, IoU 0.5"
    rows = [
        BenchRow(B, "MOTA", m["mota"], "", note),
        BenchRow(B, "IDF1", m["idf1"], "", note),
        BenchRow(B, "ID switches", m["num_switches"], "", note),
    ]
    assert isinstance(scene.scenario.cast, FixedCast)
    truth = crossings(scene.scenario.cast.actors, scene.line, clearance=scene.clearance)
    for direction in (Direction.IN, Direction.OUT):
        true_t = [c.time_s for c in truth if c.direction == direction]
        found_t = [(e.time - T0).total_seconds() for e in events if e.direction == direction]
        matched = Counter[int]()
        tp = 0
        for t_s in found_t:
            hit = next((i for i, g in enumerate(true_t) if abs(g - t_s) < 1.5 and not matched[i]),
                       None)  # fmt: skip
            if hit is not None:
                matched[hit] += 1
                tp += 1
        precision = tp / len(found_t) if found_t else 1.0
        recall = tp / len(true_t) if true_t else 1.0
        rows.append(BenchRow(B, f"crossing precision {direction.value}", precision, "",
                             f"{tp}/{len(found_t)}"))  # fmt: skip
        rows.append(BenchRow(B, f"crossing recall {direction.value}", recall, "",
                             f"{tp}/{len(true_t)}"))  # fmt: skip
    return rows


def _render_rows() -> list[BenchRow]:
    """The simulator's render time per frame (target < 5 ms), moved here from the unit tests."""
    renderer = Renderer(get_scene("border_walk", 0).scenario)
    renderer.load()
    frames = range(100, 160)
    t0 = time.perf_counter()
    for k in frames:
        renderer.render(k)
    ms = (time.perf_counter() - t0) / len(frames) * 1e3
    note = f"border_walk 768x576, {len(frames)} frames with people, target < 5 ms"
    return [BenchRow(B, "simulator render time", ms, "ms/frame", note)]


def bench_rows() -> list[BenchRow]:
    video = _vtest()
    rows, decode_rate = _decode_rows(video)
    rows += _render_rows()
    rows += _pipeline_rows(video, decode_rate)
    rows += _quality_rows()
    rows += _hold_rows(video)
    return rows


if __name__ == "__main__":
    main_for(bench_rows)
