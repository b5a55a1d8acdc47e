"""``UnitService``: the unit register: list, register, change, delete, status, positions.

Every method runs in one transaction and takes the time as an argument. Changes are
audited inside their transaction (``audit``: the API's ``AuditSink`` signature, the evidence
ledger in a node), so a change never happens without its audit entry. ``sectors`` arguments
are the caller's scope: units outside it are not found, like unknown ids, and may not be
created there (``None``: every sector).

Bad input raises ``UnitInputError`` (422), unknown units ``UnitNotFoundError`` (404), and
changes that contradict the register ``UnitConflictError`` (409); nothing is changed then.
"""

from __future__ import annotations

import builtins
import logging
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import JsonValue

from kordon.domain.time import require_utc
from kordon.store import Store
from kordon.store.session import shared_transaction, translate_errors
from kordon.units.errors import UnitConflictError, UnitInputError, UnitNotFoundError
from kordon.units.model import (
    ENGAGED,
    SETTABLE,
    NewUnit,
    Unit,
    UnitChanges,
    UnitPosition,
    UnitStatus,
    check_lat_lon,
    check_text,
)
from kordon.units.store import UnitRepository
from kordon.units.suggest import Suggestion, suggest

logger = logging.getLogger(__name__)

MAX_ACTOR = 128


class UnitAudit(Protocol):
    """Where unit changes are recorded (``kordon.api.providers.AuditSink``'s signature)."""

    def record(  # noqa: PLR0917 (the AuditSink signature)
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None: ...


class PositionUpdate(StrEnum):
    STORED = "stored"
    STALE = "stale"
    """The unit already has a fix at this time or later; nothing changed."""
    UNKNOWN_UNIT = "unknown_unit"
    """No unit has that callsign, CoT uid or id (another team's phone): ignored."""


def _new_id() -> str:
    return f"unit-{uuid.uuid4().hex[:12]}"


class UnitService:
    """The unit register of one site, whose sectors are ``sector_ids``."""

    def __init__(
        self,
        store: Store,
        *,
        sector_ids: Collection[str],
        audit: UnitAudit,
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self._store = store
        self._sector_ids = frozenset(sector_ids)
        self._audit = audit
        self._new_id = new_id

    @property
    def sector_ids(self) -> frozenset[str]:
        """The site's sectors, which units may belong to."""
        return self._sector_ids

    @contextmanager
    def _tx(self, what: str) -> Iterator[UnitRepository]:
        with translate_errors(what), self._store.sessions.begin() as session:
            yield UnitRepository(shared_transaction(session))

    # --- reading ------------------------------------------------------------------------

    def list(
        self,
        *,
        sector_ids: Collection[str] | None = None,
        statuses: Collection[UnitStatus] | None = None,
    ) -> builtins.list[Unit]:
        """Units by sector then callsign, filtered by sector and status (``None``: all)."""
        with self._tx("listing units") as units:
            return units.list(sector_ids=sector_ids, statuses=statuses)

    def get(self, unit_id: str, *, sectors: Collection[str] | None = None) -> Unit:
        with self._tx("reading a unit") as units:
            return _in_scope(units.get(unit_id), sectors)

    def bound_to(self, incident_id: str) -> builtins.list[Unit]:
        """The units bound to an incident (dispatched, on scene or returning)."""
        with self._tx("reading the units of an incident") as units:
            return units.bound_to(incident_id)

    def suggest(
        self,
        *,
        sector_id: str | None,
        lat: float | None,
        lon: float | None,
        sectors: Collection[str] | None = None,
    ) -> builtins.list[Suggestion]:
        """Available units within ``sectors``: ``sector_id``'s first, then nearest to
        (``lat``, ``lon``) first (see :func:`kordon.units.suggest.suggest`)."""
        if lat is not None or lon is not None:
            check_lat_lon(lat, lon)
        found = self.list(sector_ids=sectors, statuses=[UnitStatus.AVAILABLE])
        return suggest(found, sector_id=sector_id, lat=lat, lon=lon)

    # --- changing -----------------------------------------------------------------------

    def create(
        self,
        new: NewUnit,
        *,
        actor: str,
        time: datetime,
        sectors: Collection[str] | None = None,
    ) -> Unit:
        """Register a unit in one of the site's sectors (within ``sectors``)."""
        at = _checked(actor, time)
        self._check_sector(new.sector_id, sectors)
        with self._tx("registering a unit") as units:
            unit = units.add(new, unit_id=self._new_id(), time=at)
            self._record(actor, "create", unit, at, _describe(unit))
        logger.info(
            "unit %s (%s) registered in %s by %s", unit.id, unit.callsign, unit.sector_id, actor
        )
        return unit

    def update(
        self,
        unit_id: str,
        changes: UnitChanges,
        *,
        actor: str,
        time: datetime,
        sectors: Collection[str] | None = None,
    ) -> Unit:
        """Rename, re-callsign, move to another sector or set its CoT uid."""
        at = _checked(actor, time)
        with self._tx("changing a unit") as units:
            unit = _in_scope(units.get(unit_id), sectors)
            if changes.sector_id is not None:
                self._check_sector(changes.sector_id, sectors)
            values: dict[str, Any] = {}
            for name in ("name", "callsign", "sector_id", "cot_uid"):
                value = getattr(changes, name)
                if value is not None and value != getattr(unit, name):
                    values[name] = value
            if changes.clear_cot_uid and unit.cot_uid is not None:
                values["cot_uid"] = None
            if not values:
                return unit
            changed = units.change(unit, values, time=at, what="changing")
            details: dict[str, JsonValue] = {
                name: (None if value is None else str(value)) for name, value in values.items()
            }
            self._record(actor, "update", changed, at, details)
        return changed

    def delete(
        self, unit_id: str, *, actor: str, time: datetime, sectors: Collection[str] | None = None
    ) -> None:
        """Remove a unit from the register; refused while it is bound to an incident."""
        at = _checked(actor, time)
        with self._tx("deleting a unit") as units:
            unit = _in_scope(units.get(unit_id), sectors)
            if unit.status in ENGAGED:
                raise UnitConflictError(
                    f"unit {unit.callsign!r} is {unit.status} on incident {unit.incident_id}; "
                    "release it (set it available) before deleting it"
                )
            units.remove(unit)
            self._record(actor, "delete", unit, at, _describe(unit))
        logger.info("unit %s (%s) deleted by %s", unit.id, unit.callsign, actor)

    def set_status(
        self,
        unit_id: str,
        status: UnitStatus,
        *,
        actor: str,
        time: datetime,
        note: str = "",
        sectors: Collection[str] | None = None,
    ) -> Unit:
        """Set a unit's status as reported from the field.

        ``on_scene`` and ``returning`` need a unit bound to an incident; ``available``,
        ``off_duty`` and ``out_of_service`` free it from its incident (the incident keeps
        its status). ``dispatched`` is refused: units are dispatched to an incident
        (``POST /api/incidents/{id}/dispatch``). Setting the status it has changes nothing.
        """
        at = _checked(actor, time)
        if not isinstance(status, UnitStatus):
            raise UnitInputError(f"status must be one of {[str(s) for s in UnitStatus]}")
        if status not in SETTABLE:
            raise UnitInputError(
                "a unit becomes dispatched by dispatching it to an incident "
                "(POST /api/incidents/{incident_id}/dispatch), not by setting its status"
            )
        if len(note) > 1000:
            raise UnitInputError(f"note is {len(note)} characters long; at most 1000")
        with self._tx("setting a unit's status") as units:
            unit = _in_scope(units.get(unit_id), sectors)
            if unit.status is status:
                return unit
            values: dict[str, Any] = {"status": status}
            if status in ENGAGED:
                if unit.incident_id is None:
                    raise UnitConflictError(
                        f"unit {unit.callsign!r} is {unit.status}, not on an incident; "
                        f"only a dispatched unit can be {status}"
                    )
            else:
                values["incident_id"] = None
            changed = units.change(unit, values, time=at, what="setting the status of")
            self._record(
                actor,
                "status",
                changed,
                at,
                {
                    "from": str(unit.status),
                    "to": str(status),
                    "incident_id": unit.incident_id,
                    "note": note,
                },
            )
        logger.info(
            "unit %s (%s): %s -> %s by %s", unit.id, unit.callsign, unit.status, status, actor
        )
        return changed

    def update_position(
        self,
        callsign_or_uid: str,
        lat: float,
        lon: float,
        time: datetime,
        *,
        source: str = "cot",
    ) -> PositionUpdate:
        """A position report (from a CoT/ATAK phone, say) for the unit whose CoT uid,
        callsign or id is ``callsign_or_uid``. An older fix than the stored one is ignored
        (``STALE``); an unknown sender too (``UNKNOWN_UNIT``). Not audited: positions are
        frequent and carry no decision."""
        if not isinstance(callsign_or_uid, str) or not callsign_or_uid.strip():
            raise UnitInputError(
                f"callsign_or_uid must be a non-empty string, got {callsign_or_uid!r}"
            )
        position = UnitPosition(lat=lat, lon=lon, time=_utc(time), source=source)
        with self._tx("storing a unit position") as units:
            unit = units.find(callsign_or_uid.strip())
            if unit is None:
                return PositionUpdate.UNKNOWN_UNIT
            stored = units.set_position(unit.id, position)
        return PositionUpdate.STORED if stored else PositionUpdate.STALE

    # --- helpers ------------------------------------------------------------------------

    def _check_sector(self, sector_id: str, sectors: Collection[str] | None) -> None:
        if sector_id not in self._sector_ids:
            raise UnitInputError(
                f"unknown sector {sector_id!r}; the site's sectors are {sorted(self._sector_ids)}"
            )
        if sectors is not None and sector_id not in sectors:
            raise UnitInputError(f"sector {sector_id!r} is outside your sectors {sorted(sectors)}")

    def _record(
        self,
        actor: str,
        action: str,
        unit: Unit,
        time: datetime,
        details: dict[str, JsonValue],
    ) -> None:
        self._audit.record(
            actor,
            f"unit.{action}",
            f"unit:{unit.id}",
            "done",
            {"callsign": unit.callsign, **details},
            time,
        )


def _in_scope(unit: Unit, sectors: Collection[str] | None) -> Unit:
    if sectors is not None and unit.sector_id not in sectors:
        raise UnitNotFoundError(f"no unit with id {unit.id!r}")
    return unit


def _describe(unit: Unit) -> dict[str, JsonValue]:
    return {
        "name": unit.name,
        "sector_id": unit.sector_id,
        "status": str(unit.status),
        "cot_uid": unit.cot_uid,
    }


def _utc(time: datetime) -> datetime:
    try:
        return require_utc(time, name="time")
    except (ValueError, AttributeError) as exc:
        raise UnitInputError(str(exc)) from exc


def _checked(actor: str, time: datetime) -> datetime:
    check_text("actor", actor, MAX_ACTOR)
    return _utc(time)
