"""``kordon run`` as IT staff use it: healthy within 60 s, Ctrl-C stops it within 5 s."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _site(repo_root: Path, tmp_path: Path) -> Path:
    site_dir = tmp_path / "site"
    shutil.copytree(repo_root / "examples/volyn", site_dir, ignore=shutil.ignore_patterns("var"))
    site = site_dir / "site.yaml"
    config = yaml.safe_load(site.read_text(encoding="utf-8"))
    config["site"]["data_dir"] = str(tmp_path / "data")
    site.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return site


def _health(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return dict(json.loads(response.read()))
    except (urllib.error.URLError, OSError):
        return None


def test_run_answers_healthz_and_stops_cleanly_on_ctrl_c(repo_root: Path, tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    kordon = Path(sys.executable).with_name("kordon")
    log = (tmp_path / "node.log").open("w")
    process = subprocess.Popen(
        [str(kordon), "run", str(_site(repo_root, tmp_path)), "--port", str(port)],
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
