"""``RecordingRepository``: segments, gaps, holds, the deletion queue and storage identity."""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import ColumnElement, Exists

from kordon.domain.time import require_utc
from kordon.record.errors import InvalidRecordingInputError
from kordon.record.types import GapReason, GapRecord, HoldRecord, SegmentRecord
from kordon.store.models_recording import (
    RecordingDeletionRow,
    RecordingGapRow,
    RecordingHoldRow,
    RecordingSegmentRow,
    StorageIdentityRow,
)
from kordon.store.session import SessionScope, insert_for, own_transaction

MAX_TEXT = 128


def _utc(name: str, value: datetime) -> datetime:
    try:
        return require_utc(value, name=name)
    except (ValueError, AttributeError) as exc:
        raise InvalidRecordingInputError(f"{name}: {exc}") from exc


def _check_id(name: str, value: str) -> None:
    if not value or len(value) > MAX_TEXT:
        raise InvalidRecordingInputError(f"{name} must be 1..{MAX_TEXT} characters, got {value!r}")


def _segment(row: RecordingSegmentRow) -> SegmentRecord:
    return SegmentRecord(
        camera_id=row.camera_id,
        path_rel=row.path_rel,
        start=row.start,
        end=row.end,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        packet_count=row.packet_count,
        has_keyframe=row.has_keyframe,
        id=row.id,
    )


def _hold(row: RecordingHoldRow) -> HoldRecord:
    return HoldRecord(
        id=row.id,
        camera_id=row.camera_id,
        start=row.start,
        end=row.end,
        reason=row.reason,
        created_at=row.created_at,
        incident_id=row.incident_id,
        event_id=row.event_id,
        released_at=row.released_at,
    )


def _held_condition(now_unreleased: bool = True) -> Exists:
    """SQL: the segment overlaps an active hold of its camera."""
    hold = select(RecordingHoldRow.id).where(
        RecordingHoldRow.camera_id == RecordingSegmentRow.camera_id,
        RecordingHoldRow.start < RecordingSegmentRow.end,
        RecordingHoldRow.end > RecordingSegmentRow.start,
    )
    if now_unreleased:
        hold = hold.where(RecordingHoldRow.released_at.is_(None))
    return hold.exists()


class RecordingRepository:
    """What the recorder and retention store: every call is one transaction of ``scope``."""

    def __init__(self, scope: SessionScope) -> None:
        self._scope = scope

    @classmethod
    def on_sessions(cls, sessions: sessionmaker[Session]) -> RecordingRepository:
        """A repository whose calls each run in their own transaction (``Store.sessions``)."""
        return cls(own_transaction(sessions))

    # --- segments -------------------------------------------------------------------------
    def add_segment(self, segment: SegmentRecord) -> int:
        """Store a closed segment; returns its id. A path stored already keeps its row."""
        _check_id("camera_id", segment.camera_id)
        with self._scope(f"adding segment {segment.path_rel}") as session:
            statement = (
                insert_for(session, RecordingSegmentRow)
                .values(
                    camera_id=segment.camera_id,
                    path_rel=segment.path_rel,
                    start=segment.start,
                    end=segment.end,
                    size_bytes=segment.size_bytes,
                    sha256=segment.sha256,
                    packet_count=segment.packet_count,
                    has_keyframe=segment.has_keyframe,
                )
                .on_conflict_do_nothing(index_elements=["path_rel"])
                .returning(RecordingSegmentRow.id)
            )
            row = session.execute(statement).first()
            if row is not None:
                return int(row[0])
            existing = session.scalar(
                select(RecordingSegmentRow.id).where(
                    RecordingSegmentRow.path_rel == segment.path_rel
                )
            )
            return int(existing or 0)

    def segments(
        self,
        camera_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> builtins.list[SegmentRecord]:
        """Segments (of one camera or all) overlapping ``[start, end)``, oldest first."""
        conditions: builtins.list[ColumnElement[bool]] = []
        if camera_id is not None:
            conditions.append(RecordingSegmentRow.camera_id == camera_id)
        if start is not None:
            conditions.append(RecordingSegmentRow.end > _utc("start", start))
        if end is not None:
            conditions.append(RecordingSegmentRow.start < _utc("end", end))
        with self._scope("listing segments") as session:
            rows = session.scalars(
                select(RecordingSegmentRow)
                .where(*conditions)
                .order_by(RecordingSegmentRow.start, RecordingSegmentRow.id)
            )
            return [_segment(r) for r in rows]

    def segment_paths(self, camera_id: str | None = None) -> set[str]:
        with self._scope("listing segment paths") as session:
            statement = select(RecordingSegmentRow.path_rel)
            if camera_id is not None:
                statement = statement.where(RecordingSegmentRow.camera_id == camera_id)
            return set(session.scalars(statement))

    def delete_segment_row(self, segment_id: int) -> None:
        """Drop a segment's row (and any queued deletion of it): used when its file is gone."""
        with self._scope(f"deleting segment row {segment_id}") as session:
            session.execute(
                delete(RecordingDeletionRow).where(RecordingDeletionRow.segment_id == segment_id)
            )
            session.execute(delete(RecordingSegmentRow).where(RecordingSegmentRow.id == segment_id))

    def total_bytes(self, camera_id: str | None = None, *, held: bool | None = None) -> int:
        """Bytes of stored segments; ``held`` filters held (True) or un-held (False) ones."""
        statement = select(func.coalesce(func.sum(RecordingSegmentRow.size_bytes), 0))
        if camera_id is not None:
            statement = statement.where(RecordingSegmentRow.camera_id == camera_id)
        if held is True:
            statement = statement.where(_held_condition())
        elif held is False:
            statement = statement.where(~_held_condition())
        with self._scope("summing segment sizes") as session:
            return int(session.scalar(statement) or 0)

    def camera_ids(self) -> builtins.list[str]:
        with self._scope("listing recorded cameras") as session:
            return builtins.list(
                session.scalars(
                    select(RecordingSegmentRow.camera_id)
                    .distinct()
                    .order_by(RecordingSegmentRow.camera_id)
                )
            )

    def oldest_unheld(
        self, camera_id: str | None = None, *, before: datetime | None = None, limit: int = 100
    ) -> builtins.list[SegmentRecord]:
        """Un-held segments not yet queued for deletion, oldest first."""
        conditions: builtins.list[ColumnElement[bool]] = [
            ~_held_condition(),
            ~select(RecordingDeletionRow.segment_id)
            .where(RecordingDeletionRow.segment_id == RecordingSegmentRow.id)
            .exists(),
        ]
        if camera_id is not None:
            conditions.append(RecordingSegmentRow.camera_id == camera_id)
        if before is not None:
            conditions.append(RecordingSegmentRow.end <= _utc("before", before))
        with self._scope("listing deletable segments") as session:
            rows = session.scalars(
                select(RecordingSegmentRow)
                .where(*conditions)
                .order_by(RecordingSegmentRow.start, RecordingSegmentRow.id)
                .limit(limit)
            )
            return [_segment(r) for r in rows]

    # --- deletion queue -------------------------------------------------------------------
    def queue_deletion(self, segment_id: int, *, reason: str, time: datetime) -> bool:
        """Mark a segment for deletion unless it is held; ``False`` when held or gone."""
        queued_at = _utc("time", time)
        with self._scope(f"queueing deletion of segment {segment_id}") as session:
            path_rel = session.scalar(
                select(RecordingSegmentRow.path_rel).where(
                    RecordingSegmentRow.id == segment_id,
                    ~_held_condition(),
                )
            )
            if path_rel is None:
                return False
            session.execute(
                insert_for(session, RecordingDeletionRow)
                .values(
                    segment_id=segment_id,
                    path_rel=path_rel,
                    reason=reason[:32],
                    queued_at=queued_at,
                )
                .on_conflict_do_nothing(index_elements=["segment_id"])
            )
            return True

    def pending_deletions(self) -> builtins.list[tuple[int, str]]:
        """``(segment_id, path_rel)`` of queued deletions, oldest first."""
        with self._scope("listing queued deletions") as session:
            rows = session.execute(
                select(RecordingDeletionRow.segment_id, RecordingDeletionRow.path_rel).order_by(
                    RecordingDeletionRow.queued_at, RecordingDeletionRow.segment_id
                )
            )
            return [(int(r[0]), str(r[1])) for r in rows]

    def segment_is_held(self, segment_id: int) -> bool:
        """Whether the segment overlaps an active hold (``False`` when it is gone)."""
        with self._scope(f"checking holds of segment {segment_id}") as session:
            found = session.scalar(
                select(RecordingSegmentRow.id).where(
                    RecordingSegmentRow.id == segment_id, _held_condition()
                )
            )
            return found is not None

    def cancel_deletion_if_held(self, segment_id: int) -> bool:
        """Drop a queued deletion whose segment became held since; ``True`` if dropped."""
        with self._scope(f"rechecking deletion of segment {segment_id}") as session:
            held = session.scalar(
                select(RecordingSegmentRow.id).where(
                    RecordingSegmentRow.id == segment_id,
                    _held_condition(),
                )
            )
            if held is None:
                return False
            session.execute(
                delete(RecordingDeletionRow).where(RecordingDeletionRow.segment_id == segment_id)
            )
            return True

    # --- gaps -----------------------------------------------------------------------------
    def add_gap(self, gap: GapRecord) -> None:
        _check_id("camera_id", gap.camera_id)
        with self._scope(f"adding gap of {gap.camera_id}") as session:
            session.execute(
                insert(RecordingGapRow).values(
                    camera_id=gap.camera_id,
                    start=gap.start,
                    end=gap.end,
                    reason=str(gap.reason),
                    detail=gap.detail,
                )
            )

    def gaps(self, camera_id: str) -> builtins.list[GapRecord]:
        with self._scope(f"listing gaps of {camera_id}") as session:
            rows = session.scalars(
                select(RecordingGapRow)
                .where(RecordingGapRow.camera_id == camera_id)
                .order_by(RecordingGapRow.start, RecordingGapRow.id)
            )
            return [
                GapRecord(r.camera_id, r.start, r.end, GapReason(r.reason), r.detail) for r in rows
            ]

    # --- holds ----------------------------------------------------------------------------
    def hold(
        self,
        camera_id: str,
        start: datetime,
        end: datetime,
        reason: str,
        *,
        time: datetime,
        incident_id: str | None = None,
        event_id: str | None = None,
    ) -> HoldRecord:
        """Lock ``camera_id``'s footage in ``[start, end]`` against retention."""
        _check_id("camera_id", camera_id)
        record = HoldRecord(
            id=uuid.uuid4().hex,
            camera_id=camera_id,
            start=start,
            end=end,
            reason=reason,
            created_at=_utc("time", time),
            incident_id=incident_id,
            event_id=event_id,
        )
        with self._scope(f"holding footage of {camera_id}") as session:
            session.execute(
                insert(RecordingHoldRow).values(
                    id=record.id,
                    camera_id=record.camera_id,
                    start=record.start,
                    end=record.end,
                    reason=record.reason,
                    incident_id=record.incident_id,
                    event_id=record.event_id,
                    created_at=record.created_at,
                    released_at=None,
                )
            )
        return record

    def release_hold(self, hold_id: str, *, time: datetime) -> bool:
        with self._scope(f"releasing hold {hold_id}") as session:
            result = session.execute(
                update(RecordingHoldRow)
                .where(RecordingHoldRow.id == hold_id, RecordingHoldRow.released_at.is_(None))
                .values(released_at=_utc("time", time))
            )
            return bool(getattr(result, "rowcount", 0))

    def holds(
        self, camera_id: str | None = None, *, created_before: datetime | None = None
    ) -> builtins.list[HoldRecord]:
        """Active (unreleased) holds, oldest first; ``created_before`` filters by creation."""
        with self._scope("listing holds") as session:
            statement = select(RecordingHoldRow).where(RecordingHoldRow.released_at.is_(None))
            if camera_id is not None:
                statement = statement.where(RecordingHoldRow.camera_id == camera_id)
            if created_before is not None:
                statement = statement.where(
                    RecordingHoldRow.created_at <= _utc("created_before", created_before)
                )
            rows = session.scalars(statement.order_by(RecordingHoldRow.start))
            return [_hold(r) for r in rows]

    def is_held(self, camera_id: str, start: datetime, end: datetime) -> bool:
        with self._scope("checking holds") as session:
            found = session.scalar(
                select(RecordingHoldRow.id).where(
                    RecordingHoldRow.camera_id == camera_id,
                    RecordingHoldRow.released_at.is_(None),
                    or_(RecordingHoldRow.start < _utc("end", end), RecordingHoldRow.start == start),
                    RecordingHoldRow.end > _utc("start", start),
                )
            )
            return found is not None

    # --- storage identity -----------------------------------------------------------------
    def storage_identity(self, name: str) -> str | None:
        with self._scope("reading storage identity") as session:
            return session.scalar(
                select(StorageIdentityRow.identity).where(StorageIdentityRow.name == name)
            )

    def set_storage_identity(self, name: str, identity: str, *, time: datetime) -> None:
        with self._scope("writing storage identity") as session:
            session.execute(
                insert_for(session, StorageIdentityRow)
                .values(name=name, identity=identity, created_at=_utc("time", time))
                .on_conflict_do_nothing(index_elements=["name"])
            )
