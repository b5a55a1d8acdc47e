"""``IncidentService``: events in, incidents out; operator actions with optimistic locking.

Every method takes the time as an argument (the service never reads the clock), runs in
one database transaction, and publishes the changed incident after the commit.
Operator actions name the ``expected_version`` the operator saw: a stale version raises
``ConflictError`` and nothing changes. Refused lifecycle moves raise
``InvalidTransitionError``, unknown ids ``NotFoundError``; bad arguments
``IncidentInputError``.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from kordon.domain.event import Event
from kordon.domain.incident import (
    Incident,
    IncidentStatus,
    IncidentStep,
    InvalidTransitionError,
    Resolution,
)
from kordon.incidents.correlator import (
    CorrelationDecision,
    Correlator,
    IncidentFootprint,
    MatchReason,
)
from kordon.incidents.errors import IncidentInputError
from kordon.incidents.feedback import FalseAlarmStats
from kordon.incidents.model import (
    ACTIVE_STATUSES,
    MAX_NOTE,
    SYSTEM_ACTOR,
    Action,
    AuditHook,
    IngestOutcome,
    IngestResult,
    as_utc,
    check_name,
    incident_id_for,
    no_audit,
    subject_of,
    title_of,
)
from kordon.incidents.priority import PriorityPolicy
from kordon.incidents.sla import SlaPolicy
from kordon.store import ConflictError, Store, StoredIncident
from kordon.store.events import EventRepository
from kordon.store.incident_extras import (
    IncidentActivity,
    IncidentExtras,
    IncidentExtrasRepository,
)
from kordon.store.incidents import IncidentRepository
from kordon.store.session import shared_transaction, translate_errors

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Tx:
    events: EventRepository
    incidents: IncidentRepository
    extras: IncidentExtrasRepository


Change = Callable[[Incident, IncidentExtras], tuple[Incident, IncidentExtras]]


class IncidentService:
    """Correlates events into incidents and carries out operator actions on them.

    ``store`` must be open before the first call. ``bus_publish`` receives each changed
    incident (with ``dispatched_unit``, ``sla_due_at`` and ``escalated_at`` filled in)
    after its transaction committed; a failing publisher is logged, not propagated.
    """

    def __init__(
        self,
        store: Store,
        bus_publish: Callable[[Incident], None],
        *,
        audit: AuditHook | None = None,
        correlator: Correlator | None = None,
        priority: PriorityPolicy | None = None,
        sla: SlaPolicy | None = None,
    ) -> None:
        self._store = store
        self._publish_one = bus_publish
        self._audit: AuditHook = audit or no_audit
        self._correlator = correlator or Correlator()
        self._priority = priority or PriorityPolicy()
        self._sla = sla or SlaPolicy()

    # --- reading ------------------------------------------------------------------------

    def get(self, incident_id: str) -> StoredIncident:
        """The incident with its extras; ``NotFoundError`` if there is none."""
        with self._tx() as tx:
            return tx.extras.with_extras(tx.incidents.get(incident_id))

    def list(
        self,
        *,
        status: IncidentStatus | Collection[IncidentStatus] | None = None,
        sector_ids: Collection[str] | None = None,
        limit: int = 100,
    ) -> builtins.list[StoredIncident]:
        """Incidents with their extras, most recently opened first (see the repository)."""
        with self._tx() as tx:
            found = tx.incidents.list(status=status, sector_ids=sector_ids, limit=limit)
            return [tx.extras.with_extras(s) for s in found]

    def activity(self, incident_id: str) -> builtins.list[IncidentActivity]:
        """Everything done to an incident, oldest first (``NotFoundError`` if unknown)."""
        with self._tx() as tx:
            tx.incidents.get(incident_id)
            return tx.extras.activity(incident_id)

    def false_alarm_stats(self) -> builtins.list[FalseAlarmStats]:
        """Resolution counts and false-alarm rate per (source, rule), sorted by both."""
        with self._tx() as tx:
            counts = tx.extras.feedback_counts()
        return [
            FalseAlarmStats(
                source_id=c.source_id,
                rule_id=c.rule_id,
                true_alarms=c.true_alarms,
                false_alarms=c.false_alarms,
                duplicates=c.duplicates,
            )
            for c in counts
        ]

    # --- events -------------------------------------------------------------------------

    def ingest(self, event: Event, time: datetime) -> IngestResult:
        """Store ``event`` (idempotent by id), then join it to an incident or open one.

        Ingesting an event that is already part of an incident changes nothing and
        returns ``DUPLICATE`` with that incident.
        """
        at = as_utc("time", time)
        with self._tx() as tx:
            tx.events.add(event)
            existing = tx.extras.incident_of_event(event.id)
            if existing is not None:
                stored = tx.extras.with_extras(tx.incidents.get(existing))
                return IngestResult(IngestOutcome.DUPLICATE, stored)
            event = tx.events.get(event.id)  # the first stored copy wins
            active = tx.extras.active(ACTIVE_STATUSES)
            footprints = [IncidentFootprint(a.incident_id, a.events) for a in active]
            decision = self._correlator.correlate(event, footprints)
            if decision.reason is MatchReason.IGNORED:
                return IngestResult(IngestOutcome.IGNORED, None, decision)
            if decision.incident_id is None:
                stored = self._open(tx, event, at, decision)
                outcome = IngestOutcome.CREATED
            else:
                joined = next(f for f in footprints if f.incident_id == decision.incident_id)
                stored = self._attach(tx, joined, event, at, decision)
                outcome = IngestOutcome.ATTACHED
            stored = tx.extras.with_extras(stored)
        self._publish(stored.incident)
        return IngestResult(outcome, stored, decision)

    def _open(
        self, tx: _Tx, event: Event, at: datetime, decision: CorrelationDecision
    ) -> StoredIncident:
        assessment = self._priority.assess([event])
        incident = Incident(
            id=incident_id_for(event.id),
            title=title_of(event),
            opened_at=at,
            priority=assessment.priority,
            sector_id=event.sector_id,
            event_ids=(event.id,),
            history=(
                IncidentStep(
                    IncidentStatus.OPEN, actor=SYSTEM_ACTOR, time=at, note=f"event {event.id}"
                ),
            ),
        )
        stored = tx.incidents.create(incident, time=at)
        tx.extras.put_extras(
            incident.id, IncidentExtras(sla_due_at=self._sla.due(assessment.priority, at))
        )
        tx.extras.record_activity(
            IncidentActivity(
                incident_id=incident.id,
                time=at,
                actor=SYSTEM_ACTOR,
                action=Action.OPEN,
                note="; ".join(assessment.reasons),
                details={
                    "event_id": event.id,
                    "priority": str(assessment.priority),
                    "reason": str(decision.reason),
                },
            )
        )
        return stored

    def _attach(
        self,
        tx: _Tx,
        footprint: IncidentFootprint,
        event: Event,
        at: datetime,
        decision: CorrelationDecision,
    ) -> StoredIncident:
        stored = tx.incidents.attach_event(footprint.incident_id, event_id=event.id, time=at)
        tx.extras.record_activity(
            IncidentActivity(
                incident_id=footprint.incident_id,
                time=at,
                actor=SYSTEM_ACTOR,
                action=Action.ATTACH,
                details={"event_id": event.id, "reason": str(decision.reason)},
            )
        )
        events = [*footprint.events, event]
        assessment = self._priority.assess(events)
        old_priority = stored.incident.priority
        title = title_of(self._priority.headline(events))
        if title != stored.incident.title and assessment.priority >= old_priority:
            # Same priority, weightier event (a crossing after an approach): retitle only.
            return tx.incidents.save(
                replace(stored.incident, title=title), expected_version=stored.version, time=at
            )
        if assessment.priority >= old_priority:
            return stored  # priority is only ever raised automatically, never lowered
        stored = tx.incidents.save(
            replace(stored.incident, priority=assessment.priority, title=title),
            expected_version=stored.version,
            time=at,
        )
        extras = tx.extras.get_extras(footprint.incident_id)
        if stored.incident.status is IncidentStatus.OPEN and extras.escalated_at is None:
            due = self._sla.due(assessment.priority, at)
            if extras.sla_due_at is not None:
                due = min(due, extras.sla_due_at)
            tx.extras.put_extras(footprint.incident_id, replace(extras, sla_due_at=due))
        tx.extras.record_activity(
            IncidentActivity(
                incident_id=footprint.incident_id,
                time=at,
                actor=SYSTEM_ACTOR,
                action=Action.REPRIORITIZE,
                note="; ".join(assessment.reasons),
                details={"from": str(old_priority), "to": str(assessment.priority)},
            )
        )
        return stored

    # --- escalation ---------------------------------------------------------------------

    def check_escalations(self, time: datetime) -> builtins.list[StoredIncident]:
        """Escalate every open incident still unacknowledged at its SLA due time.

        An incident escalates once (at the first check at or after its due time); the
        escalated incidents are returned and published.
        """
        at = as_utc("time", time)
        escalated: list[StoredIncident] = []
        with self._tx() as tx:
            for incident_id in tx.extras.overdue(at, statuses=(IncidentStatus.OPEN,)):
                stored = tx.incidents.get(incident_id)
                extras = tx.extras.get_extras(incident_id)
                tx.extras.put_extras(incident_id, replace(extras, escalated_at=at))
                saved = tx.incidents.save(stored.incident, expected_version=stored.version, time=at)
                details = {
                    "priority": str(stored.incident.priority),
                    "sla_due_at": ""
                    if extras.sla_due_at is None
                    else extras.sla_due_at.isoformat(),
                }
                tx.extras.record_activity(
                    IncidentActivity(
                        incident_id=incident_id,
                        time=at,
                        actor=SYSTEM_ACTOR,
                        action=Action.ESCALATE,
                        details=details,
                    )
                )
                self._audit(SYSTEM_ACTOR, Action.ESCALATE, subject_of(incident_id), details, at)
                escalated.append(tx.extras.with_extras(saved))
        for stored in escalated:
            self._publish(stored.incident)
        if escalated:
            logger.warning("escalated %d unacknowledged incident(s)", len(escalated))
        return escalated

    # --- operator actions ---------------------------------------------------------------

    def acknowledge(
        self, incident_id: str, *, actor: str, time: datetime, expected_version: int, note: str = ""
    ) -> StoredIncident:
        return self._act(
            incident_id,
            Action.ACKNOWLEDGE,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            change=lambda inc, ext: (
                inc.transition(IncidentStatus.ACKNOWLEDGED, actor=actor, time=time, note=note),
                ext,
            ),
        )

    def dispatch(
        self,
        incident_id: str,
        *,
        actor: str,
        unit: str,
        time: datetime,
        expected_version: int,
        note: str = "",
    ) -> StoredIncident:
        check_name("unit", unit)
        return self._act(
            incident_id,
            Action.DISPATCH,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            details={"unit": unit},
            change=lambda inc, ext: (
                inc.transition(IncidentStatus.DISPATCHED, actor=actor, time=time, note=note),
                replace(ext, dispatched_unit=unit),
            ),
        )

    def resolve(
        self,
        incident_id: str,
        *,
        actor: str,
        resolution: Resolution,
        time: datetime,
        expected_version: int,
        note: str = "",
    ) -> StoredIncident:
        """Resolve as a true alarm, false alarm or duplicate; counts it in the statistics."""
        if not isinstance(resolution, Resolution):
            raise IncidentInputError(
                f"resolution must be one of {[str(r) for r in Resolution]}, got {resolution!r}"
            )

        def count(tx: _Tx, incident: Incident) -> None:
            events = [tx.events.get(event_id) for event_id in incident.event_ids]
            tx.extras.put_feedback(
                incident.id,
                sources=[(e.source_id, e.rule_id or "") for e in events],
                resolution=resolution,
                time=as_utc("time", time),
            )

        return self._act(
            incident_id,
            Action.RESOLVE,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            details={"resolution": str(resolution)},
            change=lambda inc, ext: (
                inc.transition(
                    IncidentStatus.RESOLVED,
                    actor=actor,
                    time=time,
                    note=note,
                    resolution=resolution,
                ),
                ext,
            ),
            after=count,
        )

    def close(
        self, incident_id: str, *, actor: str, time: datetime, expected_version: int, note: str = ""
    ) -> StoredIncident:
        return self._act(
            incident_id,
            Action.CLOSE,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            change=lambda inc, ext: (
                inc.transition(IncidentStatus.CLOSED, actor=actor, time=time, note=note),
                ext,
            ),
        )

    def reopen(
        self, incident_id: str, *, actor: str, time: datetime, expected_version: int, note: str = ""
    ) -> StoredIncident:
        """Move a resolved incident back to open: its resolution and statistics are dropped
        and its SLA restarts."""

        def change(inc: Incident, ext: IncidentExtras) -> tuple[Incident, IncidentExtras]:
            reopened = inc.transition(IncidentStatus.OPEN, actor=actor, time=time, note=note)
            due = self._sla.due(inc.priority, as_utc("time", time))
            return (
                replace(reopened, resolution=None),
                replace(ext, sla_due_at=due, escalated_at=None),
            )

        return self._act(
            incident_id,
            Action.REOPEN,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            change=change,
            after=lambda tx, inc: tx.extras.clear_feedback(inc.id),
        )

    def add_note(
        self, incident_id: str, *, actor: str, note: str, time: datetime, expected_version: int
    ) -> StoredIncident:
        if not note.strip():
            raise IncidentInputError("a note must not be empty")
        return self._act(
            incident_id,
            Action.NOTE,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            # A note is a history step that keeps the status (the API shows these as notes).
            change=lambda inc, ext: (
                replace(
                    inc,
                    history=(
                        *inc.history,
                        IncidentStep(status=inc.status, actor=actor, time=time, note=note),
                    ),
                ),
                ext,
            ),
        )

    def assign(
        self,
        incident_id: str,
        *,
        actor: str,
        assignee: str | None,
        time: datetime,
        expected_version: int,
        note: str = "",
    ) -> StoredIncident:
        """Give the incident to ``assignee`` (``None`` to unassign); not once it is closed."""
        if assignee is not None:
            check_name("assignee", assignee)

        def change(inc: Incident, ext: IncidentExtras) -> tuple[Incident, IncidentExtras]:
            if inc.status is IncidentStatus.CLOSED:
                raise InvalidTransitionError(f"incident {inc.id}: a closed incident is final")
            return replace(inc, assignee=assignee), ext

        return self._act(
            incident_id,
            Action.ASSIGN,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            details={"assignee": assignee or ""},
            change=change,
        )

    def _act(
        self,
        incident_id: str,
        action: Action,
        *,
        actor: str,
        time: datetime,
        expected_version: int,
        note: str,
        change: Change,
        details: Mapping[str, str] | None = None,
        after: Callable[[_Tx, Incident], None] | None = None,
    ) -> StoredIncident:
        check_name("actor", actor)
        at = as_utc("time", time)
        if len(note) > MAX_NOTE:
            raise IncidentInputError(f"note is {len(note)} characters long; at most {MAX_NOTE}")
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise IncidentInputError(f"expected_version must be an int, got {expected_version!r}")
        audit_details = {**(details or {}), "note": note}
        with self._tx() as tx:
            stored = tx.incidents.get(incident_id)
            if stored.version != expected_version:
                raise ConflictError(
                    f"incident {incident_id!r} was changed by someone else: expected version "
                    f"{expected_version}, stored version is {stored.version}; reload and retry"
                )
            extras = tx.extras.get_extras(incident_id)
            incident, new_extras = change(stored.incident, extras)
            saved = tx.incidents.save(incident, expected_version=expected_version, time=at)
            if new_extras != extras:
                tx.extras.put_extras(incident_id, new_extras)
            if after is not None:
                after(tx, incident)
            tx.extras.record_activity(
                IncidentActivity(
                    incident_id=incident_id,
                    time=at,
                    actor=actor,
                    action=action,
                    note=note,
                    details=dict(details or {}),
                )
            )
            self._audit(actor, action, subject_of(incident_id), audit_details, at)
            result = tx.extras.with_extras(saved)
        self._publish(result.incident)
        return result

    # --- plumbing -----------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[_Tx]:
        with translate_errors("incident service"), self._store.sessions.begin() as session:
            scope = shared_transaction(session)
            yield _Tx(
                events=EventRepository(scope),
                incidents=IncidentRepository(scope),
                extras=IncidentExtrasRepository(scope),
            )

    def _publish(self, incident: Incident) -> None:
        try:
            self._publish_one(incident)
        except Exception:
            logger.exception("publishing incident %s failed; it is stored", incident.id)
