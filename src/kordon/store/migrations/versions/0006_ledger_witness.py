"""Ledger witness: the latest signed tree head, kept outside the ledger files.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.store.models_ledger``.

Revision ID: 0006_ledger_witness
Revises: 0005_incident_alerts
Create Date: 2025-01-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_ledger_witness"
down_revision: str | None = "0005_incident_alerts"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_witness",
        sa.Column("ledger", sa.String(128), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_sha256", sa.String(64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("ledger", name="pk_ledger_witness"),
    )


def downgrade() -> None:
    op.drop_table("ledger_witness")
