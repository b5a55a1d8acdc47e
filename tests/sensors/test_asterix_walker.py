"""The decoder's fast paths agree with the plain FSPEC walk, bad input included.

``RecordWalker`` remembers each FSPEC's layout and skips per-item bounds checks; a
compound item with one primary octet of fixed-size subfields is sized from a table.
Whatever the bytes, both must give exactly what ``walk_record`` gives: the same item
positions and end, or an error of the same kind, offset and text.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.sensors.asterix import CODECS, AsterixDecodeError
from kordon.sensors.asterix.uap import (
    COMPOUND,
    ItemFormat,
    RecordWalker,
    Uap,
    compound,
    extended,
    fixed,
    item_end,
    repetitive,
    walk_record,
)
from tests.fuzz.mutate import FUZZ
from tests.sensors.test_asterix_spec import CAT021_REPORT, CAT034_NORTH, CAT048_FULL, CAT062_FULL

SEEDS = {48: CAT048_FULL, 62: CAT062_FULL, 34: CAT034_NORTH, 21: CAT021_REPORT}

Outcome = tuple[dict[str, int], int] | tuple[str, int, str]


def _plain(uap: Uap, data: bytes, end: int) -> Outcome:
    try:
        return walk_record(uap, data, 0, end, 100)
    except AsterixDecodeError as exc:
        return (exc.kind.value, exc.offset, str(exc))


def _fast(walker: RecordWalker, data: bytes, end: int) -> Outcome:
    try:
        return walker.walk(data, 0, end, 100)
    except AsterixDecodeError as exc:
        return (exc.kind.value, exc.offset, str(exc))


@pytest.mark.parametrize("category", sorted(SEEDS))
def test_valid_records_walk_the_same(category: int) -> None:
    uap = CODECS[category].uap
    data = SEEDS[category]
    walker = RecordWalker(uap)
    expected = _plain(uap, data, len(data))
    assert isinstance(expected[0], dict)
    assert _fast(walker, data, len(data)) == expected
    assert _fast(walker, data, len(data)) == expected  # from the remembered layout


@FUZZ
@given(
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6),
    st.integers(0, 200),
)
def test_mutated_records_walk_the_same(
    category: int, flips: list[tuple[int, int]], cut: int
) -> None:
    uap = CODECS[category].uap
    data = bytearray(SEEDS[category])
    for where, value in flips:
        data[where % len(data)] = value
    end = cut % (len(data) + 1)
    walker = RecordWalker(uap)
    # the buffer goes on past ``end``, as a block inside a datagram does
    assert _fast(walker, bytes(data), end) == _plain(uap, bytes(data), end)


@FUZZ
@given(st.sampled_from(sorted(SEEDS)), st.binary(max_size=80))
def test_random_records_walk_the_same(category: int, data: bytes) -> None:
    uap = CODECS[category].uap
    walker = RecordWalker(uap)
    assert _fast(walker, data, len(data)) == _plain(uap, data, len(data))


def test_remembered_layouts_are_bounded() -> None:
    uap = CODECS[48].uap
    walker = RecordWalker(uap, max_layouts=4)
    for value in range(2, 256, 2):  # 127 distinct one-octet FSPECs (FX clear)
        starts, _end = walker.walk(bytes([value]) + bytes(64), 0, 65, 0)
        assert starts
        assert len(walker._layouts) <= 4


_SUBFIELDS = st.one_of(
    st.none(),
    st.integers(1, 4).map(fixed),
    st.just(extended()),
    st.integers(1, 3).map(repetitive),
)


@FUZZ
@given(st.lists(_SUBFIELDS, min_size=1, max_size=9), st.binary(min_size=1, max_size=24))
def test_compound_table_agrees_with_the_walk(
    subfields: list[ItemFormat | None], data: bytes
) -> None:
    fmt = compound(*subfields)
    assert fmt.kind == COMPOUND
    fast = fmt.one_octet_sizes[data[0]]
    try:
        walked: int | str = item_end(data, 0, len(data), fmt, base=0, cat=48)
    except AsterixDecodeError as exc:
        walked = exc.kind.value
    if fast:
        # the table's size, then the same bounds check as the walk
        assert walked == (fast if fast <= len(data) else "truncated_record")
