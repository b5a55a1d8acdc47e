"""``SitePicture``: the fused picture of a site, from sensor scans to events.

Per scan (any sensor: camera, drone, ground sensor, radar) and on a steady tick:

1. the scan's observations go into the site tracker (screened; rejected rows are
   counted and reported as the sensor's health, rate-limited);
2. the tracker advances to the sensors' watermark (``SensorWatermark``): everything
   stamped up to it has arrived, so observations are processed in time order;
3. the step's tracks go out on the bus (``site_tracks`` for consumers, ``tracks`` for the
   map, with uncertainty ellipses and supporting sensors);
4. the site rules run on the confirmed tracks; crossings a single weak sensor saw wait
   for corroboration; the rest are handed to ``ingest`` (store, incidents) in order.

``SitePictureCore`` does the work synchronously (tests drive it with explicit times);
``SitePicture`` runs it on the node's event loop from the bus.

Events leave the picture through an ordered queue: one worker stores them one at a time,
in order, while the picture goes on taking scans (a store write never holds the next
scan back, nor the alerts that scan raises). Each event's snapshot is written while the
event is stored, not before it: the operator's alert does not wait for a JPEG.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kordon.bus.channels import DEVICE_STATUS, OBSERVATIONS, SITE_TRACKS, TRACKS
from kordon.bus.protocol import Bus, Subscription, route
from kordon.domain.errors import KordonError
from kordon.domain.event import Event
from kordon.domain.live_track import LiveTrack
from kordon.domain.scan import SensorScan
from kordon.domain.site_tracks import SiteTracks
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.fusion.tracker import SiteTracker
from kordon.site.corroboration import CorroborationGate
from kordon.site.live_tracks import SiteTrackFeed
from kordon.site.rules import SiteRules
from kordon.site.watermark import SensorWatermark

logger = logging.getLogger(__name__)

HEALTH_EVERY_S = 10.0
STOP_DRAIN_S = 10.0
"""On stop, how long the events already raised may take to be stored."""


@dataclass(slots=True)
class StepOutput:
    """What one step produced, in the order it must be acted on."""

    tracks: SiteTracks | None = None
    live: list[LiveTrack] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    health: list[DeviceStatus] = field(default_factory=list)


class SitePictureCore:
    """Tracker, watermark, rules and corroboration; see the module docstring."""

    def __init__(
        self,
        tracker: SiteTracker,
        rules: SiteRules,
        feed: SiteTrackFeed,
        gate: CorroborationGate,
        watermark: SensorWatermark,
        *,
        sensors: frozenset[str],
    ) -> None:
        self.tracker = tracker
        self.rules = rules
        self.feed = feed
        self.gate = gate
        self.watermark = watermark
        self._sensors = sensors
        self._lag_s = tracker.config.reorder_lag_s
        self._health_at: dict[str, float] = {}
        self.scans = 0
        self.rejected_scans = 0
        self.steps = 0

    def on_scan(self, scan: SensorScan, now_s: float) -> StepOutput:
        """Take one sensor scan received at wall time ``now_s``; then step."""
        self.scans += 1
        health: list[DeviceStatus] = []
        if scan.sensor_id not in self._sensors:
            self.rejected_scans += 1
            if self._due(scan.sensor_id, now_s):
                detail = "not a sensor of this site: its reports are ignored"
                logger.warning("site picture: %s is %s", scan.sensor_id, detail)
                health.append(_degraded(scan.sensor_id, detail, now_s))
            out = self.step(now_s)
            out.health[:0] = health
            return out
        self.watermark.heard(scan.sensor_id, scan.time_s, now_s, next_after_s=scan.next_after_s)
        if len(scan.observations):
            # screened against event time: cameras that all run late still count
            report = self.tracker.ingest(scan.observations, self.watermark.event_now(now_s))
            for bad in report.events:
                if self._due(bad.sensor_id, now_s):
                    logger.warning("site picture: %s", bad.detail)
                    health.append(_degraded(bad.sensor_id, bad.detail, now_s))
        out = self.step(now_s)
        out.health[:0] = health
        return out

    def _due(self, sensor_id: str, now_s: float) -> bool:
        """Whether a health report about ``sensor_id`` may go out (one per 10 s)."""
        if now_s - self._health_at.get(sensor_id, -float("inf")) < HEALTH_EVERY_S:
            return False
        self._health_at[sensor_id] = now_s
        return True

    def step(self, now_s: float) -> StepOutput:
        """Advance to the watermark at wall time ``now_s`` and run the rules."""
        release_s = self.watermark.release(now_s)
        if release_s <= self.tracker.watermark_s:
            return StepOutput()
        self.steps += 1
        step = self.tracker.advance(release_s + self._lag_s)
        tracks = step.tracks
        live = self.feed.messages(tracks, step.deleted.tolist())
        events = self.rules.evaluate(tracks)
        confidence = dict(
            zip(tracks.site_track_id.tolist(), tracks.confidence.tolist(), strict=True)
        )
        return StepOutput(
            tracks=tracks,
            live=live,
            events=self.gate.admit(events, confidence, tracks.time_s),
        )


def _degraded(sensor_id: str, detail: str, now_s: float) -> DeviceStatus:
    return DeviceStatus(sensor_id, datetime.fromtimestamp(now_s, UTC), DeviceState.DEGRADED, detail)


class SitePicture:
    """Runs ``SitePictureCore`` on the node's loop: scans from the bus, a steady tick.

    ``ingest`` stores an event and correlates it into an incident (blocking: it runs in a
    worker thread, one event at a time, in order, off the picture's lock); ``snapshot``
    keeps the frame of the camera named by an event's ``source_id`` (in another worker
    thread, while the event is stored). ``now_s`` is wall time (POSIX seconds).
    """

    name = "site-picture"

    def __init__(
        self,
        core: SitePictureCore,
        bus: Bus,
        *,
        ingest: Callable[[Event], None],
        snapshot: Callable[[Event], None],
        now_s: Callable[[], float] = _time.time,
        tick_s: float = 0.1,
    ) -> None:
        self.core = core
        self._bus = bus
        self._ingest = ingest
        self._snapshot = snapshot
        self._now_s = now_s
        self._tick_s = tick_s
        self._lock = asyncio.Lock()
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._raiser: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._subscription = self._bus.subscribe(route(OBSERVATIONS, self._on_scan))
        self._raiser = asyncio.create_task(self._raise_in_order(), name="site-picture-events")
        self._tasks = [
            asyncio.create_task(self._pump(self._subscription), name="site-picture-scans"),
            asyncio.create_task(self._ticks(), name="site-picture-tick"),
        ]

    async def stop(self) -> None:
        """Stop taking scans, then let the events already raised be stored."""
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._raiser is not None:
            try:
                async with asyncio.timeout(STOP_DRAIN_S):
                    await self._events.join()
            except TimeoutError:
                logger.error(
                    "site picture stopped with %d event(s) not stored (the store hangs)",
                    self._events.qsize() + 1,
                )
            self._raiser.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._raiser
            self._raiser = None

    @property
    def events_waiting(self) -> int:
        """Events raised but not yet stored."""
        return self._events.qsize()

    async def _pump(self, subscription: Subscription) -> None:
        while True:
            await subscription.deliver_next()

    async def _ticks(self) -> None:
        while True:
            await asyncio.sleep(self._tick_s)
            async with self._lock:
                await self._act(self.core.step(self._now_s()))

    async def _on_scan(self, scan: SensorScan) -> None:
        async with self._lock:
            await self._act(self.core.on_scan(scan, self._now_s()))

    async def _act(self, out: StepOutput) -> None:
        for status in out.health:
            self._bus.publish(DEVICE_STATUS, status)
        if out.tracks is not None:
            self._bus.publish(SITE_TRACKS, out.tracks)
        for message in out.live:
            self._bus.publish(TRACKS, message)
        for event in out.events:
            self._events.put_nowait(event)

    async def _raise_in_order(self) -> None:
        """Store each event in turn; its snapshot is written alongside, not before."""
        while True:
            event = await self._events.get()
            try:
                await asyncio.gather(
                    asyncio.to_thread(self._keep_snapshot, event),
                    asyncio.to_thread(self._store, event),
                )
            except Exception:
                # a bug in a store must not stop every later alert: log it, go on
                logger.exception("site event %s: raising it failed", event.id)
            finally:
                self._events.task_done()

    def _keep_snapshot(self, event: Event) -> None:
        try:
            self._snapshot(event)
        except (KordonError, OSError) as exc:
            logger.error("snapshot of site event %s not kept: %s", event.id, exc)

    def _store(self, event: Event) -> None:
        try:
            self._ingest(event)
        except KordonError as exc:
            logger.error("site event %s not ingested: %s", event.id, exc)
