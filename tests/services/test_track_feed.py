"""``TrackFeed`` on a real bus and the real Volyn sector map: messages, trails, sectors,
forgetting, and publishing from camera threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from kordon.bus.channels import TRACKS
from kordon.bus.inprocess import InProcessBus, InProcessSubscription
from kordon.bus.protocol import route
from kordon.config.loader import load_site
from kordon.domain.live_track import LiveTrack
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoPosition
from kordon.services.track_feed import TrackFeed

T0 = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def geometry(repo_root: Path) -> SiteGeometry:
    return SiteGeometry.from_config(load_site(repo_root / "examples" / "volyn" / "site.yaml"))


def _at_km(geometry: SiteGeometry, km: float, track_id: int, seconds: float) -> GeoPosition:
    """A position on the border at ``km``, nudged 5 m to the side."""
    east, north = geometry.borders["ua-by"].point_at_km(np.array([km]))[0] + 5.0
    lon, lat = geometry.frame.xy_to_lonlat([[east, north]])[0]
    return GeoPosition(
        track_id=track_id,
        lat=float(lat),
        lon=float(lon),
        class_name="person",
        time=T0 + timedelta(seconds=seconds),
        east_m=float(east),
        north_m=float(north),
        uncertainty_m=2.0,
    )


class _Tracks:
    """A subscriber that keeps every ``LiveTrack`` it is handed."""

    def __init__(self, bus: InProcessBus) -> None:
        self.got: list[LiveTrack] = []
        self.sub: InProcessSubscription = bus.subscribe(route(TRACKS, self._keep))

    async def _keep(self, track: LiveTrack) -> None:
        self.got.append(track)


async def _drain(tracks: _Tracks) -> list[LiveTrack]:
    await tracks.sub.deliver_ready()
    out, tracks.got = tracks.got, []
    return out


def test_positions_become_live_tracks_with_their_sector(geometry: SiteGeometry) -> None:
    async def go() -> None:
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        sub = _Tracks(bus)
        feed = TrackFeed(bus, sector_of=geometry.sectors.sector_of)
        west = _at_km(geometry, 10.0, 1, 0.0)
        east = _at_km(geometry, 50.0, 2, 0.0)
        far = _moved(_at_km(geometry, 10.0, 9, 0.0), 200_000.0)  # in no sector
        feed.publish("cam-1", [west, east, far], T0)
        got = await _drain(sub)
        assert [(m.track_id, m.camera_id, m.sector_id) for m in got] == [
            ("cam-1/1", "cam-1", "s1-tripoint"),
            ("cam-1/2", "cam-1", "s3-east"),
            ("cam-1/9", "cam-1", None),
        ]
        assert (got[0].lat, got[0].lon, got[0].class_name, got[0].time) == (
            west.lat,
            west.lon,
            "person",
            west.time,
        )
        assert got[0].trail_lonlat == ((west.lon, west.lat),)
        feed.publish("cam-1", [], T0)
        assert sub.sub.queue.empty()  # nothing seen, nothing published

    asyncio.run(go())


def _moved(position: GeoPosition, offset_m: float) -> GeoPosition:
    """The same position with its site-frame point ``offset_m`` further east."""
    return GeoPosition(
        track_id=position.track_id,
        lat=position.lat,
        lon=position.lon,
        class_name=position.class_name,
        time=position.time,
        east_m=position.east_m + offset_m,
        north_m=position.north_m,
        uncertainty_m=position.uncertainty_m,
    )


def test_trails_keep_the_last_points_per_camera_and_track(geometry: SiteGeometry) -> None:
    async def go() -> None:
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        sub = _Tracks(bus)
        feed = TrackFeed(bus, sector_of=geometry.sectors.sector_of, trail_points=3)
        walk = [_at_km(geometry, 30.0 + 0.01 * k, 7, k) for k in range(5)]
        for k, position in enumerate(walk):
            feed.publish("cam-1", [position], T0 + timedelta(seconds=k))
            feed.publish("cam-2", [_at_km(geometry, 5.0, 7, k)], T0 + timedelta(seconds=k))
        got = [m for m in await _drain(sub) if m.camera_id == "cam-1"]
        assert [len(m.trail_lonlat) for m in got] == [1, 2, 3, 3, 3]
        assert got[-1].trail_lonlat == tuple((p.lon, p.lat) for p in walk[-3:])
        assert {m.sector_id for m in got} == {"s2-centre"}

    asyncio.run(go())


def test_a_track_unseen_longer_than_the_limit_is_forgotten(geometry: SiteGeometry) -> None:
    async def go() -> None:
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        sub = _Tracks(bus)
        feed = TrackFeed(bus, sector_of=geometry.sectors.sector_of, forget_after_s=30.0)
        first = _at_km(geometry, 30.0, 3, 0.0)
        feed.publish("cam-1", [first], T0)
        other = _at_km(geometry, 31.0, 4, 0.0)
        feed.publish("cam-1", [other], T0 + timedelta(seconds=30))  # exactly the limit: kept
        feed.publish("cam-1", [first], T0 + timedelta(seconds=30))
        kept = (await _drain(sub))[-1]
        assert len(kept.trail_lonlat) == 2
        feed.publish("cam-1", [other], T0 + timedelta(seconds=61))  # track 3 unseen 31 s
        feed.publish("cam-1", [first], T0 + timedelta(seconds=61))
        again = (await _drain(sub))[-1]
        assert again.track_id == "cam-1/3"
        assert again.trail_lonlat == ((first.lon, first.lat),)  # started afresh

    asyncio.run(go())


def test_one_cameras_frame_times_never_expire_another_cameras_tracks(
    geometry: SiteGeometry,
) -> None:
    """Cameras have their own threads and clocks: a camera replaying a file stamped an hour
    ago, or one running behind, keeps its trails while another camera's time moves on."""

    async def go() -> None:
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        sub = _Tracks(bus)
        feed = TrackFeed(bus, sector_of=geometry.sectors.sector_of, forget_after_s=30.0)
        old = T0 - timedelta(hours=1)
        feed.publish("replay", [_at_km(geometry, 20.0, 1, 0.0)], old)
        feed.publish("live", [_at_km(geometry, 40.0, 1, 0.0)], T0)
        feed.publish("replay", [_at_km(geometry, 20.1, 1, 1.0)], old + timedelta(seconds=1))
        replay = [m for m in await _drain(sub) if m.camera_id == "replay"]
        assert [len(m.trail_lonlat) for m in replay] == [1, 2]

    asyncio.run(go())


def test_camera_threads_publish_concurrently_without_mixing_trails(
    geometry: SiteGeometry,
) -> None:
    async def go() -> list[LiveTrack]:
        bus = InProcessBus(queue_size=10_000)
        bus.bind(asyncio.get_running_loop())
        sub = _Tracks(bus)
        feed = TrackFeed(bus, sector_of=geometry.sectors.sector_of, trail_points=50)
        start = threading.Barrier(4)

        def camera(name: str, km: float) -> None:
            start.wait()
            for k in range(50):
                positions: Sequence[GeoPosition] = [_at_km(geometry, km + 0.001 * k, 1, k)]
                feed.publish(name, positions, T0 + timedelta(seconds=k))

        threads = [
            threading.Thread(target=camera, args=(f"cam-{i}", 10.0 * (i + 1))) for i in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            await asyncio.to_thread(thread.join)
        async with asyncio.timeout(60):
            while sub.sub.queue.qsize() < 200:  # other threads' messages arrive via the loop
                await asyncio.sleep(0)
        return await _drain(sub)

    got = asyncio.run(go())
    assert len(got) == 200
    for i in range(4):
        mine = [m for m in got if m.camera_id == f"cam-{i}"]
        assert [len(m.trail_lonlat) for m in mine] == list(range(1, 51))
        expected = _at_km(geometry, 10.0 * (i + 1) + 0.001 * 49, 1, 49)
        assert mine[-1].trail_lonlat[-1] == (expected.lon, expected.lat)
