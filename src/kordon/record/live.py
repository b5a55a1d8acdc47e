"""The packets of the open (not yet closed) segment, for pre-roll and live clips."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from kordon.record.packet_source import SourcePacket, StreamSpec


@dataclass(frozen=True, slots=True)
class TimedPacket:
    packet: SourcePacket
    wall: datetime


@dataclass(frozen=True, slots=True)
class LiveSnapshot:
    spec: StreamSpec | None
    packets: tuple[TimedPacket, ...]


class LiveBuffer:
    """Thread-safe: the recorder thread appends, clip requests read a snapshot.

    Holds the open segment's packets (it starts at a keyframe, so a snapshot decodes).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spec: StreamSpec | None = None
        self._packets: list[TimedPacket] = []

    def begin(self, spec: StreamSpec) -> None:
        with self._lock:
            self._spec = spec
            self._packets = []

    def append(self, packet: SourcePacket, wall: datetime) -> None:
        with self._lock:
            self._packets.append(TimedPacket(packet, wall))

    def clear(self) -> None:
        with self._lock:
            self._packets = []

    def snapshot(self) -> LiveSnapshot:
        with self._lock:
            return LiveSnapshot(self._spec, tuple(self._packets))
