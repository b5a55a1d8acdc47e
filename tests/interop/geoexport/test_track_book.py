"""``TrackBook`` keeps the latest tracker step's site tracks, fed by a real in-process bus."""

from __future__ import annotations

import asyncio

from kordon.bus.channels import SITE_TRACKS, TRACKS
from kordon.bus.inprocess import InProcessBus
from kordon.interop.geoexport import TrackBook
from tests.interop.cot.builders import tracks
from tests.interop.geoexport.builders import live_track


def test_a_step_replaces_and_drops_tracks() -> None:
    book = TrackBook(InProcessBus())
    book.on_site_tracks(tracks(ids=(7, 8)))
    book.on_track(live_track("site-7", lat=51.0))
    book.on_track(live_track("site-8"))
    assert [t.track_id for t in book.current()] == ["site-7", "site-8"]
    book.on_site_tracks(tracks(ids=(7,), classes=("person",), confirmed=(True,), sigma_m=(5.0,)))
    assert [t.track_id for t in book.current()] == ["site-7"]
    book.on_track(live_track("site-7", lat=51.5))
    assert [t.lat for t in book.current()] == [51.5]


def test_camera_tracks_are_not_site_tracks() -> None:
    book = TrackBook(InProcessBus())
    book.on_track(live_track("cam-1/3", camera_id="cam-1"))
    assert book.current() == []


def test_an_empty_step_empties_the_book() -> None:
    book = TrackBook(InProcessBus())
    book.on_track(live_track("site-7"))
    book.on_site_tracks(tracks(ids=(), classes=(), confirmed=(), sigma_m=()))
    assert book.current() == []


def test_follows_the_bus_between_start_and_stop() -> None:
    bus = InProcessBus()
    book = TrackBook(bus)

    async def go() -> None:
        bus.bind(asyncio.get_running_loop())
        await book.start()
        bus.publish(SITE_TRACKS, tracks(ids=(7, 8)))
        bus.publish(TRACKS, live_track("site-7"))
        bus.publish(TRACKS, live_track("site-8"))
        for _ in range(100):
            if len(book.current()) == 2:
                break
            await asyncio.sleep(0)
        assert [t.track_id for t in book.current()] == ["site-7", "site-8"]
        await book.stop()
        bus.publish(SITE_TRACKS, tracks(ids=(), classes=(), confirmed=(), sigma_m=()))
        for _ in range(10):
            await asyncio.sleep(0)
        assert len(book.current()) == 2  # unsubscribed: the book no longer changes

    asyncio.run(go())
