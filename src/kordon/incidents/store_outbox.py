"""``EdgeOutbox``: an outpost's changes queued for the centre in their own transaction.

A commit hook of the node's store (``Store.add_commit_hook``): every transaction that
stores an event, creates or changes an incident (correlation, re-alert, escalation, any
operator action) or records a device status appends, just before its ``COMMIT`` and in
the same session, one ``link_outbox`` entry per new event, one full snapshot per changed
incident (with its extras: dispatched unit, SLA, alerts, crossings) and one per device
status. The change and its entries commit together or not at all; with the store on
``synchronous=FULL`` (``kordon.link.durability``) a committed entry survives a crash.

Order: events before the incidents that name them. An event named by an incident changed
in the same transaction goes with the incident's priority (``ALARM``), so that the centre
never receives an incident before its events (it refuses an incident whose event is
missing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.domain.incident import Incident
from kordon.link.errors import LinkError
from kordon.link.kinds import Priority
from kordon.link.outbox import Outbox
from kordon.store.commit_hooks import Changes
from kordon.store.errors import NotFoundError
from kordon.store.incident_extras import IncidentExtrasRepository
from kordon.store.incidents import IncidentRepository
from kordon.store.models import EventRow
from kordon.store.session import shared_transaction

logger = logging.getLogger(__name__)


class EdgeOutbox:
    """Writes a transaction's changes into the edge's outbox (a :class:`CommitHook`).

    ``clock`` gives the entries' ``created_at`` (UTC, the node's clock; the centre
    refuses entries from a clock running ahead of its own).
    """

    def __init__(self, outbox: Outbox, *, clock: Callable[[], datetime]) -> None:
        self._outbox = outbox
        self._clock = clock

    def before_commit(self, session: Session, changes: Changes) -> None:
        now = self._clock()
        incidents = _snapshots(session, list(changes.incident_ids))
        urgent = {event_id for incident in incidents for event_id in incident.event_ids}
        stored = _stored_event_ids(session, [e.id for e in changes.events])
        for event in changes.events:
            if event.id not in stored:
                continue  # added in a savepoint that was rolled back
            priority = Priority.ALARM if event.id in urgent else None
            self._outbox.append(session, event, created_at=now, priority=priority)
        for incident in incidents:
            try:
                self._outbox.append(session, incident, created_at=now)
            except LinkError as exc:
                # Refusing the change would stop the outpost's incident handling for good
                # (every later event of this incident would fail the same way).
                logger.error(
                    "incident %s not queued for the centre (%d events): %s",
                    incident.id,
                    len(incident.event_ids),
                    exc,
                )
        for status in changes.device_statuses:
            self._outbox.append(session, status, created_at=now)


def _snapshots(session: Session, ids: list[str]) -> list[Incident]:
    """The incidents as they will be committed, with their extras; gone ones skipped."""
    if not ids:
        return []
    shared = shared_transaction(session)
    repository = IncidentRepository(shared)
    extras = IncidentExtrasRepository(shared)
    found = []
    for incident_id in ids:
        try:
            found.append(repository.get(incident_id))
        except NotFoundError:
            continue  # created in a savepoint that was rolled back
    return [stored.incident for stored in extras.with_extras_many(found)]


def _stored_event_ids(session: Session, ids: list[str]) -> set[str]:
    present: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        present.update(session.scalars(select(EventRow.id).where(EventRow.id.in_(chunk))))
    return present
