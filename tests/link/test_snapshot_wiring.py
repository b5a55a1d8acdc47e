"""An outpost's node queues the snapshot its ``LiveFrames`` writes, whichever comes first:
the picture (the camera path) or the event (the site picture's path).

Needs ``LiveFrames(on_event_snapshot=...)`` and ``LiveFrames.read_event_jpeg`` (the node
wires them in ``kordon.app`` for ``role: edge``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kordon.domain.tracks import ImageTracks
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.codec import decode
from kordon.link.event_snapshot import EventSnapshot
from kordon.link.kinds import EntryKind
from kordon.link.outbox import Outbox
from kordon.link.snapshot_entry import EdgeSnapshots
from kordon.services.live_frames import LiveFrames
from tests.link.support import T0, edge_store, event


def test_the_node_queues_each_written_snapshot_once_after_its_event(tmp_path: Path) -> None:
    store = edge_store(tmp_path / "edge.db")
    directory = tmp_path / "snapshots"
    snapshots = EdgeSnapshots(
        store=lambda: store,
        read=lambda event_id: LiveFrames.read_event_jpeg(directory, event_id),
        clock=lambda: T0,
    )
    outbox = Outbox(store.sessions)
    store.add_commit_hook(EdgeOutbox(outbox, clock=lambda: T0, snapshots=snapshots))
    frames = LiveFrames(directory, {}, on_event_snapshot=snapshots.written)
    image = np.random.default_rng(1).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    frames.update("cam-1", image, ImageTracks.empty())
    try:
        frames.save_event_snapshots("cam-1", [event(1)])  # the camera: picture first
        assert outbox.count() == 0
        store.events.add(event(1))
        store.events.add(event(2))  # the site picture: event first
        frames.save_event_snapshots("cam-1", [event(2)])
        entries = outbox.next_batch(100, 10_000_000)
        assert [e.kind for e in entries] == [
            EntryKind.EVENT,
            EntryKind.EVENT,
            EntryKind.SNAPSHOT,
            EntryKind.SNAPSHOT,
        ]
        for entry, item in zip(entries[2:], (event(1), event(2)), strict=True):
            snapshot = decode(entry.payload)
            assert isinstance(snapshot, EventSnapshot)
            assert snapshot.event_id == item.id
            assert snapshot.jpeg() == frames.event_jpeg(item.id)
    finally:
        store.close()
