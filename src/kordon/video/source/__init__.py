"""Frame sources: video files and network streams decoded with PyAV."""

from kordon.video.source.backoff import Backoff
from kordon.video.source.base import FrameSource, HealthSink
from kordon.video.source.clock import Clock, FakeClock, SystemClock
from kordon.video.source.decimate import Decimator
from kordon.video.source.decode import DEFAULT_MAX_PIXELS, DecodeSettings
from kordon.video.source.errors import SourceError
from kordon.video.source.file import FileSource
from kordon.video.source.frame import Frame, SourceInfo
from kordon.video.source.stream import StreamSettings, StreamSource

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "Backoff",
    "Clock",
    "Decimator",
    "DecodeSettings",
    "FakeClock",
    "FileSource",
    "Frame",
    "FrameSource",
    "HealthSink",
    "SourceError",
    "SourceInfo",
    "StreamSettings",
    "StreamSource",
    "SystemClock",
]
