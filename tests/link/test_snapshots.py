"""Event snapshots travel with their events: queued at the edge after the event, in a
durable outbox entry that fits; stored once per event at the centre, bad ones refused alone.

The edge is SQLite (as an outpost's node); the centre is the ``store`` fixture, so every
centre-side test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from kordon.domain.event import EventKind
from kordon.domain.incident import Incident
from kordon.incidents import IncidentService
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.batch import Batch, decode_batch, encode_batch
from kordon.link.codec import decode
from kordon.link.errors import LinkError
from kordon.link.event_snapshot import MAX_JPEG_BYTES, EventSnapshot
from kordon.link.ingest import Ingestor
from kordon.link.kinds import EntryKind, Priority
from kordon.link.outbox import MAX_ENTRY_BYTES, Outbox, OutboxEntry
from kordon.link.snapshot_entry import EdgeSnapshots, fit_snapshot
from kordon.link.snapshot_rows import EventSnapshotRow
from kordon.store import Store
from kordon.store.models_link import LinkIngestedRow
from tests.link.support import T0, at, edge_store, event


def jpeg(width: int = 64, height: int = 48, *, seed: int = 0, quality: int = 90) -> bytes:
    """A real JPEG; with ``seed`` > 0, noise (which compresses badly)."""
    if seed:
        image = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    else:
        ramp = np.linspace(0, 255, width, dtype=np.uint8)
        image = np.dstack([np.tile(ramp, (height, 1))] * 3)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return bytes(data.tobytes())


def _clock() -> datetime:
    return T0 + timedelta(hours=1)


@dataclass
class Edge:
    store: Store
    outbox: Outbox
    service: IncidentService
    snapshots: EdgeSnapshots
    pictures: dict[str, bytes] = field(default_factory=dict)

    def entries(self) -> list[OutboxEntry]:
        return self.outbox.next_batch(10_000, 100_000_000)

    def snapshot_entries(self) -> list[OutboxEntry]:
        return [e for e in self.entries() if e.kind is EntryKind.SNAPSHOT]


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    """An outpost's node store with the outbox hook; its pictures are ``Edge.pictures``."""
    store = edge_store(tmp_path / "edge.db")
    pictures: dict[str, bytes] = {}
    snapshots = EdgeSnapshots(store=lambda: store, read=pictures.get, clock=_clock)
    outbox = Outbox(store.sessions)
    store.add_commit_hook(EdgeOutbox(outbox, clock=_clock, snapshots=snapshots))
    service = IncidentService(store, lambda _incident: None)
    yield Edge(store, outbox, service, snapshots, pictures)
    store.close()


def _snapshot_of(entry: OutboxEntry) -> EventSnapshot:
    item = decode(entry.payload, expected=EntryKind.SNAPSHOT)
    assert isinstance(item, EventSnapshot)
    return item


# --- the edge ---------------------------------------------------------------------------


def test_a_snapshot_written_before_its_event_goes_with_it_after_the_alarms(edge: Edge) -> None:
    picture = jpeg()
    edge.pictures[event(1).id] = picture
    edge.snapshots.written(event(1), picture)  # the camera writes it before ingesting
    assert edge.entries() == []  # the event is not stored yet: nothing queued
    edge.service.ingest(event(1), at(1))
    edge.service.ingest(event(2), at(2))  # a later alarm, without a picture
    kinds = [(e.kind, e.priority) for e in edge.entries()]
    assert kinds == [
        (EntryKind.EVENT, Priority.ALARM),
        (EntryKind.INCIDENT, Priority.ALARM),
        (EntryKind.EVENT, Priority.ALARM),
        (EntryKind.INCIDENT, Priority.ALARM),
        (EntryKind.SNAPSHOT, Priority.SNAPSHOT),  # written first, sent after every alarm
    ]
    [entry] = edge.snapshot_entries()
    snapshot = _snapshot_of(entry)
    assert (snapshot.event_id, snapshot.reduced) == (event(1).id, False)
    assert snapshot.jpeg() == picture
    assert entry.size <= MAX_ENTRY_BYTES


def test_a_snapshot_written_after_its_event_is_queued_when_written(edge: Edge) -> None:
    edge.service.ingest(event(1), at(1))
    assert edge.snapshot_entries() == []
    picture = jpeg(seed=3)
    edge.snapshots.written(event(1), picture)
    [entry] = edge.snapshot_entries()
    assert _snapshot_of(entry).jpeg() == picture
    assert entry.priority is Priority.SNAPSHOT


def test_a_health_events_snapshot_never_goes_before_its_event(edge: Edge) -> None:
    offline = replace(event(1), kind=EventKind.DEVICE_OFFLINE)
    edge.pictures[offline.id] = jpeg()
    edge.store.events.add(offline)
    [first, second] = edge.entries()
    assert (first.kind, first.priority) == (EntryKind.EVENT, Priority.HEALTH)
    assert (second.kind, second.priority) == (EntryKind.SNAPSHOT, Priority.HEALTH)


def test_a_picture_too_large_for_an_entry_is_re_encoded_until_it_fits(
    edge: Edge, caplog: pytest.LogCaptureFixture
) -> None:
    picture = jpeg(1280, 960, seed=7, quality=95)
    assert len(picture) > MAX_JPEG_BYTES  # the test's premise
    edge.pictures[event(1).id] = picture
    with caplog.at_level(logging.INFO, logger="kordon.link.snapshot_entry"):
        edge.service.ingest(event(1), at(1))
    [entry] = edge.snapshot_entries()
    assert entry.size <= MAX_ENTRY_BYTES
    snapshot = _snapshot_of(entry)
    smaller = snapshot.jpeg()
    assert snapshot.reduced
    assert len(smaller) <= MAX_JPEG_BYTES
    decoded = cv2.imdecode(np.frombuffer(smaller, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None
    assert "re-encoded for the centre" in caplog.text


def test_an_unreadable_picture_is_logged_and_its_event_still_stored(
    edge: Edge, caplog: pytest.LogCaptureFixture
) -> None:
    edge.pictures[event(1).id] = b"\x00" * (MAX_JPEG_BYTES + 1)
    with caplog.at_level(logging.ERROR, logger="kordon.link.snapshot_entry"):
        edge.service.ingest(event(1), at(1))
    assert edge.snapshot_entries() == []
    assert [e.kind for e in edge.entries()] == [EntryKind.EVENT, EntryKind.INCIDENT]
    assert "is not a readable JPEG" in caplog.text
    with pytest.raises(LinkError, match="not a readable JPEG"):
        fit_snapshot("ev-x", b"\x00" * (MAX_JPEG_BYTES + 1))


def test_a_snapshot_entry_survives_a_restart(tmp_path: Path) -> None:
    """Committed in the outbox: reopening the database (a crash, a restart) still has it."""
    path = tmp_path / "edge.db"
    store = edge_store(path)
    snapshots = EdgeSnapshots(store=lambda: store, read=lambda _id: None, clock=_clock)
    store.add_commit_hook(EdgeOutbox(Outbox(store.sessions), clock=_clock, snapshots=snapshots))
    store.events.add(event(1))
    picture = jpeg()
    snapshots.written(event(1), picture)
    store.close()
    reopened = edge_store(path)
    try:
        entries = Outbox(reopened.sessions).next_batch(100, 10_000_000)
        assert [e.kind for e in entries] == [EntryKind.EVENT, EntryKind.SNAPSHOT]
        assert _snapshot_of(entries[1]).jpeg() == picture
    finally:
        reopened.close()


# --- edge to centre ---------------------------------------------------------------------


def _batch(batch_id: str, entries: Sequence[OutboxEntry], edge: str = "edge-a") -> Batch:
    return decode_batch(encode_batch(batch_id, edge, list(entries)))


def _centre_snapshots(store: Store) -> dict[str, bytes]:
    with store.sessions() as session:
        return {row.event_id: bytes(row.jpeg) for row in session.scalars(select(EventSnapshotRow))}


def _kept(store: Store) -> dict[str, str | None]:
    with store.sessions() as session:
        rows = session.execute(
            select(LinkIngestedRow.entry_id, LinkIngestedRow.payload).where(
                LinkIngestedRow.kind == "snapshot"
            )
        )
        return {str(entry_id): payload for entry_id, payload in rows}


def test_edge_to_centre_stores_each_snapshot_once_under_replays(edge: Edge, store: Store) -> None:
    pictures = {n: jpeg(seed=n) for n in (1, 2)}
    for n, picture in pictures.items():
        edge.pictures[event(n).id] = picture
        edge.service.ingest(event(n), at(n))
    edge.snapshots.written(event(2), pictures[2])  # queued twice: the race the edge allows
    entries = edge.entries()
    assert [e.kind for e in entries].count(EntryKind.SNAPSHOT) == 3
    ingestor = Ingestor(store)
    first = ingestor.ingest(_batch("b-1", entries), time=at(10))
    assert (first.new, first.duplicates) == (len(entries), 0)
    assert not any(isinstance(item, EventSnapshot) for item in first.stored)
    assert _centre_snapshots(store) == {event(n).id: pictures[n] for n in (1, 2)}
    replay = ingestor.ingest(_batch("b-1", entries), time=at(11))
    assert (replay.new, replay.duplicates) == (0, len(entries))
    resent = ingestor.ingest(_batch("b-2", list(reversed(entries))), time=at(12))
    assert resent.new == 0
    assert _centre_snapshots(store) == {event(n).id: pictures[n] for n in (1, 2)}
    assert set(_kept(store).values()) == {None}  # accepted: the picture is not kept twice


def _entry(edge: Edge, item: EventSnapshot, n: int) -> OutboxEntry:
    with edge.store.sessions.begin() as session:
        return edge.outbox.append(session, item, created_at=at(n))


def test_bad_snapshots_are_refused_alone_and_kept_verbatim(
    edge: Edge, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    good = jpeg()
    for n in (1, 2):
        edge.service.ingest(event(n), at(n))
    events = edge.entries()
    ingestor = Ingestor(store)
    ingestor.ingest(_batch("b-events", events), time=at(5))
    ingestor.ingest(_batch("b-other", [_entry(edge, EventSnapshot.of("x", good), 0)]), time=at(5))
    base = EventSnapshot.of(event(1).id, good)
    oversized = EventSnapshot.of(event(1).id, b"\xff\xd8\xff" + bytes(MAX_JPEG_BYTES) + b"\xff\xd9")
    bad = {
        "unknown event": EventSnapshot.of("ev-nowhere", good),
        "bad base64": replace(base, jpeg_b64="not*base64!"),
        "not a JPEG": EventSnapshot.of(event(1).id, b"GIF89a" + bytes(100)),
        "oversized": oversized,
        "hash mismatch": replace(base, sha256=hashlib.sha256(b"other").hexdigest()),
        "truncated": EventSnapshot.of(event(1).id, good[: len(good) // 2]),
    }
    entries = [_entry(edge, item, 10 + i) for i, item in enumerate(bad.values())]
    good_entry = _entry(edge, EventSnapshot.of(event(2).id, good), 20)
    with caplog.at_level(logging.WARNING, logger="kordon.link.snapshot_ingest"):
        result = ingestor.ingest(_batch("b-2", [*entries, good_entry]), time=at(30))
        # Another outpost naming edge-a's event: refused too.
        foreign = _entry(edge, EventSnapshot.of(event(1).id, good), 40)
        ingestor.ingest(_batch("b-3", [foreign], edge="edge-b"), time=at(31))
    assert result.new == len(bad) + 1  # every entry recorded (and acked), none lost
    assert _centre_snapshots(store) == {event(2).id: good}
    for reason in (
        "which the centre does not hold",
        "is not valid base64",
        "is not a JPEG",
        "is oversized",
        "does not match its hash",
        "of outpost 'edge-a', not of 'edge-b'",
    ):
        assert reason in caplog.text
    kept = _kept(store)
    for entry in [*entries, foreign]:
        assert kept[entry.entry_id] is not None
        assert decode(str(kept[entry.entry_id]), expected=EntryKind.SNAPSHOT) == decode(
            entry.payload
        )
    assert kept[good_entry.entry_id] is None
    assert base64.b64decode(base.jpeg_b64) == good  # the edits above were the only faults


def test_a_snapshot_in_the_same_batch_as_its_event_is_stored(edge: Edge, store: Store) -> None:
    picture = jpeg(seed=9)
    edge.pictures[event(1).id] = picture
    edge.service.ingest(event(1), at(1))
    Ingestor(store).ingest(_batch("b-1", edge.entries()), time=at(2))
    assert _centre_snapshots(store) == {event(1).id: picture}


def test_an_incident_snapshot_arriving_keeps_working(edge: Edge, store: Store) -> None:
    """The centre's incident (with its events) and the picture of one of them."""
    picture = jpeg()
    edge.pictures[event(1).id] = picture
    result = edge.service.ingest(event(1), at(1))
    assert result.incident is not None
    Ingestor(store).ingest(_batch("b-1", edge.entries()), time=at(2))
    stored = store.incidents.get(result.incident.incident.id).incident
    assert isinstance(stored, Incident)
    assert stored.event_ids == (event(1).id,)
    assert _centre_snapshots(store)[stored.event_ids[0]] == picture
