"""Browser end-to-end test of the register and report pages against a real ``kordon run``.

Starts the all-in-one node on a temporary copy of the Volyn demo site (its demo register is
seeded at start), creates a logistics officer and a commander, then runs
``register.spec.mjs`` in Node, which drives Debian's Chromium through playwright-core: the
register list, search, an asset page, a status change and a transfer, an end-use check with
a photo from a phone (390x844, GPS granted), and a sector report downloaded as PDF. The
screenshots of each page are written to ``docs/screenshots/``.

Afterwards the API must hold what the browser did: the check with its position, made by the
officer, and its photo downscaled to 1600 px.

Skips with the reason (fails in CI) when Chromium, Node, ``web/node_modules`` or ``web/dist``
is missing.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.support.browser import CHROMIUM, require_browser
from tests.support.demo_site import (
    create_user,
    free_port,
    kordon_command,
    volyn_copy,
    wait_healthy,
)

LOGISTICS = ("e2e-logistics", "e2e-Logistics-Horse-42")
COMMANDER = ("e2e-commander", "e2e-Commander-Horse-42")
NODE_START_TIMEOUT_S = 90.0
SPEC_TIMEOUT_S = 420.0
SERIAL = "DEMO-CAM-0001"
SCREENSHOTS = {
    "register-list.png": (1366, 768),
    "register-asset.png": (1366, 768),
    "register-asset-forms.png": (1366, 768),
    "register-import-errors.png": (1366, 768),
    "register-check-phone.png": (390, 844),
    "reports.png": (1366, 768),
}


@dataclass(frozen=True)
class RunningNode:
    url: str
    log_file: Path


@pytest.fixture
def running_node(repo_root: Path, tmp_path: Path) -> Iterator[RunningNode]:
    require_browser(repo_root)
    site_file = volyn_copy(tmp_path)
    create_user(site_file, *LOGISTICS, "logistics")
    create_user(site_file, *COMMANDER, "commander")
    port = free_port()
    log_file = tmp_path / "node.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [*kordon_command(), "run", str(site_file), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=repo_root,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process, log_file, timeout_s=NODE_START_TIMEOUT_S)
            yield RunningNode(url=url, log_file=log_file)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_register_and_reports_in_chromium(running_node: RunningNode, repo_root: Path) -> None:
    shots = repo_root / "docs" / "screenshots"
    artifacts = repo_root / "test-artifacts" / "e2e-register"
    started = time.time()
    env = {
        **os.environ,
        "KORDON_URL": running_node.url,
        "LOGISTICS_USER": LOGISTICS[0],
        "LOGISTICS_PASSWORD": LOGISTICS[1],
        "COMMANDER_USER": COMMANDER[0],
        "COMMANDER_PASSWORD": COMMANDER[1],
        "SCREENSHOT_DIR": str(shots),
        "ARTIFACTS_DIR": str(artifacts),
        "CHROMIUM": str(CHROMIUM),
        "KORDON_WEB_DIR": str(repo_root / "web"),
    }
    result = subprocess.run(
        ["node", str(repo_root / "tests" / "e2e" / "register.spec.mjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=SPEC_TIMEOUT_S,
        check=False,
    )
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(running_node.log_file, artifacts / "node.log")
    assert result.returncode == 0, (
        f"register walk-through failed (see {artifacts}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    for name, size in SCREENSHOTS.items():
        shot = shots / name
        assert shot.is_file(), f"no screenshot {name}"
        assert shot.stat().st_mtime >= started - 1, f"{name} was not taken by this run"
        assert _png_size(shot) == size, f"{name} is {_png_size(shot)}, expected {size}"

    with httpx.Client(base_url=running_node.url, timeout=30.0) as client:
        login = client.post(
            "/api/auth/login", json={"username": LOGISTICS[0], "password": LOGISTICS[1]}
        )
        assert login.status_code == 200, login.text
        detail = client.get(f"/api/register/assets/{SERIAL}").json()
        checks = detail["checks"]
        assert len(checks) == 1, checks
        check = checks[0]
        assert check["checked_by"] == LOGISTICS[0]
        assert (round(check["lat"], 4), round(check["lon"], 4)) == (51.5512, 23.6021)
        assert check["accuracy_m"] == 8
        assert check["note"] == "Seen on the tower, label intact, camera working."
        photo = client.get(check["photo_url"])
        assert photo.status_code == 200
        assert photo.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(photo.content)) as image:
            assert image.format == "JPEG"
            assert image.size == (1600, 1200)  # the 2400x1800 PNG, downscaled in the browser
        kinds = [entry["kind"] for entry in detail["history"]]
        assert kinds == ["registered", "checked"], kinds
        lost = client.get("/api/register/assets/DEMO-BODYARMOUR-0012").json()["asset"]
        assert lost["status"] == "lost"
        assert lost["status_report"] == "Left behind at the old post, report no. E2E-1"
        issued = client.get("/api/register/assets/DEMO-BODYARMOUR-0011").json()["asset"]
        assert (issued["status"], issued["holder_id"]) == ("issued", "DEMO-G003")
