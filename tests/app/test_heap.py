from __future__ import annotations

import gc

from kordon.heap import settle_heap


def _listed(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects())


def test_start_up_objects_leave_the_collectors_passes_and_later_ones_do_not() -> None:
    start_up = [[i] for i in range(100)]
    assert _listed(start_up[0])
    try:
        frozen = settle_heap()
        assert frozen >= len(start_up)
        assert not _listed(start_up[0])
        later = ["made after start-up"]
        assert _listed(later)
    finally:
        gc.unfreeze()
    assert _listed(start_up[0])
