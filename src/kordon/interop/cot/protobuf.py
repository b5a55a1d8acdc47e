"""A minimal, bounded reader of the protobuf wire format (what the TAK protocol needs)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT = 0
FIXED64 = 1
LENGTH = 2
FIXED32 = 5

_MAX_VARINT_BYTES = 10


def read_varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it; ``ValueError`` when cut or too long."""
    value = 0
    shift = 0
    for i in range(_MAX_VARINT_BYTES):
        if pos + i >= end:
            raise ValueError(f"varint at byte {pos} cut")
        byte = data[pos + i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos + i + 1
        shift += 7
    raise ValueError(f"varint at byte {pos} longer than {_MAX_VARINT_BYTES} bytes")


def iter_fields(data: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of a message in ``data[pos:end]``.

    Varints come as ints, fixed64/fixed32 as raw 8/4 bytes, length-delimited as bytes.
    """
    while pos < end:
        key, pos = read_varint(data, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError(f"field number 0 at byte {pos}")
        value: int | bytes
        if wire == VARINT:
            value, pos = read_varint(data, pos, end)
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            if pos + size > end:
                raise ValueError(f"fixed field {number} cut at byte {pos}")
            value, pos = data[pos : pos + size], pos + size
        elif wire == LENGTH:
            length, pos = read_varint(data, pos, end)
            if pos + length > end:
                raise ValueError(f"field {number} of {length} bytes runs past its message")
            value, pos = data[pos : pos + length], pos + length
        else:
            raise ValueError(f"unsupported wire type {wire} for field {number}")
        yield number, wire, value


def as_double(value: int | bytes) -> float:
    """A fixed64 value as an IEEE double (``ValueError`` for another wire type)."""
    if not isinstance(value, bytes) or len(value) != 8:
        raise ValueError("expected a double (fixed64)")
    result: float = struct.unpack("<d", value)[0]
    return result


def as_text(value: int | bytes) -> str:
    """A length-delimited value as UTF-8 text."""
    if not isinstance(value, bytes):
        raise ValueError("expected a string")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("string is not UTF-8") from None
