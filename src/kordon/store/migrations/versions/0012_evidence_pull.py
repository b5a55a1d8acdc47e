"""Evidence pulled by the centre: transfers under way (with their progress) and files received.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.link.evidence_rows``.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "link_evidence_transfers",
        sa.Column("transfer_id", sa.String(32), nullable=False),
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("incident_id", sa.String(128), nullable=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("content_type", sa.String(128), nullable=True),
        sa.Column("name", sa.String(128), nullable=True),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id", name="pk_link_evidence_transfers"),
    )
    op.create_index(
        "ix_link_evidence_transfers_item",
        "link_evidence_transfers",
        ["edge_id", "kind", "item_id"],
    )
    op.create_table(
        "link_evidence_files",
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("incident_id", sa.String(128), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("transfer_id", sa.String(32), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("edge_id", "kind", "item_id", name="pk_link_evidence_files"),
    )


def downgrade() -> None:
    op.drop_table("link_evidence_files")
    op.drop_index("ix_link_evidence_transfers_item", table_name="link_evidence_transfers")
    op.drop_table("link_evidence_transfers")
