"""ORM table of the unit register (``units``), created by migration ``0009_units``.

It registers on the shared ``Base`` metadata: ``kordon.store.models`` imports this module
at its end, like its own ``models_*`` modules, so the migration test sees the table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import ENUM, ID, NAME, Base


class UnitRow(Base):
    """One patrol unit. ``callsign_key`` is the case- and space-folded callsign, unique so
    that ``Bravo-1`` and ``BRAVO-1`` cannot both exist; ``version`` grows with every change
    of the unit's record or status (not of its position), for compare-and-set updates."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    callsign: Mapped[str] = mapped_column(String(64))
    callsign_key: Mapped[str] = mapped_column(String(64), unique=True)
    sector_id: Mapped[str] = mapped_column(NAME)
    status: Mapped[str] = mapped_column(ENUM)
    incident_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("incidents.id", ondelete="SET NULL")
    )
    cot_uid: Mapped[str | None] = mapped_column(NAME, unique=True)
    lat: Mapped[float | None] = mapped_column(Double)
    lon: Mapped[float | None] = mapped_column(Double)
    position_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position_source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_units_sector_id_status", "sector_id", "status"),
        Index("ix_units_incident_id", "incident_id"),
    )
