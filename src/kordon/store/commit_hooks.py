"""Commit hooks: code that writes, inside a transaction's own commit, what it changed.

An edge node must queue every change for the centre in the *same* transaction as the
change (docs/edge-central.md). Rather than each writer remembering to do so, the
repositories note what a transaction changed (:func:`note_event`, :func:`note_incident`,
:func:`note_device_status`) and :meth:`kordon.store.Store.add_commit_hook` runs the
hooks just before the outermost ``COMMIT``, in the same session: a hook that fails rolls
the whole transaction back, and a transaction that rolls back runs no hook.

Noting is off (free) on a store without hooks. Changes noted inside a savepoint that was
rolled back are still listed, so a hook reads back what it sends: ``EdgeOutbox`` reads
each incident and checks that each event is stored. Device statuses are sent as noted (no
writer records one inside a savepoint).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from kordon.domain.event import Event
from kordon.domain.status import DeviceStatus

TRACKING = "kordon_track_changes"
"""Key in ``Session.info``: set on the sessions of a store that has commit hooks."""
_CHANGES = "kordon_changes"


@dataclass(slots=True)
class Changes:
    """What one transaction changed, in the order it happened."""

    events: list[Event] = field(default_factory=list)
    """Events stored by this transaction (new ones only)."""
    incident_ids: dict[str, None] = field(default_factory=dict)
    """Incidents created or changed (an ordered set)."""
    device_statuses: list[DeviceStatus] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.events or self.incident_ids or self.device_statuses)


class CommitHook(Protocol):
    """Called once per transaction that changed something, before its ``COMMIT``."""

    def before_commit(self, session: Session, changes: Changes) -> None:
        """Write in ``session`` (the changing transaction); raising rolls it all back."""


def _changes(session: Session) -> Changes | None:
    if not session.info.get(TRACKING):
        return None
    changes = session.info.get(_CHANGES)
    if not isinstance(changes, Changes):
        changes = Changes()
        session.info[_CHANGES] = changes
    return changes


def note_event(session: Session, stored: Event) -> None:
    """``stored`` was added (it was new) in ``session``'s transaction."""
    changes = _changes(session)
    if changes is not None:
        changes.events.append(stored)


def note_incident(session: Session, incident_id: str) -> None:
    """Incident ``incident_id`` (or its extras) was created or changed."""
    changes = _changes(session)
    if changes is not None:
        changes.incident_ids[incident_id] = None


def note_device_status(session: Session, status: DeviceStatus) -> None:
    """A device status report was recorded."""
    changes = _changes(session)
    if changes is not None:
        changes.device_statuses.append(status)


class CommitHooks:
    """The hooks of one store's session factory (installed once, run in order)."""

    def __init__(self) -> None:
        self._hooks: list[CommitHook] = []

    @property
    def hooks(self) -> Sequence[CommitHook]:
        return tuple(self._hooks)

    def add(self, hook: CommitHook) -> None:
        self._hooks.append(hook)

    def install(self, sessions: sessionmaker[Session]) -> None:
        """Turn noting on for ``sessions`` and run the hooks at their commits."""
        sessions.configure(info={TRACKING: True})
        if not event.contains(sessions, "before_commit", self._before_commit):
            event.listen(sessions, "before_commit", self._before_commit)
            event.listen(sessions, "after_transaction_end", _forget)

    def _before_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released: the outer transaction commits later
        changes = session.info.pop(_CHANGES, None)
        if not changes:
            return
        for hook in self._hooks:
            hook.before_commit(session, changes)


def _forget(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    """Drop what an ended outermost transaction noted (committed or rolled back)."""
    if transaction.parent is None:
        session.info.pop(_CHANGES, None)
