"""Outposts' tracks at the centre: the track message's strict wire format, the receiver's
checks and clock correction, the latest position per (edge, track) with expiry, and an
edge's sender shipping its thinned tracks over the real broker between alarms and health."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kordon.central.track_picture import TrackPicture
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.batch import decode_batch, encode_batch
from kordon.link.errors import CodecError
from kordon.link.ingest import Ingestor
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.link.topics import LinkTopics
from kordon.link.track_thinning import TrackThinning
from kordon.link.track_wire import decode_tracks, encode_tracks
from kordon.store import Store
from tests.link.support import (
    T0,
    Collector,
    ManualSeconds,
    at,
    edge_outbox,
    edge_store,
    endpoint,
    event,
    require_broker,
    unique_topics,
    wait_until,
)

TOPICS = LinkTopics(root="tracks-test/edge")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _track(track_id: str, n: float, class_name: str | None = "person") -> LiveTrack:
    return LiveTrack(
        track_id=track_id,
        camera_id=None,
        lat=51.5,
        lon=24.0 + n * 1e-4,
        class_name=class_name,
        time=at(n),
        sector_id="s-1",
        sensors=("cam-1", "radar-1"),
    )


def test_a_track_message_round_trips() -> None:
    tracks = [_track("t-1", 0), _track("t-2", 1.5, None)]
    batch = decode_tracks(encode_tracks("edge-a", tracks, sent_at=at(2)))
    assert batch.edge_id == "edge-a"
    assert batch.sent_at == at(2)
    assert list(batch.tracks) == tracks


def _message(**track: object) -> bytes:
    base: dict[str, object] = {
        "id": "t-1",
        "class": "person",
        "time": "2026-05-04T21:00:00Z",
        "lat": 51.5,
        "lon": 24.0,
        "sector": None,
        "camera": None,
        "sensors": [],
        "confirmed": True,
    }
    base.update(track)
    document = {"v": 1, "edge_id": "edge-a", "sent_at": "2026-05-04T21:00:00Z", "tracks": [base]}
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (_message(lat=91.0), "lat"),
        (_message(lon="24.0"), "lon"),
        (_message(time="2026-05-04T21:00:00"), "time zone"),
        (_message(time="soon"), "time"),
        (_message(extra=1), "extra"),
        (_message(id=""), "id"),
        (_message(confirmed="yes"), "confirmed"),
        (
            b'{"v": 1, "edge_id": "edge-a", "sent_at": "2026-05-04T21:00:00Z", "tracks": []}',
            "tracks",
        ),
        (_message().replace(b'"v": 1', b'"v": 2'), "version 2"),
        (_message().replace(b"51.5", b"NaN"), "lat"),
        (b"\xff", "track message"),
    ],
)
def test_a_bad_track_message_is_refused_with_its_reason(payload: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_tracks(payload)


def test_the_picture_keeps_the_latest_per_edge_and_track_and_expires_it() -> None:
    clock = Clock(at(100))
    published: list[LiveTrack] = []
    picture = TrackPicture(clock=clock, publish=published.append, expire_s=60)
    picture.update("edge-a", [_track("t-1", 1), _track("t-2", 1)])
    picture.update("edge-b", [_track("t-1", 2)])  # another outpost's t-1: another track
    picture.update("edge-a", [_track("t-1", 0.5)])  # late and older: nothing changes
    assert [(t.track_id, t.time) for t in picture.current()] == [
        ("edge-a/t-1", at(1)),
        ("edge-a/t-2", at(1)),
        ("edge-b/t-1", at(2)),
    ]
    assert [t.track_id for t in published] == ["edge-a/t-1", "edge-a/t-2", "edge-b/t-1"]
    clock.now = at(130)
    picture.update("edge-a", [_track("t-1", 3)])
    clock.now = at(170)  # t-2 and edge-b's t-1 were last updated 70 s ago
    assert [(t.track_id, t.time) for t in picture.current()] == [("edge-a/t-1", at(3))]
    with pytest.raises(ValueError, match="expire_s"):
        TrackPicture(clock=clock, expire_s=0)


def _receiver(
    store: Store, clock: Clock, on_tracks: Callable[[str, list[LiveTrack]], None]
) -> LinkReceiver:
    return LinkReceiver(
        Ingestor(store),
        endpoint("unused"),
        ReceiverSettings.of({"edge-a"}, revoked={"edge-r"}),
        clock=clock,
        topics=TOPICS,
        on_tracks=lambda edge, tracks: on_tracks(edge, list(tracks)),
    )


def test_the_receiver_checks_track_messages_like_batches(store: Store) -> None:
    got: list[tuple[str, list[LiveTrack]]] = []
    receiver = _receiver(store, Clock(at(10)), lambda e, t: got.append((e, t)))
    message = encode_tracks("edge-a", [_track("t-1", 1)], sent_at=at(1))
    assert receiver.handle_tracks("tracks-test/edge/edge-a/tracks", message) is not None
    assert receiver.handle_tracks("tracks-test/edge/edge-r/tracks", message) is None
    assert receiver.handle_tracks("tracks-test/edge/edge-z/tracks", message) is None
    other = encode_tracks("edge-b", [_track("t-1", 1)], sent_at=at(1))
    assert receiver.handle_tracks("tracks-test/edge/edge-a/tracks", other) is None
    assert receiver.handle_tracks("tracks-test/edge/edge-a/tracks", b"{}") is None
    assert receiver.counts().refused == {
        "revoked_edge": 1,
        "unknown_edge": 1,
        "wrong_edge": 1,
        "malformed": 1,
    }
    assert got == [("edge-a", [_track("t-1", 1)])]


def test_track_times_are_corrected_by_the_edges_measured_clock(store: Store) -> None:
    clock = Clock(at(0.5))
    got: list[LiveTrack] = []
    receiver = _receiver(store, clock, lambda _e, t: got.extend(t))
    ahead = timedelta(hours=2)
    entries = _entries(store)
    payload = encode_batch("b0", "edge-a", entries, sent_at=at(0) + ahead)
    assert receiver.handle(TOPICS.outbox("edge-a"), payload) is not None
    assert receiver.clock_offset("edge-a") == pytest.approx(-7199.5)
    message = encode_tracks("edge-a", [_track("t-1", 7200)], sent_at=at(7200))
    receiver.handle_tracks("tracks-test/edge/edge-a/tracks", message)
    assert [t.time for t in got] == [at(0.5)]


def _entries(store: Store) -> list[OutboxEntry]:
    outbox = Outbox(store.sessions)
    with store.sessions.begin() as session:
        return [outbox.append(session, event(0), created_at=at(0) + timedelta(hours=2))]


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Store]:
    require_broker()
    store = edge_store(tmp_path / "edge.db")
    yield store
    store.close()


def test_tracks_cross_the_broker_after_alarms_and_before_health(edge: Store) -> None:
    topics = unique_topics()
    outbox = edge_outbox(edge)
    clock = ManualSeconds()
    thinning = TrackThinning(clock)
    collector = Collector(
        f"centre-{uuid.uuid4().hex[:8]}", [topics.all_outboxes, f"{topics.root}/+/tracks"]
    )
    sender = OutboxSender(
        outbox,
        endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
        SenderSettings("edge-a", max_in_flight=10),
        clock=clock,
        topics=topics,
        now=lambda: T0,
        tracks=thinning,
    )
    with edge.sessions.begin() as session:
        health = outbox.append(
            session, DeviceStatus("cam-1", T0, DeviceState.ONLINE), created_at=at(0)
        )
        alarm = outbox.append(session, event(1), created_at=at(1))
    thinning.offer(_track("t-1", 0))
    thinning.offer(_track("t-2", 0))
    collector.link.start()
    sender.start(background=False)
    try:
        wait_until(collector.link.connected.is_set, "the collector's connection")
        wait_until(sender.link.connected.is_set, "the sender's connection")
        assert sender.pump() == 3
        wait_until(lambda: len(collector.received()) == 3, "three messages")
        kinds = [topic.rsplit("/", 1)[1] for topic, _p in collector.received()]
        assert kinds == ["outbox", "tracks", "outbox"]
        first, tracks, last = (p for _t, p in collector.received())
        assert [e.entry_id for e in decode_batch(first).entries] == [alarm.entry_id]
        assert [t.track_id for t in decode_tracks(tracks).tracks] == ["t-1", "t-2"]
        assert [e.entry_id for e in decode_batch(last).entries] == [health.entry_id]
        counts = sender.counts()
        assert counts.entries_by_priority == {"alarm": 1, "track": 2, "health": 1}
        assert counts.bytes_by_priority["track"] == len(tracks)
    finally:
        sender.stop()
        collector.link.stop()
