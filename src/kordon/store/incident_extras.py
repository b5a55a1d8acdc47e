"""``IncidentExtrasRepository``: what the incident service stores beside ``incidents``.

* extras: dispatch unit, SLA due time, escalation time, last alert time and crossing
  counts of each incident;
* activity: an append-only log of every action on an incident (who, what, when, note);
* feedback: how each resolved incident was judged, per (source, rule) among its events,
  so false-alarm rates can be measured per camera and rule.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from kordon.domain.event import Event
from kordon.domain.incident import CrossingCounts, IncidentStatus, Resolution
from kordon.store.commit_hooks import note_incident
from kordon.store.errors import InvalidInputError
from kordon.store.incidents import StoredIncident
from kordon.store.mapping import (
    MAX_NAME,
    check_id,
    check_limit,
    check_text,
    event_from_row,
    utc_arg,
)
from kordon.store.models import EventRow, IncidentEventRow, IncidentRow
from kordon.store.models_incidents import (
    IncidentActivityRow,
    IncidentExtrasRow,
    IncidentFeedbackRow,
)
from kordon.store.session import SessionScope, insert_for

MAX_ACTIVITY_PAGE = 1000
EXTRAS_CHUNK = 500
"""Ids per ``IN (…)`` when reading extras of many incidents (SQLite's variable limit)."""


@dataclass(frozen=True, slots=True)
class IncidentExtras:
    dispatched_unit: str | None = None
    sla_due_at: datetime | None = None
    escalated_at: datetime | None = None
    last_alert_at: datetime | None = None
    crossings: CrossingCounts = field(default_factory=CrossingCounts)


@dataclass(frozen=True, slots=True)
class IncidentActivity:
    """One entry of an incident's activity log."""

    incident_id: str
    time: datetime
    actor: str
    action: str
    note: str = ""
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActiveIncident:
    """An incident still being handled, with its events (oldest attached first)."""

    incident_id: str
    status: IncidentStatus
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class FeedbackCount:
    """How incidents raised by one (source, rule) were resolved."""

    source_id: str
    rule_id: str
    true_alarms: int = 0
    false_alarms: int = 0
    duplicates: int = 0


class IncidentExtrasRepository:
    def __init__(self, scope: SessionScope) -> None:
        self._scope = scope

    # --- extras -------------------------------------------------------------------------

    def get_extras(self, incident_id: str) -> IncidentExtras:
        """The extras of an incident; all ``None`` when none were stored."""
        with self._scope(f"reading extras of incident {incident_id}") as session:
            row = session.get(IncidentExtrasRow, incident_id, populate_existing=True)
            return IncidentExtras() if row is None else _extras_of(row)

    def extras_of(self, incident_ids: Collection[str]) -> dict[str, IncidentExtras]:
        """The extras of several incidents in one query per ``EXTRAS_CHUNK`` ids; an
        incident with none stored maps to the empty extras."""
        wanted = builtins.list(dict.fromkeys(incident_ids))
        found: dict[str, IncidentExtras] = dict.fromkeys(wanted, IncidentExtras())
        if not wanted:
            return found
        with self._scope(f"reading extras of {len(wanted)} incident(s)") as session:
            for start in range(0, len(wanted), EXTRAS_CHUNK):
                chunk = wanted[start : start + EXTRAS_CHUNK]
                # plain columns, not ORM objects: a page of 1,000 incidents reads in one go
                rows = session.execute(
                    select(
                        IncidentExtrasRow.incident_id,
                        IncidentExtrasRow.dispatched_unit,
                        IncidentExtrasRow.sla_due_at,
                        IncidentExtrasRow.escalated_at,
                        IncidentExtrasRow.last_alert_at,
                        IncidentExtrasRow.crossings_inbound,
                        IncidentExtrasRow.crossings_outbound,
                        IncidentExtrasRow.crossings_line_in,
                        IncidentExtrasRow.crossings_line_out,
                    ).where(IncidentExtrasRow.incident_id.in_(chunk))
                )
                for row in rows:
                    found[row.incident_id] = IncidentExtras(
                        dispatched_unit=row.dispatched_unit,
                        sla_due_at=row.sla_due_at,
                        escalated_at=row.escalated_at,
                        last_alert_at=row.last_alert_at,
                        crossings=CrossingCounts(
                            inbound=row.crossings_inbound,
                            outbound=row.crossings_outbound,
                            line_in=row.crossings_line_in,
                            line_out=row.crossings_line_out,
                        ),
                    )
        return found

    def put_extras(self, incident_id: str, extras: IncidentExtras) -> None:
        """Create or replace the extras of a stored incident."""
        check_id("incident_id", incident_id)
        check_text("dispatched_unit", extras.dispatched_unit, MAX_NAME)
        values: dict[str, Any] = {
            "dispatched_unit": extras.dispatched_unit,
            "sla_due_at": _optional_utc("sla_due_at", extras.sla_due_at),
            "escalated_at": _optional_utc("escalated_at", extras.escalated_at),
            "last_alert_at": _optional_utc("last_alert_at", extras.last_alert_at),
            "crossings_inbound": extras.crossings.inbound,
            "crossings_outbound": extras.crossings.outbound,
            "crossings_line_in": extras.crossings.line_in,
            "crossings_line_out": extras.crossings.line_out,
        }
        with self._scope(f"writing extras of incident {incident_id}") as session:
            statement = (
                insert_for(session, IncidentExtrasRow)
                .values(incident_id=incident_id, **values)
                .on_conflict_do_update(index_elements=["incident_id"], set_=values)
            )
            session.execute(statement)
            note_incident(session, incident_id)

    def with_extras(self, stored: StoredIncident) -> StoredIncident:
        """``stored`` with its incident's extras fields filled in from this table."""
        return _with(stored, self.get_extras(stored.incident.id))

    def with_extras_many(self, stored: Sequence[StoredIncident]) -> builtins.list[StoredIncident]:
        """Each of ``stored`` with its extras (one query however many there are)."""
        extras = self.extras_of([s.incident.id for s in stored])
        return [_with(s, extras[s.incident.id]) for s in stored]

    def overdue(self, time: datetime, *, statuses: Collection[IncidentStatus]) -> list[str]:
        """Ids of incidents in ``statuses``, not yet escalated, whose SLA is due at ``time``.

        Ordered by due time, then id (deterministic).
        """
        due = utc_arg("time", time)
        with self._scope("finding overdue incidents") as session:
            rows = session.scalars(
                select(IncidentExtrasRow.incident_id)
                .join(IncidentRow, IncidentRow.id == IncidentExtrasRow.incident_id)
                .where(
                    IncidentRow.status.in_([str(s) for s in statuses]),
                    IncidentExtrasRow.escalated_at.is_(None),
                    IncidentExtrasRow.sla_due_at <= due,
                )
                .order_by(IncidentExtrasRow.sla_due_at, IncidentExtrasRow.incident_id)
            )
            return builtins.list(rows)

    # --- events of incidents ------------------------------------------------------------

    def incident_of_event(self, event_id: str) -> str | None:
        """The id of an incident the event is attached to (the oldest link), or ``None``."""
        with self._scope(f"finding the incident of event {event_id}") as session:
            return session.scalar(
                select(IncidentEventRow.incident_id)
                .where(IncidentEventRow.event_id == event_id)
                .order_by(IncidentEventRow.incident_id)
                .limit(1)
            )

    def active(self, statuses: Collection[IncidentStatus]) -> list[ActiveIncident]:
        """Incidents in ``statuses`` with their events, ordered by incident id."""
        with self._scope("listing active incidents") as session:
            rows = session.execute(
                select(IncidentRow.id, IncidentRow.status, EventRow)
                .join(IncidentEventRow, IncidentEventRow.incident_id == IncidentRow.id)
                .join(EventRow, EventRow.id == IncidentEventRow.event_id)
                .where(IncidentRow.status.in_([str(s) for s in statuses]))
                .order_by(IncidentRow.id, IncidentEventRow.position)
            )
            grouped: dict[str, tuple[IncidentStatus, builtins.list[Event]]] = {}
            for incident_id, status, event_row in rows:
                entry = grouped.setdefault(incident_id, (IncidentStatus(status), []))
                entry[1].append(event_from_row(event_row))
        return [
            ActiveIncident(incident_id=key, status=status, events=tuple(events))
            for key, (status, events) in grouped.items()
        ]

    # --- activity -----------------------------------------------------------------------

    def record_activity(self, activity: IncidentActivity) -> None:
        check_id("incident_id", activity.incident_id)
        check_text("actor", activity.actor, MAX_NAME)
        if not activity.actor:
            raise InvalidInputError("actor must not be empty")
        check_text("action", activity.action, 32)
        for key, value in activity.details.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise InvalidInputError(f"activity details must map str to str, got {key!r}")
        with self._scope(f"recording activity on incident {activity.incident_id}") as session:
            session.execute(
                insert(IncidentActivityRow).values(
                    incident_id=activity.incident_id,
                    time=utc_arg("time", activity.time),
                    actor=activity.actor,
                    action=activity.action,
                    note=activity.note,
                    details=dict(activity.details),
                )
            )

    def activity(self, incident_id: str, *, limit: int = 200) -> list[IncidentActivity]:
        """The activity log of an incident, oldest first, at most ``limit`` entries."""
        check_limit(limit, MAX_ACTIVITY_PAGE)
        with self._scope(f"reading activity of incident {incident_id}") as session:
            rows = session.scalars(
                select(IncidentActivityRow)
                .where(IncidentActivityRow.incident_id == incident_id)
                .order_by(IncidentActivityRow.id)
                .limit(limit)
            )
            return [
                IncidentActivity(
                    incident_id=row.incident_id,
                    time=row.time,
                    actor=row.actor,
                    action=row.action,
                    note=row.note,
                    details={str(k): str(v) for k, v in (row.details or {}).items()},
                )
                for row in rows
            ]

    # --- feedback -----------------------------------------------------------------------

    def put_feedback(
        self,
        incident_id: str,
        *,
        sources: Iterable[tuple[str, str]],
        resolution: Resolution,
        time: datetime,
    ) -> None:
        """Replace the judgement of an incident: one row per (source_id, rule_id)."""
        at = utc_arg("time", time)
        pairs = sorted(set(sources))
        for source_id, rule_id in pairs:
            check_text("source_id", source_id, MAX_NAME)
            check_text("rule_id", rule_id, MAX_NAME)
        with self._scope(f"recording feedback on incident {incident_id}") as session:
            session.execute(
                delete(IncidentFeedbackRow).where(IncidentFeedbackRow.incident_id == incident_id)
            )
            if pairs:
                session.execute(
                    insert(IncidentFeedbackRow),
                    [
                        {
                            "incident_id": incident_id,
                            "source_id": source_id,
                            "rule_id": rule_id,
                            "resolution": str(resolution),
                            "time": at,
                        }
                        for source_id, rule_id in pairs
                    ],
                )

    def clear_feedback(self, incident_id: str) -> None:
        """Forget the judgement of an incident (it was reopened)."""
        with self._scope(f"clearing feedback on incident {incident_id}") as session:
            session.execute(
                delete(IncidentFeedbackRow).where(IncidentFeedbackRow.incident_id == incident_id)
            )

    def feedback_counts(self) -> list[FeedbackCount]:
        """Counts of true/false/duplicate resolutions per (source, rule), sorted by both."""
        with self._scope("counting feedback") as session:
            rows = session.execute(
                select(
                    IncidentFeedbackRow.source_id,
                    IncidentFeedbackRow.rule_id,
                    IncidentFeedbackRow.resolution,
                    func.count(),
                ).group_by(
                    IncidentFeedbackRow.source_id,
                    IncidentFeedbackRow.rule_id,
                    IncidentFeedbackRow.resolution,
                )
            )
            counts: dict[tuple[str, str], dict[str, int]] = {}
            for source_id, rule_id, resolution, count in rows:
                counts.setdefault((source_id, rule_id), {})[resolution] = int(count)
        return [
            FeedbackCount(
                source_id=source_id,
                rule_id=rule_id,
                true_alarms=by.get(str(Resolution.TRUE_ALARM), 0),
                false_alarms=by.get(str(Resolution.FALSE_ALARM), 0),
                duplicates=by.get(str(Resolution.DUPLICATE), 0),
            )
            for (source_id, rule_id), by in sorted(counts.items())
        ]


def _extras_of(row: IncidentExtrasRow) -> IncidentExtras:
    return IncidentExtras(
        dispatched_unit=row.dispatched_unit,
        sla_due_at=row.sla_due_at,
        escalated_at=row.escalated_at,
        last_alert_at=row.last_alert_at,
        crossings=CrossingCounts(
            inbound=row.crossings_inbound,
            outbound=row.crossings_outbound,
            line_in=row.crossings_line_in,
            line_out=row.crossings_line_out,
        ),
    )


def _with(stored: StoredIncident, extras: IncidentExtras) -> StoredIncident:
    incident = replace(
        stored.incident,
        dispatched_unit=extras.dispatched_unit,
        sla_due_at=extras.sla_due_at,
        escalated_at=extras.escalated_at,
        last_alert_at=extras.last_alert_at,
        crossings=extras.crossings,
    )
    return replace(stored, incident=incident)


def _optional_utc(name: str, value: datetime | None) -> datetime | None:
    return None if value is None else utc_arg(name, value)


__all__ = [
    "ActiveIncident",
    "FeedbackCount",
    "IncidentActivity",
    "IncidentExtras",
    "IncidentExtrasRepository",
]
