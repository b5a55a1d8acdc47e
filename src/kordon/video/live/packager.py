"""``Fmp4Packager``: a camera's H.264 packets in, an init segment and fragments out.

It starts at the first keyframe that carries SPS and PPS, emits a new init segment when
they change (a camera reconfigured), and maps packet timestamps onto a continuous media
timeline in 90 kHz units: a timestamp that goes backwards or jumps by more than
``max_jump_s`` (a source restart) continues the timeline one frame after the last sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from kordon.record.packet_source import SourcePacket
from kordon.video.live.fmp4 import TIMESCALE, VideoTrack, init_segment, media_fragment
from kordon.video.live.h264 import (
    ParameterSets,
    parameter_sets,
    split_nal_units,
    to_mp4_sample,
)

DEFAULT_FRAME_TICKS = TIMESCALE // 25


@dataclass(frozen=True, slots=True)
class InitSegment:
    track: VideoTrack
    data: bytes
    origin: datetime
    """The wall time of media time 0 (the first packet's arrival)."""


@dataclass(frozen=True, slots=True)
class Fragment:
    data: bytes
    keyframe: bool
    media_time_s: float
    wall: datetime


class Fmp4Packager:
    """Not thread-safe: one per stream, fed by the stream's reader thread."""

    def __init__(
        self,
        width: int,
        height: int,
        *,
        max_jump_s: float = 5.0,
        parameters: ParameterSets | None = None,
        length_prefixed: bool | None = None,
    ) -> None:
        """``parameters``: the stream's SPS/PPS from its extradata, for sources that do not
        repeat them before keyframes (MP4 files); ``length_prefixed``: their packets' NAL
        framing (``None``: guessed per packet)."""
        self._width = width
        self._height = height
        self._max_jump_ticks = round(max_jump_s * TIMESCALE)
        self._init: InitSegment | None = None
        self._sequence = 0
        self._last_ts: int | None = None  # source timestamp, in ticks
        self._last_decode: int | None = None  # media time of the last sample, in ticks
        self._frame_ticks = DEFAULT_FRAME_TICKS
        self._parameters = parameters
        self._length_prefixed = length_prefixed

    @property
    def init(self) -> InitSegment | None:
        return self._init

    def feed(
        self, packet: SourcePacket, wall: datetime
    ) -> tuple[InitSegment | None, Fragment | None]:
        """A new init segment (when the parameter sets appear or change) and the packet's
        fragment; ``(None, None)`` until a keyframe with parameter sets has come."""
        if packet.is_corrupt or not packet.data:
            return None, None
        units = split_nal_units(packet.data, length_prefixed=self._length_prefixed)
        new_init: InitSegment | None = None
        if packet.is_keyframe:
            params = parameter_sets(units) or self._parameters
            if params is not None and (self._init is None or self._init.track.parameters != params):
                track = VideoTrack(self._width, self._height, params)
                origin = wall if self._init is None else self._init.origin
                new_init = InitSegment(track, init_segment(track), origin)
                self._init = new_init
        if self._init is None:
            return None, None
        sample = to_mp4_sample(units)
        if not sample:
            return new_init, None
        decode_time, duration = self._place(packet)
        offset = 0
        if packet.pts is not None and packet.dts is not None:
            offset = _ticks(packet.pts - packet.dts, packet.time_base)
        self._sequence += 1
        data = media_fragment(
            self._sequence,
            sample,
            decode_time=decode_time,
            duration=duration,
            composition_offset=offset,
            keyframe=packet.is_keyframe,
        )
        media_time_s = decode_time / TIMESCALE
        wall_time = self._init.origin + timedelta(seconds=media_time_s)
        return new_init, Fragment(data, packet.is_keyframe, media_time_s, wall_time)

    def _place(self, packet: SourcePacket) -> tuple[int, int]:
        raw = packet.dts if packet.dts is not None else packet.pts
        ts = None if raw is None else _ticks(raw, packet.time_base)
        if self._last_decode is None:
            decode_time = 0
        else:
            step = None if ts is None or self._last_ts is None else ts - self._last_ts
            if step is not None and 0 < step <= self._max_jump_ticks:
                self._frame_ticks = step
            decode_time = self._last_decode + self._frame_ticks
        if ts is not None:
            self._last_ts = ts
        self._last_decode = decode_time
        duration = _ticks(packet.duration, packet.time_base) if packet.duration > 0 else 0
        return decode_time, duration or self._frame_ticks


def _ticks(value: int, time_base: Fraction) -> int:
    return round(value * time_base * TIMESCALE)
