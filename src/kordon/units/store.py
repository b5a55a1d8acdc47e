"""``UnitRepository``: the ``units`` table, with compare-and-set updates.

Every change of a unit's record or status is conditional on the version read before it
(``UPDATE … WHERE version = :seen``): of two transactions changing the same unit, the second
finds no row to update and raises ``UnitConflictError`` (on PostgreSQL it waits for the
first's row lock, then re-checks the condition; SQLite runs writers one at a time).
Position reports do not change the version: a phone's stream of fixes never makes an
operator's status change fail.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kordon.store.session import SessionScope
from kordon.units.errors import UnitConflictError, UnitNotFoundError
from kordon.units.model import NewUnit, Unit, UnitPosition, UnitStatus, callsign_key
from kordon.units.rows import UnitRow


class UnitRepository:
    def __init__(self, scope: SessionScope) -> None:
        self._scope = scope

    # --- reading ------------------------------------------------------------------------

    def get(self, unit_id: str) -> Unit:
        """The unit; ``UnitNotFoundError`` if there is none."""
        with self._scope(f"reading unit {unit_id}") as session:
            row = session.get(UnitRow, unit_id)
            if row is None:
                raise UnitNotFoundError(f"no unit with id {unit_id!r}")
            return unit_of(row)

    def find(self, ref: str) -> Unit | None:
        """The unit whose id, CoT uid or callsign (compared folded) is ``ref``."""
        with self._scope(f"finding unit {ref}") as session:
            rows = session.scalars(
                select(UnitRow).where(
                    or_(
                        UnitRow.id == ref,
                        UnitRow.cot_uid == ref,
                        UnitRow.callsign_key == callsign_key(ref),
                    )
                )
            ).all()
            # An id match wins over a uid match, which wins over a callsign match.
            key = callsign_key(ref)
            ranked = sorted(
                rows, key=lambda r: (r.id != ref, r.cot_uid != ref, r.callsign_key != key)
            )
            if ranked:
                return unit_of(ranked[0])
            return None

    def list(
        self,
        *,
        sector_ids: Collection[str] | None = None,
        statuses: Collection[UnitStatus] | None = None,
    ) -> list[Unit]:
        """Units, by sector then callsign; ``None`` filters nothing, empty matches nothing."""
        query = select(UnitRow).order_by(UnitRow.sector_id, UnitRow.callsign_key)
        if sector_ids is not None:
            query = query.where(UnitRow.sector_id.in_(list(sector_ids)))
        if statuses is not None:
            query = query.where(UnitRow.status.in_([str(s) for s in statuses]))
        with self._scope("listing units") as session:
            return [unit_of(row) for row in session.scalars(query)]

    def bound_to(self, incident_id: str) -> builtins.list[Unit]:
        """Units bound to ``incident_id``."""
        query = select(UnitRow).where(UnitRow.incident_id == incident_id).order_by(UnitRow.id)
        with self._scope(f"units of incident {incident_id}") as session:
            return [unit_of(row) for row in session.scalars(query)]

    # --- writing ------------------------------------------------------------------------

    def add(self, new: NewUnit, *, unit_id: str, time: datetime) -> Unit:
        """Insert a unit; ``UnitConflictError`` for a taken callsign, CoT uid or id."""
        with self._scope(f"adding unit {new.callsign}") as session:
            self._check_unique(session, callsign=new.callsign, cot_uid=new.cot_uid, unit_id=None)
            if session.get(UnitRow, unit_id) is not None:
                raise UnitConflictError(f"a unit with id {unit_id!r} exists already")
            row = UnitRow(
                id=unit_id,
                name=new.name,
                callsign=new.callsign,
                callsign_key=callsign_key(new.callsign),
                sector_id=new.sector_id,
                status=str(new.status),
                incident_id=None,
                cot_uid=new.cot_uid,
                lat=None,
                lon=None,
                position_time=None,
                position_source=None,
                created_at=time,
                updated_at=time,
                version=1,
            )
            session.add(row)
            _flush_unique(session, new.callsign)
            return unit_of(row)

    def change(self, unit: Unit, values: Mapping[str, Any], *, time: datetime, what: str) -> Unit:
        """Write ``values`` (column → value) to ``unit`` if it is still at ``unit.version``;
        ``UnitConflictError`` if it changed since, ``UnitNotFoundError`` if it is gone."""
        columns = dict(values)
        if "callsign" in columns:
            columns["callsign_key"] = callsign_key(columns["callsign"])
        if "status" in columns:
            columns["status"] = str(columns["status"])
        with self._scope(f"{what} unit {unit.id}") as session:
            if "callsign" in columns or "cot_uid" in columns:
                self._check_unique(
                    session,
                    callsign=columns.get("callsign"),
                    cot_uid=columns.get("cot_uid"),
                    unit_id=unit.id,
                )
            try:
                result = session.execute(
                    update(UnitRow)
                    .where(UnitRow.id == unit.id, UnitRow.version == unit.version)
                    .values(**columns, updated_at=time, version=UnitRow.version + 1)
                    .execution_options(synchronize_session=False)
                )
            except IntegrityError as exc:
                raise _taken(str(columns.get("callsign", unit.callsign))) from exc
            if not isinstance(result, CursorResult) or result.rowcount != 1:
                self._raise_stale(session, unit)
            row = session.get(UnitRow, unit.id, populate_existing=True)
            if row is None:  # pragma: no cover (updated in this transaction)
                raise UnitNotFoundError(f"no unit with id {unit.id!r}")
            return unit_of(row)

    def remove(self, unit: Unit) -> None:
        """Delete ``unit`` if it is still at ``unit.version``."""
        with self._scope(f"deleting unit {unit.id}") as session:
            result = session.execute(
                delete(UnitRow)
                .where(UnitRow.id == unit.id, UnitRow.version == unit.version)
                .execution_options(synchronize_session=False)
            )
            if not isinstance(result, CursorResult) or result.rowcount != 1:
                self._raise_stale(session, unit)

    def set_position(self, unit_id: str, position: UnitPosition) -> bool:
        """Store ``position`` unless the unit already has a newer or equal fix; whether it
        was stored."""
        with self._scope(f"position of unit {unit_id}") as session:
            result = session.execute(
                update(UnitRow)
                .where(
                    UnitRow.id == unit_id,
                    or_(UnitRow.position_time.is_(None), UnitRow.position_time < position.time),
                )
                .values(
                    lat=position.lat,
                    lon=position.lon,
                    position_time=position.time,
                    position_source=position.source,
                )
                .execution_options(synchronize_session=False)
            )
            return isinstance(result, CursorResult) and result.rowcount == 1

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _check_unique(
        session: Session, *, callsign: str | None, cot_uid: str | None, unit_id: str | None
    ) -> None:
        if callsign is not None:
            other = session.scalar(
                select(UnitRow).where(UnitRow.callsign_key == callsign_key(callsign))
            )
            if other is not None and other.id != unit_id:
                raise UnitConflictError(
                    f"callsign {callsign!r} is taken by unit {other.id} ({other.callsign!r})"
                )
        if cot_uid is not None:
            other = session.scalar(select(UnitRow).where(UnitRow.cot_uid == cot_uid))
            if other is not None and other.id != unit_id:
                raise UnitConflictError(
                    f"CoT uid {cot_uid!r} belongs to unit {other.id} ({other.callsign!r})"
                )

    @staticmethod
    def _raise_stale(session: Session, unit: Unit) -> None:
        version = session.scalar(select(UnitRow.version).where(UnitRow.id == unit.id))
        if version is None:
            raise UnitNotFoundError(f"no unit with id {unit.id!r}")
        raise UnitConflictError(
            f"unit {unit.id} ({unit.callsign!r}) was changed by someone else: expected "
            f"version {unit.version}, stored version is {version}; reload and retry"
        )


def _flush_unique(session: Session, callsign: str) -> None:
    """Flush, turning a unique-constraint race (a callsign or uid taken by a concurrent
    transaction after our check) into ``UnitConflictError``."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise _taken(callsign) from exc


def _taken(callsign: str) -> UnitConflictError:
    return UnitConflictError(
        f"callsign {callsign!r} or its CoT uid was taken by a concurrent change; reload and retry"
    )


def unit_of(row: UnitRow) -> Unit:
    position = None
    if row.lat is not None and row.lon is not None and row.position_time is not None:
        position = UnitPosition(
            lat=row.lat,
            lon=row.lon,
            time=row.position_time,
            source=row.position_source or "unknown",
        )
    return Unit(
        id=row.id,
        name=row.name,
        callsign=row.callsign,
        sector_id=row.sector_id,
        status=UnitStatus(row.status),
        incident_id=row.incident_id,
        cot_uid=row.cot_uid,
        position=position,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )
