"""Ledger batches the centre must refuse: each with a clear reason for the log and the
health hook, and nothing stored (the centre's copy of the edge's ledger is unchanged)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.tree_head import SignedTreeHead
from kordon.link.ledger_ingest import stored_heads
from kordon.link.ledger_wire import ShippedEntry, encode_ledger_batch
from kordon.store import Store
from tests.link.ledger_support import (
    CENTRE_NOW,
    EDGE,
    TOPICS,
    Refusals,
    centre_receiver,
    open_ledger,
    ship_all,
    shipper,
    write_entries,
)
from tests.link.support import T0, edge_store
from tests.link.test_ledger_shipping import centre_entries

HELD = 6
"""Entries 0..5 reach the centre before each bad batch."""


@dataclass(frozen=True)
class Edge:
    ledger: Ledger
    signer: Signer
    other_ledger: Ledger
    """Another ledger under the same edge id: the same indices, other content."""


def run_of(
    ledger: Ledger, start: int, end: int, heads: list[SignedTreeHead], signer: Signer
) -> bytes:
    entries = [ShippedEntry.of(ledger.entry(seq)) for seq in range(start, end)]
    return encode_ledger_batch("b-bad", EDGE, entries, heads, [signer.verifier] if heads else [])


def edited(payload: bytes, change: Callable[[dict[str, object]], None]) -> bytes:
    document = json.loads(payload)
    change(document)
    return json.dumps(document).encode()


def _forge_actor(document: dict[str, object]) -> None:
    entries = document["entries"]
    assert isinstance(entries, list)
    entries[0]["entry"]["payload"]["actor"] = "someone-else"


def _forge_seq(document: dict[str, object]) -> None:
    entries = document["entries"]
    assert isinstance(entries, list)
    entries[0]["entry"]["seq"] = 99


def _swap(document: dict[str, object]) -> None:
    entries = document["entries"]
    assert isinstance(entries, list)
    entries[0], entries[1] = entries[1], entries[0]


def _bad_signature(document: dict[str, object]) -> None:
    heads = document["heads"]
    assert isinstance(heads, list)
    signature = heads[0]["signature"]
    heads[0]["signature"] = ("1" if signature[0] != "1" else "2") + signature[1:]


def _other_edge(document: dict[str, object]) -> None:
    document["edge_id"] = "edge-b"


def _next_run(edge: Edge) -> bytes:
    """Entries 6..8 with a head at 9 signed by the edge's key (a valid batch)."""
    head = edge.ledger.sign_tree_head(CENTRE_NOW)
    return run_of(edge.ledger, HELD, 9, [head], edge.signer)


CASES: list[tuple[str, Callable[[Edge], tuple[str, bytes]], str, str]] = [
    (
        "unknown edge",
        lambda e: (TOPICS.ledger("edge-x"), _next_run(e)),
        "unknown_edge",
        "edge not configured",
    ),
    (
        "forged entry content",
        lambda e: (TOPICS.ledger(EDGE), edited(_next_run(e), _forge_actor)),
        "malformed",
        "does not hash to its leaf",
    ),
    (
        "forged index inside the entry",
        lambda e: (TOPICS.ledger(EDGE), edited(_next_run(e), _forge_seq)),
        "malformed",
        "the entry says seq 99",
    ),
    (
        "reordered entries",
        lambda e: (TOPICS.ledger(EDGE), edited(_next_run(e), _swap)),
        "malformed",
        "must be consecutive: expected seq 6, got 7",
    ),
    (
        "tree head with a bad signature",
        lambda e: (TOPICS.ledger(EDGE), edited(_next_run(e), _bad_signature)),
        "malformed",
        "signature does not verify",
    ),
    (
        "batch naming another edge",
        lambda e: (TOPICS.ledger(EDGE), edited(_next_run(e), _other_edge)),
        "wrong_edge",
        "ledger batch says edge 'edge-b'",
    ),
    (
        "rewritten history",
        lambda e: (TOPICS.ledger(EDGE), run_of(e.other_ledger, 0, 4, [], e.signer)),
        "ledger_rewrite",
        "sent entry 0 with leaf",
    ),
    (
        "head whose root the entries do not give",
        lambda e: (
            TOPICS.ledger(EDGE),
            run_of(
                e.ledger,
                HELD,
                9,
                [
                    SignedTreeHead.create(
                        tree_size=9, root=b"\x07" * 32, time=CENTRE_NOW, signer=e.signer
                    )
                ],
                e.signer,
            ),
        ),
        "ledger_root_mismatch",
        "signed tree head at size 9 has root 0707",
    ),
    (
        "head signed by another key",
        lambda e: (
            TOPICS.ledger(EDGE),
            run_of(
                e.ledger,
                HELD,
                9,
                [
                    SignedTreeHead.create(
                        tree_size=9,
                        root=e.ledger.root(9),
                        time=CENTRE_NOW,
                        signer=(s := Signer.generate()),
                    )
                ],
                s,
            ),
        ),
        "ledger_key_changed",
        "but the centre pinned key",
    ),
]


@pytest.mark.parametrize(
    ("make", "reason", "detail"),
    [pytest.param(make, reason, detail, id=name) for name, make, reason, detail in CASES],
)
def test_bad_ledger_batches_are_refused_and_nothing_is_stored(
    store: Store,
    tmp_path: Path,
    make: Callable[[Edge], tuple[str, bytes]],
    reason: str,
    detail: str,
) -> None:
    signer = Signer.generate()
    ledger = open_ledger(tmp_path / "ledger", signer=signer, every=0)
    other = open_ledger(tmp_path / "other", every=0)
    edge_db = edge_store(tmp_path / "edge.db")
    try:
        write_entries(ledger, HELD)
        ledger.sign_tree_head(CENTRE_NOW)  # pins the edge's key at the centre
        write_entries(other, HELD, start=100)
        refusals = Refusals()
        receiver = centre_receiver(store, refusals)
        ship_all(shipper(ledger, edge_db), receiver)
        write_entries(ledger, 3, start=HELD)
        before = ([(r.seq, r.leaf_sha256) for r in centre_entries(store)], _heads(store))
        assert len(before[0]) == HELD

        topic, payload = make(Edge(ledger, signer, other))
        assert receiver.handle_ledger(topic, payload) is None

        assert refusals.reasons == [reason]
        edge, _why, said = refusals.seen[0]
        assert edge == (None if reason == "unknown_edge" else EDGE)
        assert detail in said, said
        after = ([(r.seq, r.leaf_sha256) for r in centre_entries(store)], _heads(store))
        assert after == before
        assert receiver.counts().refused == {reason: 1}
    finally:
        ledger.close()
        other.close()
        edge_db.close()


def _heads(store: Store) -> list[tuple[int, str, bool]]:
    return [(h.tree_size, h.root_sha256, h.verified) for h in stored_heads(store, EDGE)]


def test_oversized_and_clock_ahead_batches_are_refused(store: Store, tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path / "ledger", every=0)
    try:
        write_entries(ledger, 5)
        signer_less = run_of(ledger, 0, 5, [], Signer.generate())
        refusals = Refusals()
        small = centre_receiver(store, refusals, max_batch_bytes=len(signer_less) - 1)
        assert small.handle_ledger(TOPICS.ledger(EDGE), signer_less) is None
        early = centre_receiver(store, refusals, clock=T0 - timedelta(hours=3))
        assert early.handle_ledger(TOPICS.ledger(EDGE), signer_less) is None
        assert refusals.reasons == ["oversized", "clock_ahead"]
        assert f"{len(signer_less)} bytes > {len(signer_less) - 1}" in refusals.seen[0][2]
        assert "the edge's clock runs ahead" in refusals.seen[1][2]
        assert centre_entries(store) == []
    finally:
        ledger.close()


def test_the_refusals_would_not_happen_to_the_valid_batch(store: Store, tmp_path: Path) -> None:
    """The control of the table above: the unedited batch is taken, and its head checked."""
    signer = Signer.generate()
    ledger = open_ledger(tmp_path / "ledger", signer=signer, every=0)
    edge_db = edge_store(tmp_path / "edge.db")
    try:
        write_entries(ledger, HELD)
        ledger.sign_tree_head(CENTRE_NOW)
        refusals = Refusals()
        receiver = centre_receiver(store, refusals)
        ship_all(shipper(ledger, edge_db), receiver)
        write_entries(ledger, 3, start=HELD)
        edge = Edge(ledger, signer, ledger)
        ack = receiver.handle_ledger(TOPICS.ledger(EDGE), _next_run(edge))
        assert ack is not None
        assert ack.acked_size == 9
        assert refusals.seen == []
        assert [(h[0], h[2]) for h in _heads(store)] == [(HELD, True), (9, True)]
    finally:
        ledger.close()
        edge_db.close()
