"""Operator commands from the centre to the edges: the centre's queue, the edge's record.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.link.command_rows``.

Revision ID: 0012c
Revises: 0012, 0012s (merges the two 0012 branches of this session; the lead may linearise)
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012c"
down_revision: str | tuple[str, ...] | None = ("0012", "0012s")
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "link_commands",
        sa.Column("command_id", sa.String(64), nullable=False),
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("incident_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("command_id", name="pk_link_commands"),
    )
    op.create_index(
        "ix_link_commands_status_edge_id", "link_commands", ["status", "edge_id"], unique=False
    )
    op.create_index("ix_link_commands_incident_id", "link_commands", ["incident_id"], unique=False)
    op.create_table(
        "link_commands_applied",
        sa.Column("command_id", sa.String(64), nullable=False),
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("incident_version", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("command_id", name="pk_link_commands_applied"),
    )


def downgrade() -> None:
    op.drop_table("link_commands_applied")
    op.drop_index("ix_link_commands_incident_id", table_name="link_commands")
    op.drop_index("ix_link_commands_status_edge_id", table_name="link_commands")
    op.drop_table("link_commands")
