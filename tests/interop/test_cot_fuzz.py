"""Hypothesis: random and mutated CoT gives events or ``CotParseError``, nothing else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kordon.interop.cot import CotEvent, CotParseError, iter_events
from tests.fuzz.mutate import FUZZ
from tests.interop.cot_samples import event

SEEDS = [event(), event("B") + event("C"), b"\xbf\x01\xbf" + bytes(range(40))]
XMLISH = "<>/=\"' &;!?[]-abcdefghijklmnopqrstuvwxyz0123456789.eTZ:\n"


def _check(data: bytes) -> None:
    for item in iter_events(data):
        assert isinstance(item, CotEvent | CotParseError)
        if isinstance(item, CotEvent):
            item.to_json()


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@FUZZ
@given(st.text(alphabet=XMLISH, max_size=300))
def test_random_xmlish_text(text: str) -> None:
    _check(text.encode())


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 5000), st.sampled_from(list(XMLISH.encode()))), max_size=6),
    st.integers(0, 5000),
)
def test_mutated_events(seed: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(seed)
    for where, value in flips:
        data[where % len(data)] = value
    _check(bytes(data[: max(1, cut % (len(data) + 1))]))
