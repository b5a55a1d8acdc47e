"""Evidence pulled by the centre, message by message (SQLite and PostgreSQL): whole pulls,
resume after a cut and after a restart, hash mismatch, and every bad reply refused with
nothing stored wrongly. The broker is in ``test_evidence_pull_e2e.py``."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from kordon.central.evidence_pull import EvidencePuller, PullSettings
from kordon.central.evidence_transfers import TransferRepository, TransferState
from kordon.link.evidence_server import EvidenceServer, EvidenceSource, ServerSettings
from kordon.link.evidence_wire import (
    Chunk,
    EdgeError,
    ErrorReason,
    EvidenceKind,
    ListedClip,
    Listing,
    Manifest,
    decode_request,
    encode_reply,
)
from kordon.link.topics import LinkTopics
from kordon.store import Store
from tests.central.evidence_support import (
    EDGE,
    DictSource,
    KeptAudit,
    Loop,
    fixed_now,
    payload_bytes,
)
from tests.link.support import ManualSeconds

TOPICS = LinkTopics(root="test/edge")
CHUNK = 64 * 1024
WINDOW = 4 * CHUNK
REPLY_TOPIC = TOPICS.evidence(EDGE)


class Rig:
    """A puller and an edge server joined by a :class:`Loop`, on one driven clock."""

    def __init__(
        self,
        store: Store,
        tmp_path: Path,
        *,
        max_attempts: int = 3,
        source: EvidenceSource | None = None,
    ) -> None:
        self.clock = ManualSeconds()
        self.loop = Loop()
        self.source = DictSource()
        self.audit = KeptAudit()
        self.store = store
        self.data_dir = tmp_path / "centre"
        self.max_attempts = max_attempts
        self.server = EvidenceServer(
            source or self.source,
            ServerSettings(EDGE, chunk_bytes=CHUNK, chunks_per_pump=4, rate_bytes_per_s=1e9),
            clock=self.clock,
            topics=TOPICS,
        )
        self.puller = self.new_puller()
        self.edge_dir = tmp_path / "edge"
        self.edge_dir.mkdir()

    def new_puller(self) -> EvidencePuller:
        """A puller as after a restart of the centre: same database and data directory."""
        return EvidencePuller(
            TransferRepository(self.store.sessions),
            self.data_dir,
            publish=self.loop.centre_publish,
            allowed_edge=lambda edge: edge == EDGE,
            clock=self.clock,
            now=fixed_now,
            topics=TOPICS,
            audit=self.audit,
            settings=PullSettings(
                window_bytes=WINDOW, retry_s=10.0, max_attempts=self.max_attempts
            ),
        )

    def item(self, kind: EvidenceKind, item_id: str, data: bytes, incident: str = "inc-1") -> Path:
        path = self.edge_dir / f"{item_id}.bin"
        path.write_bytes(data)
        self.source.add(kind, item_id, incident, path)
        return path

    def run(self, *, until_chunks: int | None = None) -> None:
        """Deliver both ways until quiet (or until ``until_chunks`` chunks reached the centre)."""
        delivered = 0
        for _ in range(10_000):
            moved = False
            while self.loop.to_edge:
                topic, payload = self.loop.to_edge.pop(0)
                assert topic == TOPICS.evidence_req(EDGE)
                self.server.handle(payload)
                moved = True
            while self.server.pending() and self.server.pump(self.loop.edge_publish):
                moved = True
            while self.loop.to_centre:
                topic, payload = self.loop.to_centre.pop(0)
                self.puller.handle(topic, payload)
                moved = True
                if b'"type":"chunk"' in payload[:200]:
                    delivered += 1
                    if until_chunks is not None and delivered >= until_chunks:
                        return
            if not moved:
                if not self.server.pending():
                    return
                self.clock.advance(0.001)  # the edge's rate budget refills (1 MB a ms here)
        raise AssertionError("the loop never went quiet")

    def transfer_row(self, transfer_id: str) -> tuple[TransferState, int]:
        found = TransferRepository(self.store.sessions).get(transfer_id)
        assert found is not None
        return found.state, found.received


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_clip_is_pulled_whole_verified_recorded_and_audited(store: Store, tmp_path: Path) -> None:
    rig = Rig(store, tmp_path)
    data = payload_bytes(700_001)
    rig.item(EvidenceKind.CLIP, "clip-1", data)
    started = rig.puller.request(
        EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op1"
    )
    assert started.file is None
    assert started.transfer is not None
    joined = rig.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op2")
    assert joined.transfer is not None
    assert joined.transfer.transfer_id == started.transfer.transfer_id
    rig.run()
    status = rig.puller.status(EDGE, EvidenceKind.CLIP, "clip-1")
    assert status.file is not None
    assert status.path is not None
    assert status.path.read_bytes() == data
    assert status.file.sha256 == _sha(data)
    assert status.file.size == len(data)
    assert status.file.incident_id == "inc-1"
    assert status.file.content_type == "video/mp4"
    assert status.path == rig.data_dir / "evidence" / "clip" / f"{_sha(data)}.mp4"
    assert status.transfer is not None
    assert status.transfer.state is TransferState.DONE
    assert not list((rig.data_dir / "evidence" / "partial").iterdir())
    assert rig.server.counts().chunk_bytes == len(data)  # every byte once
    assert rig.audit.outcomes() == ["requested", "done"]
    assert rig.audit.records[-1].details["sha256"] == _sha(data)
    # A second request answers with the file, and asks the edge nothing.
    again = rig.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op")
    assert again.path == status.path
    assert rig.loop.to_edge == []


def test_an_empty_export_is_received(store: Store, tmp_path: Path) -> None:
    rig = Rig(store, tmp_path)
    rig.item(EvidenceKind.EXPORT, "exp-0", b"")
    rig.puller.request(EDGE, EvidenceKind.EXPORT, "exp-0", incident_id=None, actor="op")
    rig.run()
    status = rig.puller.status(EDGE, EvidenceKind.EXPORT, "exp-0")
    assert status.path is not None
    assert status.path.read_bytes() == b""
    assert status.path.suffix == ".zip"


def test_a_cut_link_resumes_from_the_last_contiguous_offset(store: Store, tmp_path: Path) -> None:
    rig = Rig(store, tmp_path)
    data = payload_bytes(1_000_000)
    rig.item(EvidenceKind.CLIP, "clip-1", data)
    started = rig.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op")
    assert started.transfer is not None
    tid = started.transfer.transfer_id
    rig.run(until_chunks=6)  # window 1 whole, 2 of window 2's 4 chunks in
    lost = [payload for _topic, payload in rig.loop.to_centre]
    rig.loop.to_centre.clear()  # the cut: the other 2 never arrive
    assert len(lost) == 2
    rig.run()
    state, received = rig.transfer_row(tid)
    assert (state, received) == (TransferState.FETCHING, 6 * CHUNK)
    assert rig.puller.pump() == 0  # not overdue yet
    rig.clock.advance(10.0)
    assert rig.puller.pump() == 1
    asked = decode_request(rig.loop.to_edge[-1][1])
    assert asked.type == "range"
    assert asked.offset == 6 * CHUNK  # the rest, not from zero
    rig.run()
    status = rig.puller.status(EDGE, EvidenceKind.CLIP, "clip-1")
    assert status.path is not None
    assert status.path.read_bytes() == data
    # Bytes sent by the edge: the file once, plus exactly the chunks the cut lost.
    lost_chunk_bytes = 2 * CHUNK
    assert rig.server.counts().chunk_bytes == len(data) + lost_chunk_bytes


def test_a_restarted_centre_resumes_from_its_recorded_progress(
    store: Store, tmp_path: Path
) -> None:
    rig = Rig(store, tmp_path)
    data = payload_bytes(900_000, seed=3)
    rig.item(EvidenceKind.EXPORT, "exp-1", data)
    rig.puller.request(EDGE, EvidenceKind.EXPORT, "exp-1", incident_id="inc-1", actor="op")
    rig.run(until_chunks=5)
    # The centre dies: what was still on the way is lost with it.
    assert rig.loop.to_edge == []
    assert len(rig.loop.to_centre) == 3
    rig.loop.to_centre.clear()
    sent_before = rig.server.counts().chunk_bytes
    partial = next((rig.data_dir / "evidence" / "partial").iterdir())
    with partial.open("ab") as file:  # bytes written but not recorded before the crash
        file.write(b"garbage that the progress row does not cover")
    rig.puller = rig.new_puller()
    assert rig.puller.resume() == 1
    asked = decode_request(rig.loop.to_edge[-1][1])
    assert asked.type == "range"
    assert asked.offset == 5 * CHUNK
    assert partial.stat().st_size == 5 * CHUNK  # cut back to the recorded progress
    rig.run()
    status = rig.puller.status(EDGE, EvidenceKind.EXPORT, "exp-1")
    assert status.path is not None
    assert status.path.read_bytes() == data
    assert rig.server.counts().chunk_bytes - sent_before == len(data) - 5 * CHUNK


def test_a_hash_mismatch_discards_the_file_and_pulls_again(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rig = Rig(store, tmp_path)
    data = payload_bytes(300_000)
    rig.item(EvidenceKind.CLIP, "clip-1", data)
    rig.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op")
    rig.run(until_chunks=2)
    partial = next((rig.data_dir / "evidence" / "partial").iterdir())
    with partial.open("r+b") as file:  # the centre's disk flips a bit
        file.seek(100)
        file.write(bytes([data[100] ^ 1]))
    with caplog.at_level(logging.ERROR, logger="kordon.central.evidence_pull"):
        rig.run()
    assert "does not match the manifest's" in caplog.text
    status = rig.puller.status(EDGE, EvidenceKind.CLIP, "clip-1")
    assert status.path is not None
    assert status.path.read_bytes() == data
    assert status.transfer is not None
    assert status.transfer.attempts == 1
    assert rig.audit.outcomes() == ["requested", "hash_mismatch", "done"]


def test_a_mismatch_on_the_last_attempt_fails_and_stores_nothing(
    store: Store, tmp_path: Path
) -> None:
    rig = Rig(store, tmp_path, max_attempts=1)
    data = payload_bytes(200_000)
    rig.item(EvidenceKind.CLIP, "clip-1", data)
    started = rig.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op")
    assert started.transfer is not None
    rig.run(until_chunks=1)
    partial = next((rig.data_dir / "evidence" / "partial").iterdir())
    partial.write_bytes(b"X" * CHUNK)
    rig.run()
    status = rig.puller.status(EDGE, EvidenceKind.CLIP, "clip-1")
    assert status.file is None
    assert status.transfer is not None
    assert status.transfer.state is TransferState.FAILED
    assert status.transfer.error is not None
    assert "sha256" in status.transfer.error
    assert not partial.exists()
    assert not (rig.data_dir / "evidence" / "clip").exists()
    assert rig.audit.outcomes()[-1] == "failed"


def test_evidence_the_edge_does_not_have_fails_the_transfer(store: Store, tmp_path: Path) -> None:
    rig = Rig(store, tmp_path)
    rig.item(EvidenceKind.CLIP, "clip-1", b"abc", incident="inc-1")
    for item, incident in (("clip-404", "inc-1"), ("clip-1", "inc-other")):
        started = rig.puller.request(
            EDGE, EvidenceKind.CLIP, item, incident_id=incident, actor="op"
        )
        assert started.transfer is not None
        rig.run()
        failed = rig.puller.status(EDGE, EvidenceKind.CLIP, item)
        assert failed.transfer is not None
        assert failed.transfer.state is TransferState.FAILED
        assert failed.transfer.error is not None
        assert "not_found" in failed.transfer.error
        assert failed.file is None
    assert rig.audit.outcomes() == ["requested", "failed", "requested", "failed"]


def test_an_edge_not_of_this_centre_cannot_be_asked(store: Store, tmp_path: Path) -> None:
    rig = Rig(store, tmp_path)
    with pytest.raises(ValueError, match="not an edge of this centre"):
        rig.puller.request("edge-z", EvidenceKind.CLIP, "c", incident_id=None, actor="op")


def _chunk(tid: str, offset: int, data: bytes) -> bytes:
    return encode_reply(Chunk(tid, offset, data))


def test_bad_replies_are_refused_and_store_nothing(store: Store, tmp_path: Path) -> None:
    rig = Rig(store, tmp_path)
    data = payload_bytes(3 * CHUNK)
    rig.item(EvidenceKind.CLIP, "clip-1", data)
    started = rig.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op")
    assert started.transfer is not None
    tid = started.transfer.transfer_id
    stranger = "f" * 32
    # Before the manifest, a chunk is unexpected.
    rig.puller.handle(REPLY_TOPIC, _chunk(tid, 0, data[:CHUNK]))
    rig.run(until_chunks=1)
    assert rig.transfer_row(tid) == (TransferState.FETCHING, CHUNK)
    partial = next((rig.data_dir / "evidence" / "partial").iterdir())
    before = partial.read_bytes()
    bad = [
        ("unknown_edge", TOPICS.evidence("edge-z"), _chunk(tid, CHUNK, data[CHUNK : 2 * CHUNK])),
        ("unknown_edge", "test/edge/edge-a/outbox", _chunk(tid, CHUNK, data[CHUNK:])),
        ("malformed", REPLY_TOPIC, b"garbage"),
        ("malformed", REPLY_TOPIC, _chunk(tid, CHUNK, data[CHUNK : 2 * CHUNK])[:-1]),
        ("unknown_transfer", REPLY_TOPIC, _chunk(stranger, CHUNK, data[CHUNK : 2 * CHUNK])),
        ("duplicate", REPLY_TOPIC, _chunk(tid, 0, data[:CHUNK])),
        ("duplicate", REPLY_TOPIC, _chunk(tid, CHUNK - 10, data[CHUNK - 10 : CHUNK + 5])),
        ("out_of_order", REPLY_TOPIC, _chunk(tid, 2 * CHUNK, data[2 * CHUNK :])),
        ("out_of_range", REPLY_TOPIC, _chunk(tid, CHUNK, data[CHUNK:] + b"extra")),
        (
            "duplicate",
            REPLY_TOPIC,
            encode_reply(
                Manifest(
                    v=1,
                    type="manifest",
                    transfer_id=tid,
                    size=len(data),
                    sha256=_sha(data),
                    content_type="video/mp4",
                    name="clip-1.mp4",
                )
            ),
        ),
    ]
    rig.loop.to_edge.clear()
    rig.loop.to_centre.clear()
    for reason, topic, payload in bad:
        count = rig.puller.refused[reason]
        rig.puller.handle(topic, payload)
        assert rig.puller.refused[reason] == count + 1, reason
        assert rig.transfer_row(tid) == (TransferState.FETCHING, CHUNK), reason
        assert partial.read_bytes() == before, reason
    assert rig.puller.refused["unexpected"] == 1
    assert rig.loop.to_edge == []  # none of them made the centre ask for anything
    # The other edge's transfer cannot be touched by this one.
    other = TOPICS.evidence("edge-b")
    puller_b = EvidencePuller(
        TransferRepository(store.sessions),
        rig.data_dir,
        publish=rig.loop.centre_publish,
        allowed_edge=lambda edge: edge in {EDGE, "edge-b"},
        clock=rig.clock,
        now=fixed_now,
        topics=TOPICS,
    )
    puller_b.handle(other, _chunk(tid, CHUNK, data[CHUNK : 2 * CHUNK]))
    assert puller_b.refused["wrong_edge"] == 1
    assert rig.transfer_row(tid) == (TransferState.FETCHING, CHUNK)
    # The good rest still completes the file.
    rig.clock.advance(10)
    rig.puller.pump()
    rig.run()
    status = rig.puller.status(EDGE, EvidenceKind.CLIP, "clip-1")
    assert status.path is not None
    assert status.path.read_bytes() == data


def test_an_oversize_manifest_fails_the_transfer(store: Store, tmp_path: Path) -> None:
    rig = Rig(store, tmp_path)
    started = rig.puller.request(EDGE, EvidenceKind.EXPORT, "e", incident_id=None, actor="op")
    assert started.transfer is not None
    tid = started.transfer.transfer_id
    huge = Manifest(
        v=1,
        type="manifest",
        transfer_id=tid,
        size=5 * 1024**3,
        sha256=_sha(b""),
        content_type="application/zip",
        name="e.zip",
    )
    rig.puller.handle(REPLY_TOPIC, encode_reply(huge))
    state, _received = rig.transfer_row(tid)
    assert state is TransferState.FAILED


def test_a_changed_file_at_the_edge_restarts_then_a_busy_edge_is_asked_later(
    store: Store, tmp_path: Path
) -> None:
    rig = Rig(store, tmp_path)
    data = payload_bytes(3 * WINDOW)
    path = rig.item(EvidenceKind.CLIP, "clip-1", data)
    started = rig.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op")
    assert started.transfer is not None
    tid = started.transfer.transfer_id
    rig.run(until_chunks=4)
    changed = payload_bytes(3 * WINDOW, seed=9)
    path.write_bytes(changed)  # a new file at the edge (another size or time: rehashed)
    rig.run()
    status = rig.puller.status(EDGE, EvidenceKind.CLIP, "clip-1")
    assert status.path is not None
    assert status.path.read_bytes() == changed
    assert status.transfer is not None
    assert status.transfer.attempts == 1
    busy = EdgeError(v=1, type="error", transfer_id=tid, reason=ErrorReason.BUSY, detail="x")
    rig.puller.handle(REPLY_TOPIC, encode_reply(busy))
    assert rig.puller.refused["unexpected"] == 1  # the transfer is done: nothing changes


def test_an_edge_away_gets_fewer_repeats_and_answers_them_once(
    store: Store, tmp_path: Path
) -> None:
    rig = Rig(store, tmp_path)
    data = payload_bytes(3 * WINDOW)
    rig.item(EvidenceKind.CLIP, "clip-1", data)
    rig.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op")
    rig.run(until_chunks=5)
    rig.loop.to_centre.clear()  # the edge goes away with the rest of window 2
    assert rig.loop.to_edge == []
    for _ in range(100):  # 100 s without a word: asked again at 10, 30 and 70 s
        rig.clock.advance(1.0)
        rig.puller.pump()
    repeats = [decode_request(p) for _t, p in rig.loop.to_edge]
    assert len(repeats) == 3
    assert {r.type for r in repeats} == {"range"}
    assert {getattr(r, "offset", None) for r in repeats} == {5 * CHUNK}
    sent_before = rig.server.counts().chunk_bytes
    rig.run()  # the edge returns and finds the three repeats at once
    assert rig.server.counts().superseded == 2
    status = rig.puller.status(EDGE, EvidenceKind.CLIP, "clip-1")
    assert status.path is not None
    assert status.path.read_bytes() == data
    assert rig.server.counts().chunk_bytes - sent_before == len(data) - 5 * CHUNK


def _clip(n: int, around: str | None) -> ListedClip:
    start = fixed_now()
    return ListedClip(
        id=f"clip-{n}",
        camera_id="cam-1",
        start=start,
        end=start + timedelta(seconds=20),
        around_event_id=around,
        default=around is not None,
    )


def test_an_incidents_clips_are_listed_kept_a_while_then_asked_again(
    store: Store, tmp_path: Path
) -> None:
    rig = Rig(store, tmp_path)
    rig.source.listings["inc-1"] = [_clip(1, "ev-1"), _clip(2, None)]
    listings = rig.puller.listings
    assert listings.get(EDGE, "inc-1") is None  # asked
    assert listings.get(EDGE, "inc-1") is None  # not asked twice
    assert len(rig.loop.to_edge) == 1
    rig.run()
    listed = listings.get(EDGE, "inc-1")
    assert listed is not None
    assert listed.error is None
    assert [c.id for c in listed.clips] == ["clip-1", "clip-2"]
    assert listed.clips[0].default
    rig.clock.advance(29.0)
    assert listings.get(EDGE, "inc-1") == listed
    assert rig.loop.to_edge == []
    rig.clock.advance(1.0)
    assert listings.get(EDGE, "inc-1") is None  # older than 30 s: asked again
    assert len(rig.loop.to_edge) == 1
    # An incident the outpost does not know.
    assert listings.get(EDGE, "inc-404") is None
    rig.run()
    unknown = listings.get(EDGE, "inc-404")
    assert unknown is not None
    assert unknown.clips == ()
    assert unknown.error is not None
    assert "not_found" in unknown.error


def test_listings_nobody_asked_for_are_refused(store: Store, tmp_path: Path) -> None:
    rig = Rig(store, tmp_path)
    stray = Listing(
        v=1, type="listing", transfer_id="a" * 32, incident_id="inc-1", clips=(_clip(1, None),)
    )
    rig.puller.handle(REPLY_TOPIC, encode_reply(stray))
    assert rig.puller.refused["unknown_transfer"] == 1
    assert rig.puller.listings.get(EDGE, "inc-1") is None  # nothing kept: asked now
    asked = decode_request(rig.loop.to_edge[-1][1])
    assert asked.type == "list"
    for topic, listing, reason in (
        (
            TOPICS.evidence("edge-b"),
            stray.model_copy(update={"transfer_id": asked.transfer_id}),
            "wrong_edge",
        ),
        (
            REPLY_TOPIC,
            stray.model_copy(update={"transfer_id": asked.transfer_id, "incident_id": "inc-2"}),
            "malformed",
        ),
    ):
        other = EvidencePuller(
            TransferRepository(store.sessions),
            rig.data_dir,
            publish=rig.loop.centre_publish,
            allowed_edge=lambda edge: edge in {EDGE, "edge-b"},
            clock=rig.clock,
            now=fixed_now,
            topics=TOPICS,
        )
        other.listings = rig.puller.listings
        other.handle(topic, encode_reply(listing))
        assert other.refused[reason] == 1, reason
    rig.clock.advance(1.0)
    assert rig.puller.listings.get(EDGE, "inc-1") is None  # still unanswered
