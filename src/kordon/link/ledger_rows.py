"""ORM tables of the ledger's shipping: the edge's cursor, the centre's copy of each edge's
ledger (entries, signed tree heads, and the running Merkle state that checks them).

Created by migration ``0011_link_ledger``; ``kordon.store.models`` imports this module at
its end (like ``kordon.units.rows``), so the model/migration comparison sees the tables.
Every database has all four: an edge uses ``link_ledger_cursor``, a centre the others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import ENUM, NAME, Base

HASH_HEX = String(64)


class LedgerCursorRow(Base):
    """At the edge: the centre has acknowledged this edge's ledger entries ``0..acked_size-1``.

    Moved only by the centre's acknowledgement (after its commit); the ledger itself is the
    outbox, so nothing is deleted when it moves."""

    __tablename__ = "link_ledger_cursor"

    edge_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    acked_size: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EdgeLedgerEntryRow(Base):
    """At the centre: entry ``seq`` of an edge's ledger, once per (edge, seq).

    ``leaf_sha256`` is the entry's RFC 6962 leaf hash as the edge's ledger computes it;
    ``entry`` its canonical JSON for the kinds shipped in full (audit entries and the
    evidence actions), ``None`` for the others (segments, clips, snapshots: their leaf hash
    alone keeps the tree checkable, the evidence stays at the edge)."""

    __tablename__ = "link_ledger_entries"

    edge_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(ENUM)
    leaf_sha256: Mapped[str] = mapped_column(HASH_HEX)
    entry: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EdgeTreeHeadRow(Base):
    """At the centre: a signed tree head of an edge's ledger (every field, signature
    included). ``verified``: the entries received reproduce its root (checked when they
    reach its size)."""

    __tablename__ = "link_ledger_heads"

    edge_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_sha256: Mapped[str] = mapped_column(HASH_HEX)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(HASH_HEX)
    signature: Mapped[str] = mapped_column(String(128))
    verified: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EdgeLedgerStateRow(Base):
    """At the centre: how far an edge's ledger has arrived without a gap.

    ``size`` entries (``0..size-1``) are stored; ``frontier`` is the JSON list of the roots
    of the perfect subtrees of those leaves (RFC 6962 compact range, O(log size)), enough to
    compute the root at each new size as entries arrive; ``key_id`` the edge's signing key,
    pinned by the first head received."""

    __tablename__ = "link_ledger_state"

    edge_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str | None] = mapped_column(HASH_HEX)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
