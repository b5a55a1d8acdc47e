"""``kordon run`` as IT staff use it: healthy within 60 s, Ctrl-C stops it within 5 s."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.demo_site import free_port, kordon_command, volyn_copy


def _health(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return dict(json.loads(response.read()))
    except (urllib.error.URLError, OSError):
        return None


def test_run_answers_healthz_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "node.log").open("w")
    process = subprocess.Popen(
        [*kordon_command(), "run", str(volyn_copy(tmp_path)), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        started = time.monotonic()
        health = None
        while time.monotonic() - started < 60 and process.poll() is None:
            health = _health(url)
            if health is not None and health["status"] == "ok":
                break
            time.sleep(0.25)
        assert health is not None, (tmp_path / "node.log").read_text()
        assert health["status"] == "ok"
        names = {s["name"] for s in health["services"]}  # type: ignore[attr-defined]
        assert {"store", "ledger", "camera:cam-1", "recorder:cam-1", "api"} <= names
        process.send_signal(signal.SIGINT)
        stopping = time.monotonic()
        code = process.wait(timeout=10)
        assert time.monotonic() - stopping < 5.0
        assert code == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    text = (tmp_path / "node.log").read_text()
    assert "stopped store" in text  # the last service stopped: everything went down in order
    assert "Traceback" not in text
