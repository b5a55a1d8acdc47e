"""Evidence pulled by the centre under the outpost's bandwidth budget (real broker, the
test's clock): chunks are charged and wait while the budget is spent, alarms still leave at
once, the chunks resume at the right offset, and the evidence bytes are counted."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kordon.link.batch import decode_batch
from kordon.link.evidence_server import EvidenceServer, ServerSettings
from kordon.link.evidence_wire import (
    VERSION,
    Chunk,
    EdgeError,
    ErrorReason,
    EvidenceKind,
    Manifest,
    OpenRequest,
    RangeRequest,
    decode_reply,
    encode_request,
)
from kordon.link.outbox import Outbox
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.store import Store
from tests.central.evidence_support import EDGE, DictSource, payload_bytes
from tests.link.support import (
    Collector,
    ManualSeconds,
    SenderRig,
    at,
    edge_outbox,
    edge_store,
    endpoint,
    event,
    require_broker,
    unique_topics,
    wait_until,
)

CHUNK = 64 * 1024
SIZE = 7 * CHUNK
TRANSFER = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Store]:
    require_broker()
    store = edge_store(tmp_path / "edge.db")
    yield store
    store.close()


def _open() -> bytes:
    return encode_request(
        OpenRequest(
            v=VERSION,
            type="open",
            transfer_id=TRANSFER,
            kind=EvidenceKind.CLIP,
            item_id="clip-1",
            incident_id="inc-1",
        )
    )


def _range(sha256: str, offset: int, length: int) -> bytes:
    return encode_request(
        RangeRequest(
            v=VERSION,
            type="range",
            transfer_id=TRANSFER,
            kind=EvidenceKind.CLIP,
            item_id="clip-1",
            incident_id="inc-1",
            sha256=sha256,
            offset=offset,
            length=length,
        )
    )


class Rig(SenderRig):
    def __init__(self, edge: Store, clip: Path, settings: SenderSettings) -> None:
        self.topics = unique_topics()
        self.outbox: Outbox = edge_outbox(edge)
        self.clock = ManualSeconds()
        source = DictSource()
        source.add(EvidenceKind.CLIP, "clip-1", "inc-1", clip)
        self.server = EvidenceServer(
            source,
            ServerSettings(EDGE, chunk_bytes=CHUNK, rate_bytes_per_s=1e9),
            clock=self.clock,
            topics=self.topics,
        )
        self.centre = Collector(
            f"centre-{uuid.uuid4().hex[:8]}",
            [self.topics.outbox(EDGE), self.topics.evidence(EDGE)],
        )
        self.sender = OutboxSender(
            self.outbox,
            endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
            settings,
            clock=self.clock,
            topics=self.topics,
            evidence=self.server,
        )

    def received(self, count: int) -> list[tuple[str, bytes]]:
        wait_until(lambda: len(self.centre.received()) >= count, f"{count} messages")
        messages = self.centre.received()
        assert len(messages) == count  # nothing more than expected was published
        return messages

    def chunks(self, messages: list[tuple[str, bytes]]) -> list[Chunk]:
        replies = [decode_reply(p) for t, p in messages if t == self.topics.evidence(EDGE)]
        return [r for r in replies if isinstance(r, Chunk)]


def test_chunks_are_charged_wait_for_the_budget_and_never_hold_an_alarm(
    edge: Store, tmp_path: Path
) -> None:
    data = payload_bytes(SIZE, seed=3)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(data)
    settings = SenderSettings(
        EDGE,
        max_in_flight=10,
        ack_timeout_s=1_000,  # no resend of the alarm in this test
        budget_bytes_s=10_000,
        budget_burst_bytes=100_000,
    )
    with Rig(edge, clip, settings) as rig:
        rig.server.handle(_open())
        assert rig.sender.pump() == 1
        (manifest,) = [decode_reply(p) for _t, p in rig.received(1)]
        assert isinstance(manifest, Manifest)
        assert manifest.size == SIZE

        rig.server.handle(_range(manifest.sha256, 0, SIZE))
        # 100,000 bytes of burst less the manifest: one chunk leaves with bytes left, the
        # second while any are left (the balance goes negative), the third waits.
        assert rig.sender.pump() == 2
        messages = rig.received(3)
        assert [c.offset for c in rig.chunks(messages)] == [0, CHUNK]
        counts = rig.sender.counts()
        evidence_bytes = sum(len(p) for _t, p in messages)
        assert counts.evidence_bytes == evidence_bytes
        assert counts.evidence_messages == 3
        assert counts.wire_bytes == evidence_bytes
        assert counts.budget_holds == 1
        assert rig.server.pending()
        assert rig.sender.pump() == 0  # still in debt: nothing leaves
        assert counts.evidence_bytes > 100_000

        with edge.sessions.begin() as session:
            alarm = rig.outbox.append(session, event(1), created_at=at(1))
        assert rig.sender.pump() == 1  # the alarm goes at once, the chunk still waits
        messages = rig.received(4)
        topic, payload = messages[-1]
        assert topic == rig.topics.outbox(EDGE)
        assert [e.entry_id for e in decode_batch(payload).entries] == [alarm.entry_id]
        counts = rig.sender.counts()
        assert counts.evidence_messages == 3
        assert counts.wire_bytes == evidence_bytes + len(payload)

        debt = -(100_000 - counts.wire_bytes)
        assert debt > 0
        rig.clock.advance(debt / 10_000 - 0.01)  # just short of paying the debt back
        assert rig.sender.pump() == 0
        rig.clock.advance(0.02)  # a little over: one chunk, from where the last one ended
        assert rig.sender.pump() == 1
        assert [c.offset for c in rig.chunks(rig.received(5))] == [0, CHUNK, 2 * CHUNK]

        steps = 0
        while rig.server.pending() and steps < 20:  # the rest, as the budget allows
            rig.clock.advance(10.0)
            rig.sender.pump()
            steps += 1
        assert steps > 1  # it took several budgets' worth
        messages = rig.received(2 + SIZE // CHUNK)  # the manifest, the chunks, the alarm
        chunks = rig.chunks(messages)
        assert [c.offset for c in chunks] == [n * CHUNK for n in range(SIZE // CHUNK)]
        assert b"".join(c.data for c in chunks) == data
        counts = rig.sender.counts()
        evidence_bytes = sum(len(p) for t, p in messages if t == rig.topics.evidence(EDGE))
        assert counts.evidence_bytes == evidence_bytes
        assert counts.evidence_messages == 1 + SIZE // CHUNK
        assert counts.figures()["bytes_evidence"] == float(evidence_bytes)
        assert counts.figures()["messages_evidence"] == float(1 + SIZE // CHUNK)
        assert counts.entries_by_priority == {"alarm": 1}  # evidence is not an entry
        assert counts.bytes_per_entry == counts.bytes_by_priority["alarm"]


def test_without_a_budget_evidence_is_counted_and_not_held(edge: Store, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(payload_bytes(SIZE, seed=4))
    with Rig(edge, clip, SenderSettings(EDGE)) as rig:
        rig.server.handle(_open())
        rig.sender.pump()
        (manifest,) = [decode_reply(p) for _t, p in rig.received(1)]
        assert isinstance(manifest, Manifest)
        rig.server.handle(_range(manifest.sha256, 0, SIZE))
        assert rig.sender.pump() == 4  # chunks_per_pump, not the budget, bounds a step
        messages = rig.received(5)
        counts = rig.sender.counts()
        assert counts.budget_holds == 0
        assert counts.evidence_bytes == sum(len(p) for _t, p in messages)


def test_a_read_failure_refused_by_the_link_is_answered_at_a_later_step(
    tmp_path: Path,
) -> None:
    data = payload_bytes(SIZE, seed=5)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(data)
    source = DictSource()
    source.add(EvidenceKind.CLIP, "clip-1", "inc-1", clip)
    clock = ManualSeconds()
    server = EvidenceServer(source, ServerSettings(EDGE, chunk_bytes=CHUNK), clock=clock)
    sha256 = hashlib.sha256(data).hexdigest()
    server.handle(_range(sha256, 0, SIZE))
    refused: list[bytes] = []

    def refuse(_topic: str, payload: bytes) -> bool:
        refused.append(payload)
        return False

    assert server.pump(refuse) == 0  # the range is taken, its first chunk refused
    clip.write_bytes(data[: CHUNK // 2])  # the file shrinks under the transfer
    assert server.pump(refuse) == 0  # the read fails; its refusal cannot leave yet
    assert server.pending()
    sent: list[bytes] = []

    def accept(_topic: str, payload: bytes) -> bool:
        sent.append(payload)
        return True

    assert server.pump(accept) == 1
    (reply,) = [decode_reply(p) for p in sent]
    assert isinstance(reply, EdgeError)
    assert reply.reason is ErrorReason.FAILED
    assert reply.transfer_id == TRANSFER
    assert not server.pending()
