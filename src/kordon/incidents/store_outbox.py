"""``EdgeOutbox``: an outpost's changes queued for the centre in their own transaction.

A commit hook of the node's store (``Store.add_commit_hook``): every transaction that
stores an event, creates or changes an incident (correlation, re-alert, escalation, any
operator action) or records a device status appends, just before its ``COMMIT`` and in
the same session, one ``link_outbox`` entry per new event, one full snapshot per changed
incident (with its extras: dispatched unit, SLA, alerts, crossings) and one per device
status. The change and its entries commit together or not at all; with the store on
``synchronous=FULL`` (``kordon.link.durability``) a committed entry survives a crash.

With :class:`~kordon.link.snapshot_entry.EdgeSnapshots`, an event whose snapshot is
already written gets a ``snapshot`` entry in the same transaction (priority ``SNAPSHOT``:
after the alarms, never before its event); one written later is queued when it is.

An incident whose snapshot is over the entry limit (a long history of long notes) goes
with its longest notes trimmed, each marked with its full length and hash
(``kordon.link.incident_trim``; logged): the outpost keeps them whole, and the centre
takes the trimmed snapshot as extending the one it holds. Only an incident too large even
with every note cut (thousands of steps or events) is not queued: logged at ERROR, the
change itself is kept and every later change of it is tried again.

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

from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.link.incident_trim import fit_incident
from kordon.link.kinds import Priority
from kordon.link.outbox import MAX_ENTRY_BYTES, EntryTooLargeError, Outbox, payload_bytes
from kordon.link.snapshot_entry import EdgeSnapshots
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
    refuses entries from a clock running ahead of its own). ``snapshots``: queues each
    stored event's snapshot, if the node has written it (none: no snapshots travel).
    """

    def __init__(
        self,
        outbox: Outbox,
        *,
        clock: Callable[[], datetime],
        snapshots: EdgeSnapshots | None = None,
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._snapshots = snapshots

    def before_commit(self, session: Session, changes: Changes) -> None:
        now = self._clock()
        incidents = _snapshots(session, list(changes.incident_ids))
        urgent = {event_id for incident in incidents for event_id in incident.event_ids}
        stored = _stored_event_ids(session, [e.id for e in changes.events])
        with_picture: list[Event] = []
        for event in changes.events:
            if event.id not in stored:
                continue  # added in a savepoint that was rolled back
            priority = Priority.ALARM if event.id in urgent else None
            self._outbox.append(session, event, created_at=now, priority=priority)
            with_picture.append(event)
        for incident in incidents:
            self._queue_incident(session, incident, now)
        for status in changes.device_statuses:
            self._outbox.append(session, status, created_at=now)
        if self._snapshots is not None:  # after the events and incidents they illustrate
            for event in with_picture:
                self._snapshots.queue_with(self._outbox, session, event, now)

    def _queue_incident(self, session: Session, incident: Incident, now: datetime) -> None:
        try:
            self._outbox.append(session, incident, created_at=now)
            return
        except EntryTooLargeError as exc:
            size = exc.size
        fitted = fit_incident(incident, payload_bytes, MAX_ENTRY_BYTES)
        if fitted is None:
            # Refusing the change would stop the outpost's incident handling for good
            # (every later event of this incident would fail the same way).
            logger.error(
                "incident %s not queued for the centre: %d bytes (%d events, %d steps) "
                "even with every note trimmed; at most %d",
                incident.id,
                size,
                len(incident.event_ids),
                len(incident.history),
                MAX_ENTRY_BYTES,
            )
            return
        logger.warning(
            "incident %s: %d bytes, over the link's %d; %d of its notes go trimmed (the "
            "outpost keeps them whole)",
            incident.id,
            size,
            MAX_ENTRY_BYTES,
            fitted.trimmed,
        )
        self._outbox.append(session, fitted.incident, created_at=now)


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
