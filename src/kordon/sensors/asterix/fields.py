"""Primitive field codecs shared by the categories: integers, time of day, callsigns, codes."""

from __future__ import annotations

NM_M = 1852.0
"""Metres per nautical mile."""
FT_M = 0.3048
"""Metres per foot."""

_IA5 = "".join(
    chr(ord("A") + c - 1)
    if 1 <= c <= 26
    else " "
    if c in (0, 32)
    else chr(c)
    if 48 <= c <= 57
    else "?"
    for c in range(64)
)


def u(data: bytes, pos: int, size: int) -> int:
    """Unsigned big-endian integer of ``size`` octets."""
    return int.from_bytes(data[pos : pos + size], "big")


def s(data: bytes, pos: int, size: int) -> int:
    """Two's-complement big-endian integer of ``size`` octets."""
    return int.from_bytes(data[pos : pos + size], "big", signed=True)


def signed_bits(value: int, bits: int) -> int:
    """``value`` read as a two's-complement number of ``bits`` bits."""
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def time_of_day_s(data: bytes, pos: int) -> float:
    """A 3-octet time of day, LSB 1/128 s."""
    return ((data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]) / 128.0


# Code 0 is no character: read as a space, so an all-zero identification comes out empty.
_IA5_PAIRS = tuple(_IA5[v >> 6] + _IA5[v & 0x3F] for v in range(4096))


def callsign(data: bytes, pos: int) -> str:
    """Eight 6-bit IA-5 characters in 6 octets, trailing spaces removed."""
    a = (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]
    b = (data[pos + 3] << 16) | (data[pos + 4] << 8) | data[pos + 5]
    pairs = _IA5_PAIRS
    return (pairs[a >> 12] + pairs[a & 0xFFF] + pairs[b >> 12] + pairs[b & 0xFFF]).rstrip()


_MODE3A = tuple(f"{code:04o}" for code in range(4096))


def mode3a(data: bytes, pos: int) -> str:
    """A 12-bit Mode 3/A code (in the low bits of 2 octets) as four octal digits."""
    return _MODE3A[(data[pos] & 0x0F) << 8 | data[pos + 1]]
