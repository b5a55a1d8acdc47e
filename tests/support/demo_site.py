"""Running the Volyn demo site for tests and benchmarks: a temporary copy, a free port,
an account, and waiting for ``/healthz``. One place, so every caller starts it the same way."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import yaml

from kordon.domain.errors import KordonError

REPO_ROOT = Path(__file__).resolve().parents[2]


class DemoSiteError(KordonError):
    """The demo node could not be prepared or did not become healthy."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kordon_command() -> list[str]:
    """The ``kordon`` script of this virtualenv (or the module when it is not installed)."""
    script = Path(sys.executable).with_name("kordon")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kordon.cli.main"]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def volyn_copy(directory: Path) -> Path:
    """The Volyn example copied into ``directory/site`` with its data in ``directory/data``."""
    site_dir = directory / "site"
    shutil.copytree(
        REPO_ROOT / "examples" / "volyn", site_dir, ignore=shutil.ignore_patterns("var")
    )
    site_file = site_dir / "site.yaml"
    config = yaml.safe_load(site_file.read_text(encoding="utf-8"))
    config["site"]["data_dir"] = str(directory / "data")
    for sensor in config.get("sensors", []):
        if sensor.get("kind") == "mavlink" and str(sensor.get("url", "")).startswith("udpin:"):
            # parallel demo nodes (tests, benchmarks) must not fight over one UDP port
            sensor["url"] = f"udpin:127.0.0.1:{free_udp_port()}"
        if sensor.get("kind") == "radar_asterix":
            sensor["udp_port"] = free_udp_port()
    for notifier in config.get("notifiers", []):
        if notifier.get("kind") == "cot":  # the demo's TAK link: loopback UDP both ways
            if notifier.get("listen_udp"):
                notifier["listen_udp"] = f"127.0.0.1:{free_udp_port()}"
            if str(notifier.get("url", "")).startswith("udp://127.0.0.1:"):
                notifier["url"] = f"udp://127.0.0.1:{free_udp_port()}"
    site_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return site_file


def create_user(site_file: Path, username: str, password: str, role: str) -> None:
    done = subprocess.run(
        [
            *kordon_command(),
            "user",
            "create",
            str(site_file),
            "--username",
            username,
            "--role",
            role,
            "--password-stdin",
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise DemoSiteError(f"kordon user create failed:\n{done.stdout}{done.stderr}")


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], log_file: Path, *, timeout_s: float
) -> None:
    """Return once ``/healthz`` answers 200; raise with the node's log if it exits or stalls."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_file.read_text(encoding="utf-8", errors="replace")
            raise DemoSiteError(f"kordon run exited with {process.returncode}:\n{log[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            exc.close()  # 503 while services start
        except OSError:
            pass
        time.sleep(0.5)
    raise DemoSiteError(f"node not healthy within {timeout_s:.0f} s at {url}/healthz")


@contextlib.contextmanager
def running_kordon(
    site_file: Path,
    log_file: Path,
    *,
    cwd: Path,
    start_timeout_s: float,
    stop_timeout_s: float = 15.0,
) -> Iterator[str]:
    """``kordon run site_file`` on a free port, its output in ``log_file``; yields the
    node's URL once healthy, then stops it (SIGTERM, kill after ``stop_timeout_s``)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [*kordon_command(), "run", str(site_file), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
        try:
            wait_healthy(url, process, log_file, timeout_s=start_timeout_s)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=stop_timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
