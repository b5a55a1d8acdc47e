"""``make screenshots``: the operator console as the README shows it.

Starts the all-in-one demo node on a temporary copy of the Volyn example site (as the browser
test does), then runs the operator walk-through (``operator.spec.mjs``) once per viewport with
``VIEWPORT`` and ``SCREENSHOT_DIR`` set, so its views land in ``docs/screenshots/`` as
``console-<view>-<width>x<height>.png``: the overview map with the alerts, the zoomed incident,
live video, playback and the evidence export.

    .venv/bin/python -m tests.e2e.screenshots [--out docs/screenshots] [--viewport 1366x768 ...]

Exits 1 with the reason when a run fails or a picture is missing or of the wrong size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

from tests.support.demo_site import (
    DemoSiteError,
    create_user,
    free_port,
    kordon_command,
    volyn_copy,
    wait_healthy,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
VIEWS = ("overview", "incident", "live", "playback", "export")
VIEWPORTS = ("1366x768", "1920x1080")
USERNAME = "duty-supervisor"
PASSWORD = "screenshots-Correct-Horse-42"
NODE_START_TIMEOUT_S = 180.0
SPEC_TIMEOUT_S = 600.0


class ScreenshotError(Exception):
    """A walk-through failed or left a picture missing."""


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ScreenshotError(f"{path} is not a PNG")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def parse_viewport(text: str) -> tuple[int, int]:
    width, sep, height = text.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise argparse.ArgumentTypeError(f"a viewport is WIDTHxHEIGHT, got {text!r}")
    return int(width), int(height)


def viewport_arg(text: str) -> str:
    """``--viewport``'s check: a WIDTHxHEIGHT string."""
    parse_viewport(text)
    return text


def run_walkthrough(url: str, viewport: str, out: Path, work: Path) -> None:
    """One walk-through at ``viewport``; its views are written into ``out``."""
    artifacts = REPO_ROOT / "test-artifacts" / "screenshots" / viewport
    if artifacts.is_dir():
        shutil.rmtree(artifacts)
    env = {
        **os.environ,
        "KORDON_URL": url,
        "KORDON_USER": USERNAME,
        "KORDON_PASSWORD": PASSWORD,
        "VIEWPORT": viewport,
        "SCREENSHOT_DIR": str(out),
        "ARTIFACTS_DIR": str(artifacts),
        "EXPORT_FILE": str(work / f"export-{viewport}.zip"),
        "KORDON_WEB_DIR": str(REPO_ROOT / "web"),
    }
    print(f"screenshots: walking through the console at {viewport}", flush=True)
    done = subprocess.run(
        ["node", str(REPO_ROOT / "tests" / "e2e" / "operator.spec.mjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=SPEC_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise ScreenshotError(
            f"the walk-through at {viewport} failed (see {artifacts}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    want = parse_viewport(viewport)
    for view in VIEWS:
        picture = out / f"console-{view}-{viewport}.png"
        if not picture.is_file():
            raise ScreenshotError(f"the walk-through wrote no {picture}")
        if png_size(picture) != want:
            raise ScreenshotError(f"{picture} is {png_size(picture)}, expected {want}")
        print(f"screenshots: {picture}", flush=True)


def slow_analytics(site_file: Path, fps: float) -> None:
    """Run every camera's analytics at ``fps``: on a machine too loaded for the demo's rate the
    cameras' observations reach the site picture too late to count, and the demo's crossings
    then come from the radar alone (no camera frame, no clip)."""
    config = yaml.safe_load(site_file.read_text(encoding="utf-8"))
    for camera in config.get("cameras", []):
        camera.setdefault("analytics", {})["fps"] = fps
    site_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def take(out: Path, viewports: Sequence[str], analytics_fps: float | None = None) -> None:
    """Start a demo node, walk through the console at each viewport, stop the node."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kordon-screenshots-") as tmp:
        work = Path(tmp)
        site_file = volyn_copy(work)
        if analytics_fps is not None:
            slow_analytics(site_file, analytics_fps)
        create_user(site_file, USERNAME, PASSWORD, "supervisor")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_file = work / "node.log"
        with log_file.open("wb") as log:
            node = subprocess.Popen(
                [
                    *kordon_command(),
                    "run",
                    str(site_file),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
            )
            try:
                wait_healthy(url, node, log_file, timeout_s=NODE_START_TIMEOUT_S)
                for viewport in viewports:
                    run_walkthrough(url, viewport, out, work)
            finally:
                node.terminate()
                try:
                    node.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    node.kill()
                    node.wait(timeout=5)
                logs = REPO_ROOT / "test-artifacts" / "screenshots"
                logs.mkdir(parents=True, exist_ok=True)
                shutil.copy(log_file, logs / "node.log")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--viewport", action="append", type=viewport_arg, help="WIDTHxHEIGHT (repeat); default both"
    )
    parser.add_argument(
        "--analytics-fps",
        type=float,
        default=None,
        help="run the cameras' analytics at this rate (a loaded machine); default the demo's",
    )
    args = parser.parse_args(argv)
    viewports: list[str] = args.viewport or list(VIEWPORTS)
    try:
        take(args.out.resolve(), viewports, args.analytics_fps)
    except (ScreenshotError, DemoSiteError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"screenshots: FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
