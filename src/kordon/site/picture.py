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
    worker thread, one event at a time, in order); ``snapshot`` keeps the frame of the
    camera named by an event's ``source_id``. ``now_s`` is wall time (POSIX seconds).
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

    async def start(self) -> None:
        self._subscription = self._bus.subscribe(route(OBSERVATIONS, self._on_scan))
        self._tasks = [
            asyncio.create_task(self._pump(self._subscription), name="site-picture-scans"),
            asyncio.create_task(self._ticks(), name="site-picture-tick"),
        ]

    async def stop(self) -> None:
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

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
            await asyncio.to_thread(self._raise, event)

    def _raise(self, event: Event) -> None:
        try:
            self._snapshot(event)
        except (KordonError, OSError) as exc:
            logger.error("snapshot of site event %s not kept: %s", event.id, exc)
        try:
            self._ingest(event)
        except KordonError as exc:
            logger.error("site event %s not ingested: %s", event.id, exc)
