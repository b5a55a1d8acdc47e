"""An edge's audit entries reach the centre through the real broker, after its alarms.

The edge's sender drains its outbox (events) and, only when the outbox has nothing new to
send, its evidence ledger (audit entries), on the ledger topic; the centre's receiver (SQLite
and PostgreSQL) stores both and acks each; the edge's ledger cursor follows the acks.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from kordon.link.edge_events import store_event
from kordon.link.ingest import Ingestor
from kordon.link.ledger_cursor import LedgerCursor
from kordon.link.ledger_ingest import LedgerIngestor
from kordon.link.ledger_shipper import LedgerShipper
from kordon.link.outbox import Outbox
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.store import Store
from tests.link.ledger_support import open_ledger, write_entries
from tests.link.support import (
    Collector,
    at,
    edge_store,
    endpoint,
    event,
    require_broker,
    unique_topics,
    wait_until,
)
from tests.link.test_ledger_shipping import centre_entries

EDGE = "edge-a"


def _now() -> datetime:
    return datetime.now(UTC)


def test_audit_entries_follow_the_alarms_and_all_arrive(store: Store, tmp_path: Path) -> None:
    require_broker()
    topics = unique_topics()
    edge = edge_store(tmp_path / "edge.db")
    outbox = Outbox(edge.sessions)
    ledger = open_ledger(tmp_path / "ledger", every=5)
    for n in range(3):
        assert store_event(edge, outbox, event(n), time=at(n)) is not None
    write_entries(ledger, 12)
    cursor = LedgerCursor(edge, EDGE)
    sender = OutboxSender(
        outbox,
        endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
        SenderSettings(EDGE, batch_entries=1, max_in_flight=1, ack_timeout_s=60, poll_s=0.05),
        clock=time.monotonic,
        topics=topics,
        ledger=LedgerShipper(ledger, cursor, edge_id=EDGE, now=_now, batch_entries=4),
    )
    receiver = LinkReceiver(
        Ingestor(store),
        endpoint(f"centre-{uuid.uuid4().hex[:8]}"),
        ReceiverSettings.of({EDGE}),
        clock=_now,
        topics=topics,
        ledger=LedgerIngestor(store),
    )
    recorder = Collector(f"rec-{uuid.uuid4().hex[:8]}", [topics.outbox(EDGE), topics.ledger(EDGE)])
    try:
        recorder.link.start()
        wait_until(recorder.link.connected.is_set, "the recorder's connection")
        # No centre yet: one event batch in flight fills the window; the ledger waits.
        sender.start(background=False)
        wait_until(sender.link.connected.is_set, "the edge's connection")
        assert sender.pump() == 1
        assert sender.pump() == 0
        assert sender.counts().ledger_batches_sent == 0
        # The centre comes; the edge's thread drains everything.
        receiver.start()
        wait_until(receiver.link.connected.is_set, "the centre's connection")
        sender.stop()
        sender.start()
        wait_until(lambda: cursor.acked_size() == 12, "the ledger cursor to reach 12")
        assert outbox.count() == 0
        wait_until(lambda: len(recorder.received()) >= 3 + 3, "the recorder to see all")
    finally:
        sender.stop()
        receiver.stop()
        recorder.link.stop()
        ledger.close()
        edge.close()
    assert [r.seq for r in centre_entries(store)] == list(range(12))
    topics_seen = [topic for topic, _payload in recorder.received()]
    first_ledger = topics_seen.index(topics.ledger(EDGE))
    assert topics_seen[:first_ledger].count(topics.outbox(EDGE)) >= 3  # every event first
    counts = receiver.counts()
    assert counts.new_entries == 3
    assert counts.ledger_entries == 12
    assert counts.refused == {}
