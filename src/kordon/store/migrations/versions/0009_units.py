"""Patrol units: the ``units`` register that incidents dispatch (issue 11, item 9).

Self-contained (frozen) like ``0001_initial``; matches ``kordon.units.rows``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("callsign", sa.String(64), nullable=False),
        sa.Column("callsign_key", sa.String(64), nullable=False),
        sa.Column("sector_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("incident_id", sa.String(64), nullable=True),
        sa.Column("cot_uid", sa.String(128), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("position_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position_source", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_units_incident_id_incidents",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("callsign_key", name="uq_units_callsign_key"),
        sa.UniqueConstraint("cot_uid", name="uq_units_cot_uid"),
    )
    op.create_index("ix_units_sector_id_status", "units", ["sector_id", "status"])
    op.create_index("ix_units_incident_id", "units", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_units_incident_id", table_name="units")
    op.drop_index("ix_units_sector_id_status", table_name="units")
    op.drop_table("units")
