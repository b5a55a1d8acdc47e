"""The link soak: every fault of ``test_netns_faults`` in turn, cycle after cycle, under an
hour of simulated traffic; every event at the centre exactly once.

Run by ``make reliability`` (``pytest -s tests/link/soak_netns.py``; pytest collects this
file only when it is named, so ``make test`` runs the single faults, not the soak).
``KORDON_NETNS_SOAK_CYCLES`` (default 6) rounds, ``KORDON_NETNS_SOAK_EVENTS`` events
(default 36,000: an hour at 10 events/s).
"""

# ruff: noqa: F811  (the fixtures are imported by name; the test takes them as arguments)
from __future__ import annotations

import os
import time

import pytest

from tests.link.delay_relay import DelayRelay
from tests.link.test_netns_faults import (  # noqa: F401  (the fixtures, by name)
    Rig,
    _namespaces_usable,
    centre_url,
    rig,
)

SOAK_CYCLES_ENV = "KORDON_NETNS_SOAK_CYCLES"
SOAK_CYCLES = max(1, int(os.environ.get(SOAK_CYCLES_ENV, "6")))
SOAK_EVENTS = int(os.environ.get("KORDON_NETNS_SOAK_EVENTS", "36000"))
"""An hour of simulated traffic at 10 events per second."""


def _soak_cut(rig: Rig, _relay: DelayRelay | None) -> None:
    rig.link.cut()
    time.sleep(10.0)
    rig.link.restore()


def _soak_long_cut(rig: Rig, _relay: DelayRelay | None) -> None:
    rig.link.cut()
    time.sleep(120.0)
    rig.link.restore()


def _soak_broker(rig: Rig, _relay: DelayRelay | None) -> None:
    rig.broker.kill9()
    time.sleep(2.0)
    rig.broker.start()


def _soak_edge(rig: Rig, _relay: DelayRelay | None) -> None:
    assert rig.edge is not None
    rig.edge.kill9()
    rig.restart_edge()


def _soak_centre(rig: Rig, _relay: DelayRelay | None) -> None:
    assert rig.centre is not None
    rig.centre.kill9()
    time.sleep(2.0)
    rig.start_centre()


def _soak_all_down(rig: Rig, _relay: DelayRelay | None) -> None:
    assert rig.centre is not None
    assert rig.edge is not None
    rig.centre.kill9()
    time.sleep(3.0)  # the broker queues batches for the absent centre
    rig.broker.kill9()
    rig.edge.kill9()
    rig.broker.start()
    rig.restart_edge()
    rig.start_centre()


def _soak_loss(rig: Rig, relay: DelayRelay | None) -> None:
    if relay is None:
        rig.link.netem(loss_percent=30, delay_ms=2000)
    else:
        rig.link.drop_randomly(30)
        relay.delay_s = 2.0
    time.sleep(15.0)
    rig.link.clear_impairments()
    if relay is not None:
        relay.delay_s = 0.0


SOAK_FAULTS = (
    _soak_cut,
    _soak_broker,
    _soak_edge,
    _soak_centre,
    _soak_all_down,
    _soak_loss,
    _soak_long_cut,
)
FAULT_SECONDS = 25.0
"""About how long one fault and the recovery after it take (7 faults: about 3 minutes)."""


@pytest.mark.timeout(900 + int(SOAK_CYCLES * len(SOAK_FAULTS) * FAULT_SECONDS * 4))
def test_soak_repeated_faults(rig: Rig) -> None:
    """``SOAK_EVENTS`` events written over the whole soak, through every fault in turn,
    ``SOAK_CYCLES`` times and on until the edge has written them all; each fault starts
    once the centre got more since the last."""
    events = SOAK_EVENTS
    rate = min(events / (SOAK_CYCLES * len(SOAK_FAULTS) * FAULT_SECONDS), 150.0)
    netem = rig.link.netem_supported()
    relay = None if netem else DelayRelay(rig.link.host_ip, ("127.0.0.1", rig.broker.port))
    began = time.monotonic()
    try:
        rig.start_centre()
        port = None if relay is None else relay.port
        rig.start_edge(events, rate=rate, port=port, keepalive_s=10)
        cycles = 0
        while cycles < SOAK_CYCLES or rig.edge_db.events() < events:
            cycles += 1
            for fault in SOAK_FAULTS:
                before = rig.delivered()
                fault(rig, relay)
                if before < events:
                    rig.wait_delivered(before + 1, 120.0)
                rig.report(f"soak cycle {cycles} after {fault.__name__}", events)
        took = rig.wait_complete(events, max(300.0, 2 * events / rate))
        rig.report(
            f"soak: {cycles} cycles of {len(SOAK_FAULTS)} faults, {events} events at "
            f"{rate:.0f}/s, {time.monotonic() - began:.0f} s (complete {took:.1f} s after "
            "the last fault)",
            events,
        )
        rig.assert_exactly_once(events)
    finally:
        if relay is not None:
            relay.close()
