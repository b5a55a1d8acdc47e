"""``SharedLink``: one MAVLink endpoint read by the telemetry service and, during an upload,
by a mission uploader too.

A vehicle answers mission uploads on the link its telemetry comes from (for ``udpin``,
replies go to the address the vehicle sends from), so the uploader cannot open a link
of its own: :class:`SharedLink` is the endpoint the telemetry service opens (pass
:meth:`SharedLink.open` as the service's endpoint opener) and hands every received chunk
to its taps as well. A :class:`LinkTap` is what
:class:`~kordon.sensors.mavlink.mission_upload.MissionUploader` talks through: ``send``
goes out on the shared endpoint (one writer at a time with the service's heartbeats),
``receive`` returns what the endpoint received while the tap was :meth:`listening`
(nothing is queued outside an upload, so no stale reply is read into the next one).
Until the service has opened the endpoint, a tap sends nothing and hears nothing: an
upload then times out.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kordon.sensors.mavlink.endpoint import Endpoint, EndpointSpec, open_endpoint
from kordon.video.source.clock import Clock

_TAP_QUEUE = 1024


class LinkTap:
    """An uploader's view of a :class:`SharedLink` (``send``, ``receive``)."""

    def __init__(self, link: SharedLink) -> None:
        self._link = link
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=_TAP_QUEUE)
        self._listening = threading.Event()

    @contextmanager
    def listening(self) -> Iterator[LinkTap]:
        """Queue what the link receives from now until the block ends."""
        self._drain()
        self._listening.set()
        try:
            yield self
        finally:
            self._listening.clear()
            self._drain()

    def feed(self, data: bytes) -> None:
        """From the receive thread: bytes the endpoint received."""
        if not self._listening.is_set():
            return
        try:
            self._queue.put_nowait(data)
        except queue.Full:  # telemetry floods an upload nobody reads: drop the oldest
            self._drain(1)
            self._queue.put_nowait(data)

    def send(self, data: bytes) -> None:
        self._link.send(data)

    def receive(self, timeout_s: float) -> bytes | None:
        """The next chunk received while listening; ``b""`` when none came in time."""
        try:
            return self._queue.get(timeout=max(timeout_s, 0.0)) if timeout_s > 0 else b""
        except queue.Empty:
            return b""

    def _drain(self, limit: int | None = None) -> None:
        taken = 0
        while limit is None or taken < limit:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return
            taken += 1


class SharedLink:
    """An :class:`~kordon.sensors.mavlink.endpoint.Endpoint` whose received bytes also go
    to its taps, and whose ``send`` is safe from several threads."""

    def __init__(self) -> None:
        self._endpoint: Endpoint | None = None
        self._taps: list[LinkTap] = []
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()

    def open(self, spec: EndpointSpec, *, clock: Clock, replay_speed: float = 1.0) -> SharedLink:
        """Open the endpoint (the telemetry service's opener: I/O, call it from ``start``)."""
        endpoint = open_endpoint(spec, clock=clock, replay_speed=replay_speed)
        with self._lock:
            self._endpoint = endpoint
        return self

    def tap(self) -> LinkTap:
        """A new tap (for one vehicle's uploader)."""
        tap = LinkTap(self)
        with self._lock:
            self._taps.append(tap)
        return tap

    def receive(self, timeout_s: float) -> bytes | None:
        endpoint = self._endpoint
        if endpoint is None:
            return None
        data = endpoint.receive(timeout_s)
        if data:
            for tap in self._taps:
                tap.feed(data)
        return data

    def send(self, data: bytes) -> None:
        endpoint = self._endpoint
        if endpoint is None:
            return
        with self._send_lock:
            endpoint.send(data)

    def close(self) -> None:
        with self._lock:
            endpoint, self._endpoint = self._endpoint, None
        if endpoint is not None:
            endpoint.close()
