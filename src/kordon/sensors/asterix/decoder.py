"""Decode ASTERIX data blocks into records, reporting each bad block or record and going on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kordon.sensors.asterix import cat021, cat034, cat048, cat062
from kordon.sensors.asterix.block import iter_blocks
from kordon.sensors.asterix.errors import AsterixDecodeError, ErrorKind
from kordon.sensors.asterix.records import AsterixRecord
from kordon.sensors.asterix.uap import RecordWalker, Uap

ItemDecoder = Callable[[bytes, dict[str, int], int], AsterixRecord]


@dataclass(frozen=True, slots=True)
class CategoryCodec:
    """A category's UAP and the function that turns walked items into a record."""

    uap: Uap
    decode: ItemDecoder


CODECS: dict[int, CategoryCodec] = {
    48: CategoryCodec(cat048.UAP, cat048.decode),
    62: CategoryCodec(cat062.UAP, cat062.decode),
    34: CategoryCodec(cat034.UAP, cat034.decode),
    21: CategoryCodec(cat021.UAP, cat021.decode),
}
"""The categories this decoder knows."""


@dataclass(slots=True)
class DecodeStats:
    """Counts of one decoder's work: blocks, records by category, errors by kind."""

    blocks: int = 0
    records: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "blocks": self.blocks,
            "records": {f"CAT{c:03d}": n for c, n in sorted(self.records.items())},
            "errors": dict(sorted(self.errors.items())),
        }


class AsterixDecoder:
    """Decodes datagrams or raw streams of data blocks, counting what it saw in ``stats``."""

    def __init__(self) -> None:
        self.stats = DecodeStats()
        self._walkers = {cat: RecordWalker(codec.uap) for cat, codec in CODECS.items()}

    def decode(
        self, data: bytes, base_offset: int = 0
    ) -> Iterator[AsterixRecord | AsterixDecodeError]:
        """Records and errors in input order; never raises on bad bytes.

        A bad record ends its block (the records after it cannot be found); decoding goes on
        with the next block.
        """
        stats = self.stats
        for block in iter_blocks(data, base_offset):
            if isinstance(block, AsterixDecodeError):
                stats.errors[block.kind.value] += 1
                yield block
                continue
            stats.blocks += 1
            codec = CODECS.get(block.category)
            if codec is None:
                error = AsterixDecodeError(
                    ErrorKind.UNSUPPORTED_CATEGORY,
                    block.offset,
                    f"no UAP for category {block.category}; known: {sorted(CODECS)}",
                    block.category,
                )
                stats.errors[error.kind.value] += 1
                yield error
                continue
            buf, pos, end, base = block.data, block.start, block.end, block.base_offset
            walk, decode = self._walkers[block.category].walk, codec.decode
            count = 0
            while pos < end:
                try:
                    items, new = walk(buf, pos, end, base)
                except AsterixDecodeError as exc:
                    stats.errors[exc.kind.value] += 1
                    yield exc
                    break
                yield decode(buf, items, base + pos)
                count += 1
                pos = new
            stats.records[block.category] += count

    def note(self, error: AsterixDecodeError) -> None:
        """Count an error found outside the ASTERIX layer (a bad capture packet)."""
        self.stats.errors[error.kind.value] += 1


def decode_strict(data: bytes, base_offset: int = 0) -> list[AsterixRecord]:
    """All records of ``data``; raises the first ``AsterixDecodeError`` instead of going on."""
    out: list[AsterixRecord] = []
    for item in AsterixDecoder().decode(data, base_offset):
        if isinstance(item, AsterixDecodeError):
            raise item
        out.append(item)
    return out
