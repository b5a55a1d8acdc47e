"""The frame-source role: ``open``, iterate ``frames``, ``close``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from kordon.domain.status import DeviceStatus
from kordon.video.source.frame import Frame, SourceInfo

HealthSink = Callable[[DeviceStatus], None]
"""Receives a source's health reports; called on the thread that iterates ``frames()``."""


class FrameSource(Protocol):
    """A video input. ``open()`` does the heavy work (connect, probe) and raises
    ``SourceError``; ``frames()`` yields decoded frames until the input ends or ``close()``."""

    @property
    def info(self) -> SourceInfo:
        """Stream properties; ``SourceError`` before a successful open."""
        ...

    @property
    def decode_errors(self) -> int:
        """Packets that failed to decode so far (skipped, not fatal)."""
        ...

    def open(self) -> SourceInfo: ...

    def frames(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...
