"""Data block framing: ``CAT`` (1 octet), ``LEN`` (2 octets, counting these 3), records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from kordon.sensors.asterix.errors import AsterixDecodeError, ErrorKind

HEADER_LEN = 3


class DataBlock(NamedTuple):
    """One data block: its records occupy ``data[start:end]``; ``offset`` maps to the file.

    A tuple, not a frozen dataclass: a radar datagram often holds one record per block,
    so the block costs as much as the record when it is slow to build.
    """

    category: int
    data: bytes
    start: int
    end: int
    base_offset: int

    @property
    def offset(self) -> int:
        """Absolute offset of the block's header in the input."""
        return self.base_offset + self.start - HEADER_LEN


def iter_blocks(data: bytes, base_offset: int = 0) -> Iterator[DataBlock | AsterixDecodeError]:
    """Split ``data`` (one datagram, or a raw stream of blocks) into data blocks.

    A block whose LEN runs past the data, or is below the header size, ends the walk with
    an error: without a trustworthy LEN the next block boundary is unknown. An empty block
    (LEN 3) is reported and skipped.
    """
    pos = 0
    size = len(data)
    while pos < size:
        if size - pos < HEADER_LEN:
            yield AsterixDecodeError(
                ErrorKind.TRUNCATED_BLOCK,
                base_offset + pos,
                f"{size - pos} byte(s) left, a block header needs {HEADER_LEN}",
            )
            return
        cat = data[pos]
        length = (data[pos + 1] << 8) | data[pos + 2]
        if length < HEADER_LEN + 1:
            yield AsterixDecodeError(
                ErrorKind.BAD_BLOCK_LENGTH,
                base_offset + pos,
                f"block LEN {length} leaves no room for a record",
                cat,
            )
            if length < HEADER_LEN:
                return
            pos += length  # an empty block: its LEN still says where the next one starts
            continue
        if pos + length > size:
            yield AsterixDecodeError(
                ErrorKind.TRUNCATED_BLOCK,
                base_offset + pos,
                f"block LEN {length} but only {size - pos} byte(s) left",
                cat,
            )
            return
        yield DataBlock(cat, data, pos + HEADER_LEN, pos + length, base_offset)
        pos += length
