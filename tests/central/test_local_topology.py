"""``make central-demo`` for real: a central with two edges whose incidents reach its UI.

Runs ``bash deploy/local-demo.sh`` (Debian's Mosquitto with generated passwords and ACL,
``kordon central`` on a fresh PostgreSQL database, two ``kordon run`` outposts with a
simulated border camera each) on free ports, in a session of its own. Then:

- the central answers ``/healthz``; the first admin logs in with the generated password;
- within ``INCIDENTS_TIMEOUT_S`` the central's incident list holds incidents of *both*
  outposts, told apart by the ``edge_id`` the link stamps on each incident's events, each
  from its outpost's camera and sector;
- the central's session answer lists only the centre's features (its outposts and evidence
  pulled from them; no drones, units, register, reports, video or track exports;
  ``kordon.api.features``);
- the central UI in Chromium (``tests/e2e/central_topology.spec.mjs``) logs in and lists
  those incidents in its queue (screenshot in ``test-artifacts/e2e-central/``) without one
  failed request (but the session check before the login), error or "unavailable" message:
  no Drones tab, Register or Reports view, dispatch or drone key, and the drone keys do
  nothing; each outpost's camera is listed under that outpost (and not the other) on the
  Health tab, an admin opens edge-a's audit entries, and the acknowledged incident's clips
  are asked of edge-a and listed (or none);
- SIGTERM to the script stops every process it started (broker, central, both outposts)
  within ``STOP_TIMEOUT_S``: nothing of its session is left.

Skips with the reason (fails under ``CI=true``) without PostgreSQL, Mosquitto, node,
Chromium, ``web/node_modules`` or ``web/dist``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.browser import CHROMIUM, require_browser
from tests.support.requirements import require_or_skip

START_TIMEOUT_S = 120.0
INCIDENTS_TIMEOUT_S = 240.0
SPEC_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0
PROCESS_STOP_S = 30
"""``KORDON_DEMO_STOP_S``: how long the script lets its processes stop before SIGKILL."""
POLL_S = 0.5
EXPECTED_FAILURES = ["401 /api/auth/me"]
"""The only failed request the central UI may make: the session check before the login.
What the central does not serve, the console does not ask for (the session's features)."""
CENTRAL_TABS = ["tab-incident", "tab-cameras", "tab-health"]
CENTRAL_KEYS = "j/k move · Enter open · a ack · r resolve · c close · e export · n note"
OUTPOSTS = {
    # edge id: (its camera, its camera's sector) in deploy/<edge>/site.yaml
    "edge-a": ("a-cam-1", "s1-tripoint"),
    "edge-b": ("b-cam-1", "s3-east"),
}


@dataclass(frozen=True)
class Demo:
    process: subprocess.Popen[bytes]
    directory: Path
    log_file: Path
    central_url: str
    edge_urls: dict[str, str]

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")[-chars:]


def _require_tools(repo_root: Path) -> None:
    if shutil.which("bash") is None or not Path("/proc/self/stat").is_file():
        require_or_skip("needs bash and Linux's /proc")
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").is_file():
        require_or_skip("needs the mosquitto binary (Debian package mosquitto)")
    require_browser(repo_root)


@pytest.fixture
def demo_database(postgres_server: str) -> Iterator[str]:
    """The URL of a database that does not exist yet (the script creates it); dropped after."""
    name = f"kordon_demo_{uuid.uuid4().hex[:12]}"
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free ports of 127.0.0.1 (all held open while choosing)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def _session_processes(session_id: int) -> dict[int, str]:
    """Every live process (not a zombie) of a session: pid → command line."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == session_id:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


@pytest.fixture
def demo(repo_root: Path, tmp_path: Path, demo_database: str) -> Iterator[Demo]:
    """The script running in a session of its own; killed whole afterwards if still there."""
    _require_tools(repo_root)
    directory = tmp_path / "demo"
    log_file = tmp_path / "local-demo.log"
    mqtt_port, central_port, edge_a_port, edge_b_port = _free_ports(4)
    env = {
        **os.environ,
        "KORDON_DEMO_DIR": str(directory),
        "KORDON_DEMO_POSTGRES": demo_database,
        "KORDON_DEMO_MQTT_PORT": str(mqtt_port),
        "KORDON_DEMO_CENTRAL_PORT": str(central_port),
        "KORDON_DEMO_EDGE_A_PORT": str(edge_a_port),
        "KORDON_DEMO_EDGE_B_PORT": str(edge_b_port),
        "KORDON_DEMO_STOP_S": str(PROCESS_STOP_S),
        "PYTHONUNBUFFERED": "1",
    }
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            ["bash", str(repo_root / "deploy" / "local-demo.sh")],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=repo_root,
            start_new_session=True,
        )
        try:
            yield Demo(
                process,
                directory,
                log_file,
                central_url=f"http://127.0.0.1:{central_port}",
                edge_urls={
                    "edge-a": f"http://127.0.0.1:{edge_a_port}",
                    "edge-b": f"http://127.0.0.1:{edge_b_port}",
                },
            )
        finally:
            if process.poll() is None or _session_processes(process.pid):
                with contextlib.suppress(ProcessLookupError):  # a failed test leaves nothing
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_healthy(demo: Demo) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert demo.process.poll() is None, (
            f"local-demo.sh exited with {demo.process.returncode}:\n{demo.log_tail()}"
        )
        try:
            if httpx.get(f"{demo.central_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(POLL_S)
    pytest.fail(f"central not healthy within {START_TIMEOUT_S:.0f} s:\n{demo.log_tail()}")


def _admin_password(demo: Demo) -> str:
    handover = demo.directory / "central" / "data" / "initial-admin-password.txt"
    lines = dict(line.split(": ", 1) for line in handover.read_text().splitlines() if ": " in line)
    assert lines.get("user") == "admin", handover.read_text()
    return lines["password"]


def _incidents_by_outpost(demo: Demo, client: httpx.Client) -> dict[str, list[dict[str, Any]]]:
    """Poll the central's incident list until it holds incidents of every outpost; the
    outpost of an incident is the ``edge_id`` its events arrived with."""
    edge_of_incident: dict[str, str] = {}
    by_edge: dict[str, list[dict[str, Any]]] = {}
    deadline = time.monotonic() + INCIDENTS_TIMEOUT_S
    while time.monotonic() < deadline:
        assert demo.process.poll() is None, (
            f"local-demo.sh exited with {demo.process.returncode}:\n{demo.log_tail()}"
        )
        try:
            answer = client.get("/api/incidents")
            assert answer.status_code == 200, answer.text
            for incident in answer.json():
                if incident["id"] in edge_of_incident:
                    continue
                event = client.get(f"/api/events/{incident['event_ids'][0]}")
                assert event.status_code == 200, event.text
                edge = str(event.json()["attributes"]["edge_id"])
                edge_of_incident[incident["id"]] = edge
                by_edge.setdefault(edge, []).append(incident)
        except httpx.TransportError:
            pass  # the central went away: the script stops the rest and exits (checked above)
        if set(OUTPOSTS) <= set(by_edge):
            return by_edge
        time.sleep(POLL_S)
    pytest.fail(
        f"after {INCIDENTS_TIMEOUT_S:.0f} s the central holds incidents of "
        f"{sorted(by_edge)} only, not of {sorted(OUTPOSTS)}:\n{demo.log_tail()}"
    )


def _browse_queue(
    repo_root: Path, demo: Demo, password: str, ids: list[str], *, acknowledge: str
) -> dict[str, Any]:
    artifacts = repo_root / "test-artifacts" / "e2e-central"
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.glob("*.png"):
        old.unlink()  # a walk that fails must not pass on an earlier run's picture
    result_file = artifacts / "result.json"
    result_file.unlink(missing_ok=True)
    result = subprocess.run(
        ["node", str(repo_root / "tests" / "e2e" / "central_topology.spec.mjs")],
        env={
            **os.environ,
            "KORDON_URL": demo.central_url,
            "KORDON_USER": "admin",
            "KORDON_PASSWORD": password,
            "INCIDENT_IDS": ",".join(ids),
            "OUTPOST_IDS": ",".join(sorted(OUTPOSTS)),
            "ACK_INCIDENT": acknowledge,
            "OUTPOST_DEVICES": ",".join(f"{e}:{camera}" for e, (camera, _s) in OUTPOSTS.items()),
            "ARTIFACTS_DIR": str(artifacts),
            "RESULT_FILE": str(result_file),
            "CHROMIUM": str(CHROMIUM),
            "KORDON_WEB_DIR": str(repo_root / "web"),
        },
        capture_output=True,
        text=True,
        timeout=SPEC_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, (
        f"central UI walk failed (screenshots in {artifacts}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    assert (artifacts / "central-queue.png").is_file()
    walked: dict[str, Any] = json.loads(result_file.read_text())
    return walked


def _stop(demo: Demo) -> dict[int, str]:
    """SIGTERM to the script alone; what of its session was still running after it."""
    demo.process.send_signal(signal.SIGTERM)
    code = demo.process.wait(timeout=STOP_TIMEOUT_S)
    assert code == 128 + signal.SIGTERM, f"exit {code}:\n{demo.log_tail()}"
    deadline = time.monotonic() + 5.0
    left = _session_processes(demo.process.pid)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)  # a child's last exit, just after the script reaped it
        left = _session_processes(demo.process.pid)
    return left


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_two_outposts_incidents_reach_the_central_ui_and_sigterm_stops_all(
    demo: Demo, repo_root: Path
) -> None:
    _wait_healthy(demo)
    password = _admin_password(demo)
    with httpx.Client(base_url=demo.central_url, timeout=10) as client:
        login = client.post("/api/auth/login", json={"username": "admin", "password": password})
        assert login.status_code == 200, login.text
        assert login.json()["features"] == ["outposts", "evidence_pull"], login.text
        by_edge = _incidents_by_outpost(demo, client)
    for edge, (camera, sector) in OUTPOSTS.items():
        for incident in by_edge[edge]:
            assert (incident["camera_id"], incident["sector_id"]) == (camera, sector), incident
    assert set(by_edge) == set(OUTPOSTS), f"incidents of unknown outposts: {sorted(by_edge)}"
    for edge, url in demo.edge_urls.items():  # each outpost's own UI on the port it was given
        health = httpx.get(f"{url}/healthz", timeout=10)
        assert health.status_code == 200, (edge, health.text)
        assert health.json()["site"] == edge, health.text

    shown = {edge: incidents[0]["id"] for edge, incidents in by_edge.items()}
    open_a = [i["id"] for i in by_edge["edge-a"] if i["status"] == "open"]
    assert open_a, f"no open incident of edge-a to acknowledge: {by_edge['edge-a']}"
    walked = _browse_queue(repo_root, demo, password, sorted(shown.values()), acknowledge=open_a[0])
    for edge, incident_id in shown.items():
        assert OUTPOSTS[edge][1] in walked["rows"][incident_id], (edge, walked["rows"])
    assert walked["failed"] == EXPECTED_FAILURES, "the central UI's requests failed"
    assert walked["problems"] == [], "errors in the central UI"
    assert walked["unavailable"] == [], "the central UI says something is unavailable"
    # The acknowledge at the centre: sent to edge-a, applied there, back through its outbox.
    assert walked["acknowledged"] == "acknowledged"
    # Its camera frame travelled with the event and shows at the centre.
    assert walked["snapshot"] == "loaded", walked
    assert set(walked["toasts"]) == {
        "sent to outpost Outpost A (tripoint) (queued until it answers)",
        "applied at outpost Outpost A (tripoint)",
    }, "the central UI showed other toasts"
    assert sorted(walked["outposts"]) == sorted(OUTPOSTS)
    for edge, (camera, _sector) in OUTPOSTS.items():  # each camera under its own outpost
        assert any(d.startswith(f"{camera} ") for d in walked["devices"][edge]), walked["devices"]
        others = [c for e, (c, _s) in OUTPOSTS.items() if e != edge]
        assert not any(d.split()[0] in others for d in walked["devices"][edge]), walked["devices"]
    assert walked["audit"] is True
    # The acknowledged incident's clips, asked of edge-a over the link and listed there.
    assert walked["clips"]["state"] in {"listed", "empty"}, walked["clips"]
    if walked["clips"]["count"]:  # the first one pulled, verified and in the player
        assert walked["clips"]["pulled"] == "played", walked["clips"]
    assert "Outpost A (tripoint)" in walked["outposts"]["edge-a"]
    with httpx.Client(base_url=demo.central_url, timeout=10) as client:
        client.post("/api/auth/login", json={"username": "admin", "password": password})
        [command] = client.get("/api/central/commands", params={"incident": open_a[0]}).json()
        assert (command["status"], command["actor"]) == ("applied", "central:admin"), command
        # ...and audited at edge-a, whose ledger reaches the centre (lowest priority).
        deadline = time.monotonic() + 60
        while True:
            audit = client.get("/api/central/outposts/edge-a/audit", params={"limit": 1000})
            assert audit.status_code == 200, audit.text
            if "central:admin" in audit.text or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert "central:admin" in audit.text, audit.text[-2000:]
    assert walked["tabs"] == CENTRAL_TABS, "tabs of features the central does not serve"
    assert walked["views"] == [], "Register or Reports at the central (a view to switch to)"
    assert walked["keys"] == CENTRAL_KEYS

    running = _session_processes(demo.process.pid)
    commands = sorted(running.values())
    assert sum("mosquitto" in c for c in commands) == 1, commands
    assert sum(" central " in c for c in commands) == 1, commands
    assert sum(" run " in c for c in commands) == 2, commands
    left = _stop(demo)
    assert not left, f"still running after SIGTERM: {left}\n{demo.log_tail()}"
