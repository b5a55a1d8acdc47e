"""ORM tables of the incident service: extras, operator activity, false-alarm feedback.

Created by migrations ``0004`` and ``0005_incident_alerts`` (alert time, crossing counts);
imported at the end of :mod:`kordon.store.models` so that
``Base.metadata`` holds them (the migrations test compares the two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import JsonDocument, UTCDateTime
from kordon.store.models import ENUM, ID, NAME, Base, HistoryId


class IncidentExtrasRow(Base):
    """Per-incident fields the incident service owns: dispatch unit, SLA, escalation, the
    last alert and the crossing counts."""

    __tablename__ = "incident_extras"

    incident_id: Mapped[str] = mapped_column(
        ID, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    dispatched_unit: Mapped[str | None] = mapped_column(NAME)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    crossings_inbound: Mapped[int] = mapped_column(Integer, server_default="0")
    crossings_outbound: Mapped[int] = mapped_column(Integer, server_default="0")
    crossings_line_in: Mapped[int] = mapped_column(Integer, server_default="0")
    crossings_line_out: Mapped[int] = mapped_column(Integer, server_default="0")

    __table_args__ = (
        Index("ix_incident_extras_sla_due_at", "sla_due_at"),
        Index("ix_incident_extras_last_alert_at", "last_alert_at"),
    )


class IncidentActivityRow(Base):
    """Every operator or system action on an incident, in order (notes, assignment, ...)."""

    __tablename__ = "incident_activity"

    id: Mapped[int] = mapped_column(HistoryId, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ID, ForeignKey("incidents.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(NAME)
    action: Mapped[str] = mapped_column(ENUM)
    note: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JsonDocument)

    __table_args__ = (Index("ix_incident_activity_incident_id_id", "incident_id", "id"),)


class IncidentFeedbackRow(Base):
    """How a resolved incident was judged, once per (source, rule) among its events."""

    __tablename__ = "incident_feedback"

    incident_id: Mapped[str] = mapped_column(
        ID, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    rule_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    resolution: Mapped[str] = mapped_column(ENUM)
    time: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_incident_feedback_source_id_rule_id", "source_id", "rule_id"),)


__all__ = ["IncidentActivityRow", "IncidentExtrasRow", "IncidentFeedbackRow"]
