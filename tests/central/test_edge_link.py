"""The edge role's link service: an outpost's outbox drained to a centre over the broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from kordon.central.edge_link import EdgeLinkConfig, EdgeLinkService, edge_endpoint
from kordon.link.edge_events import store_event
from kordon.link.ingest import Ingestor
from kordon.link.outbox import Outbox
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store, sqlite_url
from tests.link.support import BROKER, endpoint, event, require_broker, wait_until


def test_the_edge_section_reads_its_password_file(tmp_path: Path) -> None:
    (tmp_path / "edge-a.password").write_text("s3cret\n", encoding="utf-8")
    config = EdgeLinkConfig(id="edge-a", host="central", password_file=Path("edge-a.password"))
    point = edge_endpoint(config, lambda p: tmp_path / p)
    assert (point.username, point.password, point.client_id) == (
        "edge-a",
        "s3cret",
        "kordon-edge-edge-a",
    )
    with pytest.raises(ValidationError, match="should match pattern"):
        EdgeLinkConfig(id="Edge A", host="central")


def test_the_service_drains_the_outbox_to_the_centre(tmp_path: Path, store: Store) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    edge = Store(sqlite_url(tmp_path / "edge.db"))
    edge.open()
    outbox = Outbox(edge.sessions)
    now = datetime.now(UTC)
    for n in range(3):
        assert store_event(edge, outbox, event(n), time=now) is not None
    receiver = LinkReceiver(
        Ingestor(store),
        endpoint(f"centre-{uuid.uuid4().hex[:6]}"),
        ReceiverSettings.of({"edge-a"}),
        clock=lambda: datetime.now(UTC),
        topics=LinkTopics(root),
    )
    service = EdgeLinkService(
        EdgeLinkConfig(
            id="edge-a", host=BROKER[0], port=BROKER[1], topic_root=root, anonymous=True
        ),
        store=lambda: edge,
        resolve=lambda p: tmp_path / p,
    )
    receiver.start()
    try:
        asyncio.run(service.start())
        with edge.engine.connect() as connection:  # the outbox's commits are fsynced
            assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2
        wait_until(lambda: outbox.count() == 0, "the outbox to drain")
        assert sorted(e.id for e in store.events.list()) == [event(n).id for n in range(3)]
        counts = service.counts()
        assert counts is not None
        assert counts.entries_acked == 3
    finally:
        asyncio.run(service.stop())
        receiver.stop()
        edge.close()
