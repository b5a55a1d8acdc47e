"""Item formats, User Application Profiles and the FSPEC walk that finds each item in a record.

Every item's length follows from its format alone (fixed, extended with FX bits, repetitive,
compound, explicit), so a record is walked correctly even through items nobody decodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kordon.sensors.asterix.errors import AsterixDecodeError, ErrorKind

FIXED = 0
EXTENDED = 1
REPETITIVE = 2
COMPOUND = 3
EXPLICIT = 4


# For each FSPEC octet value, the field positions 0..6 (MSB first) whose bits are set.
_BITS: tuple[tuple[int, ...], ...] = tuple(
    tuple(i for i in range(7) if value & (0x80 >> i)) for value in range(256)
)


@dataclass(frozen=True, slots=True)
class ItemFormat:
    """How an item's length is found.

    ``FIXED``: ``size`` octets. ``EXTENDED``: parts of ``size`` octets while the last octet of
    a part has its FX bit (LSB) set. ``REPETITIVE``: a 1-octet count then count × ``size``
    octets. ``COMPOUND``: an FX-extended primary subfield whose bits announce ``subfields``
    (``None`` for spare bits). ``EXPLICIT``: a 1-octet length that counts itself.
    """

    kind: int
    size: int = 0
    subfields: tuple[ItemFormat | None, ...] = ()
    one_octet_sizes: tuple[int, ...] = field(init=False, repr=False, compare=False)
    """COMPOUND: per primary octet value without FX, 1 + the sizes of the subfields it
    announces when all are fixed-size; 0 where the general walk is needed."""

    def __post_init__(self) -> None:
        sizes: list[int] = []
        if self.kind == COMPOUND:
            sizes = [0] * 256
            for value in range(0, 256, 2):  # FX clear: the primary is this one octet
                total = 1
                for i in _BITS[value]:
                    sub = self.subfields[i] if i < len(self.subfields) else None
                    if sub is None or sub.kind != FIXED:
                        total = 0
                        break
                    total += sub.size
                sizes[value] = total
        object.__setattr__(self, "one_octet_sizes", tuple(sizes))


def fixed(size: int) -> ItemFormat:
    """A fixed-length item of ``size`` octets."""
    return ItemFormat(FIXED, size)


def extended(part: int = 1) -> ItemFormat:
    """A variable-length item made of ``part``-octet parts chained by FX bits."""
    return ItemFormat(EXTENDED, part)


def repetitive(size: int) -> ItemFormat:
    """A repetitive item: a count octet then count × ``size`` octets."""
    return ItemFormat(REPETITIVE, size)


def compound(*subfields: ItemFormat | None) -> ItemFormat:
    """A compound item; ``subfields`` in primary-subfield bit order (7 per octet)."""
    return ItemFormat(COMPOUND, 0, subfields)


EXPLICIT_ITEM = ItemFormat(EXPLICIT)


@dataclass(frozen=True, slots=True)
class Uap:
    """A category's User Application Profile: ``items[frn - 1]`` is (name, format) or None."""

    category: int
    items: tuple[tuple[str, ItemFormat] | None, ...]
    octet_tables: tuple[tuple[tuple[tuple[int, str, int, ItemFormat] | None, ...], ...], ...] = (
        field(init=False, repr=False, compare=False)
    )
    """Per FSPEC octet and octet value: (FRN, name, fixed size or 0, format) of each set bit."""

    def __post_init__(self) -> None:
        tables = []
        for k in range(self.max_fspec_octets):
            per_value = []
            for value in range(256):
                entries: list[tuple[int, str, int, ItemFormat] | None] = []
                for i in _BITS[value]:
                    frn = k * 7 + i + 1
                    item = self.items[frn - 1] if frn <= len(self.items) else None
                    if item is None:
                        entries.append(None)
                    else:
                        name, fmt = item
                        entries.append((frn, name, fmt.size if fmt.kind == FIXED else 0, fmt))
                per_value.append(tuple(entries))
            tables.append(tuple(per_value))
        object.__setattr__(self, "octet_tables", tuple(tables))

    @property
    def max_fspec_octets(self) -> int:
        """FSPEC octets needed to address every field reference number."""
        return (len(self.items) + 6) // 7


def _err(kind: ErrorKind, offset: int, reason: str, category: int) -> AsterixDecodeError:
    return AsterixDecodeError(kind, offset, reason, category)


def item_end(data: bytes, pos: int, end: int, fmt: ItemFormat, *, base: int, cat: int) -> int:
    """The position just after the item at ``pos``; raises when it runs past ``end``."""
    kind = fmt.kind
    if kind == FIXED:
        new = pos + fmt.size
    elif kind == EXTENDED:
        part = fmt.size
        new = pos + part
        while new <= end and data[new - 1] & 1:
            new += part
    elif kind == REPETITIVE:
        if pos >= end:
            raise _err(ErrorKind.TRUNCATED_RECORD, base + pos, "repetition count missing", cat)
        new = pos + 1 + data[pos] * fmt.size
    elif kind == EXPLICIT:
        if pos >= end:
            raise _err(ErrorKind.TRUNCATED_RECORD, base + pos, "explicit length missing", cat)
        if data[pos] == 0:
            raise _err(ErrorKind.BAD_ITEM, base + pos, "explicit length 0", cat)
        new = pos + data[pos]
    else:
        new = _compound_end(data, pos, end, fmt, base=base, cat=cat)
    if new > end:
        raise _err(
            ErrorKind.TRUNCATED_RECORD,
            base + pos,
            f"item needs {new - pos} octet(s), {end - pos} left in the block",
            cat,
        )
    return new


def _compound_end(data: bytes, pos: int, end: int, fmt: ItemFormat, *, base: int, cat: int) -> int:
    if pos < end:
        # The common case: one primary octet whose subfields are all fixed-size.
        size = fmt.one_octet_sizes[data[pos]]
        if size:
            return pos + size
    subs = fmt.subfields
    max_octets = (len(subs) + 6) // 7
    present: list[int] = []
    p = pos
    octet_index = 0
    while True:
        if p >= end:
            raise _err(ErrorKind.TRUNCATED_RECORD, base + p, "compound primary subfield cut", cat)
        if octet_index >= max_octets:
            raise _err(
                ErrorKind.FSPEC_RUNAWAY, base + p, "compound primary runs past its subfields", cat
            )
        value = data[p]
        present.extend(octet_index * 7 + i for i in _BITS[value])
        p += 1
        octet_index += 1
        if not value & 1:
            break
    for index in present:
        sub = subs[index] if index < len(subs) else None
        if sub is None:
            raise _err(ErrorKind.UNDEFINED_ITEM, base + pos, f"spare subfield {index + 1} set", cat)
        p = item_end(data, p, end, sub, base=base, cat=cat)
    return p


def walk_record(uap: Uap, data: bytes, pos: int, end: int, base: int) -> tuple[dict[str, int], int]:
    """Read the FSPEC at ``pos`` and every item it announces.

    Returns each present item's start position by name and the position after the record.
    """
    tables = uap.octet_tables
    max_octets = len(tables)
    present: list[tuple[int, str, int, ItemFormat] | None] = []
    p = pos
    while True:
        if p >= end:
            raise _err(
                ErrorKind.TRUNCATED_RECORD,
                base + p,
                "FSPEC cut by the end of the block",
                uap.category,
            )
        octet_index = p - pos
        if octet_index >= max_octets:
            raise _err(
                ErrorKind.FSPEC_RUNAWAY,
                base + pos,
                f"FSPEC longer than the {max_octets} octet(s) the UAP needs",
                uap.category,
            )
        value = data[p]
        present.extend(tables[octet_index][value])
        p += 1
        if not value & 1:
            break
    if not present:
        raise _err(ErrorKind.BAD_ITEM, base + pos, "empty FSPEC (no item present)", uap.category)
    starts: dict[str, int] = {}
    for entry in present:
        if entry is None:
            raise _err(
                ErrorKind.UNDEFINED_ITEM,
                base + pos,
                "FSPEC sets a spare field reference number",
                uap.category,
            )
        _frn, name, size, fmt = entry
        starts[name] = p
        if size:
            p += size
            if p > end:
                raise _err(
                    ErrorKind.TRUNCATED_RECORD,
                    base + starts[name],
                    f"item {name} needs {size} octet(s), {end - starts[name]} left",
                    uap.category,
                )
        else:
            p = item_end(data, p, end, fmt, base=base, cat=uap.category)
    return starts, p


Layout = tuple[tuple[str, int, ItemFormat], ...]
"""The items one FSPEC announces, in order: (name, fixed size or 0, format)."""


class RecordWalker:
    """``walk_record`` for one UAP, remembering each FSPEC's item layout.

    A radar repeats a handful of FSPECs, so the per-octet table look-ups and spare-bit
    checks are done once per distinct FSPEC (at most ``max_layouts`` remembered; the memory
    is dropped whole when full, so hostile input cannot grow it). Anything unusual (an
    FSPEC or item that runs past the block, a spare bit, an empty FSPEC) goes through
    ``walk_record`` itself, so every error is the one it reports.
    """

    def __init__(self, uap: Uap, max_layouts: int = 1024) -> None:
        self.uap = uap
        self._max_layouts = max_layouts
        self._layouts: dict[bytes, Layout] = {}

    def _layout(self, fspec: bytes) -> Layout | None:
        tables = self.uap.octet_tables
        layout: list[tuple[str, int, ItemFormat]] = []
        for index, value in enumerate(fspec):
            for entry in tables[index][value]:
                if entry is None:
                    return None
                _frn, name, size, fmt = entry
                layout.append((name, size, fmt))
        if not layout:
            return None
        if len(self._layouts) >= self._max_layouts:
            self._layouts.clear()
        frozen = tuple(layout)
        self._layouts[fspec] = frozen
        return frozen

    def walk(self, data: bytes, pos: int, end: int, base: int) -> tuple[dict[str, int], int]:
        """Each present item's start by name and the position after the record; raises
        ``AsterixDecodeError`` exactly as ``walk_record`` does."""
        uap = self.uap
        q = pos
        limit = min(end, pos + len(uap.octet_tables))
        while q < limit and data[q] & 1:
            q += 1
        if q >= limit:
            return walk_record(uap, data, pos, end, base)
        fspec = bytes(data[pos : q + 1])  # a hashable key, whatever buffer type came in
        layout = self._layouts.get(fspec)
        if layout is None:
            layout = self._layout(fspec)
            if layout is None:
                return walk_record(uap, data, pos, end, base)
        p = q + 1
        starts: dict[str, int] = {}
        try:
            for name, size, fmt in layout:
                starts[name] = p
                if size:
                    p += size
                else:
                    p = item_end(data, p, end, fmt, base=base, cat=uap.category)
        except AsterixDecodeError:
            return walk_record(uap, data, pos, end, base)
        if p > end:
            return walk_record(uap, data, pos, end, base)
        return starts, p
