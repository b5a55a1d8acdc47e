"""``kordon central CONFIG`` as a process: refuses a bad file with its line, and starts
for real (PostgreSQL migrated, the broker subscribed, the API answering), then stops on
SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.central.support import central_document, map_site, postgres_schema, write_central
from tests.link.support import require_broker
from tests.support.demo_site import free_port

# The command is registered in kordon.cli.main by the lead; until then run it directly.
COMMAND = [
    sys.executable,
    "-c",
    "import typer; from kordon.cli.central_cmd import central; typer.run(central)",
]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_bad_central_file_exits_2_naming_the_line(tmp_path: Path) -> None:
    document = central_document(
        database_url="sqlite:///central.db",
        site=Path("site.yaml"),
        topic_root="kordon/edge",
        edges=[{"id": "edge-a"}],
    )
    result = _run([str(write_central(tmp_path, document))])
    assert result.returncode == 2
    assert "central.yaml:" in result.stderr
    assert "database_url: the central server needs PostgreSQL, got 'sqlite'" in result.stderr


@pytest.mark.postgres
def test_the_command_starts_serves_and_stops(tmp_path: Path, postgres_server: str) -> None:
    require_broker()
    port = free_port()
    with postgres_schema(postgres_server) as url:
        document = central_document(
            database_url=url,
            site=map_site(tmp_path),
            topic_root=f"kordon-test/{uuid.uuid4().hex[:10]}/edge",
            edges=[{"id": "edge-a"}],
            api_port=port,
        )
        path = write_central(tmp_path, document)
        log = (tmp_path / "central.log").open("w")
        process = subprocess.Popen(
            [*COMMAND, str(path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            deadline = time.monotonic() + 90
            healthy = False
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    if answer.status_code == 200:
                        healthy = True
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.3)
            output = (tmp_path / "central.log").read_text()
            assert healthy, output
            states = {s["name"]: s["running"] for s in answer.json()["services"]}
            assert states == {
                "store": True,
                "ledger": True,
                "first-admin": True,
                "link-local": True,
                "commands": True,
                "evidence-pull": True,
                "api": True,
            }
            handover = tmp_path / "central-data" / "initial-admin-password.txt"
            assert handover.is_file(), output  # the first admin, password handed over
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
            log.close()
        output = (tmp_path / "central.log").read_text()
        assert code == 0, output
        assert "central ops running: 1 edge(s) over 1 broker(s)" in output
        assert "stopping central ops" in output
