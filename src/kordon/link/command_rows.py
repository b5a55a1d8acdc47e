"""ORM tables of the centre's operator commands: the centre's queue, the edge's record.

Created by migration ``0012_link_commands``; ``kordon.store.models`` imports this module at
its end, so the model/migration comparison sees the tables. Every database has both: a
centre uses ``link_commands``, an edge ``link_commands_applied``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import ENUM, ID, NAME, Base


class CommandRow(Base):
    """At the centre: one operator action for an edge, written before it is sent.

    ``status``: ``queued`` (not sent yet), ``sent`` (sent ``attempts`` times, last at
    ``last_sent_at``, no answer yet), ``applied`` or ``refused`` (the edge's answer, with
    ``reason``), ``expired`` (no answer within the centre's limit; never sent again)."""

    __tablename__ = "link_commands"

    command_id: Mapped[str] = mapped_column(ID, primary_key=True)
    edge_id: Mapped[str] = mapped_column(NAME)
    incident_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(ENUM)
    actor: Mapped[str] = mapped_column(NAME)
    payload: Mapped[str] = mapped_column(Text)
    """The exact command document sent (``kordon.link.command_wire``)."""
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(ENUM)
    attempts: Mapped[int] = mapped_column(Integer)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    incident_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        Index("ix_link_commands_status_edge_id", "status", "edge_id"),
        Index("ix_link_commands_incident_id", "incident_id"),
    )


class AppliedCommandRow(Base):
    """At the edge: a command seen once, with its answer (a resend gets the same answer).

    An applied command's row is written in the transaction of the incident change itself."""

    __tablename__ = "link_commands_applied"

    command_id: Mapped[str] = mapped_column(ID, primary_key=True)
    edge_id: Mapped[str] = mapped_column(NAME)
    incident_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(ENUM)
    actor: Mapped[str] = mapped_column(NAME)
    outcome: Mapped[str] = mapped_column(ENUM)
    reason: Mapped[str] = mapped_column(Text)
    incident_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
