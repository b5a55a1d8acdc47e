"""Hypothesis: random and mutated input gives records or ``AsterixDecodeError``, nothing else."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kordon.sensors.asterix import (
    AsterixDecodeError,
    AsterixDecoder,
    decode_input,
    decode_strict,
)
from tests.fuzz.mutate import FUZZ
from tests.sensors.builders import block, pcap, udp_frame
from tests.sensors.test_asterix_spec import CAT021_REPORT, CAT034_NORTH, CAT048_FULL, CAT062_FULL

SEEDS = [
    block(48, CAT048_FULL),
    block(62, CAT062_FULL),
    block(34, CAT034_NORTH),
    block(21, CAT021_REPORT),
]
_REAL = Path(__file__).resolve().parents[3] / "shared/data/tracks"
for _name in (
    "asterix-decoder-0.7.11_cat_034_048.pcap",
    "asterix-decoder-0.7.11_asterix_cat062.pcap",
):
    if (_REAL / _name).is_file():  # real blocks when ../shared is there
        SEEDS.append((_REAL / _name).read_bytes()[24 + 16 + 42 :][:400])


def _check(data: bytes) -> None:
    decoder = AsterixDecoder()
    out = list(decode_input(data, decoder))
    errors = [o for o in out if isinstance(o, AsterixDecodeError)]
    assert sum(decoder.stats.errors.values()) == len(errors)
    assert sum(decoder.stats.records.values()) == len(out) - len(errors)
    for item in out:
        assert 0 <= item.offset <= len(data)
        if not isinstance(item, AsterixDecodeError):
            item.to_json()
    with contextlib.suppress(AsterixDecodeError):
        decode_strict(data)


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    st.integers(0, 10_000),
)
def test_mutated_blocks(seed: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(seed)
    for where, value in flips:
        data[where % len(data)] = value
    _check(bytes(data[: max(1, cut % (len(data) + 1))]))


@FUZZ
@given(st.sampled_from(SEEDS), st.binary(max_size=40), st.integers(0, 2_000))
def test_mutated_captures(seed: bytes, noise: bytes, where: int) -> None:
    data = bytearray(pcap([udp_frame(seed), udp_frame(seed)]))
    at = where % len(data)
    data[at : at + len(noise)] = noise
    _check(bytes(data))
