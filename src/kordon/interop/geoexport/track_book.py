"""``TrackBook``: the site picture's current tracks, kept for exports.

It follows the bus: each tracker step publishes the whole picture on ``site_tracks``
and then one ``tracks`` message (``LiveTrack``, with position and trail) per shown
track. A step's ``site_tracks`` drops every track the step no longer has; its ``tracks``
messages replace the kept ones. Camera tracks (a ``camera_id``) are not site tracks and
are ignored. Handlers run on the node's event loop; readers (API worker threads) take a
copy under a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Protocol

from kordon.bus.channels import SITE_TRACKS, TRACKS
from kordon.bus.protocol import Bus, Subscription, route
from kordon.domain.live_track import LiveTrack
from kordon.domain.site_tracks import SiteTracks

logger = logging.getLogger(__name__)

SITE_PREFIX = "site-"
"""Site tracks are named ``site-<site_track_id>`` on the ``tracks`` channel."""


class TrackSource(Protocol):
    """Where exports read the live site tracks from."""

    def current(self) -> list[LiveTrack]:
        """The tracks of the latest tracker step, ordered by track id."""
        ...


class TrackBook:
    """A ``TrackSource`` fed by the bus; a service (``start`` subscribes, ``stop`` ends)."""

    name = "track-book"

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._tracks: dict[str, LiveTrack] = {}
        self._lock = threading.Lock()
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None

    def current(self) -> list[LiveTrack]:
        with self._lock:
            return [self._tracks[k] for k in sorted(self._tracks)]

    def on_site_tracks(self, tracks: SiteTracks) -> None:
        """A tracker step: forget the tracks it no longer has."""
        keep = {f"{SITE_PREFIX}{i}" for i in tracks.site_track_id.tolist()}
        with self._lock:
            for track_id in [k for k in self._tracks if k not in keep]:
                del self._tracks[track_id]

    def on_track(self, track: LiveTrack) -> None:
        """One shown site track of the latest step (camera tracks are ignored)."""
        if track.camera_id is not None:
            return
        with self._lock:
            self._tracks[track.track_id] = track

    async def _on_site_tracks(self, tracks: SiteTracks) -> None:
        self.on_site_tracks(tracks)

    async def _on_track(self, track: LiveTrack) -> None:
        self.on_track(track)

    async def start(self) -> None:
        self._subscription = self._bus.subscribe(
            route(SITE_TRACKS, self._on_site_tracks), route(TRACKS, self._on_track)
        )
        self._task = asyncio.create_task(self._deliver(self._subscription), name=self.name)

    async def stop(self) -> None:
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription = None
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self, subscription: Subscription) -> None:
        while True:
            try:
                await subscription.deliver_next()
            except (ValueError, TypeError) as exc:  # one bad message must not end the book
                logger.warning("track book: message skipped: %s", exc)
