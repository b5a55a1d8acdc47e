"""The edge role's link service with the node's bus: the site's fused tracks (not the
cameras' own) reach the centre's track picture over the real broker; the backlog device."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from kordon.bus.channels import TRACKS
from kordon.bus.inprocess import InProcessBus
from kordon.central.edge_link import EdgeLinkConfig, EdgeLinkService
from kordon.central.track_picture import TrackPicture
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceState
from kordon.link.ingest import Ingestor
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store, sqlite_url
from tests.link.support import BROKER, endpoint, require_broker, wait_until


def _track(track_id: str, camera: str | None) -> LiveTrack:
    return LiveTrack(
        track_id=track_id,
        camera_id=camera,
        lat=51.5,
        lon=24.0,
        class_name="person",
        time=datetime.now(UTC),
    )


def test_fused_tracks_reach_the_centres_picture(tmp_path: Path, store: Store) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    edge = Store(sqlite_url(tmp_path / "edge.db"))
    edge.open()
    picture = TrackPicture(clock=lambda: datetime.now(UTC))
    receiver = LinkReceiver(
        Ingestor(store),
        endpoint(f"centre-{uuid.uuid4().hex[:6]}"),
        ReceiverSettings.of({"edge-a"}),
        clock=lambda: datetime.now(UTC),
        topics=LinkTopics(root),
        on_tracks=picture.update,
    )
    bus = InProcessBus()
    service = EdgeLinkService(
        EdgeLinkConfig(
            id="edge-a", host=BROKER[0], port=BROKER[1], topic_root=root, anonymous=True
        ),
        store=lambda: edge,
        resolve=lambda p: tmp_path / p,
        bus=bus,
    )
    receiver.start()

    async def run() -> None:
        bus.bind(asyncio.get_running_loop())
        await service.start()
        try:
            # A camera's own track first: were it shipped, it would reach the centre no
            # later than the site track behind it (one bus, one queue, one topic, in order).
            bus.publish(TRACKS, _track("c-1", "cam-1"))
            bus.publish(TRACKS, _track("s-1", None))  # a site (fused) track
            deadline = asyncio.get_running_loop().time() + 30
            while not picture.current():
                assert asyncio.get_running_loop().time() < deadline, "no track at the centre"
                await asyncio.sleep(0.05)  # polling a real broker, not timing
        finally:
            await service.stop()

    try:
        asyncio.run(run())
        assert [t.track_id for t in picture.current()] == ["edge-a/s-1"]
        wait_until(lambda: _has_outbox_device(edge), "the backlog device")
        assert edge.devices.get("link-edge-a-outbox").state is DeviceState.ONLINE
    finally:
        receiver.stop()
        edge.close()


def _has_outbox_device(edge: Store) -> bool:
    return any(s.device_id == "link-edge-a-outbox" for s in edge.devices.latest())
