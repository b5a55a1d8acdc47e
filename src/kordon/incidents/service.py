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
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from kordon.domain.event import Event
from kordon.domain.incident import (
    Incident,
    IncidentStatus,
    IncidentStep,
)
from kordon.incidents.core import ServiceTx
from kordon.incidents.correlator import (
    CorrelationDecision,
    IncidentFootprint,
    MatchReason,
)
from kordon.incidents.feedback import FalseAlarmStats
from kordon.incidents.model import (
    ACTIVE_STATUSES,
    SYSTEM_ACTOR,
    Action,
    IngestOutcome,
    IngestResult,
    as_utc,
    incident_id_for,
    subject_of,
    title_of,
)
from kordon.incidents.operator_actions import OperatorActions
from kordon.store import StoredIncident
from kordon.store.incident_extras import (
    IncidentActivity,
    IncidentExtras,
)

logger = logging.getLogger(__name__)


class IncidentService(OperatorActions):
    """Correlates events into incidents and carries out operator actions on them.

    ``store`` must be open before the first call. ``bus_publish`` receives each changed
    incident (with ``dispatched_unit``, ``sla_due_at`` and ``escalated_at`` filled in)
    after its transaction committed; a failing publisher is logged, not propagated.
    """

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
        self, tx: ServiceTx, event: Event, at: datetime, decision: CorrelationDecision
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
        tx: ServiceTx,
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
