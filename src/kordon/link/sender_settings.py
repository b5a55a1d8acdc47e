"""What an edge's outbox sender is told (``SenderSettings``) and what it counts
(``SenderCounts``, also its device metrics)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kordon.link.topics import check_edge_id


@dataclass(frozen=True, slots=True)
class SenderSettings:
    edge_id: str
    batch_entries: int = 200
    batch_bytes: int = 256_000
    max_in_flight: int = 4
    ack_timeout_s: float = 10.0
    poll_s: float = 0.5
    """How often the sender's thread looks at the outbox when nothing wakes it."""
    budget_bytes_s: float | None = None
    """The link's budget in bytes a second (``None``: unlimited); alarms may exceed it."""
    budget_burst_bytes: int = 64_000
    """How many bytes may leave at once after a quiet time."""

    def __post_init__(self) -> None:
        check_edge_id(self.edge_id)
        if self.batch_entries < 1 or self.batch_bytes < 1 or self.max_in_flight < 1:
            raise ValueError("batch_entries, batch_bytes and max_in_flight must be >= 1")
        if self.ack_timeout_s <= 0 or self.poll_s <= 0:
            raise ValueError("ack_timeout_s and poll_s must be > 0")
        if self.budget_bytes_s is not None and not self.budget_bytes_s > 0:
            raise ValueError(f"budget_bytes_s must be > 0, got {self.budget_bytes_s}")
        if self.budget_burst_bytes < 1:
            raise ValueError(f"budget_burst_bytes must be >= 1, got {self.budget_burst_bytes}")


@dataclass(frozen=True, slots=True)
class SenderCounts:
    batches_sent: int
    batches_resent: int
    entries_acked: int
    in_flight: int
    acks: int
    """Acks received and understood (whether or not their entries were still here)."""
    acks_refused: int
    ledger_batches_sent: int = 0
    ledger_acks: int = 0
    wire_bytes: int = 0
    """Bytes published: batches (resends too), ledger runs, tracks and evidence."""
    entries_by_priority: dict[str, int] = field(default_factory=dict)
    """Entries sent (first sends), by priority name (``alarm``, ``track``…)."""
    bytes_by_priority: dict[str, int] = field(default_factory=dict)
    """Their bytes in the batches (payload and framing), by priority name."""
    budget_holds: int = 0
    """Times the budget held back entries other than alarms (or evidence)."""
    evidence_messages: int = 0
    """Evidence replies published (manifests, chunks, listings, refusals)."""
    evidence_bytes: int = 0
    """Their bytes on the wire (also in ``wire_bytes``)."""

    @property
    def bytes_per_entry(self) -> float:
        """Average bytes an entry took on the link (0 before the first)."""
        entries = sum(self.entries_by_priority.values())
        return 0.0 if entries == 0 else sum(self.bytes_by_priority.values()) / entries

    def figures(self) -> dict[str, float]:
        """These counts as device metrics (``link-<edge>-outbox``'s status at the edge)."""
        figures = {
            "wire_bytes": float(self.wire_bytes),
            "bytes_per_entry": round(self.bytes_per_entry, 1),
            "budget_holds": float(self.budget_holds),
            "in_flight": float(self.in_flight),
            "bytes_evidence": float(self.evidence_bytes),
            "messages_evidence": float(self.evidence_messages),
        }
        for name, size in self.bytes_by_priority.items():
            figures[f"bytes_{name}"] = float(size)
        for name, count in self.entries_by_priority.items():
            figures[f"entries_{name}"] = float(count)
        return figures
