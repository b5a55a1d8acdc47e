"""Live video glass-to-glass delay on loopback, read back in the browser.

A simulated camera renders in real time and burns the wall time of each frame's render into
its top-left corner (``kordon.video.live.clock_stamp``). The frame then travels the whole
live path: H.264 encoding (libx264, zerolatency), the live stream's fMP4 packaging, the
WebSocket, Media Source Extensions and the decoder of a headless Chromium. In the page, the
Cameras tab's player draws the frame on screen into a canvas on every animation frame,
decodes the burned-in clock and records ``Date.now() − clock`` once per new frame. Browser
and server share one machine, so one clock. Goal (issue 11): p95 ≤ 1500 ms.

Usage: ``python -m benchmarks.bench_live_video [seconds]`` (default 30); prints the figures
and, last, the JSON rows ``python -m benchmarks`` collects.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import REPO_ROOT, BenchRow, main_for
from tests.video_live.harness import video_server
from tests.video_live.test_browser import run_spec

MEASURE_S = 30.0
WARM_UP_S = 4.0
GOAL_MS = 1500.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(seconds: float) -> list[float]:
    """Delays (ms) of every frame shown during ``seconds`` of live view."""
    artifacts = REPO_ROOT / "test-artifacts" / "bench-live-video"
    artifacts.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        video_server(Path(tmp), REPO_ROOT / "web" / "dist", burn_clock=True) as server,
    ):
        time.sleep(WARM_UP_S)  # the camera's first segments and keyframes
        result = run_spec(REPO_ROOT, server.url, artifacts, MEASURE_S=str(seconds))
    if result.returncode != 0:
        raise RuntimeError(
            f"the browser run failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    line = next(
        (x for x in reversed(result.stdout.splitlines()) if x.startswith('{"delays_ms"')), None
    )
    if line is None:
        raise RuntimeError(f"no delays in the browser's output:\n{result.stdout[-2000:]}")
    delays = [float(v) for v in json.loads(line)["delays_ms"]]
    if not delays:
        raise RuntimeError("the browser read no burned-in clock from the live video")
    return delays


def bench_rows(seconds: float = MEASURE_S) -> list[BenchRow]:
    delays = measure(seconds)
    note = (
        f"{len(delays)} frames over {seconds:.0f} s, simulated camera 768x576 at 10 fps, "
        "render → x264 → fMP4 → WebSocket → MSE → on screen in headless Chromium"
    )
    p50, p95 = statistics.median(delays), _percentile(delays, 0.95)
    rows = [
        BenchRow("live_video", "glass-to-glass delay p50", p50, "ms", note),
        BenchRow("live_video", "glass-to-glass delay p95", p95, "ms", f"goal <= {GOAL_MS:.0f} ms"),
        BenchRow("live_video", "glass-to-glass delay max", max(delays), "ms", note),
        BenchRow("live_video", "frames measured", float(len(delays)), "frames", note),
    ]
    print(
        f"live video glass-to-glass: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(delays):.0f} ms "
        f"over {len(delays)} frames (goal p95 <= {GOAL_MS:.0f} ms: "
        f"{'met' if p95 <= GOAL_MS else 'NOT met'})",
        file=sys.stderr,
    )
    return rows


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else MEASURE_S
    main_for(lambda: bench_rows(seconds))
