"""A clip pulled from an edge through the real broker (centre on SQLite and PostgreSQL),
with the edge's link cut in the middle and the centre restarted in the middle: each time
the centre asks for the rest from the offset it had recorded, and only the part in
flight at the cut is sent again."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from kordon.central.evidence_pull import PullSettings
from kordon.central.evidence_pull_service import EvidencePullService
from kordon.central.evidence_transfers import TransferRepository, TransferState
from kordon.link.evidence_server import EvidenceServer, ServerSettings
from kordon.link.evidence_wire import EvidenceKind, RangeRequest
from kordon.store import Store
from tests.central.evidence_support import (
    EDGE,
    DictSource,
    EdgeEndpoint,
    KeptAudit,
    payload_bytes,
)
from tests.link.support import endpoint, require_broker, unique_topics, wait_until

CHUNK = 64 * 1024
WINDOW = 2 * CHUNK
SIZE = 3 * 1024 * 1024


def _received(store: Store, transfer_id: str) -> int:
    found = TransferRepository(store.sessions).get(transfer_id)
    assert found is not None
    return found.received


def _ranges_from(edge: EdgeEndpoint, start: int) -> list[int]:
    return [r.offset for r in edge.received()[start:] if isinstance(r, RangeRequest)]


def test_a_pull_survives_a_cut_link_and_a_centre_restart(store: Store, tmp_path: Path) -> None:
    require_broker()
    topics = unique_topics()
    data = payload_bytes(SIZE, seed=5)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(data)
    source = DictSource()
    source.add(EvidenceKind.CLIP, "clip-7", "inc-7", clip)
    server = EvidenceServer(
        source,
        ServerSettings(EDGE, chunk_bytes=CHUNK, chunks_per_pump=2, rate_bytes_per_s=1_000_000),
        clock=time.monotonic,
        topics=topics,
    )
    edge_id = f"edge-{uuid.uuid4().hex[:8]}"
    edge = EdgeEndpoint(server, endpoint(edge_id))
    edge.start()
    audit = KeptAudit()
    data_dir = tmp_path / "centre"
    centre_id = f"centre-{uuid.uuid4().hex[:8]}"

    def centre() -> EvidencePullService:
        return EvidencePullService(
            endpoint(centre_id),
            store=lambda: store,
            data_dir=data_dir,
            allowed_edge=lambda e: e == EDGE,
            topics=topics,
            audit=audit,
            settings=PullSettings(window_bytes=WINDOW, retry_s=1.0),
            poll_s=0.1,
        )

    service = centre()
    asyncio.run(service.start())
    try:
        assert service.link is not None
        wait_until(service.link.connected.is_set, "the centre's connection")
        wait_until(edge.link.connected.is_set, "the edge's connection")
        status = service.puller.request(
            EDGE, EvidenceKind.CLIP, "clip-7", incident_id="inc-7", actor="op1"
        )
        assert status.transfer is not None
        tid = status.transfer.transfer_id
        wait_until(lambda: _received(store, tid) >= SIZE // 3, "a third of the clip")

        # 1. The edge's link is cut, then comes back (same session).
        edge.abandon()
        time.sleep(0.3)  # what was in flight lands; the centre's window stalls
        cut_at = _received(store, tid)
        edge = EdgeEndpoint(server, endpoint(edge_id))  # its requests are counted from 0
        edge.start()
        wait_until(lambda: _received(store, tid) >= 2 * SIZE // 3, "two thirds of the clip")
        asked = _ranges_from(edge, 0)
        assert asked, "the centre asked for nothing after the cut"
        assert min(asked) >= cut_at > 0  # the rest, never from zero

        # 2. The centre dies and starts again from its database and partial file.
        service.abandon()
        time.sleep(0.3)
        restart_at = _received(store, tid)
        assert restart_at < SIZE
        seen = len(edge.received())
        service = centre()
        asyncio.run(service.start())
        wait_until(
            lambda: service.puller.status(EDGE, EvidenceKind.CLIP, "clip-7").file is not None,
            "the whole clip, verified",
        )
        asked = _ranges_from(edge, seen)
        assert asked
        assert min(asked) >= restart_at > cut_at

        done = service.puller.status(EDGE, EvidenceKind.CLIP, "clip-7")
        assert done.path is not None
        assert done.path.read_bytes() == data
        assert done.transfer is not None
        assert done.transfer.state is TransferState.DONE
        # Sent again: at most what was in flight at each of the two breaks (a window, and
        # a window asked twice while queued chunks landed), not the third already held.
        resent = server.counts().chunk_bytes - SIZE
        assert 0 <= resent <= 2 * 2 * WINDOW, resent
        # the completion is committed (what status reads) just before it is audited, on
        # the link's thread: wait for the audit entry, then check the log is exactly that
        wait_until(lambda: "done" in audit.outcomes(), "the completion in the audit log")
        assert audit.outcomes() == ["requested", "done"]
    finally:
        asyncio.run(service.stop())
        edge.abandon()
