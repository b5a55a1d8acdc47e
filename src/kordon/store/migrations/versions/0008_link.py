"""Edge–centre link: the edge's durable outbox and the centre's ingest record.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.store.models_link``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "link_outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_link_outbox"),
        sa.UniqueConstraint("entry_id", name="uq_link_outbox_entry_id"),
    )
    op.create_index("ix_link_outbox_priority_seq", "link_outbox", ["priority", "seq"])
    op.create_table(
        "link_ingested",
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("edge_id", "entry_id", name="pk_link_ingested"),
    )
    op.create_index("ix_link_ingested_ingested_at", "link_ingested", ["ingested_at"])


def downgrade() -> None:
    op.drop_index("ix_link_ingested_ingested_at", table_name="link_ingested")
    op.drop_table("link_ingested")
    op.drop_index("ix_link_outbox_priority_seq", table_name="link_outbox")
    op.drop_table("link_outbox")
