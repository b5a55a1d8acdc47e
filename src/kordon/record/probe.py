"""Check a segment file by decoding every packet (used at recovery, never on the hot path)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import av.error

from kordon.record.errors import SegmentCorruptError

TS_PACKET = 188


@dataclass(frozen=True, slots=True)
class ProbeResult:
    packet_count: int
    frame_count: int
    has_keyframe: bool
    span_s: float
    """From the first packet's decode time to the end of the last packet."""


def probe_segment(path: Path) -> ProbeResult:
    """Decode ``path`` to its end; ``SegmentCorruptError`` if it is truncated or broken."""
    size = path.stat().st_size
    if size == 0 or size % TS_PACKET != 0:
        raise SegmentCorruptError(f"{path}: {size} bytes is not whole MPEG-TS packets (cut off?)")
    packets = frames = 0
    keyframe = False
    first: float | None = None
    last_end = 0.0
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise SegmentCorruptError(f"{path}: no video stream")
            stream = container.streams.video[0]
            stream.codec_context.options = {"err_detect": "explode"}
            for packet in container.demux(stream):
                if packet.dts is None and packet.size == 0:
                    frames += len(packet.decode())
                    continue
                if packet.is_corrupt:
                    raise SegmentCorruptError(f"{path}: corrupt packet at dts {packet.dts}")
                packets += 1
                keyframe = keyframe or bool(packet.is_keyframe)
                if packet.dts is not None and packet.time_base is not None:
                    t = float(packet.dts * packet.time_base)
                    first = t if first is None else first
                    last_end = t + float((packet.duration or 0) * packet.time_base)
                frames += len(packet.decode())
    except (av.error.FFmpegError, OSError) as exc:
        raise SegmentCorruptError(f"{path}: does not decode: {exc}") from exc
    if packets == 0 or frames == 0:
        raise SegmentCorruptError(f"{path}: no decodable frame")
    return ProbeResult(packets, frames, keyframe, max(last_end - (first or 0.0), 0.0))
