"""Browser end-to-end test: the operator UI against a real ``kordon run`` node.

Starts the all-in-one node on a temporary copy of the Volyn example site (free port, data in a
temporary directory), creates an operator account, then runs ``operator.spec.mjs`` in Node,
which drives Debian's Chromium through playwright-core: log in, map with border and camera,
two alerts, open the incident (the crossing snapshot), acknowledge, dispatch a patrol unit,
play its clip from the crossing mark, play the camera live, scrub playback, resolve, export
the evidence from the pane with a reason and download it, close. The downloaded bundle is
then verified offline with ``kordon verify`` (and fails it with one byte flipped).
Screenshots of every step land in ``test-artifacts/e2e/``.

Skips with the reason when Chromium, Node, ``web/node_modules``, ``web/dist`` or the
``kordon user create`` command is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, require_browser
from tests.support.demo_site import (
    create_user,
    free_port,
    kordon_command,
    volyn_copy,
    wait_healthy,
)

USERNAME = "e2e-operator"
PASSWORD = "e2e-Correct-Horse-42"
NODE_START_TIMEOUT_S = 60.0
SPEC_TIMEOUT_S = 480.0
EXPORT_REASON = "e2e walk-through: evidence for the border guard report"  # as the spec types it


@dataclass(frozen=True)
class RunningNode:
    url: str
    site_file: Path
    log_file: Path


def _check_integration(url: str) -> None:
    """Fail early, with the reason, when the node does not serve the UI and the API."""
    try:
        with urllib.request.urlopen(f"{url}/", timeout=5) as response:
            page = response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        exc.close()
        pytest.fail(f"the node serves no web UI at / (HTTP {exc.code}): is web/dist mounted?")
    if 'id="app"' not in page:
        pytest.fail("the node's / is not the Kordon web UI")
    request = urllib.request.Request(
        f"{url}/api/auth/login", data=b"{}", headers={"Content-Type": "application/json"}
    )
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 404:
            pytest.fail("the node has no /api/auth/login: are the API routers included?")


@pytest.fixture
def running_node(repo_root: Path, tmp_path: Path) -> Iterator[RunningNode]:
    require_browser(repo_root)
    kordon = kordon_command()
    site_file = volyn_copy(tmp_path)
    create_user(site_file, USERNAME, PASSWORD, "supervisor")
    port = free_port()
    log_file = tmp_path / "node.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [*kordon, "run", str(site_file), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=repo_root,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process, log_file, timeout_s=NODE_START_TIMEOUT_S)
            _check_integration(url)
            yield RunningNode(url=url, site_file=site_file, log_file=log_file)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.mark.slow
@pytest.mark.timeout(660)
def test_operator_walkthrough(running_node: RunningNode, repo_root: Path, tmp_path: Path) -> None:
    artifacts = repo_root / "test-artifacts" / "e2e"
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.glob("*.png"):
        old.unlink()  # a step that fails to run must not pass on an earlier run's picture
    bundle = tmp_path / "downloads" / "export-ui.zip"
    bundle.parent.mkdir()
    env = {
        **os.environ,
        "KORDON_URL": running_node.url,
        "KORDON_USER": USERNAME,
        "KORDON_PASSWORD": PASSWORD,
        "ARTIFACTS_DIR": str(artifacts),
        "CHROMIUM": str(CHROMIUM),
        "KORDON_WEB_DIR": str(repo_root / "web"),
        "EXPORT_FILE": str(bundle),
    }
    result = subprocess.run(
        ["node", str(repo_root / "tests" / "e2e" / "operator.spec.mjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=SPEC_TIMEOUT_S,
        check=False,
    )
    shutil.copy(running_node.log_file, artifacts / "node.log")
    assert result.returncode == 0, (
        f"browser walk-through failed (screenshots in {artifacts}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    steps = (
        *("login", "map", "alerts", "incident", "acknowledged", "dispatched", "clip"),
        *("live", "playback", "resolved", "export", "closed"),
    )
    for name in steps:
        assert any(artifacts.glob(f"*-{name}.png")), f"no screenshot of step {name!r}"
    _verify_download(bundle, artifacts)


def _verify_download(bundle: Path, artifacts: Path) -> None:
    """The bundle downloaded from the pane is the one the pane announced, records the reason
    typed there, and verifies offline; one flipped byte fails it."""
    assert bundle.is_file(), "the walk-through downloaded no bundle"
    shutil.copy(bundle, artifacts / "export-ui.zip")
    announced = (bundle.parent / f"{bundle.name}.sha256").read_text().strip()
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == announced
    with zipfile.ZipFile(bundle) as archive:
        evidence = [i for i in archive.infolist() if i.filename.startswith("files/")]
        manifest = json.loads(archive.read("manifest.json"))
    assert evidence, "the bundle holds the incident's files"
    assert manifest["reason"] == EXPORT_REASON
    assert manifest["exported_by"] == USERNAME
    ok = subprocess.run(
        [*kordon_command(), "verify", str(bundle)], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"bundle {bundle}: OK: {len(evidence)} file(s)" in ok.stdout, ok.stdout
    # flip one byte in the middle of the largest evidence file's stored data
    target = max(evidence, key=lambda i: i.file_size)
    data = bytearray(bundle.read_bytes())
    start = target.header_offset + 30 + len(target.filename.encode()) + len(target.extra)
    assert data[start : start + target.file_size] == _member_bytes(bundle, target.filename)
    data[start + target.file_size // 2] ^= 0x01
    tampered = artifacts / "export-tampered.zip"
    tampered.write_bytes(bytes(data))
    bad = subprocess.run(
        [*kordon_command(), "verify", str(tampered)], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"bundle {tampered}: FAILED" in bad.stdout, bad.stdout
    assert f"{target.filename}: content differs from the manifest" in bad.stdout, bad.stdout


def _member_bytes(bundle: Path, name: str) -> bytes:
    with zipfile.ZipFile(bundle) as archive:
        return archive.read(name)
