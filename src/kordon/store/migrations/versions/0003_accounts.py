"""Operator accounts: users and server-side sessions.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.store.models_accounts``.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

USERNAME = sa.String(64)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", USERNAME, nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("sectors", _json(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("username", name="pk_users"),
    )
    op.create_table(
        "account_sessions",
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("username", USERNAME, nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("last_seen_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.Column("revoked_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["username"],
            ["users.username"],
            name="fk_account_sessions_username_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_sha256", name="pk_account_sessions"),
    )
    op.create_index("ix_account_sessions_username", "account_sessions", ["username"])


def downgrade() -> None:
    op.drop_index("ix_account_sessions_username", table_name="account_sessions")
    op.drop_table("account_sessions")
    op.drop_table("users")
