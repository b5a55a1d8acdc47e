"""Byte builders for ASTERIX test input, written from the EUROCONTROL specifications."""

from __future__ import annotations

import struct

IA5 = {**{chr(ord("A") + i): i + 1 for i in range(26)}, " ": 32}
IA5.update({str(d): 48 + d for d in range(10)})


def block(category: int, *records: bytes) -> bytes:
    """A data block: CAT, LEN (counting the 3 header octets), records."""
    body = b"".join(records)
    return bytes([category]) + (len(body) + 3).to_bytes(2, "big") + body


def chars6(text: str) -> bytes:
    """Eight characters as 6-bit IA-5 codes packed into 6 octets (space-padded)."""
    value = 0
    for ch in text.ljust(8):
        value = (value << 6) | IA5[ch]
    return value.to_bytes(6, "big")


def signed(value: int, size: int) -> bytes:
    """Two's-complement big-endian bytes."""
    return value.to_bytes(size, "big", signed=True)


def pcap(frames: list[bytes], link: int = 1) -> bytes:
    """A little-endian microsecond pcap file holding ``frames``."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link)
    for i, frame in enumerate(frames):
        out += struct.pack("<IIII", 1_700_000_000 + i, 250_000, len(frame), len(frame))
        out += frame
    return out


def pcapng(frames: list[bytes], link: int = 1) -> bytes:
    """A little-endian pcapng file: section header, one interface, enhanced packet blocks."""

    def blk(btype: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        length = len(body) + 12
        return struct.pack("<II", btype, length) + body + struct.pack("<I", length)

    out = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += blk(1, struct.pack("<HHI", link, 0, 65535))
    for i, frame in enumerate(frames):
        ts = (1_700_000_000 + i) * 1_000_000
        head = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        out += blk(6, head + frame)
    return out


def udp_frame(payload: bytes, *, dst_port: int = 8600, vlan: bool = False, frag: int = 0) -> bytes:
    """Ethernet (optionally 802.1Q) / IPv4 / UDP around ``payload`` (checksums zero)."""
    udp = struct.pack(">HHHH", 40000, dst_port, 8 + len(payload), 0) + payload
    ip = struct.pack(
        ">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, frag, 64, 17, 0,
        bytes([10, 0, 0, 1]), bytes([239, 1, 2, 3]),
    )  # fmt: skip
    eth = b"\x01\x00\x5e\x01\x02\x03" + b"\x02\x00\x00\x00\x00\x01"
    if vlan:
        eth += b"\x81\x00\x00\x0a"
    return eth + b"\x08\x00" + ip + udp
