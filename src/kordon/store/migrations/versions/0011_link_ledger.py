"""Ledger shipping: the edge's cursor and the centre's copy of each edge's ledger.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.link.ledger_rows``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "link_ledger_cursor",
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("acked_size", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("edge_id", name="pk_link_ledger_cursor"),
    )
    op.create_table(
        "link_ledger_entries",
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("leaf_sha256", sa.String(64), nullable=False),
        sa.Column("entry", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("edge_id", "seq", name="pk_link_ledger_entries"),
    )
    op.create_table(
        "link_ledger_heads",
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_sha256", sa.String(64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("edge_id", "tree_size", name="pk_link_ledger_heads"),
    )
    op.create_table(
        "link_ledger_state",
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("edge_id", name="pk_link_ledger_state"),
    )


def downgrade() -> None:
    op.drop_table("link_ledger_state")
    op.drop_table("link_ledger_heads")
    op.drop_table("link_ledger_entries")
    op.drop_table("link_ledger_cursor")
