"""ORM tables of the recorder: segments, gaps, holds, the deletion queue, storage identity.

Created by migration ``0002``; a test compares these models with the migrations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import ID, NAME, Base, HistoryId

PATH = String(512)
SHA256 = String(64)


class RecordingSegmentRow(Base):
    """One closed, synced video segment file (path relative to the data directory)."""

    __tablename__ = "recording_segments"

    id: Mapped[int] = mapped_column(HistoryId, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(NAME)
    path_rel: Mapped[str] = mapped_column(PATH, unique=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(SHA256)
    packet_count: Mapped[int] = mapped_column(Integer)
    has_keyframe: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_recording_segments_camera_id_start", "camera_id", "start"),
        Index("ix_recording_segments_start", "start"),
    )


class RecordingGapRow(Base):
    """An interval with no footage (source outage, timestamp jump, lost file)."""

    __tablename__ = "recording_gaps"

    id: Mapped[int] = mapped_column(HistoryId, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(NAME)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_recording_gaps_camera_id_start", "camera_id", "start"),)


class RecordingHoldRow(Base):
    """An evidence lock: footage of ``camera_id`` in ``[start, end)`` is never deleted."""

    __tablename__ = "recording_holds"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    camera_id: Mapped[str] = mapped_column(NAME)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[str | None] = mapped_column(ID)
    event_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_recording_holds_camera_id_start", "camera_id", "start"),)


class RecordingDeletionRow(Base):
    """A segment marked for deletion: file first, then its row (crash-safe, idempotent)."""

    __tablename__ = "recording_deletions"

    segment_id: Mapped[int] = mapped_column(HistoryId, primary_key=True, autoincrement=False)
    path_rel: Mapped[str] = mapped_column(PATH)
    reason: Mapped[str] = mapped_column(String(32))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StorageIdentityRow(Base):
    """The random id written into the recording directory at first init (mount check)."""

    __tablename__ = "storage_identity"

    name: Mapped[str] = mapped_column(NAME, primary_key=True)
    identity: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
