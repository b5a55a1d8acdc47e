"""MAVLink endpoints: where telemetry bytes come from, parsed from a connection string.

``udpin:HOST:PORT`` listens (a vehicle or a router sends to us), ``udpout:HOST:PORT``
sends a heartbeat to the vehicle so it learns where to send (and keeps doing so every
second), ``tcp:HOST:PORT`` connects, ``serial:/dev/ttyUSB0:57600`` opens a serial port
(stdlib ``termios``), ``tlog:PATH`` replays a telemetry log at ``speed`` times real time
(0: as fast as possible) on an injected clock; given a
:class:`~kordon.sensors.mavlink.replay_clock.ReplayClock` as its clock, the replay marks
on it the recorded time of each frame it hands out. Every endpoint has one verb,
``receive``: the next bytes (or ``b""`` when nothing came within the timeout, ``None`` at
the end).
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kordon.domain.errors import KordonError
from kordon.sensors.mavlink.replay_clock import ReplayClock
from kordon.video.source.clock import Clock

_KINDS = ("udpin", "udpout", "tcp", "serial", "tlog")
_BAUDS = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
_V1, _V2 = 0xFE, 0xFD
_SIGNED = 0x01


class EndpointError(KordonError, ValueError):
    """A connection string is malformed, or the endpoint cannot be opened."""


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    """A parsed connection string; ``host``/``port`` for network kinds, ``path`` else."""

    kind: str
    host: str = ""
    port: int = 0
    path: str = ""
    baud: int = 57600

    @classmethod
    def parse(cls, url: str) -> EndpointSpec:
        kind, sep, rest = url.partition(":")
        if not sep or kind not in _KINDS:
            raise EndpointError(
                f"MAVLink connection {url!r}: start with one of {', '.join(_KINDS)} "
                "(e.g. udpin:0.0.0.0:14550, tcp:127.0.0.1:5760, serial:/dev/ttyUSB0:57600, "
                "tlog:flight.tlog)"
            )
        if kind == "tlog":
            if not rest:
                raise EndpointError(f"MAVLink connection {url!r}: tlog: needs a file path")
            return cls(kind, path=rest)
        if kind == "serial":
            device, _, baud = rest.rpartition(":")
            if not device or not baud.isdigit() or int(baud) not in _BAUDS:
                raise EndpointError(
                    f"MAVLink connection {url!r}: serial:DEVICE:BAUD with BAUD one of "
                    f"{', '.join(map(str, _BAUDS))}"
                )
            return cls(kind, path=device, baud=int(baud))
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise EndpointError(f"MAVLink connection {url!r}: {kind}:HOST:PORT with PORT 1..65535")
        return cls(kind, host=host, port=int(port))


class Endpoint(Protocol):
    """A byte source (and sink) for one MAVLink link."""

    def receive(self, timeout_s: float) -> bytes | None:
        """The next bytes; ``b""`` when none came in time; ``None`` when the link ended."""
        ...

    def send(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class UdpEndpoint:
    """``udpin`` (bound, replies go to the last sender) or ``udpout`` (sends to a peer)."""

    def __init__(self, spec: EndpointSpec) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._peer: tuple[str, int] | None = None
        try:
            if spec.kind == "udpin":
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self._sock.bind((spec.host, spec.port))
            else:
                self._peer = (spec.host, spec.port)
        except OSError as exc:
            self._sock.close()
            raise EndpointError(f"{spec.kind}:{spec.host}:{spec.port}: {exc}") from None

    @property
    def address(self) -> tuple[str, int]:
        """The local address (the bound port of ``udpin``)."""
        host, port = self._sock.getsockname()[:2]
        return str(host), int(port)

    def receive(self, timeout_s: float) -> bytes | None:
        self._sock.settimeout(timeout_s)
        try:
            data, sender = self._sock.recvfrom(65535)
        except TimeoutError:
            return b""
        except OSError:
            return None if self._sock.fileno() < 0 else b""
        if self._peer is None or self._peer != sender:
            self._peer = (str(sender[0]), int(sender[1]))
        return data

    def send(self, data: bytes) -> None:
        if self._peer is not None:
            # a peer that is not there yet: the next heartbeat tries again
            with contextlib.suppress(OSError):
                self._sock.sendto(data, self._peer)

    def close(self) -> None:
        self._sock.close()


class TcpEndpoint:
    """A TCP client (e.g. a SITL or a telemetry router on port 5760)."""

    def __init__(self, spec: EndpointSpec, *, connect_timeout_s: float = 5.0) -> None:
        try:
            self._sock = socket.create_connection((spec.host, spec.port), connect_timeout_s)
        except OSError as exc:
            raise EndpointError(f"tcp:{spec.host}:{spec.port}: {exc}") from None

    def receive(self, timeout_s: float) -> bytes | None:
        self._sock.settimeout(timeout_s)
        try:
            data = self._sock.recv(65535)
        except TimeoutError:
            return b""
        except OSError:
            return None
        return data or None

    def send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            self._sock.sendall(data)

    def close(self) -> None:
        self._sock.close()


class SerialEndpoint:
    """A serial port in raw mode at the configured baud rate (POSIX ``termios``)."""

    def __init__(self, spec: EndpointSpec) -> None:
        import termios
        import tty

        try:
            self._fd = os.open(spec.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise EndpointError(f"serial:{spec.path}: {exc.strerror or exc}") from None
        try:
            tty.setraw(self._fd)
            attrs = termios.tcgetattr(self._fd)
            speed = getattr(termios, f"B{spec.baud}")
            attrs[4] = attrs[5] = speed
            termios.tcsetattr(self._fd, termios.TCSANOW, attrs)
        except (OSError, termios.error) as exc:
            os.close(self._fd)
            raise EndpointError(f"serial:{spec.path}: not a serial port: {exc}") from None

    def receive(self, timeout_s: float) -> bytes | None:
        import select

        ready, _, _ = select.select([self._fd], [], [], timeout_s)
        if not ready:
            return b""
        try:
            return os.read(self._fd, 4096) or b""
        except BlockingIOError:
            return b""
        except OSError:
            return None

    def send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self._fd, data)

    def close(self) -> None:
        os.close(self._fd)


def tlog_frames(data: bytes) -> list[tuple[float, bytes]]:
    """(POSIX seconds, MAVLink frame) of a ``.tlog``; bytes that do not frame are skipped
    (passed on as one chunk so the parser counts them as corrupt)."""
    out: list[tuple[float, bytes]] = []
    i, n = 0, len(data)
    garbage_from: int | None = None
    last_t = 0.0
    while i + 9 <= n:
        magic = data[i + 8]
        if magic in (_V1, _V2) and i + 10 <= n:
            if magic == _V1:
                size = data[i + 9] + 8
            else:
                size = data[i + 9] + 12 + (13 if i + 10 < n and data[i + 10] & _SIGNED else 0)
            if i + 8 + size <= n:
                if garbage_from is not None:
                    out.append((last_t, data[garbage_from:i]))
                    garbage_from = None
                last_t = struct.unpack(">Q", data[i : i + 8])[0] / 1e6
                out.append((last_t, data[i + 8 : i + 8 + size]))
                i += 8 + size
                continue
        if garbage_from is None:
            garbage_from = i
        i += 1
    if garbage_from is not None or i < n:
        out.append((last_t, data[garbage_from if garbage_from is not None else i :]))
    return out


class TlogReplay:
    """A ``.tlog`` replayed frame by frame, paced on ``clock`` at ``speed``× (0: no pacing).

    With ``follow``, each frame's recorded time is marked on that clock as the frame is
    handed out (the first frame's already when the replay opens: the log's start)."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock,
        speed: float = 1.0,
        follow: ReplayClock | None = None,
    ) -> None:
        if not speed >= 0:
            raise EndpointError(f"tlog replay speed must be >= 0, got {speed}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EndpointError(f"tlog:{path}: {exc.strerror or exc}") from None
        self._frames = tlog_frames(data)
        self._clock = clock
        self._speed = speed
        self._i = 0
        self._previous: float | None = None
        self._follow = follow
        if follow is not None:
            # the first frame that has a time (a leading chunk of garbage has none)
            next((t for t, _ in self._frames if follow.mark(t)), None)

    def receive(self, timeout_s: float) -> bytes | None:  # noqa: ARG002 (never waits)
        if self._i >= len(self._frames):
            return None
        t, frame = self._frames[self._i]
        self._i += 1
        if self._speed > 0 and self._previous is not None and t > self._previous:
            self._clock.sleep((t - self._previous) / self._speed)
        self._previous = t if self._previous is None else max(t, self._previous)
        if self._follow is not None:
            self._follow.mark(t)
        return frame

    def send(self, data: bytes) -> None:
        """A recording takes no input."""

    def close(self) -> None:
        self._i = len(self._frames)


def open_endpoint(spec: EndpointSpec, *, clock: Clock, replay_speed: float = 1.0) -> Endpoint:
    """Open ``spec`` (this does I/O: call it from ``start``); a ``tlog`` replay opened on
    a :class:`ReplayClock` marks its frames' recorded times on it."""
    if spec.kind in ("udpin", "udpout"):
        return UdpEndpoint(spec)
    if spec.kind == "tcp":
        return TcpEndpoint(spec)
    if spec.kind == "serial":
        return SerialEndpoint(spec)
    follow = clock if isinstance(clock, ReplayClock) else None
    return TlogReplay(Path(spec.path), clock=clock, speed=replay_speed, follow=follow)
