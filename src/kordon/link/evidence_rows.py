"""ORM tables of evidence pulled by the centre: transfers under way, and files received.

Created by migration ``0012_evidence_pull``; ``kordon.store.models`` imports this module at
its end (like ``kordon.link.ledger_rows``), so the model/migration comparison sees them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import ENUM, NAME, Base

HASH_HEX = String(64)
TRANSFER_ID = String(32)


class EvidenceTransferRow(Base):
    """At the centre: one pull of a clip or an export from an edge, and how far it got.

    ``received`` bytes from 0 have been written to the partial file and synced (the file
    may hold more after a crash: those bytes are cut off before resuming). ``state`` is
    ``opening`` (manifest asked), ``fetching``, ``done`` or ``failed`` (``error`` says why).
    """

    __tablename__ = "link_evidence_transfers"

    transfer_id: Mapped[str] = mapped_column(TRANSFER_ID, primary_key=True)
    edge_id: Mapped[str] = mapped_column(NAME)
    kind: Mapped[str] = mapped_column(ENUM)
    item_id: Mapped[str] = mapped_column(NAME)
    incident_id: Mapped[str | None] = mapped_column(NAME)
    state: Mapped[str] = mapped_column(ENUM)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(HASH_HEX)
    content_type: Mapped[str | None] = mapped_column(NAME)
    name: Mapped[str | None] = mapped_column(NAME)
    received: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_link_evidence_transfers_item", "edge_id", "kind", "item_id"),)


class EvidenceFileRow(Base):
    """At the centre: a clip or export received whole, its sha256 verified; ``path`` is
    relative to the centre's data directory."""

    __tablename__ = "link_evidence_files"

    edge_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    kind: Mapped[str] = mapped_column(ENUM, primary_key=True)
    item_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    incident_id: Mapped[str | None] = mapped_column(NAME)
    sha256: Mapped[str] = mapped_column(HASH_HEX)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(NAME)
    name: Mapped[str] = mapped_column(NAME)
    path: Mapped[str] = mapped_column(Text)
    transfer_id: Mapped[str] = mapped_column(TRANSFER_ID)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
