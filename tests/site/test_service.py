"""``SitePicture`` on a real in-process bus: scans in, map tracks, site tracks and events
out, events ingested in order in a worker thread, unknown sensors reported as health."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kordon.bus.channels import DEVICE_STATUS, OBSERVATIONS, SITE_TRACKS, TRACKS
from kordon.bus.inprocess import InProcessBus
from kordon.bus.protocol import route
from kordon.config.fusion import SiteFusionConfig
from kordon.config.loader import load_site
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.live_track import LiveTrack
from kordon.domain.scan import SensorScan
from kordon.domain.site_tracks import SiteTracks
from kordon.domain.status import DeviceStatus
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.world import WorldScenario
from kordon.site.factory import site_picture_core
from kordon.site.picture import SitePicture, StepOutput
from tests.site.scene import border_frame, scans_of, two_overlapping_cameras, walk

START_S = 1_800_000_000.0


@pytest.fixture(scope="module")
def geometry(repo_root: Path) -> SiteGeometry:
    geometry = SiteGeometry.from_config(load_site(repo_root / "examples" / "volyn" / "site.yaml"))
    geometry.build_indexes()
    return geometry


def test_scans_on_the_bus_become_tracks_and_one_ingested_crossing(geometry: SiteGeometry) -> None:
    frame = border_frame(geometry, 10.0)
    cameras = two_overlapping_cameras(frame)
    intruder = walk(0, [frame.at(-10.0, -40.0), frame.at(-10.0, 40.0)], 1.4, 1.0)
    scans = scans_of(WorldScenario(cameras, (intruder,), 70.0, start_s=START_S))
    specs = [SensorSpec(c.sensor_id, SensorKind.CAMERA) for c in cameras]
    core = site_picture_core(geometry, specs, SiteFusionConfig())
    ingested: list[Event] = []
    snapped: list[str] = []
    clock = {"now": START_S}

    async def go() -> tuple[list[LiveTrack], list[SiteTracks], list[DeviceStatus]]:
        bus = InProcessBus(queue_size=100_000)
        bus.bind(asyncio.get_running_loop())
        tracks: list[LiveTrack] = []
        site: list[SiteTracks] = []
        health: list[DeviceStatus] = []

        async def on_track(t: LiveTrack) -> None:
            tracks.append(t)

        async def on_site(s: SiteTracks) -> None:
            site.append(s)

        async def on_health(h: DeviceStatus) -> None:
            health.append(h)

        watcher = bus.subscribe(
            route(TRACKS, on_track), route(SITE_TRACKS, on_site), route(DEVICE_STATUS, on_health)
        )
        picture = SitePicture(
            core,
            bus,
            ingest=ingested.append,
            snapshot=lambda e: snapped.append(e.source_id),
            now_s=lambda: clock["now"],
            tick_s=3600.0,  # no ticks: the scans drive every step here
        )
        await picture.start()
        try:
            for k, (arrival, scan) in enumerate(scans, start=1):
                clock["now"] = arrival
                bus.publish(OBSERVATIONS, scan)
                # the injected clock must not run ahead while the service is busy
                # (ingesting in its worker thread): wait until it has taken this scan
                async with asyncio.timeout(30):
                    while core.scans < k:
                        await asyncio.sleep(0.001)
            clock["now"] = scans[-1][0] + 1.0
            bus.publish(OBSERVATIONS, SensorScan.empty("ugs-9", clock["now"]))
            for _ in range(50):
                await asyncio.sleep(0.01)
                if health:
                    break
        finally:
            await picture.stop()
        await watcher.deliver_ready()
        return tracks, site, health

    tracks, site, health = asyncio.run(go())
    crossings = [e for e in ingested if e.kind is EventKind.BORDER_CROSSING]
    assert [e.direction for e in crossings] == [Direction.INBOUND]
    assert snapped[: len(ingested)] == [e.source_id for e in ingested]
    assert {t.track_id for t in tracks} == {"site-1"}
    assert all(t.camera_id is None and t.ellipse is not None for t in tracks)
    assert site
    assert max(len(s) for s in site) == 1
    assert [h.device_id for h in health] == ["ugs-9"]
    assert core.scans == len(scans) + 1


def test_a_slow_store_holds_back_neither_scans_nor_the_order_of_events(
    geometry: SiteGeometry,
) -> None:
    """Events wait in order for the store while the picture goes on taking scans; stopping
    stores the ones already raised."""
    specs = [SensorSpec("cam-a", SensorKind.CAMERA)]
    core = site_picture_core(geometry, specs, SiteFusionConfig())
    raised: list[Event] = []

    def one_event_per_scan(scan: SensorScan, now_s: float) -> StepOutput:
        # Stands in for a crossing on every scan (the real rules need a long walk).
        core.scans += 1
        event = Event(EventKind.BORDER_CROSSING, datetime.fromtimestamp(scan.time_s, UTC), "x")
        raised.append(event)
        return StepOutput(events=[event])

    core.on_scan = one_event_per_scan  # type: ignore[method-assign]
    store_open = threading.Event()
    ingested: list[str] = []
    snapped: list[str] = []

    def slow_ingest(event: Event) -> None:
        store_open.wait(timeout=30)
        ingested.append(event.id)

    async def go() -> int:
        bus = InProcessBus(queue_size=100)
        bus.bind(asyncio.get_running_loop())
        picture = SitePicture(
            core,
            bus,
            ingest=slow_ingest,
            snapshot=lambda e: snapped.append(e.id),
            now_s=lambda: START_S,
            tick_s=3600.0,
        )
        await picture.start()
        try:
            for k in range(3):
                bus.publish(OBSERVATIONS, SensorScan.empty("cam-a", START_S + k))
            async with asyncio.timeout(30):
                while core.scans < 3:  # every scan taken while the first event is stuck
                    await asyncio.sleep(0.001)
            waiting = picture.events_waiting
            assert ingested == []
        finally:
            store_open.set()
            await picture.stop()
        return waiting

    waiting = asyncio.run(go())
    assert waiting == 2  # the first is in the store, the other two wait behind it
    assert ingested == [e.id for e in raised]
    assert snapped == [e.id for e in raised]
