"""Incident service tables: extras (dispatch unit, SLA, escalation), activity, feedback.

Written by hand to match ``kordon.store.models_incidents``; self-contained (frozen).

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.String(64)
NAME = sa.String(128)
ENUM = sa.String(32)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _incident_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["incident_id"],
        ["incidents.id"],
        name=f"fk_{table}_incident_id_incidents",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "incident_extras",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("dispatched_unit", NAME, nullable=True),
        sa.Column("sla_due_at", _time(), nullable=True),
        sa.Column("escalated_at", _time(), nullable=True),
        _incident_fk("incident_extras"),
        sa.PrimaryKeyConstraint("incident_id", name="pk_incident_extras"),
    )
    op.create_index("ix_incident_extras_sla_due_at", "incident_extras", ["sla_due_at"])

    op.create_table(
        "incident_activity",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("time", _time(), nullable=False),
        sa.Column("actor", NAME, nullable=False),
        sa.Column("action", ENUM, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("details", _json(), nullable=False),
        _incident_fk("incident_activity"),
        sa.PrimaryKeyConstraint("id", name="pk_incident_activity"),
    )
    op.create_index(
        "ix_incident_activity_incident_id_id", "incident_activity", ["incident_id", "id"]
    )

    op.create_table(
        "incident_feedback",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("source_id", NAME, nullable=False),
        sa.Column("rule_id", NAME, nullable=False),
        sa.Column("resolution", ENUM, nullable=False),
        sa.Column("time", _time(), nullable=False),
        _incident_fk("incident_feedback"),
        sa.PrimaryKeyConstraint("incident_id", "source_id", "rule_id", name="pk_incident_feedback"),
    )
    op.create_index(
        "ix_incident_feedback_source_id_rule_id", "incident_feedback", ["source_id", "rule_id"]
    )


def downgrade() -> None:
    op.drop_table("incident_feedback")
    op.drop_table("incident_activity")
    op.drop_table("incident_extras")
