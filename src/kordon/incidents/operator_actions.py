"""Operator actions on incidents: each one a checked lifecycle step, audited and published."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from kordon.domain.incident import (
    Incident,
    IncidentStatus,
    IncidentStep,
    InvalidTransitionError,
    Resolution,
)
from kordon.incidents.core import Change, ServiceCore, ServiceTx
from kordon.incidents.errors import IncidentInputError
from kordon.incidents.model import MAX_NOTE, Action, as_utc, check_name, subject_of
from kordon.store import ConflictError, StoredIncident
from kordon.store.events import EventRepository
from kordon.store.incident_extras import IncidentActivity, IncidentExtras, IncidentExtrasRepository
from kordon.store.incidents import IncidentRepository
from kordon.store.session import shared_transaction, translate_errors
from kordon.units import follow
from kordon.units.store import UnitRepository

logger = logging.getLogger(__name__)


UnitStep = Callable[[UnitRepository, Incident, datetime], Mapping[str, str]]
"""A change to the unit register made in an action's transaction; returns audit details."""


class OperatorActions(ServiceCore):
    """Acknowledge, dispatch, resolve, close, reopen, note and assign, with optimistic
    concurrency: each takes the version the operator saw and refuses a stale one.

    Units follow their incident (``kordon.units.follow``): dispatch binds a registered unit,
    resolve and close free the units bound to the incident, reopen sends no one again. The
    unit changes in the incident's transaction: both change, or neither does.
    """

    def acknowledge(
        self, incident_id: str, *, actor: str, time: datetime, expected_version: int, note: str = ""
    ) -> StoredIncident:
        """Acknowledge; an unassigned incident becomes the acknowledging operator's."""

        def change(inc: Incident, ext: IncidentExtras) -> tuple[Incident, IncidentExtras]:
            moved = inc.transition(IncidentStatus.ACKNOWLEDGED, actor=actor, time=time, note=note)
            if moved.assignee is None:
                moved = replace(moved, assignee=actor)
            return moved, ext

        return self._act(
            incident_id,
            Action.ACKNOWLEDGE,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            change=change,
        )

    def dispatch(
        self,
        incident_id: str,
        *,
        actor: str,
        unit_id: str,
        time: datetime,
        expected_version: int,
        note: str = "",
        force: bool = False,
        sectors: Collection[str] | None = None,
    ) -> StoredIncident:
        """Send the registered unit ``unit_id`` to the incident.

        The unit must be ``available`` (``UnitUnavailableError``, a 409, otherwise); with
        ``force`` any unit but an out-of-service one is taken, off its previous incident if
        it had one. A unit outside ``sectors`` (the actor's scope) is not found
        (``UnitNotFoundError``). The incident's ``dispatched_unit`` becomes the unit's
        callsign and the unit becomes ``dispatched`` with this incident.
        """
        check_name("unit_id", unit_id)
        if not isinstance(force, bool):
            raise IncidentInputError(f"force must be a bool, got {force!r}")
        bound: list[str] = []

        def send(units: UnitRepository, incident: Incident, at: datetime) -> Mapping[str, str]:
            # The lifecycle move is checked first, so that a refused move (a closed or
            # already dispatched incident) answers as such, not as a unit problem.
            incident.transition(IncidentStatus.DISPATCHED, actor=actor, time=time, note=note)
            unit = follow.bind(
                units,
                unit_id=unit_id,
                incident_id=incident.id,
                force=force,
                sectors=sectors,
                time=at,
            )
            bound.append(unit.callsign)
            return {"unit_id": unit.id, "unit": unit.callsign, "force": str(force).lower()}

        def change(inc: Incident, ext: IncidentExtras) -> tuple[Incident, IncidentExtras]:
            return (
                inc.transition(IncidentStatus.DISPATCHED, actor=actor, time=time, note=note),
                replace(ext, dispatched_unit=bound[0]),
            )

        return self._act(
            incident_id,
            Action.DISPATCH,
            actor=actor,
            time=time,
            expected_version=expected_version,
            note=note,
            change=change,
            units_first=send,
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

        def count(tx: ServiceTx, incident: Incident) -> None:
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
            units_after=_release,
        )

    def close(
        self, incident_id: str, *, actor: str, time: datetime, expected_version: int, note: str = ""
    ) -> StoredIncident:
        """Close a resolved incident; any unit still bound to it becomes available."""
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
            units_after=_release,
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
        after: Callable[[ServiceTx, Incident], None] | None = None,
        units_first: UnitStep | None = None,
        units_after: UnitStep | None = None,
    ) -> StoredIncident:
        """One action in one transaction: check the version, let ``units_first`` change the
        unit register (before ``change``, which may read what it did), apply ``change``,
        save, run ``after`` and ``units_after`` on the changed incident, record the
        activity and the audit entry (with the units' details), then publish."""
        check_name("actor", actor)
        at = as_utc("time", time)
        if len(note) > MAX_NOTE:
            raise IncidentInputError(f"note is {len(note)} characters long; at most {MAX_NOTE}")
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise IncidentInputError(f"expected_version must be an int, got {expected_version!r}")
        all_details = dict(details or {})
        with self._tx_with_units() as (tx, units):
            stored = tx.incidents.get(incident_id)
            if stored.version != expected_version:
                raise ConflictError(
                    f"incident {incident_id!r} was changed by someone else: expected version "
                    f"{expected_version}, stored version is {stored.version}; reload and retry"
                )
            extras = tx.extras.get_extras(incident_id)
            if units_first is not None:
                all_details.update(units_first(units, stored.incident, at))
            incident, new_extras = change(stored.incident, extras)
            saved = tx.incidents.save(incident, expected_version=expected_version, time=at)
            if new_extras != extras:
                tx.extras.put_extras(incident_id, new_extras)
            if after is not None:
                after(tx, incident)
            if units_after is not None:
                all_details.update(units_after(units, incident, at))
            tx.extras.record_activity(
                IncidentActivity(
                    incident_id=incident_id,
                    time=at,
                    actor=actor,
                    action=action,
                    note=note,
                    details=all_details,
                )
            )
            self._audit(actor, action, subject_of(incident_id), {**all_details, "note": note}, at)
            result = tx.extras.with_extras(saved)
        logger.info(
            "incident %s: %s by %s, now %s (P%d)",
            incident_id,
            action,
            actor,
            result.incident.status,
            result.incident.priority,
        )
        self._publish(result.incident)
        return result

    @contextmanager
    def _tx_with_units(self) -> Iterator[tuple[ServiceTx, UnitRepository]]:
        """The service's transaction (as ``ServiceCore._tx``) with the unit register on it."""
        with translate_errors("incident service"), self._store.sessions.begin() as session:
            scope = shared_transaction(session)
            yield (
                ServiceTx(
                    events=EventRepository(scope),
                    incidents=IncidentRepository(scope),
                    extras=IncidentExtrasRepository(scope),
                ),
                UnitRepository(scope),
            )


def _release(units: UnitRepository, incident: Incident, at: datetime) -> Mapping[str, str]:
    """Free the units bound to ``incident`` (audit details name them, if any)."""
    released = follow.release(units, incident_id=incident.id, time=at)
    if not released:
        return {}
    return {"released_units": ",".join(u.callsign for u in released)}
