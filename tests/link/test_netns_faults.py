"""Zero loss from an edge in its own network namespace to the centre, through real faults.

Each test gets a namespace of its own joined to this host by a veth pair
(:mod:`tests.link.netns`), a Mosquitto broker of its own listening on the veth's host end
(and on 127.0.0.1 for the centre), the centre as a process (``tests.link.centre_process``:
the real ``LinkReceiver`` and ``Ingestor``, into a fresh PostgreSQL schema, or a SQLite
file where there is no PostgreSQL outside CI), and the edge as a process inside the
namespace (``tests.link.edge_process``: its own SQLite store and outbox, the real
``OutboxSender``). Time is compressed: events are stamped 0.1 simulated seconds apart (10
per second) but written faster. Faults: the link cut for 10 s and for the time 30 minutes
of events take to pile up (then the drain rate is measured); 30 % loss with 2 s of delay
(``tc netem``, or where the kernel has no ``sch_netem``, a BPF filter that drops packets
and a relay that delays the broker's side); kill -9 of the broker, of the edge (restarted
from its database), of the centre, and of all three while batches wait for the centre.

After each, every event the edge wrote must be at the centre exactly once (by entry id in
``link_ingested``, by event id in ``events``) and the edge's outbox empty.

Only a machine where namespaces cannot be made (not root, no iproute2) skips the module,
with the reason; under ``CI=true`` that fails instead. ``KORDON_NETNS_SOAK_CYCLES`` (used
by ``make reliability``) runs the soak: an hour of simulated traffic through repeated faults.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kordon.store import sqlite_url
from tests.conftest import _postgres_schema, _reachable_postgres
from tests.link import centre_process, edge_process
from tests.link.delay_relay import DelayRelay
from tests.link.fault_rig import Broker, CentreDb, Child, EdgeDb, python_module, wait_for
from tests.link.netns import VethLink, unavailable_reason, veth_namespace
from tests.support.requirements import require_or_skip, services_required

EDGE = "edge-netns"
STEP_S = 0.1
"""Simulated seconds between two events: 10 events per second."""
DRAIN_SPEEDUP = 20.0
"""The backlog of an outage must drain at least this many times faster than real time."""


@pytest.fixture(scope="module", autouse=True)
def _namespaces_usable() -> None:
    reason = unavailable_reason()
    if reason is not None:
        require_or_skip(reason)
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        require_or_skip("needs the mosquitto broker (Debian package mosquitto)")


def event_ids(count: int) -> list[str]:
    return [f"ev-{n:06d}" for n in range(count)]


def index_of(event_id: str) -> int:
    return int(event_id.removeprefix("ev-"))


class Rig:
    """The broker, the centre and the edge of one test, and what they stored."""

    def __init__(self, link: VethLink, workdir: Path, centre_url: str) -> None:
        tag = uuid.uuid4().hex[:10]
        self.link = link
        self.workdir = workdir
        self.broker = Broker(workdir / "broker", link.host_ip)
        self.centre_db = CentreDb(centre_url)
        self.edge_db = EdgeDb(workdir / "edge.db")
        self._centre_url = centre_url
        self._topic_root = f"kordon-netns/{tag}"
        self._centre_client = f"centre-{tag}"
        self._edge_client = f"edge-{tag}"
        self._start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        self._edge_args: list[str] = []
        self.centre: Child | None = None
        self.edge: Child | None = None

    # --- processes ---------------------------------------------------------------------

    def start_centre(self) -> None:
        args = [
            "--db-url",
            self._centre_url,
            "--broker",
            f"127.0.0.1:{self.broker.port}",
            "--client-id",
            self._centre_client,
            "--edge-id",
            EDGE,
            "--topic-root",
            self._topic_root,
        ]
        self.centre = Child(
            "centre",
            python_module("tests.link.centre_process", args),
            self.workdir / "centre.log",
        )
        self.centre.wait_line(centre_process.READY_LINE, 90.0)

    def start_edge(
        self, events: int, rate: float, *, port: int | None = None, keepalive_s: int = 5
    ) -> None:
        """The edge process in the namespace, writing ``events`` at ``rate`` per second."""
        self._edge_args = [
            "--db",
            str(self.edge_db.path),
            "--broker",
            f"{self.link.host_ip}:{port or self.broker.port}",
            "--client-id",
            self._edge_client,
            "--edge-id",
            EDGE,
            "--topic-root",
            self._topic_root,
            "--events",
            str(events),
            "--rate",
            str(rate),
            "--start",
            self._start.isoformat(),
            "--step-s",
            str(STEP_S),
            "--keepalive-s",
            str(keepalive_s),
        ]
        self.restart_edge()

    def restart_edge(self) -> None:
        """The edge again, with the arguments of :meth:`start_edge` (the same database)."""
        command = self.link.netns_exec(python_module("tests.link.edge_process", self._edge_args))
        self.edge = Child("edge", command, self.workdir / "edge.log")

    def close(self) -> None:
        for child in (self.edge, self.centre):
            if child is not None:
                child.stop()
        self.broker.stop()
        self.centre_db.close()
        for name in ("edge.log", "centre.log", "broker/mosquitto.log"):
            path = self.workdir / name
            if path.exists():
                text = path.read_text(errors="replace")
                for line in text.splitlines():
                    if ": stopped, " in line:
                        print(f"[netns] {line}")
                print(f"===== {name} (tail) =====\n{text[-4000:]}")

    # --- counts --------------------------------------------------------------------------

    def delivered(self) -> int:
        return self.centre_db.ingested(EDGE)

    def _check_alive(self) -> None:
        for child in (self.edge, self.centre, self.broker.child):
            if child is not None and not child.alive():
                raise AssertionError(f"{child.name} died:\n{child.output()[-3000:]}")

    def wait_delivered(self, count: int, timeout_s: float) -> None:
        def reached() -> bool:
            self._check_alive()
            return self.delivered() >= count

        wait_for(reached, f"{count} events at the centre", timeout_s)

    def wait_written(self, count: int, timeout_s: float) -> None:
        assert self.edge is not None
        self.edge.wait_line(f"{edge_process.READY_LINE} {count}", timeout_s)

    def wait_complete(self, count: int, timeout_s: float) -> float:
        """Wait until the edge wrote ``count`` events, the centre has as many and the
        outbox is empty; returns the seconds it took."""

        def done() -> bool:
            self._check_alive()
            return (
                self.edge_db.events() == count
                and self.delivered() >= count
                and self.edge_db.outbox() == 0
            )

        return wait_for(done, f"all {count} events delivered and acknowledged", timeout_s)

    def assert_exactly_once(self, count: int) -> None:
        expected = event_ids(count)
        assert self.edge_db.event_ids() == expected, "the edge did not write every event"
        assert self.edge_db.outbox() == 0, "the edge's outbox is not empty"
        entries = self.centre_db.ingested_entry_ids(EDGE)
        assert len(entries) == len(set(entries)), "an entry id ingested twice"
        assert len(entries) == count, f"{len(entries)} entries ingested for {count} events"
        assert self.centre_db.event_ids() == expected, "events lost or duplicated"
        assert self.centre_db.event_edges() == {EDGE}

    def report(self, fault: str, count: int) -> None:
        print(
            f"[netns] {fault}: edge wrote {len(self.edge_db.event_ids())}, centre ingested "
            f"{self.delivered()} entries / {len(self.centre_db.event_ids())} events "
            f"(expected {count}), edge outbox {self.edge_db.outbox()}"
        )


@pytest.fixture
def centre_url(tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL schema; a SQLite file where no PostgreSQL answers (not in CI)."""
    server, why = _reachable_postgres()
    if server is None:
        if services_required():
            pytest.fail(why, pytrace=False)
        yield sqlite_url(tmp_path / "centre" / "centre.db")
        return
    with _postgres_schema(server) as url:
        yield url


@pytest.fixture
def rig(tmp_path: Path, centre_url: str) -> Iterator[Rig]:
    with veth_namespace() as link:
        made = Rig(link, tmp_path, centre_url)
        try:
            made.broker.start()
            yield made
        finally:
            made.close()


def _latest_at_centre(rig: Rig) -> int:
    ids = rig.centre_db.event_ids()
    return max((index_of(i) for i in ids), default=-1)


def test_link_cut_for_10_s(rig: Rig) -> None:
    events = 600
    rig.start_centre()
    rig.start_edge(events, rate=30.0)
    rig.wait_delivered(60, 60.0)

    rig.link.cut()
    written_at_cut = rig.edge_db.events()
    time.sleep(10.0)  # the outage itself
    # Nothing the edge wrote after the cut crossed it.
    assert _latest_at_centre(rig) < written_at_cut
    assert rig.edge_db.outbox() > 0
    rig.link.restore()

    took = rig.wait_complete(events, 90.0)
    rig.report(f"10 s cut (complete {took:.1f} s after restore)", events)
    rig.assert_exactly_once(events)


def test_30_min_outage_drains_at_20x_real_time(rig: Rig) -> None:
    events = 18_000  # 30 minutes at 10 events per second
    simulated_s = events * STEP_S
    rig.start_centre()
    rig.link.cut()
    began = time.monotonic()
    rig.start_edge(events, rate=0.0)
    rig.wait_written(events, 240.0)
    produced_s = time.monotonic() - began
    assert rig.delivered() == 0
    assert rig.edge_db.outbox() == events

    rig.link.restore()
    drain_s = rig.wait_complete(events, simulated_s / DRAIN_SPEEDUP + 30.0)
    speedup = simulated_s / drain_s
    rig.report(
        f"30 min outage: {events} events written in {produced_s:.1f} s, drained in "
        f"{drain_s:.1f} s after restore = {events / drain_s:.0f} events/s = {speedup:.1f}x "
        "real time",
        events,
    )
    rig.assert_exactly_once(events)
    assert speedup >= DRAIN_SPEEDUP, f"drained at {speedup:.1f}x real time"


def test_30_percent_loss_and_2_s_delay(rig: Rig) -> None:
    events = 600
    netem = rig.link.netem_supported()
    relay = None if netem else DelayRelay(rig.link.host_ip, ("127.0.0.1", rig.broker.port))
    try:
        rig.start_centre()
        # A keepalive for a slow link: 5 s would time out in the 2 s delay and the losses.
        port = None if relay is None else relay.port
        rig.start_edge(events, rate=20.0, port=port, keepalive_s=20)
        rig.wait_delivered(40, 60.0)

        if relay is None:
            rig.link.netem(loss_percent=30, delay_ms=2000)
        else:  # no sch_netem in this kernel: BPF drops and the relay's delay
            rig.link.drop_randomly(30)
            relay.delay_s = 2.0
        impaired_from = rig.delivered()
        impaired_at = time.monotonic()
        time.sleep(20.0)  # the impairment itself, while the edge writes
        # The link still carried events (waiting on if it has not yet), slowly.
        rig.wait_delivered(impaired_from + 20, 100.0)
        backlog = rig.edge_db.outbox()
        sent, dropped = rig.link.packet_counts()
        assert dropped > 0, "the impairment dropped nothing"
        rig.link.clear_impairments()
        impaired_for = time.monotonic() - impaired_at
        if relay is not None:
            relay.delay_s = 0.0

        took = rig.wait_complete(events, 120.0)
        rig.report(
            f"30 % loss + 2 s delay ({'netem' if netem else 'BPF drop + delay relay'}: "
            f"{dropped} of {sent + dropped} packets dropped in {impaired_for:.0f} s, "
            f"{backlog} in the outbox at the end; complete {took:.1f} s after)",
            events,
        )
        rig.assert_exactly_once(events)
    finally:
        if relay is not None:
            relay.close()


def test_broker_killed_and_restarted(rig: Rig) -> None:
    events = 500
    rig.start_centre()
    rig.start_edge(events, rate=40.0)
    rig.wait_delivered(100, 60.0)

    rig.broker.kill9()
    time.sleep(2.0)  # the outage itself
    assert rig.edge_db.outbox() > 0
    rig.broker.start()

    took = rig.wait_complete(events, 90.0)
    rig.report(f"broker kill -9 (complete {took:.1f} s after restart)", events)
    rig.assert_exactly_once(events)


def test_everything_killed_while_batches_wait_for_the_centre(rig: Rig) -> None:
    """The centre dies; the broker queues the edge's batches for it and dies; the edge dies
    with those batches unacknowledged: only the edge's outbox on disk still has them."""
    events = 300
    rig.start_centre()
    rig.start_edge(events, rate=30.0)
    rig.wait_delivered(60, 60.0)

    assert rig.centre is not None
    rig.centre.kill9()
    at_centre = rig.delivered()
    wait_for(
        lambda: rig.edge_db.events() >= at_centre + 100, "100 events for the absent centre", 60.0
    )
    rig.broker.kill9()
    assert rig.edge is not None
    rig.edge.kill9()
    assert rig.edge_db.outbox() >= 100
    rig.broker.start()
    rig.restart_edge()
    rig.start_centre()

    took = rig.wait_complete(events, 90.0)
    rig.report(f"centre, broker and edge kill -9 (complete {took:.1f} s after)", events)
    rig.assert_exactly_once(events)


def test_edge_killed_and_restarted_from_disk(rig: Rig) -> None:
    events = 600
    rig.start_centre()
    rig.start_edge(events, rate=60.0)
    wait_for(lambda: rig.edge_db.events() >= 200, "the edge's first 200 events", 60.0)

    assert rig.edge is not None
    rig.edge.kill9()
    written = rig.edge_db.events()
    assert written < events, "the edge finished before it was killed"
    rig.restart_edge()

    took = rig.wait_complete(events, 90.0)
    rig.report(f"edge kill -9 after {written} events (complete {took:.1f} s after)", events)
    rig.assert_exactly_once(events)


def test_centre_killed_and_stopped_and_restarted(rig: Rig) -> None:
    events = 600
    rig.start_centre()
    rig.start_edge(events, rate=40.0)
    rig.wait_delivered(80, 60.0)

    assert rig.centre is not None
    rig.centre.kill9()
    time.sleep(2.0)  # the outage itself
    rig.start_centre()
    rig.wait_delivered(300, 60.0)

    assert rig.centre.stop() == 0, "the centre did not stop cleanly on SIGTERM"
    time.sleep(2.0)
    rig.start_centre()

    took = rig.wait_complete(events, 90.0)
    rig.report(f"centre kill -9 and SIGTERM (complete {took:.1f} s after)", events)
    rig.assert_exactly_once(events)
