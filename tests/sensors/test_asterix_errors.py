"""Bad input: one typed error with its offset per bad block or record; the rest still decoded."""

from __future__ import annotations

import pytest

from kordon.sensors.asterix import (
    AsterixDecodeError,
    AsterixDecoder,
    Cat048Record,
    ErrorKind,
    decode_strict,
)
from tests.sensors.builders import block

GOOD = block(48, bytes([0x80, 0x01, 0x02]))  # one record: SAC 1, SIC 2 (6 bytes)


@pytest.mark.parametrize(
    ("bad", "kind", "offset"),
    [
        # a block with records that break at a known offset (the block starts at 6)
        (block(48, bytes([0xFF, 0xFF, 0xFF, 0xFF, 0x01])), ErrorKind.FSPEC_RUNAWAY, 9),
        (block(21, bytes([1, 1, 1, 1, 1, 1, 0x80])), ErrorKind.UNDEFINED_ITEM, 9),  # FRN 43
        (block(62, bytes([0x40, 0, 0])), ErrorKind.UNDEFINED_ITEM, 9),  # FRN 2 is spare
        (block(48, bytes([0x80, 0x01])), ErrorKind.TRUNCATED_RECORD, 10),  # 010 cut
        (block(48, bytes([0x20, 0x81, 0x81])), ErrorKind.TRUNCATED_RECORD, 10),  # 020 runs on
        (block(48, bytes([0x01, 0x20, 0x05] + [0] * 8)), ErrorKind.TRUNCATED_RECORD, 11),  # 250
        (block(48, bytes([0x01, 0x01, 0x01, 0x04, 0x00])), ErrorKind.BAD_ITEM, 13),  # SP len 0
        (block(48, bytes([0x00])), ErrorKind.BAD_ITEM, 9),  # empty FSPEC
        (block(48, bytes([0x02, 0x81, 0x81])), ErrorKind.FSPEC_RUNAWAY, 11),  # 130 primary
        (block(7, bytes([0x80, 0x01, 0x02])), ErrorKind.UNSUPPORTED_CATEGORY, 6),
    ],
)
def test_bad_block_between_good_ones(bad: bytes, kind: ErrorKind, offset: int) -> None:
    decoder = AsterixDecoder()
    out = list(decoder.decode(GOOD + bad + GOOD))
    errors = [o for o in out if isinstance(o, AsterixDecodeError)]
    records = [o for o in out if isinstance(o, Cat048Record)]
    assert [(e.kind, e.offset) for e in errors] == [(kind, offset)], errors
    assert [r.offset for r in records] == [3, 6 + len(bad) + 3]
    assert decoder.stats.errors == {kind.value: 1}
    assert str(errors[0]).startswith(f"offset {offset} CAT")
    with pytest.raises(AsterixDecodeError) as info:
        decode_strict(GOOD + bad + GOOD)
    assert info.value.kind == kind


@pytest.mark.parametrize(
    ("tail", "kind"),
    [
        (bytes([48, 0]), ErrorKind.TRUNCATED_BLOCK),  # header cut
        (bytes([48, 0, 3]), ErrorKind.BAD_BLOCK_LENGTH),  # LEN leaves no record
        (bytes([48, 0, 1]), ErrorKind.BAD_BLOCK_LENGTH),  # LEN below the header
        (bytes([48, 0x40, 0x00, 0x80, 1, 2]), ErrorKind.TRUNCATED_BLOCK),  # LEN lies (16384)
    ],
)
def test_framing_errors_end_a_raw_stream_with_one_error(tail: bytes, kind: ErrorKind) -> None:
    out = list(AsterixDecoder().decode(GOOD + tail))
    assert isinstance(out[0], Cat048Record)
    assert len(out) == 2
    assert isinstance(out[1], AsterixDecodeError)
    assert (out[1].kind, out[1].offset) == (kind, 6)


def test_an_empty_block_is_reported_and_the_next_one_decoded() -> None:
    out = list(AsterixDecoder().decode(bytes([48, 0, 3]) + GOOD))
    assert isinstance(out[0], AsterixDecodeError)
    assert out[0].kind is ErrorKind.BAD_BLOCK_LENGTH
    assert isinstance(out[1], Cat048Record)
    assert out[1].offset == 6


def test_records_before_a_bad_one_in_the_same_block_are_kept() -> None:
    data = block(48, bytes([0x80, 0x01, 0x02]), bytes([0x80, 0x03, 0x04]), bytes([0x80, 0x05]))
    out = list(AsterixDecoder().decode(data))
    assert [getattr(o, "sac", None) for o in out[:2]] == [1, 3]
    assert isinstance(out[2], AsterixDecodeError)
    assert out[2].kind == ErrorKind.TRUNCATED_RECORD


def test_offsets_are_shifted_by_the_base_offset() -> None:
    (err,) = list(AsterixDecoder().decode(bytes([48, 0, 1]), base_offset=1000))
    assert isinstance(err, AsterixDecodeError)
    assert err.offset == 1000
