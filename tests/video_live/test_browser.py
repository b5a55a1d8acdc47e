"""Live video and playback in real Chromium, against a real server (``harness.py``).

Runs ``video.spec.mjs`` in Node (playwright-core driving Debian's Chromium): the Cameras
tab plays the live video (its ``currentTime`` advances), the grid plays every camera, the
playback timeline shows the recorded footage and a click on it plays the recording. Then
every video access is in the audit log. Screenshots land in ``test-artifacts/video/``.
Skips with the reason when Chromium, Node, ``web/node_modules`` or ``web/dist`` is missing.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.api.fakes import PASSWORD
from tests.support.browser import CHROMIUM, require_browser
from tests.video_live.harness import video_server

SPEC_TIMEOUT_S = 240.0


def run_spec(
    repo_root: Path, url: str, artifacts: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KORDON_URL": url,
        "KORDON_USER": "operator-all",
        "KORDON_PASSWORD": PASSWORD,
        "ARTIFACTS_DIR": str(artifacts),
        "CHROMIUM": str(CHROMIUM),
        "KORDON_WEB_DIR": str(repo_root / "web"),
        **extra,
    }
    return subprocess.run(
        ["node", str(repo_root / "tests" / "video_live" / "video.spec.mjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=SPEC_TIMEOUT_S,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_live_video_grid_and_playback_in_chromium(repo_root: Path, tmp_path: Path) -> None:
    require_browser(repo_root)
    artifacts = repo_root / "test-artifacts" / "video"
    artifacts.mkdir(parents=True, exist_ok=True)
    with video_server(tmp_path, repo_root / "web" / "dist") as server:
        result = run_spec(repo_root, server.url, artifacts)
        audit = [
            (r.action, r.outcome, r.subject)
            for r in server.site.audit.recent(100)
            if r.action.startswith("view_")
        ]
    assert result.returncode == 0, (
        f"browser walk-through failed (screenshots in {artifacts}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    assert "live video plays" in result.stdout
    assert "grid: every camera plays" in result.stdout
    assert "playback plays" in result.stdout
    for name in ("live", "grid", "playback"):
        assert any(artifacts.glob(f"*-{name}.png")), f"no screenshot of step {name!r}"
    # every video access audited: each live view opened and closed, the playback request
    for camera in ("camera:cam1", "camera:cam2"):
        assert ("view_live", "started", camera) in audit
        assert ("view_live", "ended", camera) in audit
    started = sum(1 for a in audit if a[:2] == ("view_live", "started"))
    ended = sum(1 for a in audit if a[:2] == ("view_live", "ended"))
    assert started == ended == 3  # live cam1, then the grid's cam1 and cam2
    assert ("view_playback", "ok", "camera:cam1") in audit
