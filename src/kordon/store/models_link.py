"""ORM tables of the edge–centre link: the edge's durable outbox, the centre's ingest record.

Created by migration ``0008_link``; a test compares these models with the migrations.
Both tables exist in every database: an edge uses ``link_outbox``, a centre
``link_ingested`` (see docs/edge-central.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import ENUM, ID, NAME, Base, HistoryId


class LinkOutboxRow(Base):
    """One entry waiting at the edge until the centre acknowledges it.

    ``seq`` is the creation order (the rowid on SQLite); ``payload`` is the exact JSON
    document sent (versioned, see ``kordon.link.codec``) and ``size`` its length in bytes.
    """

    __tablename__ = "link_outbox"

    seq: Mapped[int] = mapped_column(HistoryId, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(ID, unique=True)
    kind: Mapped[str] = mapped_column(ENUM)
    priority: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_link_outbox_priority_seq", "priority", "seq"),)


class LinkIngestedRow(Base):
    """An outbox entry the centre has committed, keyed by (edge, entry id): replays dedupe here.

    ``payload`` keeps the document of kinds the centre does not apply to its own tables yet
    (incidents, audit entries); it is ``None`` for events and device status.
    """

    __tablename__ = "link_ingested"

    edge_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(ENUM)
    batch_id: Mapped[str] = mapped_column(ID)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_link_ingested_ingested_at", "ingested_at"),)
