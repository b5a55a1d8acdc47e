"""ORM tables (SQLAlchemy 2 typed declarative).

The schema is owned by the Alembic migrations in ``kordon.store.migrations``; these models
must match them exactly (a test compares the two). New tables (recordings, ledger, users,
audit) are added here *and* in a new migration, never by editing ``0001_initial``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kordon.store.columns import JsonDocument, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so later migrations can alter them on both backends."""

ID = String(64)
NAME = String(128)
ENUM = String(32)
HistoryId = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit on PostgreSQL; ``INTEGER`` on SQLite so that it is the auto-incrementing rowid."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(ENUM)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    source_id: Mapped[str] = mapped_column(NAME)
    rule_id: Mapped[str | None] = mapped_column(NAME)
    track_id: Mapped[str | None] = mapped_column(NAME)
    class_name: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Double)
    direction: Mapped[str | None] = mapped_column(ENUM)
    frame: Mapped[str | None] = mapped_column(ENUM)
    x: Mapped[float | None] = mapped_column(Double)
    y: Mapped[float | None] = mapped_column(Double)
    lat: Mapped[float | None] = mapped_column(Double)
    lon: Mapped[float | None] = mapped_column(Double)
    uncertainty_m: Mapped[float | None] = mapped_column(Double)
    km_post: Mapped[float | None] = mapped_column(Double)
    sector_id: Mapped[str | None] = mapped_column(NAME)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    evidence: Mapped[list[str]] = mapped_column(JsonDocument)

    __table_args__ = (
        Index("ix_events_time", "time"),
        Index("ix_events_kind_time", "kind", "time"),
        Index("ix_events_source_id_time", "source_id", "time"),
        Index("ix_events_sector_id_time", "sector_id", "time"),
    )


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    title: Mapped[str] = mapped_column(String(256))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(ENUM)
    sector_id: Mapped[str | None] = mapped_column(NAME)
    assignee: Mapped[str | None] = mapped_column(NAME)
    resolution: Mapped[str | None] = mapped_column(ENUM)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    links: Mapped[list[IncidentEventRow]] = relationship(
        order_by="IncidentEventRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    steps: Mapped[list[IncidentStepRow]] = relationship(
        order_by="IncidentStepRow.seq",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        Index("ix_incidents_opened_at", "opened_at"),
        Index("ix_incidents_status_opened_at", "status", "opened_at"),
        Index("ix_incidents_sector_id_opened_at", "sector_id", "opened_at"),
    )


class IncidentEventRow(Base):
    """Which events an incident gathers, in the order they were attached."""

    __tablename__ = "incident_events"

    incident_id: Mapped[str] = mapped_column(
        ID, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(
        ID, ForeignKey("events.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_incident_events_event_id", "event_id"),)


class IncidentStepRow(Base):
    """One step of an incident's history; ``seq`` is its index in ``Incident.history``."""

    __tablename__ = "incident_steps"

    incident_id: Mapped[str] = mapped_column(
        ID, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(ENUM)
    actor: Mapped[str] = mapped_column(NAME)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text)


class DeviceStatusRow(Base):
    """The latest status of each device."""

    __tablename__ = "device_status"

    device_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(ENUM)
    detail: Mapped[str] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class DeviceStatusHistoryRow(Base):
    """Every status ever recorded, for health charts and audits."""

    __tablename__ = "device_status_history"

    id: Mapped[int] = mapped_column(HistoryId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(NAME)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(ENUM)
    detail: Mapped[str] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(JsonDocument)

    __table_args__ = (Index("ix_device_status_history_device_id_time", "device_id", "time"),)


from kordon.link import command_rows as _command_rows  # noqa: E402, F401  (registers on Base)
from kordon.link import edge_device_rows as _edge_device_rows  # noqa: E402, F401  (registers on Base)
from kordon.link import evidence_rows as _evidence_rows  # noqa: E402, F401  (registers on Base)
from kordon.link import held_snapshot_rows as _held_snapshot_rows  # noqa: E402, F401  (registers on Base)
from kordon.link import ledger_rows as _ledger_rows  # noqa: E402, F401  (registers on Base)
from kordon.link import snapshot_rows as _snapshot_rows  # noqa: E402, F401  (registers on Base)
from kordon.store import models_accounts as _models_accounts  # noqa: E402, F401  (registers on Base)
from kordon.store import models_incidents as _models_incidents  # noqa: E402, F401
from kordon.store import models_ledger as _models_ledger  # noqa: E402, F401  (registers on Base)
from kordon.store import models_link as _models_link  # noqa: E402, F401  (registers on Base)
from kordon.store import models_recording as _models_recording  # noqa: E402, F401  (registers on Base)
from kordon.store import models_register as _models_register  # noqa: E402, F401  (registers on Base)
from kordon.units import rows as _units_rows  # noqa: E402, F401  (registers on Base)
