"""Event clips: footage of ``[start, end)`` stream-copied from segments into MP4 (faststart).

The clip starts at the last keyframe at or before ``start`` (so it decodes) and may include
the open segment's packets (``live``), so an event that just fired gets its pre-roll.
Every closed segment is re-hashed first, and the bytes hashed are the bytes demuxed: a
segment that differs from its row's SHA-256 (or from its ledger entry's) is refused.
:func:`first_frame_time` says where that keyframe lies before the clip is assembled, so a
listing can give a moment's offset inside the file exactly.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from itertools import chain
from pathlib import Path

import av
import av.error

from kordon.record.errors import ClipError
from kordon.record.live import LiveSnapshot, TimedPacket
from kordon.record.packet_source import SourcePacket, StreamSpec
from kordon.record.repository import RecordingRepository
from kordon.record.types import SegmentRecord, _check_interval

MP4_CODECS = frozenset({"h264", "hevc", "av1", "mpeg4"})

LOOKBACK = timedelta(seconds=60)
"""How far before a clip's start its first keyframe is looked for."""

RecordedSha256 = Callable[[str], str | None]
"""The SHA-256 the evidence ledger recorded for a data-dir-relative path, if any."""


class TamperedSegmentError(ClipError):
    """A segment's bytes differ from the hash recorded when it was closed: no clip is made."""


@dataclass(frozen=True, slots=True)
class ClipInfo:
    path: Path
    start: datetime
    end: datetime
    packet_count: int

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


def _verified_bytes(
    path: Path, segment: SegmentRecord, recorded_sha256: RecordedSha256 | None
) -> bytes:
    """The segment file's bytes, once their SHA-256 is the row's and the ledger's."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClipError(f"cannot read segment {path}: {exc}") from exc
    actual = hashlib.sha256(data).hexdigest()
    expected = {"its database row": segment.sha256}
    ledger = recorded_sha256(segment.path_rel) if recorded_sha256 is not None else None
    if ledger is not None:
        expected["its ledger entry"] = ledger
    for source, sha256 in expected.items():
        if actual != sha256:
            raise TamperedSegmentError(
                f"segment {segment.path_rel} differs from {source} (sha256 {actual[:16]}…, "
                f"recorded {sha256[:16]}…): edited or damaged since it was recorded; "
                "no clip is made from it"
            )
    return data


def _segment_packets(
    path: Path, data: bytes, start: datetime
) -> tuple[StreamSpec, list[TimedPacket]]:
    try:
        with av.open(io.BytesIO(data), "r") as container:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            spec = StreamSpec(
                str(ctx.name),
                int(ctx.width),
                int(ctx.height),
                stream.time_base or Fraction(1, 90_000),
            )
            out: list[TimedPacket] = []
            first: int | None = None
            for p in container.demux(stream):
                if p.dts is None:
                    continue
                first = p.dts if first is None else first
                wall = start + timedelta(seconds=float((p.dts - first) * spec.time_base))
                packet = SourcePacket(
                    bytes(p),
                    p.pts,
                    p.dts,
                    int(p.duration or 0),
                    bool(p.is_keyframe),
                    False,
                    spec.time_base,
                )
                out.append(TimedPacket(packet, wall))
            return spec, out
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise ClipError(f"cannot read segment {path}: {exc}") from exc


def request_clip(
    camera_id: str,
    start: datetime,
    end: datetime,
    out_path: Path,
    *,
    data_dir: Path,
    repository: RecordingRepository,
    live: LiveSnapshot | None = None,
    recorded_sha256: RecordedSha256 | None = None,
) -> ClipInfo:
    """Assemble ``camera_id``'s footage of ``[start, end)`` into an MP4 at ``out_path``.

    :class:`TamperedSegmentError` when a segment's bytes are not those recorded (its row's
    SHA-256 and, with ``recorded_sha256``, its ledger entry's).
    """
    start, end = _check_interval(start, end)
    if end == start:
        raise ClipError("clip interval is empty")
    spec: StreamSpec | None = None
    runs: list[list[TimedPacket]] = []
    for segment in repository.segments(camera_id, start=start - LOOKBACK, end=end):
        path = Path(data_dir) / segment.path_rel
        data = _verified_bytes(path, segment, recorded_sha256)
        spec, packets = _segment_packets(path, data, segment.start)
        runs.append(packets)
    if live is not None and live.packets and live.spec is not None:
        spec = spec or live.spec
        runs.append(list(live.packets))
    packets = [p for run in runs for p in run]
    if spec is None or not packets:
        raise ClipError(f"no footage of camera {camera_id!r} between {start} and {end}")
    if spec.codec_name not in MP4_CODECS:
        raise ClipError(
            f"camera {camera_id!r} records {spec.codec_name!r}, which MP4 cannot hold by "
            f"stream copy (supported: {', '.join(sorted(MP4_CODECS))}); re-encode to export"
        )
    first_key = _key_before(packets, start)
    if first_key is None:
        first_key = next((i for i, p in enumerate(packets) if p.packet.is_keyframe), None)
    if first_key is None:
        raise ClipError(f"no keyframe in camera {camera_id!r}'s footage of the interval")
    chosen = [p for p in packets[first_key:] if p.wall < end]
    if not chosen:
        raise ClipError(f"no footage of camera {camera_id!r} between {start} and {end}")
    _write_mp4(out_path, spec, chosen)
    last = chosen[-1]
    tail = float(last.packet.duration * last.packet.time_base)
    return ClipInfo(out_path, chosen[0].wall, last.wall + timedelta(seconds=tail), len(chosen))


def _key_before(packets: list[TimedPacket], start: datetime) -> int | None:
    """The index of the last keyframe at or before ``start`` (packets oldest first)."""
    return max(
        (i for i, p in enumerate(packets) if p.packet.is_keyframe and p.wall <= start), default=None
    )


def first_frame_time(
    camera_id: str,
    start: datetime,
    end: datetime,
    *,
    data_dir: Path,
    repository: RecordingRepository,
    live: LiveSnapshot | None = None,
) -> datetime:
    """The time of the first frame :func:`request_clip` writes for ``[start, end)``: the last
    keyframe at or before ``start`` (else the first keyframe of the footage), so a player's
    offset 0 is known before the clip is assembled. Reads (no hashing) only the segments
    it needs, newest first; :class:`ClipError` when there is no keyframe at all.
    """
    start, end = _check_interval(start, end)
    segments = repository.segments(camera_id, start=start - LOOKBACK, end=end)
    live_packets = list(live.packets) if live is not None and live.spec is not None else []
    index = _key_before(live_packets, start)
    if index is not None:
        return live_packets[index].wall
    runs: dict[int, list[TimedPacket]] = {}

    def packets_of(i: int) -> list[TimedPacket]:
        if i not in runs:
            segment = segments[i]
            path = Path(data_dir) / segment.path_rel
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ClipError(f"cannot read segment {path}: {exc}") from exc
            runs[i] = _segment_packets(path, data, segment.start)[1]
        return runs[i]

    for i in reversed(range(len(segments))):
        if segments[i].start > start:
            continue
        packets = packets_of(i)
        index = _key_before(packets, start)
        if index is not None:
            return packets[index].wall
    for packets in chain((packets_of(i) for i in range(len(segments))), [live_packets]):
        first = next((p for p in packets if p.packet.is_keyframe), None)
        if first is not None:
            return first.wall
    raise ClipError(f"no keyframe in camera {camera_id!r}'s footage of the interval")


def _write_mp4(out_path: Path, spec: StreamSpec, packets: list[TimedPacket]) -> None:
    """Re-time packets from their wall times (continuous across segments) and mux."""
    time_base = Fraction(1, 90_000)
    origin = packets[0].wall
    last_dts = -1
    try:
        with av.open(str(out_path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            stream = out.add_mux_stream(spec.codec_name, width=spec.width, height=spec.height)
            stream.time_base = time_base
            for timed in packets:
                src = timed.packet
                dts = round((timed.wall - origin).total_seconds() * 90_000)
                dts = max(dts, last_dts + 1)
                src_dts = src.dts if src.dts is not None else 0
                offset = 0 if src.pts is None else src.pts - src_dts
                pkt = av.Packet(src.data)
                pkt.dts = dts
                pkt.pts = dts + round(float(offset * src.time_base) * 90_000)
                pkt.duration = round(float(src.duration * src.time_base) * 90_000)
                pkt.time_base = time_base
                pkt.is_keyframe = src.is_keyframe
                pkt.stream = stream
                out.mux(pkt)
                last_dts = dts
    except (av.error.FFmpegError, OSError) as exc:
        out_path.unlink(missing_ok=True)
        raise ClipError(f"cannot write clip {out_path}: {exc}") from exc
