"""H.264 in Annex B becomes fragmented MP4 that a real decoder plays frame for frame."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest

from kordon.record.packet_source import AvPacketSource, SourcePacket
from kordon.video.live.errors import LiveVideoError
from kordon.video.live.fmp4 import TIMESCALE, media_fragment
from kordon.video.live.h264 import (
    NAL_PPS,
    NAL_SPS,
    extradata_parameter_sets,
    is_avcc,
    parameter_sets,
    split_nal_units,
    to_mp4_sample,
)
from kordon.video.live.packager import Fmp4Packager
from tests.record.media import make_h264

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _packets(path: Path) -> list[SourcePacket]:
    source = AvPacketSource(str(path))
    source.open()
    try:
        return list(source.packets())
    finally:
        source.close()


@pytest.fixture(scope="module")
def stream_ts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("h264") / "s.ts", seconds=3.0, fps=10, gop=10)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x00\x00\x00\x01\x67\xaa\x00\x00\x01\x68\xbb", [b"\x67\xaa", b"\x68\xbb"]),
        (b"\x00\x00\x01\x65\x01\x02\x00\x00\x00\x01\x41\x03", [b"\x65\x01\x02", b"\x41\x03"]),
        (b"\x00\x00\x00\x02\x65\x01\x00\x00\x00\x01\x41", [b"\x65\x01", b"\x41"]),
    ],
)
def test_nal_units_split_from_annex_b_and_length_prefixes(
    data: bytes, expected: list[bytes]
) -> None:
    assert split_nal_units(data) == expected


def test_a_bad_length_prefix_is_refused() -> None:
    with pytest.raises(LiveVideoError, match="neither Annex B nor length-prefixed"):
        split_nal_units(b"\x00\x00\x00\x09\x65")


def test_parameter_sets_go_to_avcc_not_to_samples(stream_ts: Path) -> None:
    first = _packets(stream_ts)[0]
    units = split_nal_units(first.data)
    params = parameter_sets(units)
    assert params is not None
    assert params.sps[0] & 0x1F == NAL_SPS
    assert params.pps[0] & 0x1F == NAL_PPS
    assert params.codec == f"avc1.{params.sps[1]:02x}{params.sps[2]:02x}{params.sps[3]:02x}"
    sample = to_mp4_sample(units)
    assert params.sps not in sample
    assert len(sample) < len(first.data)


def test_fragments_decode_frame_for_frame(stream_ts: Path, tmp_path: Path) -> None:
    packets = _packets(stream_ts)
    packager = Fmp4Packager(320, 240)
    out = bytearray()
    inits = 0
    fragments = 0
    for packet in packets:
        init, fragment = packager.feed(packet, T0)
        if init is not None:
            inits += 1
            out += init.data
        if fragment is not None:
            fragments += 1
            out += fragment.data
    assert inits == 1
    assert fragments == len(packets) == 30
    path = tmp_path / "live.mp4"
    path.write_bytes(bytes(out))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 240)
        frames = list(container.decode(stream))
    assert len(frames) == 30
    times = [float(f.time) for f in frames if f.time is not None]
    assert times == pytest.approx([i / 10 for i in range(30)], abs=1e-3)


def test_packets_before_the_first_keyframe_are_skipped(stream_ts: Path) -> None:
    packets = _packets(stream_ts)
    packager = Fmp4Packager(320, 240)
    results = [packager.feed(p, T0) for p in packets[1:]]
    first = next(i for i, (init, _f) in enumerate(results) if init is not None)
    assert first == 9  # packet 10 is the next keyframe
    assert all(f is None for _i, f in results[:first])
    fragment = results[first][1]
    assert fragment is not None
    assert fragment.keyframe


def test_timestamps_that_jump_back_continue_the_timeline(stream_ts: Path) -> None:
    packets = _packets(stream_ts)[:20]
    restarted = [*packets[:10], *(replace(p, dts=(p.dts or 0) - 10**6) for p in packets[10:])]
    packager = Fmp4Packager(320, 240)
    times = [f.media_time_s for _i, f in (packager.feed(p, T0) for p in restarted) if f is not None]
    assert len(times) == 20
    steps = [b - a for a, b in itertools.pairwise(times)]
    assert all(step == pytest.approx(0.1, abs=1e-3) for step in steps)


def test_a_fragment_refuses_negative_times() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        media_fragment(1, b"x", decode_time=-1, duration=TIMESCALE, keyframe=True)


def test_an_mp4_file_without_in_band_parameter_sets_plays(tmp_path: Path) -> None:
    clip = make_h264(tmp_path / "c.mp4", seconds=2.0, fps=10, gop=10, fmt="mp4")
    source = AvPacketSource(str(clip))
    template = source.open()
    try:
        packets = list(source.packets())
    finally:
        source.close()
    assert not packets[0].data.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01"))
    assert parameter_sets(split_nal_units(packets[0].data)) is None  # only in the avcC
    params = extradata_parameter_sets(template.codec_context.extradata)
    assert params is not None
    assert Fmp4Packager(320, 240).feed(packets[0], T0) == (None, None)
    assert is_avcc(template.codec_context.extradata)
    packager = Fmp4Packager(320, 240, parameters=params, length_prefixed=True)
    out = bytearray()
    for packet in packets:
        init, fragment = packager.feed(packet, T0)
        out += (init.data if init else b"") + (fragment.data if fragment else b"")
    (tmp_path / "live.mp4").write_bytes(bytes(out))
    with av.open(str(tmp_path / "live.mp4"), "r") as container:
        assert len(list(container.decode(video=0))) == 20
