"""``MaskedTranscoder``: decode, fill the privacy masks black, re-encode H.264 (low delay).

Used only for cameras that have privacy masks (or that do not send H.264): everyone else
gets the camera's own packets. Keyframes stay where the camera put them, so a viewer
joining waits no longer than with the original stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np

from kordon.config.image_rules import MaskConfig
from kordon.record.packet_source import SourcePacket, StreamSpec
from kordon.record.snapshots import apply_privacy_masks
from kordon.video.live.errors import LiveVideoError

_TIME_BASE = Fraction(1, 90_000)


class MaskedTranscoder:
    """Not thread-safe: one per stream, on its reader thread."""

    def __init__(
        self,
        spec: StreamSpec,
        masks: Sequence[MaskConfig],
        *,
        crf: int = 28,
        extradata: bytes | None = None,
    ) -> None:
        self._masks = tuple(m for m in masks if m.purpose == "privacy")
        try:
            decoder = av.CodecContext.create(spec.codec_name, "r")
        except (av.error.FFmpegError, ValueError) as exc:
            raise LiveVideoError(f"cannot decode {spec.codec_name!r} live: {exc}") from exc
        if not isinstance(decoder, av.VideoCodecContext):
            raise LiveVideoError(f"{spec.codec_name!r} is not a video codec")
        if extradata:
            decoder.extradata = extradata  # length-prefixed (MP4) input needs its avcC
        self._decoder = decoder
        self._time_base = spec.time_base
        self._crf = crf
        self._encoder: av.VideoCodecContext | None = None
        self._size: tuple[int, int] | None = None

    @property
    def masked(self) -> bool:
        return bool(self._masks)

    def _encoder_for(self, width: int, height: int) -> av.VideoCodecContext:
        if self._encoder is None or self._size != (width, height):
            encoder = av.CodecContext.create("libx264", "w")
            assert isinstance(encoder, av.VideoCodecContext)
            encoder.width, encoder.height = width, height
            encoder.pix_fmt = "yuv420p"
            encoder.time_base = _TIME_BASE
            encoder.options = {
                "preset": "ultrafast",
                "tune": "zerolatency",
                "crf": str(self._crf),
                "g": "600",
                "sc_threshold": "0",
                "repeat-headers": "1",  # SPS/PPS before every keyframe (Annex B, in band)
            }
            encoder.open()
            self._encoder, self._size = encoder, (width, height)
        return self._encoder

    def flush(self) -> list[SourcePacket]:
        """What the decoder and the encoder still hold (at the end of a file)."""
        try:
            frames = self._decoder.decode(None)
        except (av.error.FFmpegError, ValueError):
            frames = []
        out = self._encode(frames, self._time_base, None)
        if self._encoder is not None:
            out.extend(_packet(encoded) for encoded in self._encoder.encode(None))
        return out

    def process(self, packet: SourcePacket) -> list[SourcePacket]:
        """The re-encoded packets for ``packet`` (none while the decoder fills up)."""
        if packet.is_corrupt or not packet.data:
            return []
        src = av.Packet(packet.data)
        src.pts, src.dts = packet.pts, packet.dts
        src.time_base = packet.time_base
        self._time_base = packet.time_base
        try:
            frames = self._decoder.decode(src)
        except (av.error.FFmpegError, ValueError):
            return []  # a damaged packet: the next keyframe repairs the picture
        return self._encode(frames, packet.time_base, packet.pts)

    def _encode(
        self, frames: list[av.VideoFrame], time_base: Fraction, fallback_pts: int | None
    ) -> list[SourcePacket]:
        out: list[SourcePacket] = []
        for frame in frames:
            image = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
            masked = apply_privacy_masks(image, self._masks, mode="fill") if self._masks else image
            video = av.VideoFrame.from_ndarray(masked, format="bgr24")
            ts = frame.pts if frame.pts is not None else fallback_pts
            video.pts = round((ts or 0) * time_base / _TIME_BASE)
            video.time_base = _TIME_BASE
            if frame.key_frame:
                video.pict_type = av.video.frame.PictureType.I
            encoder = self._encoder_for(frame.width, frame.height)
            out.extend(_packet(encoded) for encoded in encoder.encode(video))
        return out


def _packet(encoded: av.Packet[Any]) -> SourcePacket:
    return SourcePacket(
        data=bytes(encoded),
        pts=encoded.pts,
        dts=encoded.dts,
        duration=int(encoded.duration or 0),
        is_keyframe=bool(encoded.is_keyframe),
        is_corrupt=False,
        time_base=_TIME_BASE,
    )


def write_masked_mp4(source: Path, target: Path, masks: Sequence[MaskConfig]) -> None:
    """A privacy-masked re-encode of the MP4 ``source`` (a derived copy) at ``target``."""
    try:
        with av.open(str(source), "r") as container:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            spec = StreamSpec(
                str(ctx.name), int(ctx.width), int(ctx.height), stream.time_base or _TIME_BASE
            )
            transcoder = MaskedTranscoder(spec, masks, extradata=ctx.extradata)
            packets: list[SourcePacket] = []
            for p in container.demux(stream):
                if p.dts is None:
                    continue
                packet = SourcePacket(
                    bytes(p),
                    p.pts,
                    p.dts,
                    int(p.duration or 0),
                    bool(p.is_keyframe),
                    False,
                    spec.time_base,
                )
                packets.extend(transcoder.process(packet))
            packets.extend(transcoder.flush())
        if not packets:
            raise LiveVideoError(f"no frame of {source.name} could be decoded")
        with av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            video = out.add_mux_stream("h264", width=spec.width, height=spec.height)
            video.time_base = _TIME_BASE
            step = 0
            for i, packet in enumerate(packets):
                pkt = av.Packet(packet.data)
                pkt.pts, pkt.dts = packet.pts, packet.dts
                following = packets[i + 1].dts if i + 1 < len(packets) else None
                if following is not None and packet.dts is not None:
                    step = following - packet.dts
                # a last sample without a duration is dropped by players
                pkt.duration = packet.duration or step
                pkt.time_base = _TIME_BASE
                pkt.is_keyframe = packet.is_keyframe
                pkt.stream = video
                out.mux(pkt)
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        target.unlink(missing_ok=True)
        raise LiveVideoError(f"cannot mask {source.name}: {exc}") from exc
