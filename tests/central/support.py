"""Builders for the central tests: a central file, a fresh PostgreSQL schema, a Mosquitto."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.demo_site import free_port, volyn_copy
from tests.support.requirements import require_or_skip


def central_document(
    *,
    database_url: str,
    site: Path,
    topic_root: str,
    edges: list[dict[str, Any]],
    api_port: int = 8090,
    broker: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "central": {"id": "ops", "name": "Operations centre"},
        "database_url": database_url,
        "site": str(site),
        "brokers": [
            {
                "id": "local",
                "host": "127.0.0.1",
                "port": 1883,
                "client_id": f"central-{uuid.uuid4().hex[:8]}",
                "topic_root": topic_root,
                **(broker or {}),
            }
        ],
        "edges": edges,
        "api": {"host": "127.0.0.1", "port": api_port},
        "data_dir": "central-data",
    }


def write_central(directory: Path, document: dict[str, Any]) -> Path:
    path = directory / "central.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def map_site(directory: Path) -> Path:
    """The Volyn example as the centre's map."""
    return volyn_copy(directory)


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A fresh schema on ``server_url`` (its URL), dropped afterwards."""
    schema = f"kordon_central_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def mosquitto(directory: Path, *, passwd: Path, acl: Path) -> Iterator[int]:
    """A private Mosquitto on a free port with ``passwd`` and ``acl``; its port."""
    binary = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").is_file() else None
    )
    if binary is None:
        require_or_skip("needs the mosquitto binary (Debian package mosquitto)")
    port = free_port()
    conf = directory / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous false\n"
        f"password_file {passwd}\n"
        f"acl_file {acl}\n"
        "persistence false\n"
        # Stay this user (as root Mosquitto would switch to ``mosquitto``, who cannot read
        # the test's 0600 password file).
        f"user {getpass.getuser()}\n",
        encoding="utf-8",
    )
    log = (directory / "mosquitto.log").open("wb")
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"mosquitto did not start: {(directory / 'mosquitto.log').read_text()}"
                    ) from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
