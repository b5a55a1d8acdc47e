"""The simulated frame source: frames, times, pacing, ground truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kordon.sim.errors import SimulationError
from kordon.sim.render import Renderer
from kordon.sim.scenes import border_walk, demo
from kordon.sim.source import SimulatedSource
from kordon.video.source.clock import FakeClock
from kordon.video.source.frame import Frame

START = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def test_frames_carry_index_pts_and_utc_time() -> None:
    scene = border_walk()
    source = SimulatedSource(Renderer(scene.scenario, scene.projector), START, duration_s=1.0)
    frames = list(source)
    assert len(frames) == 10
    assert all(isinstance(f, Frame) for f in frames)
    assert [f.index for f in frames] == list(range(10))
    assert frames[3].pts_s == pytest.approx(0.3)
    assert frames[3].time == START + timedelta(seconds=0.3)
    assert frames[0].resolution_wh == (768, 576)
    assert source.info.nominal_fps == 10.0
    assert source.ground_truth(3) == Renderer(scene.scenario).truth(3)
    assert source.ground_truth(9).frame_index == 9


def test_realtime_pacing_uses_the_injected_clock() -> None:
    scene = border_walk()
    clock = FakeClock(START)
    source = SimulatedSource(
        Renderer(scene.scenario), START, duration_s=0.5, realtime=True, clock=clock
    )
    assert len(list(source)) == 5
    assert sum(clock.sleeps) == pytest.approx(0.4)
    assert clock.monotonic() == pytest.approx(0.4)


def test_endless_demo_keeps_going() -> None:
    source = SimulatedSource(Renderer(demo().scenario), START)
    assert source.frame_count is None
    it = iter(source)
    for _ in range(3):
        next(it)
    assert source.ground_truth(10_000).frame_index == 10_000


def test_bad_arguments_are_refused() -> None:
    renderer = Renderer(border_walk().scenario)
    with pytest.raises(ValueError, match="timezone-aware"):
        SimulatedSource(renderer, datetime(2025, 1, 1))
    with pytest.raises(SimulationError, match="duration_s"):
        SimulatedSource(renderer, START, duration_s=0.0)
    with pytest.raises(SimulationError, match="needs a clock"):
        SimulatedSource(renderer, START, realtime=True)
    with pytest.raises(SimulationError, match="needs a clock"):
        SimulatedSource(renderer, None)
    source = SimulatedSource(renderer, START, duration_s=1.0)
    with pytest.raises(SimulationError, match="outside"):
        source.ground_truth(10)
    local = SimulatedSource(renderer, datetime(2025, 1, 1, 14, tzinfo=timezone(timedelta(hours=2))))
    assert local.start_time == datetime(2025, 1, 1, 12, tzinfo=UTC)
