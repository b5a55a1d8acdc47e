"""``LiveVideoService``: every camera's live stream, overlays and recorded playback.

Implements the API's ``LiveVideo`` (``kordon.api.routes.video``). The composition root adds
each camera with a factory for its packet source (the simulated camera's packet feed, or a
new connection to the camera's URL) and, from the camera thread, forwards every analysed
frame's tracks with :meth:`update_tracks`. Streams run only while someone watches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

import numpy.typing as npt

from kordon.config.image_rules import ImageRuleConfig, MaskConfig
from kordon.domain.tracks import ImageTracks
from kordon.geo.projection import ImageToGround
from kordon.record.packet_source import PacketSource
from kordon.record.playback import PlaybackFile, PlaybackFiles, RecordedSpan, recorded_spans
from kordon.record.types import SegmentRecord
from kordon.video.live.errors import LiveVideoError
from kordon.video.live.masking import write_masked_mp4
from kordon.video.live.messages import OverlayShape
from kordon.video.live.overlay import border_shapes, overlay_text, rule_shapes
from kordon.video.live.stream import LiveSettings, LiveStream
from kordon.video.source.clock import Clock


def camera_shapes(
    rules: Sequence[ImageRuleConfig],
    camera_model: ImageToGround | None,
    border_xy: Sequence[npt.ArrayLike],
    image_wh: tuple[int, int],
) -> list[OverlayShape]:
    """A camera's rule lines and zones, and the border where its view shows it."""
    shapes = rule_shapes(rules)
    if camera_model is not None:
        shapes.extend(border_shapes(camera_model, border_xy, image_wh))
    return shapes


class LiveVideoService:
    """See the module docstring; thread-safe after the cameras have been added."""

    def __init__(
        self,
        *,
        clock: Clock,
        playback: PlaybackFiles | None = None,
        settings: LiveSettings | None = None,
    ) -> None:
        self._clock = clock
        self._playback = playback
        self._settings = settings or LiveSettings()
        self._streams: dict[str, LiveStream] = {}
        self._masks: dict[str, tuple[MaskConfig, ...]] = {}

    @property
    def name(self) -> str:
        return "live-video"

    def add_camera(
        self,
        camera_id: str,
        make_source: Callable[[], PacketSource],
        *,
        masks: Sequence[MaskConfig] = (),
        shapes: Sequence[OverlayShape] = (),
    ) -> LiveStream:
        stream = LiveStream(
            camera_id,
            make_source,
            clock=self._clock,
            masks=masks,
            shapes=shapes,
            settings=self._settings,
        )
        self._streams[camera_id] = stream
        self._masks[camera_id] = tuple(m for m in masks if m.purpose == "privacy")
        return stream

    def stream(self, camera_id: str) -> LiveStream | None:
        return self._streams.get(camera_id)

    def update_tracks(self, camera_id: str, time: datetime, tracks: ImageTracks) -> None:
        """Forward an analysed frame's tracks to the camera's viewers (cheap when none)."""
        stream = self._streams.get(camera_id)
        if stream is None or stream.viewer_count == 0:
            return
        stream.publish_text(overlay_text(time, tracks))

    # --- recordings ---------------------------------------------------------------------
    def records(self, camera_id: str) -> bool:
        """Whether playback is offered for this camera."""
        return self._playback is not None and camera_id in self._streams

    def segments(self, camera_id: str, start: datetime, end: datetime) -> list[SegmentRecord]:
        if self._playback is None:
            return []
        return self._playback.segments(camera_id, start, end)

    def spans(self, camera_id: str, start: datetime, end: datetime) -> list[RecordedSpan]:
        return recorded_spans(self.segments(camera_id, start, end))

    def playback(self, camera_id: str, start: datetime, end: datetime) -> PlaybackFile:
        """The range as MP4; for a camera with privacy masks, a masked re-encode of it
        (``masked`` set; the recording itself stays as it was)."""
        if self._playback is None:
            raise LiveVideoError("no recordings are kept on this node")
        made = self._playback.open(camera_id, start, end)
        masks = self._masks.get(camera_id, ())
        if not masks:
            return made
        target = made.path.with_name(f"{made.path.stem}-masked.mp4")
        if made.temporary or not target.is_file():
            try:
                write_masked_mp4(made.path, target, masks)
            finally:
                if made.temporary:
                    made.path.unlink(missing_ok=True)
        return replace(made, path=target, masked=True)

    @property
    def max_playback_s(self) -> float:
        return self._playback.max_range_s if self._playback is not None else 0.0

    # --- lifetime -------------------------------------------------------------------------
    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        streams = list(self._streams.values())
        await asyncio.gather(*(asyncio.to_thread(s.stop) for s in streams))
