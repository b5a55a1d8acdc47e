"""Builders for the ledger-shipping tests: an edge's ledger with audit and segment entries,
a receiver that takes ledger batches without a broker, and a shipping loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import JsonValue

from kordon.api.audit_log import LedgerAuditLog
from kordon.evidence.entry import EntryKind
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.link.ingest import Ingestor
from kordon.link.ledger_cursor import LedgerCursor
from kordon.link.ledger_ingest import LedgerIngestor
from kordon.link.ledger_shipper import LedgerShipper
from kordon.link.ledger_wire import LedgerAck
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings, Refusal
from kordon.link.topics import LinkTopics
from kordon.store import Store
from tests.link.support import T0, at, endpoint

EDGE = "edge-a"
TOPICS = LinkTopics()
CENTRE_NOW = T0 + timedelta(days=1)
"""The centre's clock: after every entry the tests write."""


def open_ledger(directory: Path, *, signer: Signer | None = None, every: int = 10) -> Ledger:
    ledger = Ledger(directory, signer or Signer.generate(), tree_head_every=every)
    ledger.open()
    return ledger


def write_entries(ledger: Ledger, count: int, *, start: int = 0) -> None:
    """``count`` entries: audit entries (as the API writes them), every third a segment."""
    audit = LedgerAuditLog(ledger)
    for n in range(start, start + count):
        if n % 3 == 2:
            ledger.append(
                EntryKind.SEGMENT, "cam-1", time=at(n), sha256="ab" * 32, payload={"n": n}
            )
        else:
            details: dict[str, JsonValue] = {"n": n, "note": "тінь", "km": n / 3}
            audit.record("op", f"incident.ack-{n}", f"incident:{n}", "done", details, at(n))


@dataclass
class Refusals:
    """What the receiver's ``on_refused`` hook was told."""

    seen: list[tuple[str | None, Refusal, str]] = field(default_factory=list)

    def __call__(self, edge: str | None, why: Refusal, detail: str) -> None:
        self.seen.append((edge, why, detail))

    @property
    def reasons(self) -> list[Refusal]:
        return [why for _edge, why, _detail in self.seen]


def centre_receiver(
    store: Store,
    refusals: Refusals,
    *,
    max_batch_bytes: int = 1_048_576,
    clock: datetime = CENTRE_NOW,
) -> LinkReceiver:
    """A receiver of edge ``edge-a`` (never connected: tests call ``handle_ledger``)."""
    return LinkReceiver(
        Ingestor(store),
        endpoint("centre-unconnected"),
        ReceiverSettings.of({EDGE}, max_batch_bytes=max_batch_bytes),
        clock=lambda: clock,
        topics=TOPICS,
        ledger=LedgerIngestor(store),
        on_refused=refusals,
    )


def shipper(ledger: Ledger, edge_store: Store, *, batch_entries: int = 7) -> LedgerShipper:
    return LedgerShipper(
        ledger,
        LedgerCursor(edge_store, EDGE),
        edge_id=EDGE,
        now=lambda: CENTRE_NOW,
        batch_entries=batch_entries,
    )


def ship_all(source: LedgerShipper, receiver: LinkReceiver) -> int:
    """Send run after run until the centre has everything; returns how many runs."""
    runs = 0
    while (run := source.next_run()) is not None:
        ack = receiver.handle_ledger(TOPICS.ledger(EDGE), run.payload)
        assert ack is not None, "a run was refused"
        assert ack == LedgerAck(run.batch_id, run.end)
        assert source.acknowledged(ack)
        runs += 1
        assert runs < 1_000
    return runs
