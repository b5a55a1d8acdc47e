"""``RegisterService``: every change to the register.

Each change runs in one database transaction: it updates the asset's current row, appends
to its history (never updated, never deleted: a correction is a new entry naming the one it
corrects) and records an audit entry through ``audit`` (the evidence ledger). The audit
entry is written just before the commit, so a failing ledger rolls the change back; a
commit that fails after it leaves an audit entry of an attempt, never a change without one.
Times are arguments: ``time`` is when it happened, ``recorded_at`` (default ``time``) when
it was entered.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pydantic import JsonValue
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from kordon.domain.time import require_utc
from kordon.register.asset import Asset, AssetDetails, Deployment, NewAsset
from kordon.register.audit import RegisterAudit
from kordon.register.categories import Category
from kordon.register.check import EndUseCheck, GpsFix
from kordon.register.custody import Party, Person, Transfer, TransferState
from kordon.register.documents import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    MAX_DOCUMENTS,
    Delivery,
    check_document,
    delivery_from_columns,
    document_entry,
    document_record,
)
from kordon.register.errors import (
    ImportRefusedError,
    RegisterConflictError,
    RegisterInputError,
    RegisterNotFoundError,
    RowError,
)
from kordon.register.history import HistoryKind
from kordon.register.mapping import (
    asset_from_row,
    check_from_row,
    line_from_row,
    person_from_row,
    project_from_row,
    transfer_from_row,
)
from kordon.register.photos import DEFAULT_MAX_PHOTO_BYTES, PhotoStore, check_photo
from kordon.register.plan import ImportPlan, ImportResult, plan_import
from kordon.register.project import FundingProject, ProcurementLine
from kordon.register.rows import ID_RE
from kordon.register.search import search_text
from kordon.register.site import SiteDevices
from kordon.register.spreadsheet import Table
from kordon.register.status import AssetStatus
from kordon.store.models_register import (
    RegisterAssetRow,
    RegisterCheckRow,
    RegisterDeliveryRow,
    RegisterDonorAccessRow,
    RegisterHistoryRow,
    RegisterLineRow,
    RegisterPersonRow,
    RegisterProjectRow,
    RegisterTransferRow,
)
from kordon.store.session import translate_errors

SETTABLE = frozenset(
    {AssetStatus.IN_STORE, AssetStatus.UNDER_REPAIR, AssetStatus.LOST, AssetStatus.DESTROYED}
)
"""Statuses set directly; ``deployed`` comes from :meth:`deploy`, ``issued`` from a transfer."""


def new_id() -> str:
    return uuid.uuid4().hex


class RegisterService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        audit: RegisterAudit,
        *,
        photos: PhotoStore | None = None,
        site: SiteDevices | None = None,
        max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES,
        documents: PhotoStore | None = None,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._photos = photos
        if documents is None and photos is not None:
            documents = PhotoStore(photos.directory.parent / "documents")
        self._documents = documents
        """Delivery documents: a directory of their own, by default beside the photos'."""
        self.max_document_bytes = max_document_bytes
        self._site = site or SiteDevices()
        self.max_photo_bytes = max_photo_bytes

    # -- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def _tx(self, what: str) -> Iterator[Session]:
        with translate_errors(what), self._sessions.begin() as session:
            yield session

    def _record(
        self,
        actor: str,
        action: str,
        subject: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        self._audit.record(actor, f"register.{action}", subject, "done", details, time)

    @staticmethod
    def _history(
        session: Session,
        asset_id: str,
        kind: HistoryKind,
        *,
        actor: str,
        time: datetime,
        recorded_at: datetime,
        data: dict[str, Any],
        corrects: int | None = None,
    ) -> RegisterHistoryRow:
        row = RegisterHistoryRow(
            asset_id=asset_id,
            time=time,
            recorded_at=recorded_at,
            actor=actor,
            kind=str(kind),
            data=data,
            corrects=corrects,
        )
        session.add(row)
        return row

    @staticmethod
    def _asset_row(session: Session, serial: str) -> RegisterAssetRow:
        row = session.scalars(
            select(RegisterAssetRow).where(RegisterAssetRow.serial == serial).with_for_update()
        ).one_or_none()
        if row is None:
            raise RegisterNotFoundError(f"no asset with serial {serial!r}")
        return row

    @staticmethod
    def _touch(row: RegisterAssetRow, recorded_at: datetime) -> None:
        row.updated_at = recorded_at
        row.version += 1

    def _check_device(self, session: Session, asset: RegisterAssetRow, device_id: str) -> None:
        if not Category(asset.category).networked:
            raise RegisterInputError(
                f"asset {asset.serial} is a {asset.category}: only cameras, recorders, drones, "
                "ground sensors and radars are linked to devices"
            )
        known = self._site.device_ids
        if known is not None and device_id not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise RegisterInputError(
                f"device {device_id!r} is not configured in the site file (known: {listed})"
            )
        other = session.scalars(
            select(RegisterAssetRow.serial).where(
                RegisterAssetRow.device_id == device_id, RegisterAssetRow.id != asset.id
            )
        ).first()
        if other is not None:
            raise RegisterConflictError(f"device {device_id!r} is already linked to asset {other}")

    def _check_sector(self, sector_id: str | None) -> None:
        known = self._site.sector_ids
        if sector_id is not None and known is not None and sector_id not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise RegisterInputError(f"unknown sector {sector_id!r} (sectors: {listed})")

    # -- projects, lines, people, donor access ----------------------------------------------

    def create_project(
        self, project: FundingProject, *, actor: str, time: datetime
    ) -> FundingProject:
        time = require_utc(time)
        _check_id("project id", project.id)
        if project.amount_minor < 0:
            raise RegisterInputError("the project amount must not be negative")
        if project.end_on < project.start_on:
            raise RegisterInputError("the project ends before it starts")
        if not 1 <= project.check_interval_days <= 3660:
            raise RegisterInputError("check_interval_days must be in [1, 3660]")
        with self._tx(f"creating project {project.id}") as session:
            if session.get(RegisterProjectRow, project.id) is not None:
                raise RegisterConflictError(f"project {project.id!r} already exists")
            session.add(
                RegisterProjectRow(
                    id=project.id,
                    name=project.name,
                    donor=project.donor,
                    programme=project.programme,
                    agreement_no=project.agreement_no,
                    amount_minor=project.amount_minor,
                    currency=project.currency,
                    start_on=project.start_on,
                    end_on=project.end_on,
                    check_interval_days=project.check_interval_days,
                    demo=project.demo,
                    created_at=time,
                )
            )
            session.flush()
            self._record(
                actor,
                "project.create",
                f"project:{project.id}",
                {
                    "donor": project.donor,
                    "agreement_no": project.agreement_no,
                    "amount_minor": project.amount_minor,
                    "currency": project.currency,
                    "demo": project.demo,
                },
                time,
            )
        return project

    def add_line(self, line: ProcurementLine, *, actor: str, time: datetime) -> ProcurementLine:
        time = require_utc(time)
        _check_id("line id", line.id)
        if line.quantity < 0 or line.unit_cost_minor < 0:
            raise RegisterInputError("quantity and unit cost must not be negative")
        with self._tx(f"adding line {line.id}") as session:
            project = session.get(RegisterProjectRow, line.project_id)
            if project is None:
                raise RegisterNotFoundError(f"no project {line.project_id!r}")
            if line.currency != project.currency:
                raise RegisterInputError(
                    f"line currency {line.currency} differs from the project's {project.currency}"
                )
            if line.value_minor > project.amount_minor:
                raise RegisterInputError(
                    f"line value {line.value_minor / 100:.2f} exceeds the project amount "
                    f"{project.amount_minor / 100:.2f}"
                )
            if session.get(RegisterLineRow, line.id) is not None:
                raise RegisterConflictError(f"line {line.id!r} already exists")
            session.add(
                RegisterLineRow(
                    id=line.id,
                    project_id=line.project_id,
                    category=str(line.category),
                    description=line.description,
                    quantity=line.quantity,
                    unit_cost_minor=line.unit_cost_minor,
                    currency=line.currency,
                )
            )
            session.flush()
            self._record(
                actor,
                "line.create",
                f"line:{line.id}",
                {
                    "project_id": line.project_id,
                    "category": str(line.category),
                    "quantity": line.quantity,
                    "unit_cost_minor": line.unit_cost_minor,
                },
                time,
            )
        return line

    def add_person(self, person: Person, *, actor: str, time: datetime) -> Person:
        time = require_utc(time)
        _check_id("person id", person.id)
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

    def grant_donor(self, username: str, donor: str, *, actor: str, time: datetime) -> None:
        """Let the donor-auditor account ``username`` read the projects funded by ``donor``."""
        time = require_utc(time)
        with self._tx(f"granting donor {donor} to {username}") as session:
            if session.get(RegisterDonorAccessRow, (username, donor)) is None:
                session.add(RegisterDonorAccessRow(username=username, donor=donor))
                session.flush()
            self._record(actor, "donor.grant", f"user:{username}", {"donor": donor}, time)

    # -- assets --------------------------------------------------------------------------------

    def register(
        self, asset: NewAsset, *, actor: str, time: datetime, source: str = "api"
    ) -> Asset:
        """Register one serial (as an import of one row would)."""
        time = require_utc(time)
        table = Table(file=source, columns=[])
        with self._tx(f"registering {asset.serial}") as session:
            plan = plan_import(
                session,
                table,
                [(0, asset)],
                time=time,
                actor=actor,
                site=self._site,
            )
            self._apply(session, plan, actor=actor, time=time, source=source)
            row = session.scalars(
                select(RegisterAssetRow).where(RegisterAssetRow.serial == asset.serial)
            ).one()
            return asset_from_row(row)

    def import_table(
        self,
        table: Table,
        parsed: list[tuple[int, NewAsset]],
        *,
        actor: str,
        time: datetime,
        file_sha256: str | None,
    ) -> ImportResult:
        """Write every parsed row in one transaction, or nothing (``ImportRefusedError``)."""
        time = require_utc(time)
        with self._tx(f"importing {table.file}") as session:
            plan = plan_import(session, table, parsed, time=time, actor=actor, site=self._site)
            return self._apply(
                session, plan, actor=actor, time=time, source=table.file, file_sha256=file_sha256
            )

    def _apply(
        self,
        session: Session,
        plan: ImportPlan,
        *,
        actor: str,
        time: datetime,
        source: str,
        file_sha256: str | None = None,
    ) -> ImportResult:
        import_id = new_id()
        if plan.lines:
            session.execute(insert(RegisterLineRow), plan.lines)
        if plan.deliveries:
            session.execute(insert(RegisterDeliveryRow), plan.deliveries)
        assets: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for item in plan.assets:
            asset_id = new_id()
            new = item.asset
            dep = new.deployment
            assets.append(
                {
                    "id": asset_id,
                    "serial": new.serial,
                    "project_id": new.project_id,
                    "line_id": item.line_id,
                    "category": str(new.category),
                    "model": new.details.model,
                    "vendor": new.details.vendor,
                    "lot": new.details.lot,
                    "warranty_until": new.details.warranty_until,
                    "delivery_id": item.delivery_id,
                    "status": str(new.status),
                    "holder_id": new.holder_id,
                    "sector_id": dep.sector_id if dep else None,
                    "outpost": dep.outpost if dep else None,
                    "position": dep.position if dep else None,
                    "device_id": dep.device_id if dep else None,
                    "status_report": new.report,
                    "search_text": search_text(
                        new.serial, new.details.model, new.details.vendor, new.details.lot
                    ),
                    "last_check_at": None,
                    "created_at": time,
                    "updated_at": time,
                    "version": 1,
                }
            )
            history.append(
                {
                    "asset_id": asset_id,
                    "time": time,
                    "recorded_at": time,
                    "actor": actor,
                    "kind": str(HistoryKind.REGISTERED),
                    "data": {
                        "import_id": import_id,
                        "source": source,
                        "row": item.row,
                        "status": str(new.status),
                        "delivered_on": new.delivered_on.isoformat(),
                        "received_by": new.received_by,
                        "holder_id": new.holder_id,
                        "outpost": dep.outpost if dep else None,
                        "sector_id": dep.sector_id if dep else None,
                        "device_id": dep.device_id if dep else None,
                        "report": new.report,
                    },
                    "corrects": None,
                }
            )
        if assets:
            session.execute(insert(RegisterAssetRow), assets)
            session.execute(insert(RegisterHistoryRow), history)
        details: dict[str, JsonValue] = {
            "import_id": import_id,
            "assets": len(assets),
            "lines_created": len(plan.lines),
            "deliveries": len(plan.deliveries),
            "serials_sha256": plan.serials_sha256,
        }
        if file_sha256 is not None:
            details["file_sha256"] = file_sha256
        if len(assets) == 1:
            details["serial"] = assets[0]["serial"]
        self._record(actor, "assets.import", f"import:{source}"[:256], details, time)
        return ImportResult(
            import_id=import_id,
            file=source,
            assets=len(assets),
            lines_created=len(plan.lines),
            deliveries=len(plan.deliveries),
        )

    def deploy(
        self,
        serial: str,
        deployment: Deployment,
        *,
        actor: str,
        time: datetime,
        recorded_at: datetime | None = None,
    ) -> Asset:
        time = require_utc(time)
        recorded = require_utc(recorded_at or time)
        if not deployment.outpost.strip():
            raise RegisterInputError("a deployment needs an outpost")
        self._check_sector(deployment.sector_id)
        with self._tx(f"deploying {serial}") as session:
            row = self._asset_row(session, serial)
            status = AssetStatus(row.status)
            if status not in (AssetStatus.IN_STORE, AssetStatus.DEPLOYED, AssetStatus.UNDER_REPAIR):
                raise RegisterConflictError(
                    f"asset {serial} is {status}; only equipment in store, deployed or back "
                    "from repair can be deployed (return issued equipment to the store first)"
                )
            if deployment.device_id is not None:
                self._check_device(session, row, deployment.device_id)
            row.status = str(AssetStatus.DEPLOYED)
            row.outpost = deployment.outpost
            row.sector_id = deployment.sector_id
            row.position = deployment.position
            row.device_id = deployment.device_id
            row.status_report = None
            self._touch(row, recorded)
            data = {
                "outpost": deployment.outpost,
                "sector_id": deployment.sector_id,
                "position": deployment.position,
                "device_id": deployment.device_id,
            }
            self._history(
                session,
                row.id,
                HistoryKind.DEPLOYED,
                actor=actor,
                time=time,
                recorded_at=recorded,
                data=data,
            )
            session.flush()
            self._record(actor, "asset.deploy", f"asset:{serial}", dict(data), time)
            return asset_from_row(row)

    def set_status(
        self,
        serial: str,
        status: AssetStatus,
        *,
        report: str | None,
        actor: str,
        time: datetime,
        recorded_at: datetime | None = None,
    ) -> Asset:
        """Set in store, under repair, lost or destroyed (the last two need a report)."""
        time = require_utc(time)
        recorded = require_utc(recorded_at or time)
        if status not in SETTABLE:
            raise RegisterInputError(
                f"status {status} is not set directly: deploy the asset, or transfer it"
            )
        report = (report or "").strip() or None
        if status.needs_report and report is None:
            raise RegisterInputError(f"status {status} needs a report")
        if report is not None and len(report) > 4000:
            raise RegisterInputError("the report is longer than 4000 characters")
        with self._tx(f"setting status of {serial}") as session:
            row = self._asset_row(session, serial)
            current = AssetStatus(row.status)
            if current is AssetStatus.DESTROYED:
                raise RegisterConflictError(
                    f"asset {serial} is destroyed; a mistaken entry is fixed by a correction"
                )
            if current is AssetStatus.ISSUED and status is AssetStatus.IN_STORE:
                raise RegisterConflictError(
                    f"asset {serial} is issued to {row.holder_id}: return it by a transfer"
                )
            row.status = str(status)
            row.status_report = report
            if status is not AssetStatus.UNDER_REPAIR and status is not AssetStatus.LOST:
                row.outpost = row.sector_id = row.position = row.device_id = None
            if status is AssetStatus.IN_STORE:
                row.holder_id = None
            self._touch(row, recorded)
            data = {"from": str(current), "to": str(status), "report": report}
            self._history(
                session,
                row.id,
                HistoryKind.STATUS,
                actor=actor,
                time=time,
                recorded_at=recorded,
                data=data,
            )
            session.flush()
            self._record(actor, "asset.status", f"asset:{serial}", dict(data), time)
            return asset_from_row(row)

    def correct(
        self,
        serial: str,
        details: AssetDetails,
        *,
        reason: str,
        corrects: int | None = None,
        actor: str,
        time: datetime,
    ) -> Asset:
        """Correct what was recorded about a serial (model, vendor, lot, warranty); the
        earlier entries stay as they were, the correction is a new entry."""
        time = require_utc(time)
        if not reason.strip():
            raise RegisterInputError("a correction needs a reason")
        with self._tx(f"correcting {serial}") as session:
            row = self._asset_row(session, serial)
            if corrects is not None:
                target = session.get(RegisterHistoryRow, corrects)
                if target is None or target.asset_id != row.id:
                    raise RegisterNotFoundError(
                        f"no history entry {corrects} of asset {serial} to correct"
                    )
            before = {
                "model": row.model,
                "vendor": row.vendor,
                "lot": row.lot,
                "warranty_until": row.warranty_until.isoformat() if row.warranty_until else None,
            }
            row.model = details.model
            row.vendor = details.vendor
            row.lot = details.lot
            row.warranty_until = details.warranty_until
            row.search_text = search_text(row.serial, details.model, details.vendor, details.lot)
            self._touch(row, time)
            after = {
                "model": details.model,
                "vendor": details.vendor,
                "lot": details.lot,
                "warranty_until": (
                    details.warranty_until.isoformat() if details.warranty_until else None
                ),
            }
            data = {"before": before, "after": after, "reason": reason.strip()}
            self._history(
                session,
                row.id,
                HistoryKind.CORRECTED,
                actor=actor,
                time=time,
                recorded_at=time,
                data=data,
                corrects=corrects,
            )
            session.flush()
            self._record(
                actor,
                "asset.correct",
                f"asset:{serial}",
                {"reason": reason.strip(), "corrects": corrects, "after": dict(after)},
                time,
            )
            return asset_from_row(row)

    # -- custody -------------------------------------------------------------------------------

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

    # -- end-use checks ------------------------------------------------------------------------

    def record_check(
        self,
        serial: str,
        *,
        fix: GpsFix,
        photo: bytes,
        note: str,
        actor: str,
        time: datetime,
        recorded_at: datetime | None = None,
    ) -> EndUseCheck:
        """Who saw ``serial`` where and when. The photo is validated first: a photo that is
        not an image, or too large, is refused and nothing is stored."""
        time = require_utc(time)
        recorded = require_utc(recorded_at or time)
        if time > recorded:
            raise RegisterInputError("the check's time is in the future")
        if len(note) > 2000:
            raise RegisterInputError("the note is longer than 2000 characters")
        if self._photos is None:
            raise RegisterInputError("photos are not stored on this node (no photo directory)")
        checked = check_photo(photo, max_bytes=self.max_photo_bytes)
        created = False
        try:
            with self._tx(f"recording a check of {serial}") as session:
                row = self._asset_row(session, serial)
                created = self._photos.save(checked)
                check = RegisterCheckRow(
                    id=new_id(),
                    asset_id=row.id,
                    time=time,
                    checked_by=actor,
                    lat=fix.lat,
                    lon=fix.lon,
                    accuracy_m=fix.accuracy_m,
                    photo_sha256=checked.sha256,
                    photo_type=checked.content_type,
                    photo_bytes=len(checked.data),
                    note=note,
                )
                session.add(check)
                if row.last_check_at is None or row.last_check_at < time:
                    row.last_check_at = time
                self._touch(row, recorded)
                data: dict[str, JsonValue] = {
                    "check_id": check.id,
                    "lat": fix.lat,
                    "lon": fix.lon,
                    "accuracy_m": fix.accuracy_m,
                    "photo_sha256": checked.sha256,
                }
                self._history(
                    session,
                    row.id,
                    HistoryKind.CHECKED,
                    actor=actor,
                    time=time,
                    recorded_at=recorded,
                    data=data,
                )
                session.flush()
                self._record(actor, "asset.check", f"asset:{serial}", dict(data), time)
                return check_from_row(check, row.serial)
        except BaseException:
            if created:
                self._photos.remove(checked.sha256, checked.extension)
            raise

    def photo(self, sha256: str, content_type: str) -> bytes | None:
        """A stored check photo's bytes."""
        if self._photos is None:
            return None
        extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
            content_type
        )
        return None if extension is None else self._photos.read(sha256, extension)

    def attach_document(
        self, serial: str, *, data: bytes, file_name: str, actor: str, time: datetime
    ) -> Delivery:
        """Attach a document to the delivery ``serial`` came in. The content is checked
        first (size, sniffed type); the file is kept by hash, the delivery's list of
        documents grows (nothing is replaced) and the ledger gets an entry with the hash."""
        time = require_utc(time)
        if self._documents is None:
            raise RegisterInputError("documents are not stored on this node (no directory)")
        checked = check_document(data, file_name, max_bytes=self.max_document_bytes)
        created = False
        try:
            with self._tx(f"attaching a document to the delivery of {serial}") as session:
                asset = self._asset_row(session, serial)
                if asset.delivery_id is None:
                    raise RegisterInputError(f"{serial} was registered without a delivery")
                delivery = session.scalars(
                    select(RegisterDeliveryRow)
                    .where(RegisterDeliveryRow.id == asset.delivery_id)
                    .with_for_update()
                ).one()
                entries = list(delivery.documents)
                if any(e.get("sha256") == checked.sha256 for e in entries):
                    raise RegisterConflictError(
                        f"{checked.name}: this document is already attached to the delivery"
                    )
                if sum(1 for e in entries if "sha256" in e) >= MAX_DOCUMENTS:
                    raise RegisterInputError(
                        f"the delivery already has {MAX_DOCUMENTS} documents, the most allowed"
                    )
                created = self._documents.save(checked)
                record = document_record(checked, actor=actor, time=time)
                delivery.documents = [*entries, document_entry(record)]
                details: dict[str, JsonValue] = {
                    "delivery_id": delivery.id,
                    "serial": serial,
                    **document_entry(record),
                }
                session.flush()
                self._record(actor, "delivery.document", f"delivery:{delivery.id}", details, time)
                return delivery_from_columns(
                    delivery.id,
                    delivery.project_id,
                    delivery.delivered_on,
                    delivery.received_by,
                    delivery.documents,
                )
        except BaseException:
            if created:
                self._documents.remove(checked.sha256, checked.extension)
            raise

    def delivery_of(self, serial: str) -> Delivery | None:
        """The delivery ``serial`` came in, with its documents; ``None`` if it has none."""
        with self._tx(f"reading the delivery of {serial}") as session:
            row = session.execute(
                select(
                    RegisterDeliveryRow.id,
                    RegisterDeliveryRow.project_id,
                    RegisterDeliveryRow.delivered_on,
                    RegisterDeliveryRow.received_by,
                    RegisterDeliveryRow.documents,
                )
                .join(RegisterAssetRow, RegisterAssetRow.delivery_id == RegisterDeliveryRow.id)
                .where(RegisterAssetRow.serial == serial)
            ).one_or_none()
            if row is None:
                return None
            return delivery_from_columns(row[0], row[1], row[2], row[3], row[4])

    def document(self, serial: str, sha256: str) -> tuple[bytes, str, str] | None:
        """(content, content type, name) of a document of ``serial``'s delivery."""
        delivery = self.delivery_of(serial)
        if delivery is None or self._documents is None:
            return None
        for doc in delivery.documents:
            if doc.sha256 == sha256:
                extension = {
                    "application/pdf": "pdf",
                    "image/jpeg": "jpg",
                    "image/png": "png",
                    "image/webp": "webp",
                }[doc.content_type]
                data = self._documents.read(sha256, extension)
                return None if data is None else (data, doc.content_type, doc.name)
        return None

    # -- small reads the writers' callers need -----------------------------------------------

    def donors_of(self, username: str) -> frozenset[str]:
        with self._tx(f"reading donors of {username}") as session:
            return frozenset(
                session.scalars(
                    select(RegisterDonorAccessRow.donor).where(
                        RegisterDonorAccessRow.username == username
                    )
                )
            )

    def projects(self) -> list[FundingProject]:
        with self._tx("reading projects") as session:
            rows = session.scalars(select(RegisterProjectRow).order_by(RegisterProjectRow.id))
            return [project_from_row(r) for r in rows]

    def lines(self, project_id: str) -> list[ProcurementLine]:
        with self._tx(f"reading lines of {project_id}") as session:
            rows = session.scalars(
                select(RegisterLineRow)
                .where(RegisterLineRow.project_id == project_id)
                .order_by(RegisterLineRow.id)
            )
            return [line_from_row(r) for r in rows]

    def people(self) -> list[Person]:
        with self._tx("reading people") as session:
            rows = session.scalars(select(RegisterPersonRow).order_by(RegisterPersonRow.id))
            return [person_from_row(r) for r in rows]


def _check_id(what: str, value: str) -> None:
    if not ID_RE.fullmatch(value):
        raise RegisterInputError(
            f"invalid {what} {value!r}: letters, digits, '.', '_' or '-', at most 64"
        )
