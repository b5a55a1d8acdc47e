"""The whole pipeline on the simulator's ``border_walk`` scene, against its exact truth."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest

from kordon.domain.event import Direction, Event, Frame
from kordon.rules.line_crossing import LineCrossingRule
from kordon.sim.ground_truth import crossings, mot_gt_rows
from kordon.sim.render import FrameTruth, Renderer
from kordon.sim.scenario import FixedCast
from kordon.sim.scenes import Scene, get_scene
from kordon.sim.source import SimulatedSource
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.pipeline import AnchoredRule, CameraPipeline, PipelineStats
from kordon.video.source.decimate import Decimator
from tests.video.test_track_metrics import evaluate

T0 = datetime(2024, 5, 1, tzinfo=UTC)
ANALYTICS_FPS = 5.0


@dataclass(frozen=True)
class Run:
    scene: Scene
    events: list[Event]
    hyp: np.ndarray
    truths: list[FrameTruth]
    stats: PipelineStats


@pytest.fixture(scope="module")
def border_walk_run() -> Run:
    scene = get_scene("border_walk", 0)
    source = SimulatedSource(Renderer(scene.scenario, scene.projector), T0)
    rule = LineCrossingRule(
        "line-1",
        "cam-sim",
        Frame.IMAGE,
        scene.line,
        hysteresis_distance=scene.clearance,
        hysteresis_frames=2,
    )
    pipeline = CameraPipeline(
        "cam-sim",
        NanoDetDetector(classes=["person", "car"], threads=2),
        rules=[AnchoredRule(rule)],
    )
    pipeline.load()
    decimator = Decimator(ANALYTICS_FPS)
    events: list[Event] = []
    hyp: list[list[float]] = []
    truths: list[FrameTruth] = []
    for f in source.frames():
        if not decimator.keep(f.pts_s):
            continue
        result = pipeline.process(f)
        events.extend(result.events)
        truths.append(source.ground_truth(f.index))
        t = result.tracks[result.tracks.confirmed]
        for tid, (x1, y1, x2, y2) in zip(t.tracker_id.tolist(), t.xyxy_px.tolist(), strict=True):
            hyp.append([f.index + 1, tid, x1, y1, x2 - x1, y2 - y1, 1.0])
    return Run(scene, events, np.asarray(hyp, np.float64), truths, pipeline.stats())


@pytest.mark.slow
def test_every_crossing_found_with_its_direction_and_nothing_else(border_walk_run: Run) -> None:
    scene = border_walk_run.scene
    assert isinstance(scene.scenario.cast, FixedCast)
    truth = crossings(scene.scenario.cast.actors, scene.line, clearance=scene.clearance)
    expected = Counter(c.direction for c in truth)
    assert expected == {Direction.IN: 2, Direction.OUT: 4}  # the scene's own truth
    events = border_walk_run.events
    assert Counter(e.direction for e in events) == expected
    assert all(e.source_id == "cam-sim" and e.frame is Frame.IMAGE for e in events)
    assert all(e.class_name == "person" for e in events)
    # each event lies within 1.5 s of a true crossing of the same direction
    for e in events:
        t_s = (e.time - T0).total_seconds()
        assert any(c.direction == e.direction and abs(c.time_s - t_s) < 1.5 for c in truth)
    # one track per crossing: the loiterer and the wobbler gave nothing
    assert len({e.track_id for e in events}) == len(truth)


@pytest.mark.slow
def test_tracking_quality_floors(border_walk_run: Run) -> None:
    gt = np.array(
        [[float(v) for v in row.split(",")[:7]] for row in mot_gt_rows(border_walk_run.truths)]
    )
    m = evaluate(gt, border_walk_run.hyp)
    # measured: MOTA 0.796, IDF1 0.887, 0 false positives, 0-1 switches
    assert m["mota"] >= 0.75
    assert m["idf1"] >= 0.83
    assert m["num_switches"] <= 2


@pytest.mark.slow
def test_motion_gate_skipped_the_empty_start(border_walk_run: Run) -> None:
    stats = border_walk_run.stats
    assert stats.frames == 225
    assert stats.frames_skipped >= 20  # measured 53: before walkers appear and between them
    assert stats.full_passes + stats.region_passes + stats.frames_skipped == stats.frames
