"""Rows of ``kordon.store.models_register`` to register domain objects."""

from __future__ import annotations

from kordon.register.asset import Asset, AssetDetails, Deployment
from kordon.register.categories import Category
from kordon.register.check import EndUseCheck, GpsFix
from kordon.register.custody import Person, Transfer, TransferState
from kordon.register.history import HistoryEntry, HistoryKind
from kordon.register.project import FundingProject, ProcurementLine
from kordon.register.status import AssetStatus
from kordon.store.models_register import (
    RegisterAssetRow,
    RegisterCheckRow,
    RegisterHistoryRow,
    RegisterLineRow,
    RegisterPersonRow,
    RegisterProjectRow,
    RegisterTransferRow,
)


def project_from_row(row: RegisterProjectRow) -> FundingProject:
    return FundingProject(
        id=row.id,
        name=row.name,
        donor=row.donor,
        programme=row.programme,
        agreement_no=row.agreement_no,
        amount_minor=row.amount_minor,
        currency=row.currency,
        start_on=row.start_on,
        end_on=row.end_on,
        check_interval_days=row.check_interval_days,
        demo=row.demo,
    )


def line_from_row(row: RegisterLineRow) -> ProcurementLine:
    return ProcurementLine(
        id=row.id,
        project_id=row.project_id,
        category=Category(row.category),
        description=row.description,
        quantity=row.quantity,
        unit_cost_minor=row.unit_cost_minor,
        currency=row.currency,
    )


def person_from_row(row: RegisterPersonRow) -> Person:
    return Person(id=row.id, name=row.name, unit=row.unit)


def asset_from_row(row: RegisterAssetRow) -> Asset:
    deployment = None
    if row.outpost is not None:
        deployment = Deployment(
            outpost=row.outpost,
            sector_id=row.sector_id,
            position=row.position,
            device_id=row.device_id,
        )
    return Asset(
        id=row.id,
        serial=row.serial,
        project_id=row.project_id,
        line_id=row.line_id,
        category=Category(row.category),
        details=AssetDetails(
            model=row.model, vendor=row.vendor, lot=row.lot, warranty_until=row.warranty_until
        ),
        status=AssetStatus(row.status),
        delivery_id=row.delivery_id,
        holder_id=row.holder_id,
        deployment=deployment,
        status_report=row.status_report,
        last_check_at=row.last_check_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def history_from_row(row: RegisterHistoryRow) -> HistoryEntry:
    return HistoryEntry(
        id=row.id,
        asset_id=row.asset_id,
        time=row.time,
        recorded_at=row.recorded_at,
        actor=row.actor,
        kind=HistoryKind(row.kind),
        data=dict(row.data),
        corrects=row.corrects,
    )


def transfer_from_row(row: RegisterTransferRow, serial: str) -> Transfer:
    return Transfer(
        id=row.id,
        asset_id=row.asset_id,
        serial=serial,
        from_person=row.from_person,
        to_person=row.to_person,
        time=row.time,
        requested_by=row.requested_by,
        from_confirmed_at=row.from_confirmed_at,
        from_confirmed_by=row.from_confirmed_by,
        to_confirmed_at=row.to_confirmed_at,
        to_confirmed_by=row.to_confirmed_by,
        state=TransferState(row.state),
    )


def check_from_row(row: RegisterCheckRow, serial: str) -> EndUseCheck:
    return EndUseCheck(
        id=row.id,
        asset_id=row.asset_id,
        serial=serial,
        time=row.time,
        checked_by=row.checked_by,
        fix=GpsFix(lat=row.lat, lon=row.lon, accuracy_m=row.accuracy_m),
        photo_sha256=row.photo_sha256,
        photo_type=row.photo_type,
        photo_bytes=row.photo_bytes,
        note=row.note,
    )
