"""Event snapshots that reached the centre before their event: ``link_held_snapshots``.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.link.held_snapshot_rows``.
Snapshots refused as "event not held" before this upgrade stay only verbatim in
``link_ingested.payload`` (they are not looked for again); from now on such a snapshot
waits here and is applied when its event arrives.

Revision ID: 0014h
Revises: 0013d
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014h"
down_revision: str | tuple[str, ...] | None = "0013d"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "link_held_snapshots",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "edge_id", "entry_id", name="pk_link_held_snapshots"),
    )


def downgrade() -> None:
    op.drop_table("link_held_snapshots")
