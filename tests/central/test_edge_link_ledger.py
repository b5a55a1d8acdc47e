"""``EdgeLinkService`` given the node's ledger ships it too: audit entries reach the centre
and the edge's cursor follows the centre's acks (through the real broker)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from kordon.central.edge_link import EdgeLinkService
from kordon.config.edge import EdgeLinkConfig
from kordon.link.ingest import Ingestor
from kordon.link.ledger_cursor import LedgerCursor
from kordon.link.ledger_ingest import LedgerIngestor, stored_heads
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store, sqlite_url
from tests.link.ledger_support import open_ledger, write_entries
from tests.link.support import BROKER, endpoint, require_broker, wait_until
from tests.link.test_ledger_shipping import centre_entries


def test_the_service_ships_the_ledger_from_its_cursor(tmp_path: Path, store: Store) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    edge = Store(sqlite_url(tmp_path / "edge.db"))
    edge.open()
    ledger = open_ledger(tmp_path / "ledger", every=5)
    write_entries(ledger, 11)
    receiver = LinkReceiver(
        Ingestor(store),
        endpoint(f"centre-{uuid.uuid4().hex[:6]}"),
        ReceiverSettings.of({"edge-a"}),
        clock=lambda: datetime.now(UTC),
        topics=LinkTopics(root),
        ledger=LedgerIngestor(store),
    )
    service = EdgeLinkService(
        EdgeLinkConfig(
            id="edge-a", host=BROKER[0], port=BROKER[1], topic_root=root, anonymous=True
        ),
        store=lambda: edge,
        resolve=lambda p: tmp_path / p,
        ledger=lambda: ledger,
        now=lambda: datetime.now(UTC),
    )
    receiver.start()
    try:
        asyncio.run(service.start())
        cursor = LedgerCursor(edge, "edge-a")
        wait_until(lambda: cursor.acked_size() == 11, "the ledger cursor to reach 11")
        assert [row.seq for row in centre_entries(store)] == list(range(11))
        assert [(h.tree_size, h.verified) for h in stored_heads(store, "edge-a")] == [
            (5, True),
            (10, True),
        ]
        counts = service.counts()
        assert counts is not None
        assert counts.ledger_acks >= 1
    finally:
        asyncio.run(service.stop())
        receiver.stop()
        ledger.close()
        edge.close()
