"""An outpost's link service answers the centre's evidence pulls (real broker, centre on
SQLite and PostgreSQL): the service built from the ``edge:`` section carries them on the
outbox sender's client."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from kordon.central.edge_link import EdgeLinkConfig, EdgeLinkService
from kordon.central.evidence_pull import PullSettings
from kordon.central.evidence_pull_service import EvidencePullService
from kordon.link.evidence_wire import EvidenceKind
from kordon.link.topics import LinkTopics
from kordon.store import Store, sqlite_url
from tests.central.evidence_support import DictSource, payload_bytes
from tests.link.support import BROKER, endpoint, require_broker, wait_until


def test_the_edge_link_service_serves_pulled_evidence(tmp_path: Path, store: Store) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    edge = Store(sqlite_url(tmp_path / "edge.db"))
    edge.open()
    data = payload_bytes(400_000, seed=4)
    (tmp_path / "x.zip").write_bytes(data)
    source = DictSource()
    source.add(EvidenceKind.EXPORT, "exp-1", "inc-1", tmp_path / "x.zip")
    service = EdgeLinkService(
        EdgeLinkConfig(
            id="edge-a", host=BROKER[0], port=BROKER[1], topic_root=root, anonymous=True
        ),
        store=lambda: edge,
        resolve=lambda p: tmp_path / p,
        evidence=lambda: source,
    )
    pulls = EvidencePullService(
        endpoint(f"centre-{uuid.uuid4().hex[:6]}"),
        store=lambda: store,
        data_dir=tmp_path / "centre",
        allowed_edge=lambda e: e == "edge-a",
        topics=LinkTopics(root),
        settings=PullSettings(retry_s=2.0),
        poll_s=0.1,
    )
    asyncio.run(pulls.start())
    asyncio.run(service.start())
    try:
        pulls.puller.request(
            "edge-a", EvidenceKind.EXPORT, "exp-1", incident_id="inc-1", actor="op"
        )
        wait_until(
            lambda: pulls.puller.status("edge-a", EvidenceKind.EXPORT, "exp-1").file is not None,
            "the export at the centre",
        )
    finally:
        asyncio.run(service.stop())
        asyncio.run(pulls.stop())
        edge.close()
    got = pulls.puller.status("edge-a", EvidenceKind.EXPORT, "exp-1")
    assert got.path is not None
    assert got.path.read_bytes() == data
