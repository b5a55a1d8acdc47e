"""Fragmented MP4 (ISO BMFF) for Media Source Extensions: one init segment, one fragment per frame.

A fragment is written the moment its frame arrives (``moof`` + ``mdat`` with one sample),
so the muxer adds no delay of its own. Times are in a 90 kHz timescale; the caller gives
each sample's decode time, composition offset and duration.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from kordon.video.live.h264 import ParameterSets

TIMESCALE = 90_000
TRACK_ID = 1
_KEY_FLAGS = 0x02000000  # sample_depends_on = 2 (an I-frame)
_DELTA_FLAGS = 0x01010000  # depends on others, non-sync sample
_MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


@dataclass(frozen=True, slots=True)
class VideoTrack:
    """What the init segment describes."""

    width: int
    height: int
    parameters: ParameterSets

    @property
    def mime(self) -> str:
        return f'video/mp4; codecs="{self.parameters.codec}"'


def init_segment(track: VideoTrack) -> bytes:
    """``ftyp`` + ``moov`` (with ``mvex``): no samples, every sample comes in fragments."""
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso6avc1mp41")
    mvhd = _full(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, TIMESCALE, 0),
        struct.pack(">IH", 0x00010000, 0x0100),
        bytes(10),
        _MATRIX,
        bytes(24),
        struct.pack(">I", TRACK_ID + 1),
    )
    tkhd = _full(
        b"tkhd",
        0,
        0x3,  # enabled, in movie
        struct.pack(">IIIII", 0, 0, TRACK_ID, 0, 0),
        bytes(8),
        struct.pack(">HHHH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", track.width << 16, track.height << 16),
    )
    mdhd = _full(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, 0, 0x55C4, 0))
    hdlr = _full(b"hdlr", 0, 0, struct.pack(">I", 0), b"vide", bytes(12), b"Kordon live\x00")
    avc1 = _box(
        b"avc1",
        bytes(6),
        struct.pack(">H", 1),
        bytes(16),
        struct.pack(">HH", track.width, track.height),
        struct.pack(">II", 0x00480000, 0x00480000),
        bytes(4),
        struct.pack(">H", 1),
        bytes(32),
        struct.pack(">Hh", 0x0018, -1),
        _box(b"avcC", track.parameters.avcc()),
    )
    stbl = _box(
        b"stbl",
        _full(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
        _full(b"stts", 0, 0, struct.pack(">I", 0)),
        _full(b"stsc", 0, 0, struct.pack(">I", 0)),
        _full(b"stsz", 0, 0, struct.pack(">II", 0, 0)),
        _full(b"stco", 0, 0, struct.pack(">I", 0)),
    )
    dinf = _box(b"dinf", _full(b"dref", 0, 0, struct.pack(">I", 1), _full(b"url ", 0, 1)))
    minf = _box(b"minf", _full(b"vmhd", 0, 1, bytes(8)), dinf, stbl)
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))
    trex = _full(b"trex", 0, 0, struct.pack(">IIIII", TRACK_ID, 1, 0, 0, 0))
    return ftyp + _box(b"moov", mvhd, trak, _box(b"mvex", trex))


def media_fragment(
    sequence: int,
    sample: bytes,
    *,
    decode_time: int,
    duration: int,
    composition_offset: int = 0,
    keyframe: bool,
) -> bytes:
    """``moof`` + ``mdat`` holding one sample (times in :data:`TIMESCALE` units)."""
    if decode_time < 0 or duration < 0:
        raise ValueError(f"decode_time and duration must be >= 0, got {decode_time}, {duration}")
    flags = _KEY_FLAGS if keyframe else _DELTA_FLAGS
    # trun flags: data offset, sample duration, size, flags, composition offset (version 1:
    # signed offsets)
    trun_flags = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800

    def moof(data_offset: int) -> bytes:
        trun = _full(
            b"trun",
            1,
            trun_flags,
            struct.pack(">Ii", 1, data_offset),
            struct.pack(">IIIi", duration, len(sample), flags, composition_offset),
        )
        traf = _box(
            b"traf",
            _full(b"tfhd", 0, 0x020000, struct.pack(">I", TRACK_ID)),  # default-base-is-moof
            _full(b"tfdt", 1, 0, struct.pack(">Q", decode_time)),
            trun,
        )
        return _box(b"moof", _full(b"mfhd", 0, 0, struct.pack(">I", sequence)), traf)

    size = len(moof(0))
    return moof(size + 8) + _box(b"mdat", sample)
