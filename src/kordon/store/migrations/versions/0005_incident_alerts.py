"""Incident alerts: the last alert time and the crossing counts of each incident.

Adds to ``incident_extras`` (``kordon.store.models_incidents``) ``last_alert_at`` (indexed:
the queue sorts by it) and one count per crossing direction, and fills them for incidents
stored before: the last alert is the opening time, the counts come from their events.
Written by hand; self-contained (frozen).

Revision ID: 0005_incident_alerts
Revises: 0004
Create Date: 2025-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_incident_alerts"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

COUNTS = {
    "crossings_inbound": "inbound",
    "crossings_outbound": "outbound",
    "crossings_line_in": "in",
    "crossings_line_out": "out",
}
"""Count column → the event direction it counts (of border and line crossings)."""


def upgrade() -> None:
    with op.batch_alter_table("incident_extras") as batch:
        batch.add_column(sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=True))
        for column in COUNTS:
            batch.add_column(
                sa.Column(column, sa.Integer(), nullable=False, server_default=sa.text("0"))
            )
    op.create_index("ix_incident_extras_last_alert_at", "incident_extras", ["last_alert_at"])
    op.execute(
        "UPDATE incident_extras SET last_alert_at = "
        "(SELECT incidents.opened_at FROM incidents "
        "WHERE incidents.id = incident_extras.incident_id)"
    )
    for column, direction in COUNTS.items():
        op.execute(
            sa.text(
                f"UPDATE incident_extras SET {column} = "  # fixed column names, no input
                "(SELECT count(*) FROM incident_events "
                "JOIN events ON events.id = incident_events.event_id "
                "WHERE incident_events.incident_id = incident_extras.incident_id "
                "AND events.kind IN ('border_crossing', 'line_crossing') "
                "AND events.direction = :direction)"
            ).bindparams(direction=direction)
        )


def downgrade() -> None:
    op.drop_index("ix_incident_extras_last_alert_at", table_name="incident_extras")
    with op.batch_alter_table("incident_extras") as batch:
        for column in reversed(COUNTS):
            batch.drop_column(column)
        batch.drop_column("last_alert_at")
