"""Sends a simulated drone's telemetry over UDP, as a telemetry radio does.

:class:`DroneRadio` streams :meth:`~kordon.sim.drone.SimulatedDrone.frames_at` to a ground
station paced on an injected clock, and carries what the station sends back (mission
uploads: ``kordon.sim.drone_service``).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from kordon.sim.drone import SimulatedDrone
from kordon.video.source.clock import Clock


class DroneRadio:
    """Sends a simulated drone's frames over UDP to ``host:port`` (what a telemetry radio
    or SITL with ``--out udp:HOST:PORT`` does)."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(self, frames: Sequence[bytes]) -> None:
        for frame in frames:
            self._sock.sendto(frame, self._target)

    def receive(self, timeout_s: float) -> tuple[bytes, tuple[str, int]] | None:
        """A datagram sent back to the radio (a ground station's command) and its sender;
        ``None`` when nothing came within ``timeout_s``."""
        self._sock.settimeout(max(timeout_s, 1e-3))
        try:
            data, sender = self._sock.recvfrom(65535)
        except (TimeoutError, BlockingIOError):
            return None
        return data, (str(sender[0]), int(sender[1]))

    def reply(self, frames: Sequence[bytes], to: tuple[str, int]) -> None:
        for frame in frames:
            self._sock.sendto(frame, to)

    def fly(self, drone: SimulatedDrone, clock: Clock, *, rate_hz: float, until_s: float) -> None:
        """Stream ``drone`` from now until ``until_s`` seconds of its flight, on ``clock``."""
        if not rate_hz > 0:
            raise ValueError("rate_hz must be > 0")
        start = clock.monotonic()
        step = 1.0 / rate_hz
        t = 0.0
        while t <= until_s:
            self.send(drone.frames_at(t))
            t += step
            clock.sleep(start + t - clock.monotonic())

    def close(self) -> None:
        self._sock.close()
