"""Event snapshots over the link: the centre's ``link_snapshots``; the outbox's priorities.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.link.snapshot_rows``.

``Priority.SNAPSHOT`` (1) comes between ALARM (0) and TRACK, so the entries waiting in an
edge's ``link_outbox`` move up by one: TRACK 1 → 2, HEALTH 2 → 3, AUDIT 3 → 4. The
downgrade drops the snapshot entries still waiting (an older Kordon cannot send them) and
moves the others back.

Revision ID: 0012s
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012s"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "link_snapshots",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("reduced", sa.Boolean(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_link_snapshots"),
    )
    op.execute("UPDATE link_outbox SET priority = priority + 1 WHERE priority >= 1")


def downgrade() -> None:
    op.execute("DELETE FROM link_outbox WHERE kind = 'snapshot'")
    op.execute("UPDATE link_outbox SET priority = priority - 1 WHERE priority >= 2")
    op.drop_table("link_snapshots")
