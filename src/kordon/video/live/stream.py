"""``LiveStream``: one camera's live fMP4, shared by every viewer of that camera.

The stream opens its packet source when the first viewer arrives and closes it
``linger_s`` after the last one left. A reader thread turns packets (privacy-masked and
re-encoded when the camera has masks) into fragments and offers each to every viewer. It
keeps the fragments since the last keyframe, so a viewer that joins starts at once from
that keyframe instead of waiting for the next one.

Each viewer has a bounded queue on its own event loop. A viewer that falls that far behind
loses what it had queued and gets the stream again from the next keyframe: a slow browser
sees a jump, never a growing delay, and never holds up the camera or other viewers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import av
import av.error

from kordon.config.image_rules import MaskConfig
from kordon.domain.errors import KordonError
from kordon.record.packet_source import PacketSource, SourcePacket, spec_of
from kordon.video.live.errors import LiveVideoError
from kordon.video.live.h264 import extradata_parameter_sets, is_avcc
from kordon.video.live.masking import MaskedTranscoder
from kordon.video.live.messages import OverlayShape, StatusMessage, StreamMessage
from kordon.video.live.packager import Fmp4Packager, Fragment, InitSegment
from kordon.video.source.clock import Clock

logger = logging.getLogger(__name__)


def canonical_codec(name: str) -> str:
    """The codec's own name for an encoder's (``libx264`` is ``h264``)."""
    for mode in ("r", "w"):
        try:
            return str(av.Codec(name, mode).canonical_name)
        except (av.error.FFmpegError, ValueError):
            continue
    return name


MAX_GOP_FRAGMENTS = 900
"""Fragments kept for joining viewers (a camera without keyframes must not fill memory)."""

LiveItem = bytes | str
"""A binary (fMP4) or text (JSON) WebSocket message."""


@dataclass(frozen=True, slots=True)
class LiveSettings:
    linger_s: float = 10.0
    """Keep the source open this long after the last viewer left (quick re-open)."""
    viewer_queue: int = 150
    """Messages queued per viewer before it is skipped ahead to the next keyframe."""
    retry_s: float = 2.0
    """Wait before re-opening a failed source."""


class LiveViewer:
    """One WebSocket's queue; its ``offer_*`` methods are called from the reader thread."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        size: int,
        on_close: Callable[[LiveViewer], None],
    ) -> None:
        self._loop = loop
        self._on_close = on_close
        self.queue: asyncio.Queue[LiveItem] = asyncio.Queue(maxsize=size)
        self._header: tuple[str, bytes] | None = None
        self._need_key = False
        self.skipped = 0
        """Times this viewer fell behind and skipped ahead."""

    def close(self) -> None:
        """Leave the stream (its source closes after the linger time if no one is left)."""
        self._on_close(self)

    def _call(self, fn: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the viewer's loop closed: it is leaving
            self._loop.call_soon_threadsafe(fn)

    def offer_header(self, stream: str, init: bytes) -> None:
        def put() -> None:
            self._header = (stream, init)
            self._need_key = True
            self._put(stream)
            self._put(init)

        self._call(put)

    def offer_fragment(self, data: bytes, *, keyframe: bool) -> None:
        def put() -> None:
            if self._need_key and not keyframe:
                return
            self._need_key = False
            self._put(data)

        self._call(put)

    def offer_text(self, text: str) -> None:
        self._call(lambda: self._put(text, droppable=True))

    def _put(self, item: LiveItem, *, droppable: bool = False) -> None:
        try:
            self.queue.put_nowait(item)
            return
        except asyncio.QueueFull:
            pass
        if droppable:
            return
        # Fell behind: drop the backlog, restart from the header and the next keyframe.
        self.skipped += 1
        while not self.queue.empty():
            self.queue.get_nowait()
        if self._header is not None:
            self.queue.put_nowait(self._header[0])
            self.queue.put_nowait(self._header[1])
        self._need_key = True


class LiveStream:
    """Thread-safe; see the module docstring."""

    def __init__(
        self,
        camera_id: str,
        make_source: Callable[[], PacketSource],
        *,
        clock: Clock,
        masks: Sequence[MaskConfig] = (),
        shapes: Sequence[OverlayShape] = (),
        settings: LiveSettings | None = None,
    ) -> None:
        self.camera_id = camera_id
        self._make_source = make_source
        self._clock = clock
        self._masks = tuple(m for m in masks if m.purpose == "privacy")
        self._shapes = list(shapes)
        self.settings = settings or LiveSettings()
        self._lock = threading.Lock()
        self._viewers: list[LiveViewer] = []
        self._header: tuple[str, bytes] | None = None
        self._gop: list[Fragment] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._idle_since: float | None = None
        self._status: str | None = None

    @property
    def masked(self) -> bool:
        """Privacy masks are burned into what viewers receive."""
        return bool(self._masks)

    @property
    def viewer_count(self) -> int:
        with self._lock:
            return len(self._viewers)

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> LiveViewer:
        """A new viewer: it gets the current header and GOP now, then every fragment."""
        with self._lock:
            viewer = LiveViewer(loop, self.settings.viewer_queue, self.unsubscribe)
            self._viewers.append(viewer)
            self._idle_since = None
            if self._header is not None:
                viewer.offer_header(*self._header)
                for fragment in self._gop:
                    viewer.offer_fragment(fragment.data, keyframe=fragment.keyframe)
            elif self._status is not None:
                viewer.offer_text(self._status)
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name=f"live-{self.camera_id}", daemon=True
                )
                self._thread.start()
        return viewer

    def unsubscribe(self, viewer: LiveViewer) -> None:
        with self._lock:
            self._viewers = [v for v in self._viewers if v is not viewer]
            if not self._viewers:
                self._idle_since = self._clock.monotonic()

    def publish_text(self, text: str) -> None:
        """Offer a text message (an overlay) to every viewer; dropped by slow ones."""
        with self._lock:
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.offer_text(text)

    @property
    def running(self) -> bool:
        """Whether the reader (and so the camera's source) is open."""
        with self._lock:
            return self._thread is not None

    def join(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for the reader to end by itself; ``True`` if it has."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
        return not self.running

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)

    # --- reader thread --------------------------------------------------------------------
    def _should_end(self) -> bool:
        """Under the lock: end the reader when asked or idle past the linger time."""
        if self._stop.is_set():
            return True
        idle = self._idle_since
        return (
            not self._viewers
            and idle is not None
            and self._clock.monotonic() - idle >= self.settings.linger_s
        )

    def _ended(self) -> bool:
        """End the reader when asked or idle past the linger time; atomically with a
        ``subscribe`` (which starts a new reader when it finds none)."""
        with self._lock:
            if not self._should_end():
                return False
            self._thread = None
            self._header = None
            self._gop = []
            self._status = None
            return True

    def _run(self) -> None:
        while not self._ended():
            try:
                self._read_once()
            except (KordonError, OSError) as exc:
                logger.warning("live video of camera %s: %s", self.camera_id, exc)
                self._set_status("error", str(exc))
            except Exception as exc:  # a reader failure must not leave viewers hanging
                logger.exception("live video of camera %s failed", self.camera_id)
                self._set_status("error", f"{type(exc).__name__}: {exc}")
            if self._ended():
                return
            self._stop.wait(self.settings.retry_s)

    def _set_status(self, state: str, detail: str) -> None:
        text = StatusMessage.model_validate({"state": state, "detail": detail}).model_dump_json()
        with self._lock:
            self._status = text
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.offer_text(text)

    def _read_once(self) -> None:
        source = self._make_source()
        try:
            template = source.open()
            spec = spec_of(template)
            spec = replace(spec, codec_name=canonical_codec(spec.codec_name))
            transcoder: MaskedTranscoder | None = None
            if self._masks or spec.codec_name != "h264":
                extradata = template.codec_context.extradata
                transcoder = MaskedTranscoder(spec, self._masks, extradata=extradata)
            parameters, avcc = None, False
            if transcoder is None:  # the camera's own H.264: its extradata may hold SPS/PPS
                extradata = template.codec_context.extradata
                parameters, avcc = extradata_parameter_sets(extradata), is_avcc(extradata)
            packager = Fmp4Packager(
                spec.width, spec.height, parameters=parameters, length_prefixed=avcc
            )
            self._set_status("waiting", "waiting for a keyframe")
            for packet in source.packets():
                packets: list[SourcePacket] = (
                    transcoder.process(packet) if transcoder is not None else [packet]
                )
                for out in packets:
                    init, fragment = packager.feed(out, self._clock.now())
                    if init is not None:
                        self._publish_header(init)
                    if fragment is not None:
                        self._publish_fragment(fragment)
                with self._lock:
                    if self._should_end():
                        return
            raise LiveVideoError("the camera's stream ended")
        finally:
            source.close()

    def _publish_header(self, init: InitSegment) -> None:
        message = StreamMessage(
            camera_id=self.camera_id,
            mime=init.track.mime,
            width_px=init.track.width,
            height_px=init.track.height,
            origin_ms=init.origin.timestamp() * 1000.0,
            masked=self.masked,
            shapes=self._shapes,
        ).model_dump_json()
        with self._lock:
            self._header = (message, init.data)
            self._gop = []
            self._status = None
            for viewer in self._viewers:
                viewer.offer_header(message, init.data)

    def _publish_fragment(self, fragment: Fragment) -> None:
        with self._lock:
            if fragment.keyframe:
                self._gop = []
            if len(self._gop) < MAX_GOP_FRAGMENTS:
                self._gop.append(fragment)
            for viewer in self._viewers:
                viewer.offer_fragment(fragment.data, keyframe=fragment.keyframe)
