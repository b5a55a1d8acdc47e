"""A canonical, deterministic zip layout for export bundles.

Members are stored (no compression: clips are already compressed, and the bytes must not
depend on a zlib version), with fixed timestamps, UTF-8 names, no extra fields and no
comments. Because the layout is a pure function of (name, size, CRC-32) of each member, a
verifier can rebuild every header byte and compare: a flipped byte in any header, even in a
field zip readers ignore, is detected; member data is covered by the manifest hashes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION  # Unix
_FLAGS = 0x0800  # names are UTF-8
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_EXTERNAL_ATTR = (0o100644 << 16) & 0xFFFFFFFF
MAX_MEMBER_BYTES = 0xFFFFFFFE
"""No ZIP64: members and the archive stay below 4 GiB (use a directory bundle beyond)."""
MAX_MEMBERS = 0xFFFE
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ZipMember:
    name: str
    size_bytes: int
    crc32: int | None
    """None only for a member of a directory bundle, which has no CRC."""


def local_header(member: ZipMember) -> bytes:
    name = member.name.encode("utf-8")
    return _LOCAL.pack(
        b"PK\x03\x04", _VERSION, _FLAGS, 0, 0, _DOS_DATE, member.crc32 or 0,
        member.size_bytes, member.size_bytes, len(name), 0,
    ) + name  # fmt: skip


def central_header(member: ZipMember, offset: int) -> bytes:
    name = member.name.encode("utf-8")
    return _CENTRAL.pack(
        b"PK\x01\x02", _MADE_BY, _VERSION, _FLAGS, 0, 0, _DOS_DATE, member.crc32 or 0,
        member.size_bytes, member.size_bytes, len(name), 0, 0, 0, 0, _EXTERNAL_ATTR, offset,
    ) + name  # fmt: skip


def end_record(count: int, directory_size: int, directory_offset: int) -> bytes:
    return _END.pack(b"PK\x05\x06", 0, 0, count, count, directory_size, directory_offset, 0)


@dataclass(frozen=True)
class Region:
    """A span of the archive: header bytes to compare, or a member's data."""

    offset: int
    header: bytes | None
    member: ZipMember | None = None


def layout(members: list[ZipMember]) -> Iterator[Region]:
    """Every byte of the canonical archive of ``members``, in file order."""
    offset = 0
    offsets: list[int] = []
    for member in members:
        offsets.append(offset)
        header = local_header(member)
        yield Region(offset, header)
        offset += len(header)
        yield Region(offset, None, member)
        offset += member.size_bytes
    directory = b"".join(central_header(m, o) for m, o in zip(members, offsets, strict=True))
    yield Region(offset, directory + end_record(len(members), len(directory), offset))


class CanonicalZipWriter:
    """Writes members in the order given to a seekable binary file."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._members: list[ZipMember] = []
        self._offsets: list[int] = []

    def add_bytes(self, name: str, data: bytes) -> ZipMember:
        member = ZipMember(name, len(data), zlib.crc32(data))
        self._check(member)
        self._offsets.append(self._out.tell())
        self._out.write(local_header(member))
        self._out.write(data)
        self._members.append(member)
        return member

    def add_stream(
        self, name: str, source: BinaryIO, on_chunk: Callable[[bytes], None] | None = None
    ) -> ZipMember:
        """Copy ``source`` in; the local header is patched with size and CRC afterwards.

        Every chunk copied is also passed to ``on_chunk``, so a hash taken there is the hash
        of exactly the bytes that went into the archive.
        """
        start = self._out.tell()
        placeholder = ZipMember(name, 0, 0)
        self._out.write(local_header(placeholder))
        crc = 0
        size = 0
        while chunk := source.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            if size > MAX_MEMBER_BYTES:
                raise ValueError(f"{name} is over 4 GiB; use a directory bundle")
            self._out.write(chunk)
            if on_chunk is not None:
                on_chunk(chunk)
        member = ZipMember(name, size, crc)
        self._check(member)
        end = self._out.tell()
        self._out.seek(start)
        self._out.write(local_header(member))
        self._out.seek(end)
        self._offsets.append(start)
        self._members.append(member)
        return member

    def close(self) -> list[ZipMember]:
        directory_offset = self._out.tell()
        directory = b"".join(
            central_header(m, o) for m, o in zip(self._members, self._offsets, strict=True)
        )
        self._out.write(directory)
        self._out.write(end_record(len(self._members), len(directory), directory_offset))
        if self._out.tell() > MAX_MEMBER_BYTES:
            raise ValueError("the archive would exceed 4 GiB; use a directory bundle")
        return list(self._members)

    def _check(self, member: ZipMember) -> None:
        if member.size_bytes > MAX_MEMBER_BYTES:
            raise ValueError(f"{member.name} is over 4 GiB; use a directory bundle")
        if len(self._members) >= MAX_MEMBERS:
            raise ValueError(f"more than {MAX_MEMBERS} members")
