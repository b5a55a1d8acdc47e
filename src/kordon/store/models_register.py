"""ORM tables of the equipment register (migration ``0007_register``).

Funding projects and their procurement lines, the people who hold equipment, deliveries,
assets (the *current* state of each serial, derived from its history), the append-only
asset history, custody transfers and end-use checks. A test compares these models with
the migrations.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import JsonDocument, UTCDateTime
from kordon.store.models import ENUM, ID, NAME, Base, HistoryId

TEXT = String(256)
CURRENCY = String(3)
SERIAL = String(128)


class RegisterProjectRow(Base):
    """A funding project: who pays, under which agreement, how much, for how long."""

    __tablename__ = "register_projects"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(TEXT)
    donor: Mapped[str] = mapped_column(NAME)
    programme: Mapped[str] = mapped_column(TEXT)
    agreement_no: Mapped[str] = mapped_column(NAME)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(CURRENCY)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    check_interval_days: Mapped[int] = mapped_column(Integer)
    demo: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_register_projects_donor", "donor"),)


class RegisterLineRow(Base):
    """A procurement line: so many items of one category at one unit cost."""

    __tablename__ = "register_lines"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(
        ID, ForeignKey("register_projects.id", ondelete="RESTRICT")
    )
    category: Mapped[str] = mapped_column(ENUM)
    description: Mapped[str] = mapped_column(TEXT)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(CURRENCY)

    __table_args__ = (Index("ix_register_lines_project_id_category", "project_id", "category"),)


class RegisterPersonRow(Base):
    """Someone who can hold equipment: only what custody needs (number, name, unit)."""

    __tablename__ = "register_people"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    unit: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RegisterDonorAccessRow(Base):
    """Which donor's projects a donor-auditor account may read."""

    __tablename__ = "register_donor_access"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    donor: Mapped[str] = mapped_column(NAME, primary_key=True)


class RegisterDeliveryRow(Base):
    """One delivery (a consignment received), with its documents' hashes."""

    __tablename__ = "register_deliveries"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(
        ID, ForeignKey("register_projects.id", ondelete="RESTRICT")
    )
    delivered_on: Mapped[date] = mapped_column(Date)
    received_by: Mapped[str] = mapped_column(NAME)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(NAME)

    __table_args__ = (Index("ix_register_deliveries_project_id", "project_id"),)


class RegisterAssetRow(Base):
    """The current state of one serial; every change also appends to its history."""

    __tablename__ = "register_assets"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    serial: Mapped[str] = mapped_column(SERIAL, unique=True)
    project_id: Mapped[str] = mapped_column(
        ID, ForeignKey("register_projects.id", ondelete="RESTRICT")
    )
    line_id: Mapped[str] = mapped_column(ID, ForeignKey("register_lines.id", ondelete="RESTRICT"))
    category: Mapped[str] = mapped_column(ENUM)
    model: Mapped[str] = mapped_column(NAME)
    vendor: Mapped[str] = mapped_column(NAME)
    lot: Mapped[str | None] = mapped_column(NAME)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    delivery_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("register_deliveries.id", ondelete="RESTRICT")
    )
    status: Mapped[str] = mapped_column(ENUM)
    holder_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("register_people.id", ondelete="RESTRICT")
    )
    sector_id: Mapped[str | None] = mapped_column(NAME)
    outpost: Mapped[str | None] = mapped_column(NAME)
    position: Mapped[str | None] = mapped_column(NAME)
    device_id: Mapped[str | None] = mapped_column(NAME)
    status_report: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(String(600))
    """Serial, model, vendor and lot, lower-cased (``kordon.register.search``); indexed by
    trigrams outside the models (migration 0010, ``kordon.register.text_index``)."""
    last_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        # (filter, serial): a filtered page walks one index in serial order
        Index("ix_register_assets_project_id_category", "project_id", "category"),
        Index("ix_register_assets_project_id_serial", "project_id", "serial"),
        Index("ix_register_assets_category_serial", "category", "serial"),
        Index("ix_register_assets_status_serial", "status", "serial"),
        Index("ix_register_assets_sector_id_serial", "sector_id", "serial"),
        # two filters together (migration 0010)
        Index("ix_register_assets_category_status_serial", "category", "status", "serial"),
        Index("ix_register_assets_sector_id_category_serial", "sector_id", "category", "serial"),
        Index("ix_register_assets_project_id_status_serial", "project_id", "status", "serial"),
        # a text search reads this index only (serial order), never the rows
        Index("ix_register_assets_serial_search_text", "serial", "search_text"),
        Index("ix_register_assets_device_id", "device_id"),
        Index("ix_register_assets_holder_id", "holder_id"),
    )


class RegisterHistoryRow(Base):
    """One entry of an asset's history. Never updated or deleted: corrections are entries."""

    __tablename__ = "register_history"

    id: Mapped[int] = mapped_column(HistoryId, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(ID, ForeignKey("register_assets.id", ondelete="RESTRICT"))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(NAME)
    kind: Mapped[str] = mapped_column(ENUM)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    corrects: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_register_history_asset_id_id", "asset_id", "id"),)


class RegisterTransferRow(Base):
    """A custody transfer; complete once both parties have confirmed it."""

    __tablename__ = "register_transfers"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    asset_id: Mapped[str] = mapped_column(ID, ForeignKey("register_assets.id", ondelete="RESTRICT"))
    from_person: Mapped[str | None] = mapped_column(
        ID, ForeignKey("register_people.id", ondelete="RESTRICT")
    )
    to_person: Mapped[str | None] = mapped_column(
        ID, ForeignKey("register_people.id", ondelete="RESTRICT")
    )
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(NAME)
    from_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    from_confirmed_by: Mapped[str | None] = mapped_column(NAME)
    to_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    to_confirmed_by: Mapped[str | None] = mapped_column(NAME)
    state: Mapped[str] = mapped_column(ENUM)

    __table_args__ = (
        Index("ix_register_transfers_asset_id", "asset_id"),
        Index("ix_register_transfers_state", "state"),
    )


class RegisterCheckRow(Base):
    """An end-use check: who saw which serial where and when, with a photo's hash."""

    __tablename__ = "register_checks"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    asset_id: Mapped[str] = mapped_column(ID, ForeignKey("register_assets.id", ondelete="RESTRICT"))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_by: Mapped[str] = mapped_column(NAME)
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    accuracy_m: Mapped[float | None] = mapped_column(Double)
    photo_sha256: Mapped[str] = mapped_column(String(64))
    photo_type: Mapped[str] = mapped_column(String(32))
    photo_bytes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_register_checks_asset_id_time", "asset_id", "time"),)
