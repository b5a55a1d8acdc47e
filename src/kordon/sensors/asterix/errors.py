"""The one error type the ASTERIX decoder raises or reports, with where it happened."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """What went wrong; also the key of the error counters."""

    TRUNCATED_BLOCK = "truncated_block"
    """Fewer bytes left than a data block header (3) or than its LEN says."""
    BAD_BLOCK_LENGTH = "bad_block_length"
    """A block LEN below the 3-byte header, or a block with no record in it."""
    UNSUPPORTED_CATEGORY = "unsupported_category"
    """A category this decoder has no UAP for (the block is skipped whole)."""
    FSPEC_RUNAWAY = "fspec_runaway"
    """FX bits that go on past the last field of the category's UAP."""
    UNDEFINED_ITEM = "undefined_item"
    """An FSPEC bit for a spare field reference number (its length is unknown)."""
    TRUNCATED_RECORD = "truncated_record"
    """An item (or its extension, repetition or subfield) runs past the end of the block."""
    BAD_ITEM = "bad_item"
    """An item whose own length field is impossible (explicit length 0)."""
    CAPTURE = "capture"
    """The pcap/pcapng container or a packet in it (not ASTERIX) is malformed."""


class AsterixDecodeError(ValueError):
    """A bad block, record or capture packet: ``kind``, absolute byte ``offset``, ``category``.

    ``offset`` counts from the start of the input file (or buffer) where the problem was found.
    """

    def __init__(self, kind: ErrorKind, offset: int, reason: str, category: int | None = None):
        self.kind = kind
        self.offset = offset
        self.reason = reason
        self.category = category
        cat = f" CAT{category:03d}" if category is not None else ""
        super().__init__(f"offset {offset}{cat}: {kind.value}: {reason}")
