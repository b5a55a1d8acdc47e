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
from kordon.incidents.alerts import (
    AlertReason,
    IncidentAlert,
    count_crossings,
    is_crossing,
    reasons_to_alert,
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
    describe,
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
    after its transaction committed, and ``alert_publish`` each ``IncidentAlert`` right after
    its incident (docs/alerts.md); a failing publisher is logged, not propagated.
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
        priority: int | None = None,
        limit: int = 100,
    ) -> builtins.list[StoredIncident]:
        """Incidents with their extras, most recently alerted first (see the repository)."""
        with self._tx() as tx:
            found = tx.incidents.list(
                status=status, sector_ids=sector_ids, priority=priority, limit=limit
            )
            return tx.extras.with_extras_many(found)

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

        Opening an incident alerts, and so does joining one with a new crossing, a new
        track or a change of direction (docs/alerts.md): the incident's ``last_alert_at``
        becomes ``time``, its priority and title are recomputed from all its events, and
        the alert is published after the incident. Ingesting an event that is already
        part of an incident changes nothing and returns ``DUPLICATE`` with that incident.
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
                reasons: tuple[AlertReason, ...] = (AlertReason.OPENED,)
                outcome = IngestOutcome.CREATED
            else:
                joined = next(f for f in footprints if f.incident_id == decision.incident_id)
                reasons = reasons_to_alert(event, joined.events)
                stored = self._attach(tx, joined, event, at, decision=decision, reasons=reasons)
                outcome = IngestOutcome.ATTACHED
            stored = tx.extras.with_extras(stored)
        incident = stored.incident
        alert = (
            IncidentAlert(
                incident_id=incident.id,
                event=event,
                reasons=reasons,
                alerted_at=at,
                priority=incident.priority,
                title=incident.title,
                sector_id=incident.sector_id,
                crossings=incident.crossings,
            )
            if reasons
            else None
        )
        _log_ingest(event, incident, alert)
        self._publish(incident)
        if alert is not None:
            self._publish_alert(alert)
        return IngestResult(outcome, stored, decision, alert)

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
            incident.id,
            IncidentExtras(
                sla_due_at=self._sla.due(assessment.priority, at),
                last_alert_at=at,
                crossings=count_crossings([event]),
            ),
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
        *,
        decision: CorrelationDecision,
        reasons: tuple[AlertReason, ...],
    ) -> StoredIncident:
        """Attach ``event``; recompute priority (only ever raised automatically, never
        lowered), title (the most severe event) and crossing counts; alert if ``reasons``."""
        incident_id = footprint.incident_id
        stored = tx.incidents.attach_event(incident_id, event_id=event.id, time=at)
        tx.extras.record_activity(
            IncidentActivity(
                incident_id=incident_id,
                time=at,
                actor=SYSTEM_ACTOR,
                action=Action.ATTACH,
                details={"event_id": event.id, "reason": str(decision.reason)},
            )
        )
        events = [*footprint.events, event]
        assessment = self._priority.assess(events)
        old_priority = stored.incident.priority
        priority = min(old_priority, assessment.priority)
        title = title_of(self._priority.headline(events))
        if (priority, title) != (old_priority, stored.incident.title):
            stored = tx.incidents.save(
                replace(stored.incident, priority=priority, title=title),
                expected_version=stored.version,
                time=at,
            )
        extras = tx.extras.get_extras(incident_id)
        new_extras = replace(extras, crossings=count_crossings(events))
        if reasons and (extras.last_alert_at is None or at > extras.last_alert_at):
            new_extras = replace(new_extras, last_alert_at=at)
        if priority < old_priority:
            if stored.incident.status is IncidentStatus.OPEN and extras.escalated_at is None:
                due = self._sla.due(priority, at)
                if extras.sla_due_at is not None:
                    due = min(due, extras.sla_due_at)
                new_extras = replace(new_extras, sla_due_at=due)
            tx.extras.record_activity(
                IncidentActivity(
                    incident_id=incident_id,
                    time=at,
                    actor=SYSTEM_ACTOR,
                    action=Action.REPRIORITIZE,
                    note="; ".join(assessment.reasons),
                    details={"from": str(old_priority), "to": str(priority)},
                )
            )
        if new_extras != extras:
            tx.extras.put_extras(incident_id, new_extras)
        if reasons:
            tx.extras.record_activity(
                IncidentActivity(
                    incident_id=incident_id,
                    time=at,
                    actor=SYSTEM_ACTOR,
                    action=Action.ALERT,
                    details={
                        "event_id": event.id,
                        "reasons": ",".join(reasons),
                        "priority": str(priority),
                    },
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
            incident = stored.incident
            logger.warning(
                "incident %s escalated: P%d %r still unacknowledged at its SLA due time %s",
                incident.id,
                incident.priority,
                incident.title,
                incident.sla_due_at.isoformat() if incident.sla_due_at else "-",
            )
            self._publish(incident)
        return escalated


def _log_ingest(event: Event, incident: Incident, alert: IncidentAlert | None) -> None:
    """The INFO lines of the log: each crossing, each incident opened or re-alerted."""
    if is_crossing(event):
        logger.info("%s (event %s) -> incident %s", describe(event), event.id, incident.id)
    if alert is None:
        return
    crossings = incident.crossings
    counts = (
        f"crossings: {crossings.inbound} inbound, {crossings.outbound} outbound, "
        f"{crossings.line_in} in, {crossings.line_out} out"
    )
    if AlertReason.OPENED in alert.reasons:
        logger.info(
            "incident %s opened: P%d %r (%s)",
            incident.id,
            incident.priority,
            incident.title,
            counts,
        )
    else:
        logger.info(
            "incident %s re-alerted (%s): P%d %r (%s)",
            incident.id,
            ", ".join(alert.reasons),
            incident.priority,
            incident.title,
            counts,
        )
