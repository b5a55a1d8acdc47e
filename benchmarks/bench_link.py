"""Edge → centre link benchmark (issue 15): through the real Mosquitto broker on
127.0.0.1:1883 into the centre's PostgreSQL (``KORDON_BENCH_POSTGRES_URL``, else
``postgresql+psycopg://postgres@127.0.0.1:5432/test``, a fresh schema dropped afterwards),
or into SQLite when no PostgreSQL answers.

One edge (SQLite, ``synchronous=FULL``), one sender, one receiver, one process.

- **Latency**: ``N_LATENCY`` border events written one by one on a healthy link
  (``store_event``: event and outbox entry in one transaction, fsynced), ``RATE_HZ`` per
  second; latency is the centre's ingest time minus the edge's append time (same host, same
  clock); p50/p95.
- **Backlog drain**: a 30 min outage at 10 events/s is ``K_OUTAGE`` events written while
  the sender is down; then the sender starts and the time until the outbox is empty (every
  entry ingested and acknowledged) gives the drain rate, events/s, and how many times
  faster than real time (10 events/s) it is. This rate is also the edge → centre
  throughput of one edge. Counts check 0 lost and 0 duplicated.
- **Bytes per event**: the senders' own counts over the latency run and the drain
  (``SenderCounts``): bytes per entry in the batches (payload and framing), bytes per entry on
  the wire (batch envelopes and resends included, MQTT headers not), bytes sent per priority.
- **Central ingest, 20 edges**: ``N_EDGES`` edges with ``FLEET_BACKLOG`` events each, their
  senders in a second process (as on their own machines), drain into one receiver; the
  rate is events stored per second from the senders' start. *Sustained* is the lowest
  rate over any whole second of the drain's steady part, from 5 % to 95 % of the entries
  in (the receiver's committed count sampled every ``SAMPLE_S``; the ramp while twenty
  senders connect and the tail of the last batches are left out), so a fast average
  cannot hide a slow stretch; the backlog is large enough for the drain to last many
  seconds. The commit p99 is that of the store transactions
  (each holds every batch waiting, up to the receiver's ``group_entries``). Counts check
  0 lost and 0 duplicated.
- **Centre CPU per entry**: decoding and storing, measured without the broker in CPU
  time of this process: what bounds one receiver whatever else runs on the machine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from time import perf_counter, process_time

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from benchmarks.common import BenchRow, main_for
from kordon.domain.event import Direction, Event, EventKind, Frame
from kordon.link.batch import Batch, decode_batch, encode_batch
from kordon.link.codec import encode
from kordon.link.durability import require_full_sync
from kordon.link.edge_events import store_event
from kordon.link.ingest import Ingestor, IngestResult
from kordon.link.kinds import EntryKind, Priority
from kordon.link.mqtt_link import BrokerEndpoint
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderCounts, SenderSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store, sqlite_url
from kordon.store.models import EventRow
from kordon.store.models_link import LinkIngestedRow

BROKER = ("127.0.0.1", 1883)
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EDGE = "edge-bench"
N_LATENCY = 300
RATE_HZ = 50.0
OUTAGE_RATE_HZ = 10.0
K_OUTAGE = int(30 * 60 * OUTAGE_RATE_HZ)
APPEND_CHUNK = 1000
N_EDGES = 20
FLEET_BACKLOG = 6000
STORE_ONLY_BACKLOG = 500
SAMPLE_S = 0.1
STEADY = (0.05, 0.95)
STORE_GROUP = 4


def _event(n: int) -> Event:
    return Event(
        kind=EventKind.BORDER_CROSSING,
        time=datetime.now(UTC),
        source_id="cam-1",
        rule_id="border",
        track_id=f"t-{n}",
        class_name="person",
        confidence=0.9,
        direction=Direction.INBOUND,
        frame=Frame.LOCAL,
        x=float(n),
        y=12.5,
        lat=51.7,
        lon=24.1,
        sector_id="s-1",
        attributes={"speed_mps": 1.4},
        evidence=(f"snapshot:{n}",),
    )


@contextlib.contextmanager
def _centre_url(directory: Path) -> Iterator[tuple[str, str]]:
    """(URL, backend) of the centre: a fresh PostgreSQL schema, else SQLite."""
    server_url = os.environ.get("KORDON_BENCH_POSTGRES_URL", POSTGRES_URL)
    schema = f"kordon_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except SQLAlchemyError:
        admin.dispose()
        yield sqlite_url(directory / "centre.db"), "sqlite"
        return
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False), "postgresql"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _wait(
    check: Callable[[], bool], what: str, timeout_s: float = 300.0, poll_s: float = 0.005
) -> None:
    """Poll ``check`` every ``poll_s``: a check that queries a database polls slower, so the
    benchmark does not steal much of the CPU it measures."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(poll_s)


def _ingested_times(centre: Store) -> dict[str, datetime]:
    with centre.sessions() as session:
        rows = session.execute(select(LinkIngestedRow.entry_id, LinkIngestedRow.ingested_at))
        return {str(entry_id): at for entry_id, at in rows}


def _ingested_count(centre: Store) -> int:
    with centre.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(LinkIngestedRow)) or 0)


def _event_count(centre: Store) -> int:
    with centre.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _run(directory: Path, centre_url: str, backend: str) -> list[BenchRow]:
    topics = LinkTopics(root=f"kordon-bench/{uuid.uuid4().hex[:8]}/edge")
    edge = Store(sqlite_url(directory / "edge.db"))
    edge.open()
    require_full_sync(edge.engine)
    centre = Store(centre_url)
    centre.open()
    outbox = Outbox(edge.sessions)
    suffix = uuid.uuid4().hex[:8]

    def endpoint(client_id: str) -> BrokerEndpoint:
        return BrokerEndpoint(
            host=BROKER[0], port=BROKER[1], client_id=client_id, session_expiry_s=300
        )

    receiver = LinkReceiver(
        Ingestor(centre),
        endpoint(f"bench-centre-{suffix}"),
        ReceiverSettings.of({EDGE}, max_batch_bytes=4_000_000),
        clock=lambda: datetime.now(UTC),
        topics=topics,
    )
    settings = SenderSettings(
        EDGE, batch_entries=500, batch_bytes=1_000_000, max_in_flight=4, poll_s=0.05
    )

    def new_sender() -> OutboxSender:
        return OutboxSender(
            outbox, endpoint(f"bench-edge-{suffix}"), settings, clock=time.monotonic, topics=topics
        )

    rows: list[BenchRow] = []
    note = f"1 edge, Mosquitto 127.0.0.1, centre on {backend}"
    sender = new_sender()
    try:
        receiver.start()
        sender.start()
        _wait(receiver.link.connected.is_set, "the centre's connection", 15)
        _wait(sender.link.connected.is_set, "the edge's connection", 15)

        # Latency on a healthy link.
        appended: dict[str, datetime] = {}
        start = time.perf_counter()
        for n in range(N_LATENCY):
            _sleep_until(start + n / RATE_HZ)
            now = datetime.now(UTC)
            entry = store_event(edge, outbox, _event(n), time=now)
            assert entry is not None
            appended[entry.entry_id] = now
            sender.wake()
        _wait(lambda: outbox.count() == 0, "the latency events to be acknowledged")
        ingested = _ingested_times(centre)
        latencies = [(ingested[i] - t).total_seconds() * 1000 for i, t in appended.items()]
        rows += [
            BenchRow("link", "append → ingested p50", statistics.median(latencies), "ms", note),
            BenchRow("link", "append → ingested p95", _percentile(latencies, 95), "ms", note),
        ]

        # An outage: the sender is down while K_OUTAGE events are written.
        sender.stop()
        sent = [sender.counts()]
        t_append = time.perf_counter()
        for first in range(0, K_OUTAGE, APPEND_CHUNK):
            with edge.sessions.begin() as session:
                for n in range(first, min(first + APPEND_CHUNK, K_OUTAGE)):
                    outbox.append(session, _event(n), created_at=datetime.now(UTC))
        append_s = time.perf_counter() - t_append
        assert outbox.count() == K_OUTAGE
        before = _ingested_count(centre)
        sender = new_sender()
        t0 = time.perf_counter()
        sender.start()
        _wait(lambda: outbox.count() == 0, "the backlog to drain", poll_s=0.02)
        drain_s = time.perf_counter() - t0
        sent.append(sender.counts())
        total = _ingested_count(centre)
        counts = receiver.counts()
        lost = K_OUTAGE + N_LATENCY - total
        rate = K_OUTAGE / drain_s
        rows += [
            BenchRow(
                "link",
                f"backlog drain ({K_OUTAGE} events = 30 min at 10/s)",
                rate,
                "events/s",
                f"{note}; {rate / OUTAGE_RATE_HZ:.0f}x real time; {drain_s:.1f} s",
            ),
            BenchRow("link", "lost after outage", float(lost), "events", f"{total - before} new"),
            BenchRow(
                "link",
                "duplicates stored",
                float(_event_count(centre) - (K_OUTAGE + N_LATENCY)),
                "events",
                f"{counts.duplicate_entries} resent entries deduplicated by entry id",
            ),
            BenchRow(
                "link",
                "outbox append (batched, fsync per 1000)",
                K_OUTAGE / append_s,
                "events/s",
                "edge SQLite, synchronous=FULL",
            ),
            *_byte_rows(sent, note),
        ]
    finally:
        sender.stop()
        receiver.stop()
        centre.close()
        edge.close()
    return rows


def _byte_rows(counts: Sequence[SenderCounts], note: str) -> list[BenchRow]:
    """Bytes on the link: per entry (payload and framing), per batch envelope and resend
    included (wire), and per priority (``SenderCounts``, the edge's own figures)."""
    entries: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for c in counts:
        entries.update(c.entries_by_priority)
        sizes.update(c.bytes_by_priority)
    wire = sum(c.wire_bytes for c in counts)
    total = sum(entries.values())
    rows = [
        BenchRow("link", "bytes per event (entry)", sum(sizes.values()) / total, "bytes", note),
        BenchRow(
            "link",
            "bytes per event on the wire",
            wire / total,
            "bytes",
            f"{note}; batch envelopes and resends included, MQTT headers not",
        ),
    ]
    rows += [
        BenchRow("link", f"bytes sent, {name}", float(size), "bytes", f"{entries[name]} entries")
        for name, size in sorted(sizes.items())
    ]
    return rows


class _DatabaseCpu:
    """CPU time of the PostgreSQL backends of one application name, from construction to
    :meth:`used_s`, read from ``/proc`` (``None`` when the server is not on this host)."""

    def __init__(self, store: Store, application: str) -> None:
        self._store = store
        self._application = application
        self._start = self._sample()

    def used_s(self) -> float | None:
        end = self._sample()
        if self._start is None or end is None:
            return None
        return sum(cpu - self._start.get(pid, 0.0) for pid, cpu in end.items())

    def _sample(self) -> dict[int, float] | None:
        if self._store.engine.dialect.name != "postgresql":
            return None
        query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
        with self._store.sessions() as session:
            pids = [int(pid) for pid in session.scalars(query, {"name": self._application})]
        tick = os.sysconf("SC_CLK_TCK")
        sample: dict[int, float] = {}
        for pid in pids:
            try:
                if not Path(f"/proc/{pid}/comm").read_text().startswith("postgres"):
                    return None
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            sample[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        return sample


class _TimedIngestor(Ingestor):
    """Records how long each store transaction took (decode excluded) and its size."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.commit_ms: list[float] = []
        self.group_sizes: list[int] = []

    def ingest_many(self, batches: Sequence[Batch], *, time: datetime) -> list[IngestResult]:
        t0 = perf_counter()
        results = super().ingest_many(batches, time=time)
        self.commit_ms.append((perf_counter() - t0) * 1000)
        self.group_sizes.append(len(batches))
        return results


def _fleet_edges(
    directory: str,
    topics_root: str,
    suffix: str,
    signals: tuple[EventType, EventType, EventType],
    cpu_s: Synchronized[float],
) -> None:
    """The ``N_EDGES`` simulated edges, in their own process (as on their own machines):
    each writes a backlog of ``FLEET_BACKLOG`` events, says ``ready``, then, on ``go``,
    sends it and says ``done`` once every entry is acknowledged; ``cpu_s`` is this
    process's CPU time from ``go`` to ``done``."""
    ready, go, done = signals
    topics = LinkTopics(root=topics_root)
    stores: list[Store] = []
    senders: list[OutboxSender] = []
    for n in range(N_EDGES):
        edge_id = f"edge-{n:02d}"
        store = Store(sqlite_url(Path(directory) / f"{edge_id}.db"))
        store.open()
        stores.append(store)
        outbox = Outbox(store.sessions)
        with store.sessions.begin() as session:
            for k in range(FLEET_BACKLOG):
                outbox.append(session, _event(k), created_at=datetime.now(UTC))
        senders.append(
            OutboxSender(
                outbox,
                BrokerEndpoint(
                    host=BROKER[0], client_id=f"bench-{edge_id}-{suffix}", session_expiry_s=300
                ),
                SenderSettings(
                    edge_id,
                    batch_entries=500,
                    batch_bytes=1_000_000,
                    max_in_flight=2,
                    ack_timeout_s=60.0,
                    poll_s=0.05,
                ),
                clock=time.monotonic,
                topics=topics,
            )
        )
    ready.set()
    go.wait()
    cpu0 = process_time()
    try:
        for sender in senders:
            sender.start()
        # Twenty SQLite counts per poll: poll slowly, this process's CPU is measured.
        _wait(
            lambda: all(Outbox(s.sessions).count() == 0 for s in stores),
            "the fleet's acks",
            poll_s=0.1,
        )
    finally:
        cpu_s.value = process_time() - cpu0
        for sender in senders:
            sender.stop()
        for store in stores:
            store.close()
        done.set()


def _run_fleet(directory: Path, centre_url: str, backend: str) -> list[BenchRow]:
    """``N_EDGES`` edges, each with a backlog of ``FLEET_BACKLOG``, drain into one centre.

    The edges run in a child process; this process is the centre (receiver and store)."""
    topics = LinkTopics(root=f"kordon-bench/{uuid.uuid4().hex[:8]}/edge")
    suffix = uuid.uuid4().hex[:8]
    edges = [f"edge-{n:02d}" for n in range(N_EDGES)]
    application = f"kordon-bench-{suffix}"
    if backend == "postgresql":
        centre_url = (
            make_url(centre_url)
            .update_query_dict({"application_name": application})
            .render_as_string(hide_password=False)
        )
    centre = Store(centre_url)
    centre.open()
    ingestor = _TimedIngestor(centre)
    receiver = LinkReceiver(
        ingestor,
        BrokerEndpoint(host=BROKER[0], client_id=f"bench-fleet-{suffix}", session_expiry_s=300),
        ReceiverSettings.of(edges, max_batch_bytes=4_000_000),
        clock=lambda: datetime.now(UTC),
        topics=topics,
    )
    context = multiprocessing.get_context("spawn")
    ready, go, done = context.Event(), context.Event(), context.Event()
    edges_cpu_s = context.Value("d", 0.0)
    child = context.Process(
        target=_fleet_edges,
        args=(str(directory), topics.root, suffix, (ready, go, done), edges_cpu_s),
    )
    child.start()
    total = N_EDGES * FLEET_BACKLOG
    try:
        receiver.start()
        _wait(receiver.link.connected.is_set, "the centre's connection", 15)
        _wait(ready.is_set, "the fleet's backlogs to be written")
        database_cpu = _DatabaseCpu(centre, application)
        t0, cpu0 = perf_counter(), process_time()
        go.set()
        # The receiver counts entries once their transaction has committed: polling that
        # costs nothing, where a count(*) on the centre every few ms would load the very
        # database being measured. The database count is checked once, below.
        samples = _sample_until(lambda: receiver.counts().new_entries, total, t0)
        elapsed, centre_cpu_s = perf_counter() - t0, process_time() - cpu0
        database_cpu_s = database_cpu.used_s()
        _wait(done.is_set, "the fleet's acks")
        ingested = _ingested_count(centre)
    finally:
        go.set()
        child.join(60)
        if child.is_alive():
            child.kill()
        receiver.stop()
        stored = _event_count(centre)
        centre.close()
    counts = receiver.counts()
    note = (
        f"{N_EDGES} edges x {FLEET_BACKLOG} events (senders in a second process), one "
        f"receiver, centre on {backend}"
    )
    sizes = ingestor.group_sizes
    windows = _window_rates(
        [(t, n) for t, n in samples if STEADY[0] * total <= n <= STEADY[1] * total]
    )
    return [
        BenchRow("link", "central ingest, 20 edges", total / elapsed, "events/s", note),
        BenchRow(
            "link",
            "central ingest sustained (lowest 1 s), 20 edges",
            min(windows) if windows else float("nan"),
            "events/s",
            f"over {len(windows)} whole seconds (5-95 % of the entries) of a {elapsed:.1f} s "
            "drain; median "
            f"{statistics.median(windows) if windows else float('nan'):.0f}/s",
        ),
        BenchRow(
            "link",
            "central link_ingested rows (20 edges)",
            float(ingested),
            "rows",
            f"of {total} entries, counted in the database after the run",
        ),
        BenchRow(
            "link",
            "fleet CPU per event: centre process",
            centre_cpu_s / total * 1e6,
            "us",
            "receiver: MQTT, decoding, storing (all its threads). CPU time varies less with "
            "other load than the rates do (it still grows with contention); 5,000 events/s "
            "on 2 cores needs these three rows plus the broker under 400 us",
        ),
        BenchRow(
            "link",
            "fleet CPU per event: PostgreSQL backends",
            float("nan") if database_cpu_s is None else database_cpu_s / total * 1e6,
            "us",
            "the centre's connections, from /proc (nan: the server is not on this host)",
        ),
        BenchRow(
            "link",
            "fleet CPU per event: 20 edges' process",
            edges_cpu_s.value / total * 1e6,
            "us",
            "senders: outbox reads, encoding, MQTT, acks (until every ack is in)",
        ),
        BenchRow(
            "link",
            "central commit p99",
            _percentile(ingestor.commit_ms, 99),
            "ms",
            f"{len(ingestor.commit_ms)} transactions of 1-{max(sizes)} batches "
            f"(mean {statistics.mean(sizes):.1f}) of up to 500 entries; "
            f"{counts.duplicate_entries} duplicate entries",
        ),
        BenchRow(
            "link",
            "central lost / duplicated (20 edges)",
            float(total - stored),
            "events",
            f"{stored} events stored of {total}; refused {counts.refused}",
        ),
    ]


def _sample_until(count: Callable[[], int], total: int, t0: float) -> list[tuple[float, int]]:
    """(seconds since ``t0``, count) every ``SAMPLE_S`` until ``count()`` reaches ``total``."""
    samples = [(0.0, count())]
    deadline = time.monotonic() + 600.0
    while samples[-1][1] < total:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out: {samples[-1][1]} of {total} ingested")
        time.sleep(SAMPLE_S)
        samples.append((perf_counter() - t0, count()))
    return samples


def _window_rates(samples: Sequence[tuple[float, int]], window_s: float = 1.0) -> list[float]:
    """Events per second over each whole ``window_s`` from the first sample; the part after
    the last whole window is left out."""
    rates: list[float] = []
    if not samples:
        return rates
    start_t, start_n = samples[0]
    for t, n in samples[1:]:
        if t - start_t >= window_s:
            rates.append((n - start_n) / (t - start_t))
            start_t, start_n = t, n
    return rates


def _run_store_only(centre_url: str, backend: str) -> list[BenchRow]:
    """The centre's two CPU costs without the broker: decoding (the strict parser) and
    storing (``Ingestor.ingest_many``, ``STORE_GROUP`` batches per transaction), per entry
    in CPU time of this process (what bounds one receiver), and the store's wall rate."""
    batches_raw = []
    for n in range(N_EDGES):
        entries = []
        for k in range(STORE_ONLY_BACKLOG):
            payload = encode(_event(k))
            entries.append(
                OutboxEntry(
                    uuid.uuid4().hex,
                    EntryKind.EVENT,
                    Priority.ALARM,
                    datetime.now(UTC),
                    payload,
                    len(payload),
                )
            )
        batches_raw.append(encode_batch(uuid.uuid4().hex, f"edge-{n:02d}", entries))
    total = N_EDGES * STORE_ONLY_BACKLOG
    cpu0 = process_time()
    batches = [decode_batch(raw) for raw in batches_raw]
    decode_us = (process_time() - cpu0) / total * 1e6
    centre = Store(centre_url)
    centre.open()
    try:
        ingestor = Ingestor(centre)
        t0, cpu0 = perf_counter(), process_time()
        for first in range(0, len(batches), STORE_GROUP):
            ingestor.ingest_many(batches[first : first + STORE_GROUP], time=datetime.now(UTC))
        wall, cpu = perf_counter() - t0, process_time() - cpu0
    finally:
        centre.close()
    note = f"{total} events in batches of {STORE_ONLY_BACKLOG}, centre on {backend}"
    return [
        BenchRow("link", "centre decode CPU per entry", decode_us, "us", note),
        BenchRow("link", "centre store CPU per entry", cpu / total * 1e6, "us", note),
        BenchRow(
            "link",
            "centre store rate (no broker)",
            total / wall,
            "events/s",
            f"{note}; {STORE_GROUP} batches per transaction",
        ),
    ]


def _sleep_until(deadline: float) -> None:
    left = deadline - time.perf_counter()
    if left > 0:
        time.sleep(left)


def bench_rows() -> list[BenchRow]:
    try:
        with socket.create_connection(BROKER, timeout=1.0):
            pass
    except OSError as exc:
        return [BenchRow("link", "skipped: no MQTT broker", 0.0, "", str(exc))]
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        with _centre_url(directory) as (url, backend):
            rows = _run(directory, url, backend)
        with _centre_url(directory) as (url, backend):
            rows += _run_fleet(directory, url, backend)
        with _centre_url(directory) as (url, backend):
            return rows + _run_store_only(url, backend)


if __name__ == "__main__":
    main_for(bench_rows)
