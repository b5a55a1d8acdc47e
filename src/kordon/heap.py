"""``settle_heap``: keep the garbage collector's full passes short in a long-running node.

By the time a node has started it holds a few hundred thousand Python objects that live as
long as the process: imported modules, the configuration, map and site geometry, the
detector's session, the API's routes and schemas. CPython's full (generation 2) collection
walks all of them each time; on this kind of heap a pass takes tens to hundreds of
milliseconds with the GIL held, and every camera thread, live-feed frame and API answer
waits behind it (measured: ``GET /api/incidents`` p99 dominated by 60–320 ms gen-2 pauses).

``settle_heap`` collects once and then moves every surviving object into the permanent
generation (``gc.freeze``), which the collector never walks again; objects made after
start-up are collected as usual. Call it once, from the composition root, after start-up.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)


def settle_heap() -> int:
    """Collect, then freeze the survivors out of later collections; returns how many."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.debug("%d start-up objects moved out of the collector's full passes", frozen)
    return frozen
