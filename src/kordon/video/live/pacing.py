"""``PacedPacketSource``: a file's packets at the speed they were recorded (a file as a camera)."""

from __future__ import annotations

from collections.abc import Iterator

import av.stream

from kordon.record.packet_source import PacketSource, SourcePacket
from kordon.video.source.clock import Clock


class PacedPacketSource:
    """Wraps a ``PacketSource`` that reads faster than real time (a file): each packet is
    released when its timestamp is due on ``clock``."""

    def __init__(self, inner: PacketSource, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock

    def open(self) -> av.stream.Stream:
        return self._inner.open()

    def packets(self) -> Iterator[SourcePacket]:
        t0: float | None = None
        ts0 = 0.0
        for packet in self._inner.packets():
            raw = packet.dts if packet.dts is not None else packet.pts
            if raw is not None:
                ts = float(raw * packet.time_base)
                if t0 is None:
                    t0, ts0 = self._clock.monotonic(), ts
                wait = t0 + (ts - ts0) - self._clock.monotonic()
                if wait > 0:
                    self._clock.sleep(wait)
            yield packet

    def close(self) -> None:
        self._inner.close()
