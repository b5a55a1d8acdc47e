"""Custody: the people who hold equipment and two-party transfers between them and the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.domain.time import require_utc
from kordon.register.custody import Party, Person, Transfer, TransferState
from kordon.register.errors import (
    ImportRefusedError,
    RegisterConflictError,
    RegisterInputError,
    RegisterNotFoundError,
    RowError,
)
from kordon.register.history import HistoryKind
from kordon.register.mapping import person_from_row, transfer_from_row
from kordon.register.service_base import RegisterServiceBase, check_id, new_id
from kordon.register.status import AssetStatus
from kordon.store.models_register import RegisterAssetRow, RegisterPersonRow, RegisterTransferRow


class CustodyService(RegisterServiceBase):
    """Add people, request transfers (one or bulk) and confirm them."""

    def add_person(self, person: Person, *, actor: str, time: datetime) -> Person:
        time = require_utc(time)
        check_id("person id", person.id)
        if not person.name.strip() or len(person.name) > 128 or len(person.unit) > 128:
            raise RegisterInputError("a person needs a name (at most 128 characters) and a unit")
        with self._tx(f"adding person {person.id}") as session:
            if session.get(RegisterPersonRow, person.id) is not None:
                raise RegisterConflictError(f"person {person.id!r} already exists")
            session.add(
                RegisterPersonRow(id=person.id, name=person.name, unit=person.unit, created_at=time)
            )
            session.flush()
            # The ledger gets the id and unit only: names stay in the register.
            self._record(actor, "person.create", f"person:{person.id}", {"unit": person.unit}, time)
        return person

    def people(self) -> list[Person]:
        with self._tx("reading people") as session:
            rows = session.scalars(select(RegisterPersonRow).order_by(RegisterPersonRow.id))
            return [person_from_row(r) for r in rows]

    def request_transfer(
        self,
        serial: str,
        *,
        to_person: str | None,
        actor: str,
        time: datetime,
    ) -> Transfer:
        """Start moving custody of ``serial`` from its holder (or the store) to ``to_person``
        (``None``: back to the store). The store's side is confirmed by ``actor`` at once."""
        time = require_utc(time)
        with self._tx(f"transferring {serial}") as session:
            row = self._asset_row(session, serial)
            return self._request(session, row, to_person=to_person, actor=actor, time=time)

    def request_transfers(
        self,
        serials: list[str],
        *,
        to_person: str | None,
        actor: str,
        time: datetime,
    ) -> list[Transfer]:
        """A bulk transfer: every serial to ``to_person``, all or none (every refusal is
        listed, numbered by the serial's position, 1-based)."""
        time = require_utc(time)
        if not serials:
            raise RegisterInputError("no serials to transfer")
        errors: list[RowError] = []
        done: list[Transfer] = []
        with self._tx(f"transferring {len(serials)} asset(s)") as session:
            for index, serial in enumerate(serials, start=1):
                try:
                    with session.begin_nested():
                        row = self._asset_row(session, serial)
                        done.append(
                            self._request(
                                session,
                                row,
                                to_person=to_person,
                                actor=actor,
                                time=time,
                                audit=False,
                            )
                        )
                except (RegisterInputError, RegisterNotFoundError, RegisterConflictError) as exc:
                    errors.append(RowError("bulk transfer", index, "serial", f"{serial}: {exc}"))
            if errors:
                raise ImportRefusedError(errors)
            self._record(
                actor,
                "transfer.request_bulk",
                f"person:{to_person or 'store'}",
                {"serials": [t.serial for t in done], "transfer_ids": [t.id for t in done]},
                time,
            )
        return done

    def _request(
        self,
        session: Session,
        row: RegisterAssetRow,
        *,
        to_person: str | None,
        actor: str,
        time: datetime,
        audit: bool = True,
    ) -> Transfer:
        status = AssetStatus(row.status)
        if not status.accountable:
            raise RegisterConflictError(f"asset {row.serial} is {status}: it cannot change hands")
        if to_person is not None and session.get(RegisterPersonRow, to_person) is None:
            raise RegisterNotFoundError(f"no person {to_person!r} in the register")
        if to_person == row.holder_id:
            raise RegisterConflictError(
                f"asset {row.serial} is already held by {to_person or 'the store'}"
            )
        pending = session.scalars(
            select(RegisterTransferRow.id).where(
                RegisterTransferRow.asset_id == row.id,
                RegisterTransferRow.state == str(TransferState.PENDING),
            )
        ).first()
        if pending is not None:
            raise RegisterConflictError(
                f"asset {row.serial} already has a pending transfer {pending}"
            )
        transfer = RegisterTransferRow(
            id=new_id(),
            asset_id=row.id,
            from_person=row.holder_id,
            to_person=to_person,
            time=time,
            requested_by=actor,
            from_confirmed_at=time if row.holder_id is None else None,
            from_confirmed_by=actor if row.holder_id is None else None,
            to_confirmed_at=None,
            to_confirmed_by=None,
            state=str(TransferState.PENDING),
        )
        session.add(transfer)
        data = {"transfer_id": transfer.id, "from": row.holder_id, "to": to_person}
        self._history(
            session,
            row.id,
            HistoryKind.TRANSFER_REQUESTED,
            actor=actor,
            time=time,
            recorded_at=time,
            data=data,
        )
        session.flush()
        if audit:
            self._record(actor, "transfer.request", f"asset:{row.serial}", dict(data), time)
        return transfer_from_row(transfer, row.serial)

    def confirm_transfer(
        self,
        transfer_id: str,
        party: Party,
        *,
        person_id: str | None,
        actor: str,
        time: datetime,
    ) -> Transfer:
        """One party confirms. A person party names himself (``person_id``, entered by
        ``actor``); the store's party (``None``) is confirmed by ``actor``. Custody moves when
        both have confirmed."""
        time = require_utc(time)
        with self._tx(f"confirming transfer {transfer_id}") as session:
            transfer = session.get(RegisterTransferRow, transfer_id, with_for_update=True)
            if transfer is None:
                raise RegisterNotFoundError(f"no transfer {transfer_id!r}")
            if transfer.state != str(TransferState.PENDING):
                raise RegisterConflictError(f"transfer {transfer_id} is {transfer.state}")
            expected = transfer.from_person if party is Party.FROM else transfer.to_person
            if expected != person_id:
                raise RegisterInputError(
                    f"the {party} party of transfer {transfer_id} is "
                    f"{expected or 'the store'}, not {person_id or 'the store'}"
                )
            who = person_id or actor
            if party is Party.FROM:
                if transfer.from_confirmed_at is not None:
                    raise RegisterConflictError("the giving party has already confirmed")
                transfer.from_confirmed_at, transfer.from_confirmed_by = time, who
            else:
                if transfer.to_confirmed_at is not None:
                    raise RegisterConflictError("the receiving party has already confirmed")
                transfer.to_confirmed_at, transfer.to_confirmed_by = time, who
            asset = session.get(RegisterAssetRow, transfer.asset_id, with_for_update=True)
            assert asset is not None  # a foreign key
            data: dict[str, Any] = {"transfer_id": transfer.id, "party": str(party), "by": who}
            self._history(
                session,
                asset.id,
                HistoryKind.TRANSFER_CONFIRMED,
                actor=actor,
                time=time,
                recorded_at=time,
                data=data,
            )
            if transfer.from_confirmed_at is not None and transfer.to_confirmed_at is not None:
                transfer.state = str(TransferState.COMPLETED)
                previous = AssetStatus(asset.status)
                asset.holder_id = transfer.to_person
                if transfer.to_person is None:
                    asset.status = str(AssetStatus.IN_STORE)
                else:
                    asset.status = str(AssetStatus.ISSUED)
                    asset.outpost = asset.sector_id = asset.position = asset.device_id = None
                self._touch(asset, time)
                self._history(
                    session,
                    asset.id,
                    HistoryKind.TRANSFER_COMPLETED,
                    actor=actor,
                    time=time,
                    recorded_at=time,
                    data={
                        "transfer_id": transfer.id,
                        "from": transfer.from_person,
                        "to": transfer.to_person,
                        "status_before": str(previous),
                    },
                )
            session.flush()
            self._record(
                actor,
                "transfer.confirm",
                f"asset:{asset.serial}",
                {**data, "state": transfer.state},
                time,
            )
            return transfer_from_row(transfer, asset.serial)
