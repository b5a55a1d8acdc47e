"""What a centre's link receiver is told (``ReceiverSettings``), what it counts
(``ReceiverCounts``), why it refuses (``Refusal``) and whom it tells (the hooks)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kordon.domain.live_track import LiveTrack
from kordon.link.clock_offset import ClockSettings
from kordon.link.kinds import Shipped
from kordon.link.topics import check_edge_id


class Refusal(StrEnum):
    UNKNOWN_EDGE = "unknown_edge"
    REVOKED_EDGE = "revoked_edge"
    OVERSIZED = "oversized"
    MALFORMED = "malformed"
    WRONG_EDGE = "wrong_edge"
    CLOCK_AHEAD = "clock_ahead"
    STORE_FAILED = "store_failed"
    LEDGER_GAP = "ledger_gap"
    LEDGER_REWRITE = "ledger_rewrite"
    LEDGER_ROOT_MISMATCH = "ledger_root_mismatch"
    LEDGER_KEY_CHANGED = "ledger_key_changed"


StoredHook = Callable[[str, Sequence[Shipped]], None]
"""``(edge id, what one committed batch added)``."""
RefusedHook = Callable[[str | None, "Refusal", str], None]
"""``(configured edge id or None, reason, detail)``."""
TracksHook = Callable[[str, Sequence[LiveTrack]], None]
"""``(edge id, its track updates, times on the centre's clock)``."""
ClockHook = Callable[[str, float, str], None]
"""``(edge id, seconds now added to its times (0: none), a sentence saying why)``."""


@dataclass(frozen=True, slots=True)
class ReceiverSettings:
    edges: frozenset[str]
    """The edge ids allowed to deliver."""
    revoked: frozenset[str] = frozenset()
    """Edge ids refused as revoked (even if also listed in ``edges``)."""
    max_batch_bytes: int = 1_048_576
    max_clock_ahead_s: float = 300.0
    """A batch with an entry created further ahead of the centre's clock (after the
    correction of the edge's measured offset, if any) is refused."""
    clock: ClockSettings = field(default_factory=ClockSettings)
    """How edge clock offsets are measured and when they are corrected."""
    queue_batches: int = 64
    """Decoded batches waiting for the store thread; a full queue stalls the broker link."""
    group_entries: int = 1_000
    """At most this many entries (whole batches) per store transaction: bounds how long a
    commit takes (and so how long acks wait) when a backlog arrives all at once."""

    def __post_init__(self) -> None:
        for edge in self.edges | self.revoked:
            check_edge_id(edge)
        if self.max_batch_bytes < 1:
            raise ValueError("max_batch_bytes must be >= 1")
        if not self.max_clock_ahead_s > 0:
            raise ValueError("max_clock_ahead_s must be > 0")
        if self.queue_batches < 1 or self.group_entries < 1:
            raise ValueError("queue_batches and group_entries must be >= 1")

    @classmethod
    def of(
        cls,
        edges: Collection[str],
        *,
        revoked: Collection[str] = (),
        max_batch_bytes: int = 1_048_576,
        max_clock_ahead_s: float = 300.0,
        clock: ClockSettings | None = None,
        queue_batches: int = 64,
        group_entries: int = 1_000,
    ) -> ReceiverSettings:
        return cls(
            edges=frozenset(edges),
            revoked=frozenset(revoked),
            max_batch_bytes=max_batch_bytes,
            max_clock_ahead_s=max_clock_ahead_s,
            clock=clock or ClockSettings(),
            queue_batches=queue_batches,
            group_entries=group_entries,
        )


@dataclass(frozen=True, slots=True)
class ReceiverCounts:
    batches: int
    new_entries: int
    duplicate_entries: int
    refused: dict[str, int]
    transactions: int = 0
    """Store transactions that committed (one may hold several batches)."""
    ledger_batches: int = 0
    ledger_entries: int = 0
    """New ledger entries stored (duplicates not counted)."""
