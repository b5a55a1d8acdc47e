"""Recordings: segments, gaps, holds, deletion queue, storage identity.

Written by hand to match ``kordon.store.models_recording``; frozen like ``0001``.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.String(64)
NAME = sa.String(128)
PATH = sa.String(512)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _rowid() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "recording_segments",
        sa.Column("id", _rowid(), autoincrement=True, nullable=False),
        sa.Column("camera_id", NAME, nullable=False),
        sa.Column("path_rel", PATH, nullable=False),
        sa.Column("start", _time(), nullable=False),
        sa.Column("end", _time(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("packet_count", sa.Integer(), nullable=False),
        sa.Column("has_keyframe", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recording_segments"),
        sa.UniqueConstraint("path_rel", name="uq_recording_segments_path_rel"),
    )
    op.create_index(
        "ix_recording_segments_camera_id_start", "recording_segments", ["camera_id", "start"]
    )
    op.create_index("ix_recording_segments_start", "recording_segments", ["start"])

    op.create_table(
        "recording_gaps",
        sa.Column("id", _rowid(), autoincrement=True, nullable=False),
        sa.Column("camera_id", NAME, nullable=False),
        sa.Column("start", _time(), nullable=False),
        sa.Column("end", _time(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recording_gaps"),
    )
    op.create_index("ix_recording_gaps_camera_id_start", "recording_gaps", ["camera_id", "start"])

    op.create_table(
        "recording_holds",
        sa.Column("id", ID, nullable=False),
        sa.Column("camera_id", NAME, nullable=False),
        sa.Column("start", _time(), nullable=False),
        sa.Column("end", _time(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("incident_id", ID, nullable=True),
        sa.Column("event_id", ID, nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("released_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recording_holds"),
    )
    op.create_index("ix_recording_holds_camera_id_start", "recording_holds", ["camera_id", "start"])

    op.create_table(
        "recording_deletions",
        sa.Column("segment_id", _rowid(), autoincrement=False, nullable=False),
        sa.Column("path_rel", PATH, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("queued_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("segment_id", name="pk_recording_deletions"),
    )

    op.create_table(
        "storage_identity",
        sa.Column("name", NAME, nullable=False),
        sa.Column("identity", ID, nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_storage_identity"),
    )


def downgrade() -> None:
    op.drop_table("storage_identity")
    op.drop_table("recording_deletions")
    op.drop_index("ix_recording_holds_camera_id_start", table_name="recording_holds")
    op.drop_table("recording_holds")
    op.drop_index("ix_recording_gaps_camera_id_start", table_name="recording_gaps")
    op.drop_table("recording_gaps")
    op.drop_index("ix_recording_segments_start", table_name="recording_segments")
    op.drop_index("ix_recording_segments_camera_id_start", table_name="recording_segments")
    op.drop_table("recording_segments")
