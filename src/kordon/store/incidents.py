"""``IncidentRepository``: incidents with optimistic concurrency (a version per row)."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from kordon.domain.incident import Incident, IncidentStatus, IncidentStep
from kordon.store.errors import ConflictError, InvalidInputError, NotFoundError
from kordon.store.mapping import (
    check_id,
    check_incident,
    check_limit,
    incident_from_row,
    incident_values,
    utc_arg,
)
from kordon.store.models import EventRow, IncidentEventRow, IncidentRow, IncidentStepRow
from kordon.store.models_incidents import IncidentExtrasRow
from kordon.store.session import SessionScope, insert_for

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class StoredIncident:
    """An incident as stored: ``version`` is what ``save`` must be given back."""

    incident: Incident
    version: int
    updated_at: datetime


class IncidentRepository:
    """Incidents, their events and their history.

    Every change bumps ``version``; ``save`` succeeds only when the caller's
    ``expected_version`` is still the stored one, so two operators editing the same
    incident cannot overwrite each other silently.
    """

    def __init__(self, scope: SessionScope) -> None:
        self._scope = scope

    def create(self, incident: Incident, *, time: datetime) -> StoredIncident:
        """Store a new incident at version 1; ``ConflictError`` if its id is taken.

        Its ``event_ids`` must name stored events (``NotFoundError`` otherwise).
        """
        check_incident(incident)
        updated_at = utc_arg("time", time)
        with self._scope(f"creating incident {incident.id}") as session:
            statement = (
                insert_for(session, IncidentRow)
                .values(
                    id=incident.id, updated_at=updated_at, version=1, **incident_values(incident)
                )
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(IncidentRow.id)
            )
            if session.execute(statement).first() is None:
                raise ConflictError(f"incident {incident.id!r} already exists")
            _write_links(session, incident.id, incident.event_ids)
            _append_steps(session, incident.id, incident.history, first_seq=0)
        return StoredIncident(incident=incident, version=1, updated_at=updated_at)

    def get(self, incident_id: str) -> StoredIncident:
        """The incident with ``incident_id``; ``NotFoundError`` if there is none."""
        with self._scope(f"reading incident {incident_id}") as session:
            return _load(session, incident_id)

    def save(self, incident: Incident, *, expected_version: int, time: datetime) -> StoredIncident:
        """Replace the stored incident with ``incident`` if it is still at ``expected_version``.

        Raises ``ConflictError`` when someone saved it since (reload and retry), and
        ``InvalidInputError`` when ``incident.history`` does not extend the stored history
        (history is append-only).
        """
        check_incident(incident)
        updated_at = utc_arg("time", time)
        with self._scope(f"saving incident {incident.id}") as session:
            # Conditional UPDATE first: the version check and the write are one atomic
            # statement on both backends, and it takes the row's write lock.
            result: Any = session.execute(
                update(IncidentRow)
                .where(IncidentRow.id == incident.id, IncidentRow.version == expected_version)
                .values(
                    version=IncidentRow.version + 1,
                    updated_at=updated_at,
                    **incident_values(incident),
                )
            )
            if result.rowcount != 1:
                stored = session.scalar(
                    select(IncidentRow.version).where(IncidentRow.id == incident.id)
                )
                if stored is None:
                    raise NotFoundError(f"no incident with id {incident.id!r}")
                raise ConflictError(
                    f"incident {incident.id!r} was changed by someone else: expected version "
                    f"{expected_version}, stored version is {stored}; reload and retry"
                )
            stored_steps = _stored_steps(session, incident.id)
            if tuple(incident.history[: len(stored_steps)]) != stored_steps:
                raise InvalidInputError(
                    f"incident {incident.id!r}: history is append-only, but the given history "
                    f"does not start with the {len(stored_steps)} stored step(s)"
                )
            session.execute(
                delete(IncidentEventRow).where(IncidentEventRow.incident_id == incident.id)
            )
            _write_links(session, incident.id, incident.event_ids)
            _append_steps(
                session,
                incident.id,
                incident.history[len(stored_steps) :],
                first_seq=len(stored_steps),
            )
        return StoredIncident(
            incident=incident, version=expected_version + 1, updated_at=updated_at
        )

    def attach_event(self, incident_id: str, *, event_id: str, time: datetime) -> StoredIncident:
        """Add a stored event to an incident (bumping its version); a no-op if attached."""
        check_id("event_id", event_id)
        updated_at = utc_arg("time", time)
        with self._scope(f"attaching event {event_id} to incident {incident_id}") as session:
            current = _load(session, incident_id)
            if event_id in current.incident.event_ids:
                return current
            session.execute(
                update(IncidentRow)
                .where(IncidentRow.id == incident_id)
                .values(version=IncidentRow.version + 1, updated_at=updated_at)
            )
            position = session.scalar(
                select(func.coalesce(func.max(IncidentEventRow.position) + 1, 0)).where(
                    IncidentEventRow.incident_id == incident_id
                )
            )
            _require_events(session, (event_id,))
            session.execute(
                insert(IncidentEventRow).values(
                    incident_id=incident_id, event_id=event_id, position=position
                )
            )
            return _load(session, incident_id)

    def list(
        self,
        *,
        status: IncidentStatus | Collection[IncidentStatus] | None = None,
        sector_ids: Collection[str] | None = None,
        limit: int = 100,
    ) -> builtins.list[StoredIncident]:
        """Incidents, most recently alerted first (the incident service's last alert;
        the opening time for an incident it never alerted), at most ``limit``."""
        check_limit(limit, MAX_PAGE)
        conditions: builtins.list[Any] = []
        if status is not None:
            statuses = [status] if isinstance(status, IncidentStatus) else builtins.list(status)
            if any(not isinstance(s, IncidentStatus) for s in statuses):
                raise InvalidInputError(f"status must be IncidentStatus values, got {status!r}")
            conditions.append(IncidentRow.status.in_([str(s) for s in statuses]))
        if sector_ids is not None:
            if isinstance(sector_ids, str):
                raise InvalidInputError("sector_ids must be a collection of ids, not one string")
            conditions.append(IncidentRow.sector_id.in_(builtins.list(sector_ids)))
        with self._scope("listing incidents") as session:
            alerted = func.coalesce(IncidentExtrasRow.last_alert_at, IncidentRow.opened_at)
            rows = session.scalars(
                select(IncidentRow)
                .outerjoin(IncidentExtrasRow, IncidentExtrasRow.incident_id == IncidentRow.id)
                .where(*conditions)
                .order_by(alerted.desc(), IncidentRow.id.desc())
                .limit(limit)
                .execution_options(populate_existing=True)
            )
            return [_stored(row) for row in rows]


def _stored(row: IncidentRow) -> StoredIncident:
    return StoredIncident(
        incident=incident_from_row(row), version=row.version, updated_at=row.updated_at
    )


def _load(session: Session, incident_id: str) -> StoredIncident:
    row = session.get(IncidentRow, incident_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"no incident with id {incident_id!r}")
    return _stored(row)


def _require_events(session: Session, event_ids: Sequence[str]) -> None:
    if not event_ids:
        return
    found = set(session.scalars(select(EventRow.id).where(EventRow.id.in_(event_ids))))
    missing = [event_id for event_id in event_ids if event_id not in found]
    if missing:
        raise NotFoundError(f"unknown event id(s) {missing}: store events before linking them")


def _write_links(session: Session, incident_id: str, event_ids: Sequence[str]) -> None:
    _require_events(session, event_ids)
    if event_ids:
        session.execute(
            insert(IncidentEventRow),
            [
                {"incident_id": incident_id, "event_id": event_id, "position": position}
                for position, event_id in enumerate(event_ids)
            ],
        )


def _stored_steps(session: Session, incident_id: str) -> tuple[IncidentStep, ...]:
    rows = session.execute(
        select(
            IncidentStepRow.status,
            IncidentStepRow.actor,
            IncidentStepRow.time,
            IncidentStepRow.note,
        )
        .where(IncidentStepRow.incident_id == incident_id)
        .order_by(IncidentStepRow.seq)
    )
    return tuple(
        IncidentStep(status=IncidentStatus(status), actor=actor, time=time, note=note)
        for status, actor, time, note in rows
    )


def _append_steps(
    session: Session, incident_id: str, steps: Sequence[IncidentStep], *, first_seq: int
) -> None:
    if steps:
        session.execute(
            insert(IncidentStepRow),
            [
                {
                    "incident_id": incident_id,
                    "seq": first_seq + i,
                    "status": str(step.status),
                    "actor": step.actor,
                    "time": step.time,
                    "note": step.note,
                }
                for i, step in enumerate(steps)
            ],
        )
