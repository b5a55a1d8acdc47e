"""H.264 access units: Annex B start codes to MP4 length prefixes, parameter sets, codec string.

Cameras (RTSP), MPEG-TS segments and the simulated camera's encoder deliver H.264 in Annex B
form (``00 00 01`` start codes, SPS/PPS in band before each keyframe); MP4 wants each NAL
unit prefixed by its 4-byte length and the SPS/PPS in the ``avcC`` box of the init segment.
"""

from __future__ import annotations

from dataclasses import dataclass

from kordon.video.live.errors import LiveVideoError

NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9


def split_nal_units(data: bytes, *, length_prefixed: bool | None = None) -> list[bytes]:
    """NAL units of an access unit: 4-byte length-prefixed (AVCC, MP4) when
    ``length_prefixed``, Annex B when not; ``None`` guesses from a leading start code
    (a length of 256..511 bytes looks like one: say which when the stream's extradata
    tells, see :func:`is_avcc`)."""
    if length_prefixed is None:
        length_prefixed = not data.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01"))
    if not length_prefixed:
        return _split_annex_b(data)
    return _split_length_prefixed(data)


def _split_annex_b(data: bytes) -> list[bytes]:
    units: list[bytes] = []
    n = len(data)
    i = data.find(b"\x00\x00\x01")
    while i != -1 and i < n:
        start = i + 3
        nxt = data.find(b"\x00\x00\x01", start)
        end = n if nxt == -1 else nxt
        unit = data[start:end]
        if nxt != -1:
            unit = unit.rstrip(b"\x00")  # the leading zero of a 4-byte start code (and padding)
        if unit:
            units.append(unit)
        i = nxt
    return units


def _split_length_prefixed(data: bytes) -> list[bytes]:
    units: list[bytes] = []
    i = 0
    while i + 4 <= len(data):
        size = int.from_bytes(data[i : i + 4], "big")
        if size == 0 or i + 4 + size > len(data):
            raise LiveVideoError(
                f"H.264 access unit is neither Annex B nor length-prefixed (bad length {size} "
                f"at byte {i} of {len(data)})"
            )
        units.append(data[i + 4 : i + 4 + size])
        i += 4 + size
    return units


def is_avcc(extradata: bytes | None) -> bool:
    """Whether a stream's extradata is an ``avcC`` record (its packets are length-prefixed)."""
    return extradata is not None and len(extradata) > 0 and extradata[0] == 1


def nal_type(unit: bytes) -> int:
    return unit[0] & 0x1F if unit else 0


@dataclass(frozen=True, slots=True)
class ParameterSets:
    """The stream's SPS and PPS (without start codes)."""

    sps: bytes
    pps: bytes

    @property
    def codec(self) -> str:
        """The RFC 6381 codec string for MSE, e.g. ``avc1.42c01f``."""
        return f"avc1.{self.sps[1]:02x}{self.sps[2]:02x}{self.sps[3]:02x}"

    def avcc(self) -> bytes:
        """The ``AVCDecoderConfigurationRecord`` (ISO/IEC 14496-15)."""
        sps, pps = self.sps, self.pps
        return (
            bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1])
            + len(sps).to_bytes(2, "big")
            + sps
            + b"\x01"
            + len(pps).to_bytes(2, "big")
            + pps
        )


def parameter_sets(units: list[bytes]) -> ParameterSets | None:
    """The first SPS and PPS among ``units``; ``None`` unless both are there."""
    sps = next((u for u in units if nal_type(u) == NAL_SPS and len(u) >= 4), None)
    pps = next((u for u in units if nal_type(u) == NAL_PPS), None)
    return ParameterSets(sps, pps) if sps is not None and pps is not None else None


def to_mp4_sample(units: list[bytes]) -> bytes:
    """One MP4 sample: each NAL unit with a 4-byte length; parameter sets and access unit
    delimiters are left out (they live in ``avcC``)."""
    return b"".join(
        len(u).to_bytes(4, "big") + u
        for u in units
        if nal_type(u) not in (NAL_SPS, NAL_PPS, NAL_AUD)
    )


def extradata_parameter_sets(extradata: bytes | None) -> ParameterSets | None:
    """SPS and PPS from a stream's extradata: an ``avcC`` record (MP4, MKV) or Annex B."""
    if not extradata:
        return None
    if extradata[0] != 1:
        return parameter_sets(_split_annex_b(extradata))
    try:
        count, i = extradata[5] & 0x1F, 6
        units: list[bytes] = []
        for _ in range(count):
            size = int.from_bytes(extradata[i : i + 2], "big")
            units.append(extradata[i + 2 : i + 2 + size])
            i += 2 + size
        count, i = extradata[i], i + 1
        for _ in range(count):
            size = int.from_bytes(extradata[i : i + 2], "big")
            units.append(extradata[i + 2 : i + 2 + size])
            i += 2 + size
    except IndexError:
        return None
    return parameter_sets(units)
