"""``IncidentRepository``: incidents with optimistic concurrency (a version per row)."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from kordon.domain.incident import Incident, IncidentStatus, IncidentStep, Resolution
from kordon.store.commit_hooks import note_incident
from kordon.store.errors import (
    ConflictError,
    CorruptRecordError,
    InvalidInputError,
    NotFoundError,
)
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
E = TypeVar("E", bound=Enum)


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
            note_incident(session, incident.id)
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
            note_incident(session, incident.id)
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
            note_incident(session, incident_id)
            return _load(session, incident_id)

    def list(
        self,
        *,
        status: IncidentStatus | Collection[IncidentStatus] | None = None,
        sector_ids: Collection[str] | None = None,
        priority: int | None = None,
        limit: int = 100,
    ) -> builtins.list[StoredIncident]:
        """Incidents, most recently alerted first (the incident service's last alert;
        the opening time for an incident it never alerted), at most ``limit``.

        One query for the page, one for its events and one for its history, however long
        the page (never one per incident).
        """
        check_limit(limit, MAX_PAGE)
        conditions: builtins.list[Any] = []
        if priority is not None:
            if isinstance(priority, bool) or not isinstance(priority, int):
                raise InvalidInputError(f"priority must be an int, got {priority!r}")
            conditions.append(IncidentRow.priority == priority)
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
            page = _newest_alerted(session, conditions, limit)
            loaded = _load_many(session, page)
            return [loaded[i] for i in page if i in loaded]


def _load_many(session: Session, incident_ids: Sequence[str]) -> dict[str, StoredIncident]:
    """Incidents with their events and history in three queries (plain columns: building
    ORM objects for a page of incidents, their links and steps costs more than reading)."""
    if not incident_ids:
        return {}
    ids = builtins.list(incident_ids)
    links: dict[str, builtins.list[str]] = {i: [] for i in ids}
    for incident_id, event_id in session.execute(
        select(IncidentEventRow.incident_id, IncidentEventRow.event_id)
        .where(IncidentEventRow.incident_id.in_(ids))
        .order_by(IncidentEventRow.incident_id, IncidentEventRow.position)
    ):
        links[incident_id].append(event_id)
    steps: dict[str, builtins.list[IncidentStep]] = {i: [] for i in ids}
    for incident_id, status, actor, time, note in session.execute(
        select(
            IncidentStepRow.incident_id,
            IncidentStepRow.status,
            IncidentStepRow.actor,
            IncidentStepRow.time,
            IncidentStepRow.note,
        )
        .where(IncidentStepRow.incident_id.in_(ids))
        .order_by(IncidentStepRow.incident_id, IncidentStepRow.seq)
    ):
        steps[incident_id].append(
            IncidentStep(
                status=_enum(IncidentStatus, status, incident_id),
                actor=actor,
                time=time,
                note=note,
            )
        )
    found: dict[str, StoredIncident] = {}
    for row in session.execute(
        select(
            IncidentRow.id,
            IncidentRow.title,
            IncidentRow.opened_at,
            IncidentRow.priority,
            IncidentRow.status,
            IncidentRow.sector_id,
            IncidentRow.assignee,
            IncidentRow.resolution,
            IncidentRow.updated_at,
            IncidentRow.version,
        ).where(IncidentRow.id.in_(ids))
    ):
        try:
            incident = Incident(
                id=row.id,
                title=row.title,
                opened_at=row.opened_at,
                priority=row.priority,
                status=_enum(IncidentStatus, row.status, row.id),
                sector_id=row.sector_id,
                event_ids=tuple(links[row.id]),
                assignee=row.assignee,
                resolution=None
                if row.resolution is None
                else _enum(Resolution, row.resolution, row.id),
                history=tuple(steps[row.id]),
            )
        except (ValueError, TypeError) as exc:
            raise CorruptRecordError(f"incident {row.id} cannot be read back: {exc}") from exc
        found[row.id] = StoredIncident(
            incident=incident, version=row.version, updated_at=row.updated_at
        )
    return found


def _enum(enum: type[E], value: str, incident_id: str) -> E:
    try:
        return enum(value)
    except ValueError as exc:
        raise CorruptRecordError(
            f"incident {incident_id}: unknown {enum.__name__} {value!r} (written by a newer "
            "Kordon?)"
        ) from exc


def _newest_alerted(session: Session, conditions: Sequence[Any], limit: int) -> builtins.list[str]:
    """Ids of the ``limit`` incidents matching ``conditions`` with the latest
    ``coalesce(last_alert_at, opened_at)``, newest first (then id, descending).

    Ordering the whole join by that expression sorts every incident on each call (no index
    can hold a value from two tables). The newest page is instead the newest of two short
    index walks: incidents with an alert time by ``last_alert_at`` (its index on the extras
    table), and incidents without one by ``opened_at`` (its index); each stops after
    ``limit`` matches.
    """
    alerted = [
        (time, incident_id)
        for incident_id, time in session.execute(
            select(IncidentRow.id, IncidentExtrasRow.last_alert_at)
            .join(IncidentExtrasRow, IncidentExtrasRow.incident_id == IncidentRow.id)
            .where(IncidentExtrasRow.last_alert_at.is_not(None), *conditions)
            .order_by(IncidentExtrasRow.last_alert_at.desc(), IncidentRow.id.desc())
            .limit(limit)
        )
    ]
    never_alerted = (
        select(IncidentRow.id, IncidentRow.opened_at)
        .outerjoin(IncidentExtrasRow, IncidentExtrasRow.incident_id == IncidentRow.id)
        .where(IncidentExtrasRow.last_alert_at.is_(None), *conditions)
        .order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc())
        .limit(limit)
    )
    if len(alerted) == limit:
        # A full page of alerted incidents: only one opened since its oldest alert can
        # still enter it, so the walk stops there (on a node where every incident has an
        # alert time it would otherwise read them all to find none).
        never_alerted = never_alerted.where(IncidentRow.opened_at >= alerted[-1][0])
    candidates = alerted + [
        (time, incident_id) for incident_id, time in session.execute(never_alerted)
    ]
    candidates.sort(reverse=True)
    return [incident_id for _, incident_id in candidates[:limit]]


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
