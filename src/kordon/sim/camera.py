"""``SimulatedCamera``: a virtual IP camera for the demo and for integration tests.

It renders a scene in real time on its own thread and offers what a real camera offers:
decoded frames for analytics (:meth:`frame_source`) and an H.264 elementary stream for the
recorder (:meth:`packet_source`, encoded once with libx264, a keyframe every ``gop_s``).
Each consumer has a small bounded queue; a consumer that falls behind loses its oldest
items (counted), never slows the camera or the other consumer. Time is the source's
injected clock: with a fake clock the camera renders as fast as the clock lets it.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
from collections.abc import Iterator
from fractions import Fraction
from typing import Generic, TypeVar

import av
import av.container
import av.stream
import av.video

from kordon.domain.errors import KordonError
from kordon.record.packet_source import SourcePacket
from kordon.sim.source import SimulatedSource
from kordon.video.source.decimate import Decimator
from kordon.video.source.errors import SourceError
from kordon.video.source.frame import Frame, SourceInfo

logger = logging.getLogger(__name__)

_END = object()
T = TypeVar("T")


class _Feed(Generic[T]):
    """One consumer's bounded queue; ``put`` drops the oldest item when full."""

    def __init__(self, size: int) -> None:
        self.queue: queue.Queue[T | object] = queue.Queue(maxsize=size)
        self.dropped = 0
        self.closed = threading.Event()

    def put(self, item: T | object) -> None:
        while True:
            try:
                self.queue.put_nowait(item)
                return
            except queue.Full:
                try:
                    self.queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def items(self) -> Iterator[T]:
        while not self.closed.is_set():
            try:
                item = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is _END:
                return
            yield item  # type: ignore[misc]


class SimulatedCamera:
    """Renders ``source`` (which should pace in real time) for any number of consumers."""

    def __init__(self, camera_id: str, source: SimulatedSource, *, gop_s: float = 2.0) -> None:
        self.camera_id = camera_id
        self._source = source
        self._gop_frames = max(1, round(gop_s * source.fps))
        self._lock = threading.Lock()
        self._frame_feeds: list[_Feed[Frame]] = []
        self._packet_feeds: list[_Feed[SourcePacket]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._encoder: av.container.OutputContainer | None = None
        self._stream: av.stream.Stream | None = None
        self._encoder_ready = threading.Event()
        self._finished = threading.Event()

    @property
    def name(self) -> str:
        return f"simcam:{self.camera_id}"

    @property
    def info(self) -> SourceInfo:
        return self._source.info

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._source.start()
        self._open_encoder()
        self._stop.clear()
        self._finished.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self._end_all()
        if self._encoder is not None:
            self._encoder.close()
            self._encoder = None

    def _open_encoder(self) -> None:
        w, h = self._source.info.width_px, self._source.info.height_px
        container = av.open(io.BytesIO(), mode="w", format="mpegts")
        stream = container.add_stream(
            "libx264", rate=Fraction(self._source.fps).limit_denominator(1001)
        )
        stream.width = w
        stream.height = h
        stream.pix_fmt = "yuv420p"
        stream.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "g": str(self._gop_frames),
            "keyint_min": str(self._gop_frames),
            "sc_threshold": "0",
            "crf": "30",
        }
        stream.codec_context.open()
        self._encoder = container
        self._stream = stream
        self._encoder_ready.set()

    def _run(self) -> None:
        try:
            for frame in self._source.frames():
                if self._stop.is_set():
                    break
                with self._lock:
                    frame_feeds = list(self._frame_feeds)
                    packet_feeds = list(self._packet_feeds)
                for feed in frame_feeds:
                    feed.put(frame)
                if packet_feeds:
                    for packet in self._encode(frame):
                        for packet_feed in packet_feeds:
                            packet_feed.put(packet)
        except Exception:
            logger.exception("simulated camera %s failed", self.camera_id)
        finally:
            self._end_all()
            self._finished.set()

    def wait_finished(self, timeout_s: float) -> bool:
        """Wait until a finite source has rendered its last frame (or the camera stopped);
        ``False`` on timeout."""
        return self._finished.wait(timeout_s)

    def _end_all(self) -> None:
        with self._lock:
            feeds: list[_Feed[Frame] | _Feed[SourcePacket]] = [
                *self._frame_feeds,
                *self._packet_feeds,
            ]
        for feed in feeds:
            feed.put(_END)

    def _encode(self, frame: Frame) -> list[SourcePacket]:
        stream = self._stream
        if stream is None:
            return []
        video = av.VideoFrame.from_ndarray(frame.image, format="bgr24")
        video.pts = frame.index
        video.time_base = Fraction(1) / Fraction(self._source.fps).limit_denominator(1001)
        out: list[SourcePacket] = []
        context = stream.codec_context
        assert isinstance(context, av.VideoCodecContext)
        for packet in context.encode(video):
            time_base = packet.time_base or video.time_base
            out.append(
                SourcePacket(
                    data=bytes(packet),
                    pts=packet.pts,
                    dts=packet.dts,
                    duration=int(packet.duration or 0),
                    is_keyframe=bool(packet.is_keyframe),
                    is_corrupt=False,
                    time_base=Fraction(time_base),
                )
            )
        return out

    # -- consumers -------------------------------------------------------------------------
    def frame_source(self, target_fps: float | None = None) -> SimulatedCameraFrames:
        """Decoded frames, decimated to ``target_fps`` (the analytics rate) when given."""
        return SimulatedCameraFrames(self, target_fps)

    def packet_source(self) -> SimulatedCameraPackets:
        return SimulatedCameraPackets(self)

    def _subscribe_frames(self) -> _Feed[Frame]:
        feed: _Feed[Frame] = _Feed(2)
        with self._lock:
            self._frame_feeds.append(feed)
        return feed

    def _subscribe_packets(self) -> _Feed[SourcePacket]:
        feed: _Feed[SourcePacket] = _Feed(600)
        with self._lock:
            self._packet_feeds.append(feed)
        return feed

    def _unsubscribe(self, feed: object) -> None:
        with self._lock:
            self._frame_feeds = [f for f in self._frame_feeds if f is not feed]
            self._packet_feeds = [f for f in self._packet_feeds if f is not feed]

    def _template(self) -> av.stream.Stream:
        if not self._encoder_ready.wait(timeout=5.0) or self._stream is None:
            raise SimulatedCameraError(f"simulated camera {self.camera_id} is not running")
        return self._stream


class SimulatedCameraError(KordonError):
    """The simulated camera was used before it started."""


class SimulatedCameraFrames:
    """A ``FrameSource`` view: the camera's decoded frames, newest first when behind."""

    def __init__(self, camera: SimulatedCamera, target_fps: float | None = None) -> None:
        self._camera = camera
        self._target_fps = target_fps
        self._feed: _Feed[Frame] | None = None

    @property
    def info(self) -> SourceInfo:
        return self._camera.info

    @property
    def decode_errors(self) -> int:
        return 0

    def open(self) -> SourceInfo:
        if self._feed is None:
            self._feed = self._camera._subscribe_frames()
        return self._camera.info

    def frames(self) -> Iterator[Frame]:
        if self._feed is None:
            raise SourceError(f"simulated camera {self._camera.camera_id}: call open() first")
        decimator = Decimator(self._target_fps)
        for frame in self._feed.items():
            if decimator.keep(frame.pts_s):
                yield frame

    def close(self) -> None:
        if self._feed is not None:
            self._feed.closed.set()
            self._camera._unsubscribe(self._feed)
            self._feed = None


class SimulatedCameraPackets:
    """A ``PacketSource`` view: the camera's H.264 packets for the recorder."""

    def __init__(self, camera: SimulatedCamera) -> None:
        self._camera = camera
        self._feed: _Feed[SourcePacket] | None = None

    def open(self) -> av.stream.Stream:
        template = self._camera._template()
        if self._feed is None:
            self._feed = self._camera._subscribe_packets()
        return template

    def packets(self) -> Iterator[SourcePacket]:
        if self._feed is None:
            return
        yield from self._feed.items()

    def close(self) -> None:
        if self._feed is not None:
            self._feed.closed.set()
            self._camera._unsubscribe(self._feed)
            self._feed = None
