"""The decimator's promise: no kept frame comes before the start of the next slot."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.video.source.decimate import Decimator, next_slot_start_s
from kordon.video.source.errors import SourceError


@given(
    st.sampled_from([1.0, 2.5, 5.0, 10.0]),
    st.lists(st.floats(min_value=0.001, max_value=0.5), min_size=2, max_size=60),
)
def test_every_kept_frame_comes_at_or_after_the_promise_of_the_one_before(
    fps: float, gaps: list[float]
) -> None:
    decimator = Decimator(fps)
    pts = 0.0
    promised: float | None = None
    for gap in gaps:
        pts += gap
        if decimator.keep(pts):
            if promised is not None:
                assert pts >= promised - 1e-3 / fps
            promised = next_slot_start_s(pts, fps)
            assert promised > pts


def test_the_promise_is_the_next_slot_start() -> None:
    assert next_slot_start_s(0.0, 5.0) == pytest.approx(0.2)
    assert next_slot_start_s(0.19, 5.0) == pytest.approx(0.2)
    assert next_slot_start_s(0.2, 5.0) == pytest.approx(0.4)
    with pytest.raises(SourceError):
        next_slot_start_s(1.0, 0.0)
