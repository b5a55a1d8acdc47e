"""Read UDP payloads out of pcap and pcapng captures (Ethernet, Linux SLL, raw IPv4; IPv4/UDP).

Our own reader: only what a recorded radar feed needs. Every malformed packet is reported as
an ``AsterixDecodeError`` of kind ``CAPTURE`` and the next packet is read; a cut file ends the
walk with one.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from kordon.sensors.asterix.errors import AsterixDecodeError, ErrorKind

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"

LINK_ETHERNET = 1
LINK_RAW = 101
LINK_LINUX_SLL = 113
LINK_IPV4 = 228
_ETH_IPV4 = 0x0800
_ETH_VLAN = (0x8100, 0x88A8)
_UDP = 17


@dataclass(frozen=True, slots=True)
class Datagram:
    """One UDP payload: ``payload`` starts at byte ``offset`` of the capture file."""

    offset: int
    time_s: float
    src: str
    dst: str
    dst_port: int
    payload: bytes


def is_capture(data: bytes) -> bool:
    """Whether ``data`` starts like a pcap or pcapng file."""
    head = data[:4]
    return head in PCAP_MAGICS or head == PCAPNG_MAGIC


def _err(offset: int, reason: str) -> AsterixDecodeError:
    return AsterixDecodeError(ErrorKind.CAPTURE, offset, reason)


def _ip(raw: bytes) -> str:
    return ".".join(str(b) for b in raw)


def _udp(
    data: bytes, pos: int, end: int, link: int, time_s: float
) -> Datagram | AsterixDecodeError | None:
    """The UDP payload in the frame ``data[pos:end]``; None for frames that are not IPv4/UDP."""
    if link == LINK_ETHERNET:
        if end - pos < 14:
            return _err(pos, "Ethernet header cut")
        ethertype = (data[pos + 12] << 8) | data[pos + 13]
        pos += 14
        while ethertype in _ETH_VLAN:
            if end - pos < 4:
                return _err(pos, "VLAN tag cut")
            ethertype = (data[pos + 2] << 8) | data[pos + 3]
            pos += 4
        if ethertype != _ETH_IPV4:
            return None
    elif link == LINK_LINUX_SLL:
        if end - pos < 16:
            return _err(pos, "Linux SLL header cut")
        if (data[pos + 14] << 8) | data[pos + 15] != _ETH_IPV4:
            return None
        pos += 16
    elif link not in (LINK_RAW, LINK_IPV4):
        return _err(pos, f"link type {link} not supported (Ethernet, Linux SLL, raw IPv4)")
    if end - pos < 20 or data[pos] >> 4 != 4:
        return None if end - pos >= 1 and data[pos] >> 4 == 6 else _err(pos, "not an IPv4 header")
    ihl = (data[pos] & 0x0F) * 4
    total = (data[pos + 2] << 8) | data[pos + 3]
    if ihl < 20 or total < ihl or pos + total > end:
        return _err(pos, f"IPv4 header length {ihl} / total length {total} do not fit the frame")
    if data[pos + 9] != _UDP:
        return None
    flags_frag = (data[pos + 6] << 8) | data[pos + 7]
    if flags_frag & 0x3FFF:
        return _err(pos, "fragmented IPv4 datagram (reassembly is not supported)")
    src, dst = _ip(data[pos + 12 : pos + 16]), _ip(data[pos + 16 : pos + 20])
    udp = pos + ihl
    ip_end = pos + total
    if ip_end - udp < 8:
        return _err(udp, "UDP header cut")
    udp_len = (data[udp + 4] << 8) | data[udp + 5]
    if udp_len < 8 or udp + udp_len > ip_end:
        return _err(udp, f"UDP length {udp_len} does not fit the IP datagram")
    port = (data[udp + 2] << 8) | data[udp + 3]
    return Datagram(udp + 8, time_s, src, dst, port, data[udp + 8 : udp + udp_len])


def _pcap(data: bytes) -> Iterator[Datagram | AsterixDecodeError]:
    endian, unit = PCAP_MAGICS[data[:4]]
    if len(data) < 24:
        yield _err(0, "pcap global header cut")
        return
    link = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    pos = 24
    rec = struct.Struct(endian + "IIII")
    while pos < len(data):
        if len(data) - pos < 16:
            yield _err(pos, "pcap record header cut")
            return
        sec, frac, incl, _orig = rec.unpack_from(data, pos)
        start = pos + 16
        if start + incl > len(data):
            yield _err(pos, f"pcap record of {incl} bytes runs past the end of the file")
            return
        out = _udp(data, start, start + incl, link, sec + frac * unit)
        if out is not None:
            yield out
        pos = start + incl


def _pcapng(data: bytes) -> Iterator[Datagram | AsterixDecodeError]:
    endian = "<"
    links: list[tuple[int, float]] = []
    pos = 0
    size = len(data)
    while pos < size:
        if size - pos < 12:
            yield _err(pos, "pcapng block header cut")
            return
        if data[pos : pos + 4] == PCAPNG_MAGIC:
            bom = data[pos + 8 : pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                endian = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                endian = ">"
            else:
                yield _err(pos, "pcapng section header with an unknown byte-order magic")
                return
            links = []
        btype, blen = struct.unpack_from(endian + "II", data, pos)
        if blen < 12 or blen % 4 or pos + blen > size:
            yield _err(pos, f"pcapng block length {blen} is invalid or runs past the file")
            return
        body = pos + 8
        if btype == 1 and blen >= 20:  # interface description
            link = struct.unpack_from(endian + "H", data, body)[0]
            links.append((link, _if_tsresol(data, body + 8, pos + blen - 4, endian)))
        elif btype in (2, 6) and blen >= 32:  # (obsolete) packet / enhanced packet
            iface, hi, lo, incl = struct.unpack_from(endian + "IIII", data, body)
            start = body + 20
            if iface >= len(links):
                yield _err(pos, f"packet on undeclared interface {iface}")
            elif start + incl > pos + blen - 4:
                yield _err(pos, f"packet of {incl} bytes runs past its block")
            else:
                link, unit = links[iface]
                out = _udp(data, start, start + incl, link, ((hi << 32) | lo) * unit)
                if out is not None:
                    yield out
        elif btype == 3 and blen >= 16:  # simple packet: interface 0, no time
            orig = struct.unpack_from(endian + "I", data, body)[0]
            start = body + 4
            incl = min(orig, pos + blen - 4 - start)
            if not links:
                yield _err(pos, "simple packet before any interface description")
            else:
                out = _udp(data, start, start + incl, links[0][0], 0.0)
                if out is not None:
                    yield out
        pos += blen


def _if_tsresol(data: bytes, pos: int, end: int, endian: str) -> float:
    """The interface's timestamp unit from option if_tsresol (9); default microseconds."""
    while pos + 4 <= end:
        code, length = struct.unpack_from(endian + "HH", data, pos)
        if code == 0:
            break
        if code == 9 and length >= 1 and pos + 5 <= end:
            v = data[pos + 4]
            return 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0 ** -(v & 0x7F)
        pos += 4 + ((length + 3) & ~3)
    return 1e-6


def iter_datagrams(data: bytes) -> Iterator[Datagram | AsterixDecodeError]:
    """UDP payloads of a pcap or pcapng capture, and an error for each bad packet."""
    if data[:4] == PCAPNG_MAGIC:
        yield from _pcapng(data)
    elif data[:4] in PCAP_MAGICS:
        yield from _pcap(data)
    else:
        yield _err(0, "not a pcap or pcapng capture")
