"""Each outpost's devices at the centre: the latest status per (edge, device).

Self-contained (frozen) like ``0001_initial``; matches ``kordon.link.edge_device_rows``.
Existing centres start with an empty table: it fills as the outposts report (every device
reports at least every heartbeat).

Revision ID: 0013d
Revises: 0012c
Create Date: 2026-12-05
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013d"
down_revision: str | tuple[str, ...] | None = "0012c"
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "link_edge_devices",
        sa.Column("edge_id", sa.String(128), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("metrics", _json(), nullable=False),
        sa.PrimaryKeyConstraint("edge_id", "device_id", name="pk_link_edge_devices"),
    )


def downgrade() -> None:
    op.drop_table("link_edge_devices")
