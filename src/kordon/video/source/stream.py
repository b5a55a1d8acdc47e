"""``StreamSource``: a network stream (RTSP, HTTP(S), …) that reconnects when it drops."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import av.container
import av.video

from kordon.domain.status import DeviceState
from kordon.video.source.backoff import Backoff
from kordon.video.source.base import HealthSink
from kordon.video.source.clock import Clock
from kordon.video.source.decimate import Decimator
from kordon.video.source.decode import (
    DecodeSettings,
    PtsTimer,
    decode_frames,
    open_input,
    select_video_stream,
    stream_info,
    to_bgr,
)
from kordon.video.source.errors import SourceError
from kordon.video.source.frame import Frame, SourceInfo
from kordon.video.source.health import HealthMonitor

logger = logging.getLogger(__name__)

_WAIT_SLICE_S = 0.1  # backoff sleeps are sliced so close() is noticed quickly


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """Network behaviour of a ``StreamSource``.

    ``open_timeout_s`` bounds connecting and probing; ``read_timeout_s`` bounds each read
    (a stalled stream fails after it). Reconnect delays grow from ``backoff_initial_s``
    doubling to ``backoff_max_s``, reduced by up to ``backoff_jitter`` at random.
    ``max_reconnects`` (None: forever) bounds consecutive failed attempts before
    ``frames()`` raises ``SourceError``. ``rtsp_transport`` applies to ``rtsp://`` URLs.
    """

    rtsp_transport: Literal["tcp", "udp"] = "tcp"
    open_timeout_s: float = 10.0
    read_timeout_s: float = 5.0
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    backoff_jitter: float = 0.2
    max_reconnects: int | None = None
    health_interval_s: float = 10.0
    degraded_fps_ratio: float = 0.5
    probe_s: float = 1.0
    """How much of the stream FFmpeg reads to identify it (``analyzeduration``)."""

    def __post_init__(self) -> None:
        for name in ("open_timeout_s", "read_timeout_s", "health_interval_s", "probe_s"):
            value = getattr(self, name)
            if not value > 0:
                raise SourceError(f"StreamSettings.{name} must be positive, got {value}")
        if self.max_reconnects is not None and self.max_reconnects < 0:
            raise SourceError(f"max_reconnects must be >= 0 or None, got {self.max_reconnects}")


class StreamSource:
    """Frames from a live stream, reconnecting with capped exponential backoff.

    Health goes to ``health`` as ``DeviceStatus``: ``online`` on (re)connect (after an
    outage with ``outage_s`` and ``reconnects`` in its metrics), ``offline`` with the reason
    when the stream is lost or a connect fails, and heartbeats every ``health_interval_s``
    (``online`` or ``degraded``) with measured ``fps`` and cumulative ``decode_errors``.

    ``open()`` makes one connection attempt and raises ``SourceError`` when it fails;
    ``frames()`` needs no prior ``open()``: it connects, reconnects on any loss, and runs
    until ``close()`` (callable from another thread) or ``max_reconnects`` is exhausted.
    ``Frame.index`` keeps counting across reconnects; ``pts_s`` and ``time`` restart from
    the clock's ``now()`` at each connection.
    """

    def __init__(
        self,
        url: str,
        *,
        device_id: str,
        clock: Clock,
        rng: random.Random,
        health: HealthSink,
        settings: StreamSettings | None = None,
        decode: DecodeSettings | None = None,
        target_fps: float | None = None,
    ) -> None:
        if "://" not in url:
            raise SourceError(f"stream URL needs a scheme (rtsp://, http://…), got {url!r}")
        self.url = url
        self._clock = clock
        self.settings = settings or StreamSettings()
        self._decode = decode or DecodeSettings()
        self._decimator = Decimator(target_fps)
        self._backoff = Backoff(
            rng,
            initial_s=self.settings.backoff_initial_s,
            max_s=self.settings.backoff_max_s,
            jitter=self.settings.backoff_jitter,
        )
        self._health = HealthMonitor(
            device_id,
            health,
            clock,
            interval_s=self.settings.health_interval_s,
            degraded_fps_ratio=self.settings.degraded_fps_ratio,
        )
        self._container: av.container.InputContainer | None = None
        self._stream: av.video.VideoStream | None = None
        self._info: SourceInfo | None = None
        self._closed = threading.Event()
        self._iterating = False
        self.reconnects = 0
        self.outages_s: list[float] = []
        """Duration of each outage that ended in a reconnect, in seconds."""

    @property
    def info(self) -> SourceInfo:
        if self._info is None:
            raise SourceError(f"{self._safe_url}: info is only known after a connection")
        return self._info

    @property
    def decode_errors(self) -> int:
        return self._health.decode_errors

    @property
    def state(self) -> DeviceState:
        return self._health.state

    @property
    def _safe_url(self) -> str:
        """The URL without credentials, for logs and health details."""
        scheme, _, rest = self.url.partition("://")
        host = rest.rsplit("@", 1)[-1]
        return f"{scheme}://{host}"

    def _redacted(self, exc: SourceError) -> SourceError:
        """The error with the URL's credentials removed (FFmpeg messages quote the URL)."""
        return SourceError(str(exc).replace(self.url, self._safe_url))

    def open(self) -> SourceInfo:
        """One connection attempt; ``SourceError`` when it fails."""
        self._closed.clear()
        self._connect()
        return self.info

    def _options(self) -> dict[str, str]:
        options = {"analyzeduration": str(round(self.settings.probe_s * 1e6))}
        if self.url.startswith(("rtsp://", "rtsps://")):
            options["rtsp_transport"] = self.settings.rtsp_transport
        return options

    def _connect(self) -> None:
        self._disconnect()
        timeouts = (self.settings.open_timeout_s, self.settings.read_timeout_s)
        try:
            container = open_input(self.url, options=self._options(), timeout_s=timeouts)
        except SourceError as exc:
            raise self._redacted(exc) from None
        try:
            self._stream = select_video_stream(container, self._safe_url, self._decode)
            self._info = stream_info(self._stream)
        except BaseException:
            container.close()
            raise
        self._container = container

    def _disconnect(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except Exception:  # closing a broken connection may fail; it is gone either way
                logger.debug("%s: error while closing", self._safe_url, exc_info=True)
        self._container = None
        self._stream = None

    def frames(self) -> Iterator[Frame]:
        self._iterating = True
        try:
            yield from self._run()
        finally:
            self._iterating = False
            self._disconnect()

    def _run(self) -> Iterator[Frame]:
        index = 0
        outage_from: float | None = None
        failures = 0
        while not self._closed.is_set():
            if self._container is None:
                try:
                    self._connect()
                except SourceError as exc:
                    if outage_from is None:
                        outage_from = self._clock.monotonic()
                        self._health.report(DeviceState.OFFLINE, f"connect failed: {exc}")
                    failures += 1
                    limit = self.settings.max_reconnects
                    if limit is not None and failures > limit:
                        raise SourceError(
                            f"{self._safe_url}: gave up after {failures} failed connection "
                            f"attempts; last: {exc}"
                        ) from exc
                    self._wait(self._backoff.next_delay_s())
                    continue
            failures = 0
            self._backoff.reset()
            self._connected(outage_from)
            outage_from = None
            reason = "end of stream"
            try:
                index = yield from self._read(index)
            except SourceError as exc:
                reason = str(self._redacted(exc))
            self._disconnect()
            if self._closed.is_set():
                break
            outage_from = self._clock.monotonic()
            logger.warning("%s: stream lost: %s", self._safe_url, reason)
            self._health.report(DeviceState.OFFLINE, f"stream lost: {reason}")
            self._wait(self._backoff.next_delay_s())
        self._health.report(DeviceState.STOPPED, "closed")

    def _connected(self, outage_from: float | None) -> None:
        self._health.start_window(self.info.nominal_fps)
        if outage_from is None:
            self._health.report(DeviceState.ONLINE, "connected")
            return
        outage_s = self._clock.monotonic() - outage_from
        self.reconnects += 1
        self.outages_s.append(outage_s)
        logger.info("%s: reconnected after %.1f s", self._safe_url, outage_s)
        self._health.report(
            DeviceState.ONLINE,
            f"reconnected after {outage_s:.1f} s outage",
            outage_s=round(outage_s, 3),
            reconnects=float(self.reconnects),
        )

    def _read(self, index: int) -> Generator[Frame, None, int]:
        """Yield frames of the current connection; returns the next frame index."""
        container, stream = self._container, self._stream
        if container is None or stream is None:
            raise SourceError(f"{self._safe_url}: read without a connection")
        start_time = self._clock.now()
        self._decimator.reset()
        period_s = 1.0 / self.info.nominal_fps if self.info.nominal_fps > 0 else 0.0
        timer = PtsTimer(period_s)
        for av_frame in decode_frames(
            container, stream, self._safe_url, self._decode, self._on_decode_error
        ):
            if self._closed.is_set():
                break
            self._health.frame_decoded()
            pts_s = timer.seconds(av_frame)
            frame_index = index
            index += 1
            if not self._decimator.keep(pts_s):
                continue
            yield Frame(
                image=to_bgr(av_frame, self._safe_url, self._decode),
                index=frame_index,
                pts_s=pts_s,
                time=start_time + timedelta(seconds=pts_s),
            )
        return index

    def _on_decode_error(self, reason: str) -> None:
        self._health.decode_error()
        logger.debug("%s: decode error: %s", self._safe_url, reason)

    def _wait(self, seconds: float) -> None:
        """Sleep through the clock, in slices, returning early when closed."""
        end = self._clock.monotonic() + seconds
        while not self._closed.is_set():
            left = end - self._clock.monotonic()
            if left <= 0:
                return
            self._clock.sleep(min(left, _WAIT_SLICE_S))

    def close(self) -> None:
        """Stop: ``frames()`` ends within one read timeout. Safe from another thread."""
        self._closed.set()
        if not self._iterating:
            self._disconnect()
