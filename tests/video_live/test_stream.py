"""One camera, many viewers: joining mid-stream, falling behind, masks, and closing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import av
import numpy as np
import pytest

from kordon.config.image_rules import MaskConfig
from kordon.record.packet_source import AvPacketSource, SourcePacket, spec_of
from kordon.video.live.masking import MaskedTranscoder
from kordon.video.live.stream import LiveSettings, LiveStream, LiveViewer
from kordon.video.source.clock import FakeClock
from tests.record.media import make_h264

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
WAIT_S = 30.0
"""Bound on thread hand-overs; reached only when something is broken."""


@pytest.fixture(scope="module")
def stream_ts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("h264") / "s.ts", seconds=3.0, fps=10, gop=10)


async def _take(viewer: LiveViewer, count: int) -> list[bytes | str]:
    return [await asyncio.wait_for(viewer.queue.get(), WAIT_S) for _ in range(count)]


def _is_key(fragment: bytes | str) -> bool:
    assert isinstance(fragment, bytes)
    trun = fragment.index(b"trun")
    flags = int.from_bytes(fragment[trun + 24 : trun + 28], "big")  # the sample's flags
    return flags == 0x02000000


def test_viewers_get_header_init_and_every_frame(stream_ts: Path) -> None:
    clock = FakeClock(T0)
    stream = LiveStream(
        "cam1",
        lambda: AvPacketSource(str(stream_ts)),
        clock=clock,
        settings=LiveSettings(retry_s=60.0),
    )

    async def watch() -> None:
        first = stream.subscribe(asyncio.get_running_loop())
        items = await _take(first, 1)
        while not (
            isinstance(items[-1], str) and items[-1].startswith('{"version":1,"type":"stream"')
        ):
            items += await _take(first, 1)  # skip the "waiting" status
        header = json.loads(items[-1])
        assert header["mime"].startswith('video/mp4; codecs="avc1.')
        assert (header["width_px"], header["height_px"]) == (320, 240)
        assert header["masked"] is False
        init, *fragments = await _take(first, 31)
        assert isinstance(init, bytes)
        assert init[4:8] == b"ftyp"
        assert [_is_key(f) for f in fragments] == [i % 10 == 0 for i in range(30)]
        status = json.loads(str((await _take(first, 1))[0]))
        assert status == {
            "version": 1,
            "type": "status",
            "state": "error",
            "detail": "the camera's stream ended",
        }
        # A viewer joining now starts at the last keyframe, without waiting for the next.
        second = stream.subscribe(asyncio.get_running_loop())
        joined = await _take(second, 12)
        assert isinstance(joined[0], str)
        assert json.loads(joined[0])["type"] == "stream"
        assert joined[1] == init
        assert joined[2:] == fragments[20:]
        first.close()
        second.close()

    asyncio.run(watch())
    stream.stop()
    assert not stream.running


def test_the_source_closes_after_the_linger_time(stream_ts: Path) -> None:
    clock = FakeClock(T0)
    opened: list[AvPacketSource] = []

    def make() -> AvPacketSource:
        opened.append(AvPacketSource(str(stream_ts)))
        return opened[-1]

    stream = LiveStream(
        "cam1", make, clock=clock, settings=LiveSettings(linger_s=10.0, retry_s=0.01)
    )

    async def watch() -> None:
        viewer = stream.subscribe(asyncio.get_running_loop())
        await _take(viewer, 3)
        viewer.close()

    asyncio.run(watch())
    assert stream.running  # idle, but within the linger time: the source stays open
    clock.sleep(10.0)
    assert stream.join(WAIT_S)
    assert len(opened) >= 1


def test_a_viewer_that_falls_behind_restarts_at_a_keyframe() -> None:
    async def run() -> list[bytes | str]:
        viewer = LiveViewer(asyncio.get_running_loop(), 4, lambda _v: None)
        viewer.offer_header("header", b"init")
        viewer.offer_fragment(b"k1", keyframe=True)
        viewer.offer_fragment(b"d1", keyframe=False)
        viewer.offer_fragment(b"d2", keyframe=False)  # full: backlog dropped, header again
        viewer.offer_fragment(b"d3", keyframe=False)  # skipped: waits for a keyframe
        viewer.offer_text("overlay")
        viewer.offer_fragment(b"k2", keyframe=True)
        await asyncio.sleep(0)
        assert viewer.skipped == 1
        return [viewer.queue.get_nowait() for _ in range(viewer.queue.qsize())]

    assert asyncio.run(run()) == ["header", b"init", "overlay", b"k2"]


def test_privacy_masks_are_burned_into_the_live_stream(stream_ts: Path) -> None:
    source = AvPacketSource(str(stream_ts))
    template = source.open()
    mask = MaskConfig(purpose="privacy", polygon=[[0, 0], [160, 0], [160, 240], [0, 240]])
    transcoder = MaskedTranscoder(spec_of(template), [mask])
    out: list[SourcePacket] = []
    try:
        for packet in source.packets():
            out.extend(transcoder.process(packet))
    finally:
        source.close()
    assert transcoder.masked
    assert 25 <= len(out) <= 30  # the encoder may hold back its last frames
    assert sum(p.is_keyframe for p in out) == 3  # keyframes where the camera put them
    assert out[0].data.startswith((b"\x00\x00\x00\x01", b"\x00\x00\x01"))
    decoder = av.CodecContext.create("h264", "r")
    images = []
    for packet in out:
        for frame in decoder.decode(av.Packet(packet.data)):
            images.append(frame.to_ndarray(format="bgr24"))
    assert images
    for image in images:
        assert float(np.mean(image[:, :150])) < 8.0  # masked: black
        assert float(np.mean(image[:, 170:])) > 30.0  # the rest is the picture
