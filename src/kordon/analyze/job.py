"""``AnalyzeJob``: one video file through one ``CameraPipeline``, results to a folder."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kordon.analyze.annotate import ImageBGR, annotate
from kordon.analyze.options import AnalyzeError, AnalyzeOptions, ModelKind
from kordon.analyze.prefetch import Prefetcher
from kordon.analyze.summary import AnalyzeSummary, RuleCounts
from kordon.analyze.video_writer import AnnotatedVideoWriter
from kordon.analyze.writers import EventsWriter, MotWriter
from kordon.domain.errors import KordonError
from kordon.domain.event import Frame as EventFrame
from kordon.domain.time import require_utc
from kordon.rules.line_crossing import LineCrossingRule
from kordon.rules.zone import ZoneRule
from kordon.video.detectors.base import Detector
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.detectors.ssdlite import SsdLitePersonDetector
from kordon.video.detectors.yolo import YoloDetector
from kordon.video.motion.detector import MotionOnlyDetector
from kordon.video.pipeline import AnchoredRule, CameraPipeline, FrameResult
from kordon.video.pipeline.filtering import DetectionFilter
from kordon.video.source.clock import FakeClock
from kordon.video.source.file import FileSource
from kordon.video.source.frame import Frame

logger = logging.getLogger(__name__)

SOURCE_ID = "analyze"
LINE_HYSTERESIS_PX = 8.0
LINE_HYSTERESIS_FRAMES = 2
PREFETCH_DEPTH = 4
"""Decoded frames held ahead of the pipeline (768×576 BGR: 1.3 MB each)."""


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    """Sent after each analysed frame; ``frames_total`` is the container's claim (or None)."""

    frames_decoded: int
    frames_total: int | None
    frames_analysed: int
    analysed_fps: float
    realtime_factor: float


def _detector(options: AnalyzeOptions) -> Detector:
    model = options.model
    if model.kind is ModelKind.NANODET:
        return NanoDetDetector(classes=list(options.classes), threads=options.threads)
    if model.kind is ModelKind.SSDLITE:
        return SsdLitePersonDetector(threads=options.threads)
    if model.kind is ModelKind.YOLO:
        if model.path is None or not model.path.is_file():
            raise AnalyzeError(f"--model yolo: model file {model.path} not found")
        return YoloDetector(model.path, classes=list(options.classes), threads=options.threads)
    return MotionOnlyDetector()


def _rules(options: AnalyzeOptions) -> list[AnchoredRule]:
    rules: list[AnchoredRule] = []
    for line in options.lines:
        rule = LineCrossingRule(
            line.rule_id,
            SOURCE_ID,
            EventFrame.IMAGE,
            [line.start_xy, line.end_xy],
            hysteresis_distance=LINE_HYSTERESIS_PX,
            hysteresis_frames=LINE_HYSTERESIS_FRAMES,
        )
        rules.append(AnchoredRule(rule))
    for zone in options.zones:
        rules.append(
            AnchoredRule(
                ZoneRule(zone.rule_id, SOURCE_ID, EventFrame.IMAGE, zone.polygon_xy),
            )
        )
    return rules


class AnalyzeJob:
    """Analyses ``options.video``; ``start_time`` stamps the first frame (UTC), so two runs
    of the same file give identical events and tracks (event ids aside: they are random).

    Cheap to construct; ``run()`` does everything and raises ``AnalyzeError`` on bad input.
    """

    def __init__(self, options: AnalyzeOptions, *, start_time: datetime) -> None:
        self.options = options
        self.start_time = require_utc(start_time, name="start_time")

    def build_pipeline(self) -> CameraPipeline:
        o = self.options
        motion = o.model.kind is ModelKind.MOTION
        try:
            return CameraPipeline(
                SOURCE_ID,
                _detector(o),
                rules=_rules(o),
                detection_filter=DetectionFilter(classes=None if motion else o.classes),
                run_motion=not motion,
            )
        except AnalyzeError:
            raise
        except KordonError as exc:
            raise AnalyzeError(str(exc)) from exc

    def run(self, progress: Callable[[ProgressUpdate], None] | None = None) -> AnalyzeSummary:
        o = self.options
        if not o.video.is_file():
            raise AnalyzeError(f"{o.video}: no such file")
        pipeline = self.build_pipeline()
        source = FileSource(o.video, clock=FakeClock(self.start_time), target_fps=o.fps)
        try:
            info = source.open()
        except KordonError as exc:
            raise AnalyzeError(f"{o.video}: not a readable video ({exc})") from exc
        try:
            o.out_dir.mkdir(parents=True, exist_ok=True)
            pipeline.load()
        except (OSError, KordonError) as exc:
            source.close()
            raise AnalyzeError(str(exc)) from exc
        outputs = {
            "events": o.out_dir / "events.jsonl",
            "tracks": o.out_dir / "tracks.txt",
            "summary": o.out_dir / "summary.json",
        }
        video: AnnotatedVideoWriter | None = None
        if o.write_video:
            outputs["video"] = o.out_dir / "annotated.mp4"
            video = AnnotatedVideoWriter(
                outputs["video"],
                width_px=info.width_px,
                height_px=info.height_px,
                fps=o.fps or info.nominal_fps or 10.0,
            )
        counts = RuleCounts()
        confirmed: set[int] = set()
        n_events = analysed = decoded = 0
        last_pts = 0.0
        t_start = time.perf_counter()
        # decode + colour conversion run ahead on their own thread, overlapping detection
        frames = Prefetcher(_checked(source.frames(), o.video), depth=PREFETCH_DEPTH,
                            name="analyze-decode")  # fmt: skip
        try:
            if video is not None:
                video.open()
            frames.start()
            with (
                EventsWriter(outputs["events"]) as events_out,
                MotWriter(outputs["tracks"]) as mot_out,
            ):
                for fetched in frames:
                    frame = fetched.item
                    result = pipeline.process(frame, decode_ms=fetched.fetch_ms)
                    analysed += 1
                    decoded = frame.index + 1
                    last_pts = frame.pts_s
                    events_out.write(result.events)
                    mot_out.write(frame.index, result.tracks)
                    n_events += len(result.events)
                    for event in result.events:
                        counts.add(event)
                    confirmed.update(result.tracks.tracker_id[result.tracks.confirmed].tolist())
                    if video is not None:
                        video.write(self._draw(frame, result, counts), frame.pts_s)
                    if progress is not None:
                        wall = max(time.perf_counter() - t_start, 1e-9)
                        progress(
                            ProgressUpdate(
                                decoded,
                                info.frame_count,
                                analysed,
                                analysed / wall,
                                (last_pts + _period(info.nominal_fps)) / wall,
                            )
                        )
        except OSError as exc:
            raise AnalyzeError(f"cannot write results to {o.out_dir}: {exc}") from exc
        finally:
            frames.close()  # the decode thread stops before its container is closed
            source.close()
            if video is not None:
                video.close()
        if analysed == 0:
            raise AnalyzeError(f"{o.video}: no frame could be decoded")
        wall_s = time.perf_counter() - t_start
        video_s = last_pts + _period(info.nominal_fps)
        stats = pipeline.stats()
        summary = AnalyzeSummary(
            video=str(o.video),
            width_px=info.width_px,
            height_px=info.height_px,
            source_fps=info.nominal_fps,
            analytics_fps=o.fps,
            frames_decoded=decoded,
            frames_analysed=analysed,
            frames_skipped_by_gate=stats.frames_skipped,
            video_s=round(video_s, 3),
            wall_s=round(wall_s, 3),
            analysed_fps=round(analysed / wall_s, 2),
            realtime_factor=round(video_s / wall_s, 2),
            stages_ms={
                s.stage: {"mean": round(s.mean_ms, 3), "p95": round(s.p95_ms, 3)}
                for s in stats.stages
            },
            lines={
                line.rule_id: counts.lines.get(line.rule_id, {"in": 0, "out": 0})
                for line in o.lines
            },
            zones={z.rule_id: counts.zones.get(z.rule_id, {}) for z in o.zones},
            events=n_events,
            confirmed_tracks=len(confirmed),
            decode_errors=source.decode_errors,
            outputs={k: str(v) for k, v in outputs.items()},
        )
        summary.write(outputs["summary"])
        return summary

    def _draw(self, frame: Frame, result: FrameResult, counts: RuleCounts) -> ImageBGR:
        o = self.options
        return annotate(frame.image, result.tracks, o.lines, o.zones, counts.lines)


def _period(fps: float) -> float:
    return 1.0 / fps if fps > 0 else 0.0


def _checked(frames: Iterator[Frame], path: Path) -> Iterator[Frame]:
    """The frames; decode failures become ``AnalyzeError`` naming the file."""
    try:
        yield from frames
    except KordonError as exc:
        raise AnalyzeError(f"{path}: {exc}") from exc
