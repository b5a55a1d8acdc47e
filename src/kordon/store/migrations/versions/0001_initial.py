"""Initial schema: events, incidents (links, steps), device status (latest, history).

Written by hand to match ``kordon.store.models``; self-contained (frozen) so that later model
changes never alter what this revision creates.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.String(64)
NAME = sa.String(128)
ENUM = sa.String(32)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("time", _time(), nullable=False),
        sa.Column("source_id", NAME, nullable=False),
        sa.Column("rule_id", NAME, nullable=True),
        sa.Column("track_id", NAME, nullable=True),
        sa.Column("class_name", sa.String(64), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("direction", ENUM, nullable=True),
        sa.Column("frame", ENUM, nullable=True),
        sa.Column("x", sa.Double(), nullable=True),
        sa.Column("y", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("uncertainty_m", sa.Double(), nullable=True),
        sa.Column("km_post", sa.Double(), nullable=True),
        sa.Column("sector_id", NAME, nullable=True),
        sa.Column("attributes", _json(), nullable=False),
        sa.Column("evidence", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_time", "events", ["time"])
    op.create_index("ix_events_kind_time", "events", ["kind", "time"])
    op.create_index("ix_events_source_id_time", "events", ["source_id", "time"])
    op.create_index("ix_events_sector_id_time", "events", ["sector_id", "time"])

    op.create_table(
        "incidents",
        sa.Column("id", ID, nullable=False),
        sa.Column("title", sa.String(256), nullable=False),
        sa.Column("opened_at", _time(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("sector_id", NAME, nullable=True),
        sa.Column("assignee", NAME, nullable=True),
        sa.Column("resolution", ENUM, nullable=True),
        sa.Column("updated_at", _time(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_opened_at", "incidents", ["opened_at"])
    op.create_index("ix_incidents_status_opened_at", "incidents", ["status", "opened_at"])
    op.create_index("ix_incidents_sector_id_opened_at", "incidents", ["sector_id", "opened_at"])

    op.create_table(
        "incident_events",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_events_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name="fk_incident_events_event_id_events",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("incident_id", "event_id", name="pk_incident_events"),
    )
    op.create_index("ix_incident_events_event_id", "incident_events", ["event_id"])

    op.create_table(
        "incident_steps",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("actor", NAME, nullable=False),
        sa.Column("time", _time(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_steps_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "seq", name="pk_incident_steps"),
    )

    op.create_table(
        "device_status",
        sa.Column("device_id", NAME, nullable=False),
        sa.Column("time", _time(), nullable=False),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("metrics", _json(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_device_status"),
    )

    op.create_table(
        "device_status_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", NAME, nullable=False),
        sa.Column("time", _time(), nullable=False),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("metrics", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_device_status_history"),
    )
    op.create_index(
        "ix_device_status_history_device_id_time",
        "device_status_history",
        ["device_id", "time"],
    )


def downgrade() -> None:
    op.drop_table("device_status_history")
    op.drop_table("device_status")
    op.drop_table("incident_steps")
    op.drop_table("incident_events")
    op.drop_table("incidents")
    op.drop_table("events")
