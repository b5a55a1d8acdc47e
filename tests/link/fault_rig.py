"""The pieces of the namespace fault tests: a Mosquitto broker of the test's own, the edge
and centre processes, and counts read from the edge's and the centre's databases.

Everything here is a real process the test can kill -9 and start again: the broker (its
own configuration, port and persistence directory), the edge (``tests.link.edge_process``,
inside the namespace) and the centre (``tests.link.centre_process``). Each waits for what
it needs with a deadline, and :meth:`Child.stop` always reaps its process.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from kordon.store.models import EventRow
from kordon.store.models_link import LinkIngestedRow

REPO_ROOT = Path(__file__).resolve().parents[2]
POLL_S = 0.1


def wait_for(check: Callable[[], bool], what: str, timeout_s: float) -> float:
    """Poll ``check`` until true (returns the seconds it took), or fail naming ``what``."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout_s:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(POLL_S)
    return time.monotonic() - began


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Child:
    """A process whose output goes to ``log``; :meth:`stop` and :meth:`kill9` reap it."""

    def __init__(self, name: str, args: Sequence[str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            out.write(f"--- start: {' '.join(args)}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                list(args), cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_line(self, line: str, timeout_s: float) -> None:
        """Wait until the process printed ``line`` (since its start), failing if it died."""

        def printed() -> bool:
            current = self.output().rsplit("--- start:", 1)[-1]
            if line in current:
                return True
            if not self.alive():
                raise AssertionError(
                    f"{self.name} exited ({self.process.returncode}) before printing "
                    f"{line!r}:\n{current[-3000:]}"
                )
            return False

        wait_for(printed, f"{self.name} to print {line!r}", timeout_s)

    def kill9(self) -> None:
        """SIGKILL: no clean-up of any kind in the process."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self, timeout_s: float = 15.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout_s``; returns the exit status."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


class Broker:
    """``mosquitto`` on ``port`` at 127.0.0.1 and at ``extra_host`` (the veth's host end),
    persistent (queued QoS 1 messages and sessions survive a clean restart; a kill -9 loses
    them all)."""

    def __init__(self, workdir: Path, extra_host: str) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            raise FileNotFoundError("mosquitto is not installed (Debian package mosquitto)")
        self._binary = binary
        self.port = free_port()
        self.host = extra_host
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "data").mkdir(exist_ok=True)
        self._config = workdir / "mosquitto.conf"
        self._log = workdir / "mosquitto.log"
        lines = [
            "per_listener_settings false",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {workdir / 'data'}/",
            # Saved only at a clean stop: a kill -9 loses every queued message and session.
            "autosave_interval 86400",
            "max_queued_messages 100000",
            "max_inflight_messages 100",
            "log_type error",
            "log_type warning",
            "log_type notice",
            f"listener {self.port} 127.0.0.1",
            f"listener {self.port} {extra_host}",
        ]
        if os.geteuid() == 0:
            lines.append("user root")
        self._config.write_text("\n".join(lines) + "\n")
        self.child: Child | None = None

    def start(self) -> None:
        self.child = Child("mosquitto", [self._binary, "-c", str(self._config)], self._log)
        child = self.child

        def up() -> bool:
            if not child.alive():
                raise AssertionError(f"mosquitto exited:\n{child.output()[-3000:]}")
            return _listening("127.0.0.1", self.port) and _listening(self.host, self.port)

        wait_for(up, f"mosquitto on port {self.port}", 15.0)

    def kill9(self) -> None:
        assert self.child is not None
        self.child.kill9()

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


class EdgeDb:
    """Reads the edge process's SQLite database (read-only, beside the writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _scalar_list(self, sql: str) -> list[str]:
        if not self.path.exists():
            return []
        with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)) as db:
            try:
                return [str(row[0]) for row in db.execute(sql)]
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):  # not migrated yet
                    return []
                raise

    def event_ids(self) -> list[str]:
        return self._scalar_list("SELECT id FROM events ORDER BY id")

    def events(self) -> int:
        rows = self._scalar_list("SELECT count(*) FROM events")
        return int(rows[0]) if rows else 0

    def outbox(self) -> int:
        rows = self._scalar_list("SELECT count(*) FROM link_outbox")
        return int(rows[0]) if rows else 0


class CentreDb:
    """Counts in the centre's database (PostgreSQL schema or SQLite file) at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine = create_engine(url)

    def ingested(self, edge_id: str) -> int:
        """``link_ingested`` rows of ``edge_id`` (0 before the centre migrated)."""
        try:
            with self._engine.connect() as connection:
                count = connection.scalar(
                    select(func.count())
                    .select_from(LinkIngestedRow)
                    .where(LinkIngestedRow.edge_id == edge_id)
                )
        except Exception as exc:  # the centre has not created its tables yet
            if "link_ingested" in str(exc):
                return 0
            raise
        return int(count or 0)

    def ingested_entry_ids(self, edge_id: str) -> list[str]:
        with self._engine.connect() as connection:
            return list(
                connection.scalars(
                    select(LinkIngestedRow.entry_id).where(LinkIngestedRow.edge_id == edge_id)
                )
            )

    def event_ids(self) -> list[str]:
        with self._engine.connect() as connection:
            return list(connection.scalars(select(EventRow.id).order_by(EventRow.id)))

    def event_edges(self) -> set[str]:
        """The ``edge_id`` attribute of every event (the outpost it came from)."""
        with self._engine.connect() as connection:
            return {str(a.get("edge_id")) for a in connection.scalars(select(EventRow.attributes))}

    def close(self) -> None:
        self._engine.dispose()


def python_module(module: str, args: Sequence[str]) -> list[str]:
    """The command line that runs ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]
