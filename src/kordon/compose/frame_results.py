"""What a camera does with each analysed frame."""

from __future__ import annotations

import logging
from collections.abc import Callable

from kordon.domain.errors import KordonError
from kordon.domain.event import Event
from kordon.domain.scan import SensorScan
from kordon.geo.stage import GeoStage
from kordon.services.live_frames import LiveFrames
from kordon.services.track_feed import TrackFeed
from kordon.video.live.service import LiveVideoService
from kordon.video.pipeline.result import FrameResult
from kordon.video.source.decimate import next_slot_start_s
from kordon.video.source.frame import Frame

logger = logging.getLogger("kordon.app")  # the composition root's log lines keep its name

PROMISE_MARGIN_S = 0.01
"""Slack on a camera's promise about its next frame's time (pts and clock jitter)."""


def result_handler(
    live_frames: LiveFrames,
    ingest: Callable[[Event], None],
    geo_stage: GeoStage | None,
    camera_id: str,
    *,
    scans: Callable[[SensorScan], None] | None,
    track_feed: TrackFeed | None,
    live_video: LiveVideoService,
    analytics_fps: float | None = None,
) -> Callable[[str, Frame, FrameResult], None]:
    """What a camera does with each analysed frame (on its own thread): keep the frame for
    live view and snapshots, ingest its events (image rules; geo rules without fusion),
    and hand its ground observations to the site picture (or, without fusion, its own
    geo tracks to the map)."""

    def on_result(_camera: str, frame: Frame, result: FrameResult) -> None:
        live_frames.update(camera_id, frame.image, result.tracks)
        live_video.update_tracks(camera_id, frame.time, result.tracks)
        if result.events:
            live_frames.save_event_snapshots(camera_id, result.events)
            for event in result.events:
                try:
                    ingest(event)
                except KordonError as exc:
                    logger.error("event %s of camera %s not ingested: %s", event.id, camera_id, exc)
        if geo_stage is None:
            return
        if scans is not None:
            scans(geo_stage.scan(result.time, next_after_s=next_frame_after(frame, analytics_fps)))
        if track_feed is not None:
            track_feed.publish(camera_id, geo_stage.latest_positions(), result.time)

    return on_result


def next_frame_after(frame: Frame, analytics_fps: float | None) -> float | None:
    """The earliest time the camera's next analysed frame can be stamped with: the start
    of the decimator's next slot, less a margin (``None`` when the camera keeps every frame)."""
    if analytics_fps is None:
        return None
    gap_s = next_slot_start_s(frame.pts_s, analytics_fps) - frame.pts_s - PROMISE_MARGIN_S
    return frame.time.timestamp() + max(gap_s, 0.0)
