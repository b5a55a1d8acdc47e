"""The public shapes of assets, projects, history entries, transfers and end-use checks
that several register routers answer with, and their conversion from the register's types.
"""

from datetime import datetime

from pydantic import JsonValue

from kordon.api.schemas.base import PublicModel
from kordon.register.asset import Asset
from kordon.register.categories import Category
from kordon.register.check import EndUseCheck
from kordon.register.custody import Transfer
from kordon.register.history import HistoryEntry
from kordon.register.money import format_amount
from kordon.register.project import FundingProject
from kordon.register.status import AssetStatus


class ProjectPublic(PublicModel):
    id: str
    name: str
    donor: str
    programme: str
    agreement_no: str
    amount: str
    currency: str
    start_on: str
    end_on: str
    check_interval_days: int
    demo: bool


class DeploymentPublic(PublicModel):
    outpost: str
    sector_id: str | None
    position: str | None
    device_id: str | None


class AssetPublic(PublicModel):
    id: str
    serial: str
    project_id: str
    line_id: str
    category: Category
    model: str
    vendor: str
    lot: str | None
    warranty_until: str | None
    status: AssetStatus
    holder_id: str | None
    deployment: DeploymentPublic | None
    status_report: str | None
    last_check_at: datetime | None
    updated_at: datetime
    version: int


class HistoryPublic(PublicModel):
    id: int
    time: datetime
    recorded_at: datetime
    actor: str
    kind: str
    data: dict[str, JsonValue]
    corrects: int | None


class TransferPublic(PublicModel):
    id: str
    serial: str
    from_person: str | None
    to_person: str | None
    time: datetime
    requested_by: str
    from_confirmed_at: datetime | None
    from_confirmed_by: str | None
    to_confirmed_at: datetime | None
    to_confirmed_by: str | None
    state: str


class CheckPublic(PublicModel):
    id: str
    serial: str
    time: datetime
    checked_by: str
    lat: float
    lon: float
    accuracy_m: float | None
    photo_url: str
    photo_sha256: str
    note: str


def asset_public(a: Asset) -> AssetPublic:
    """An asset as the API shows it."""
    d = a.deployment
    return AssetPublic(
        id=a.id,
        serial=a.serial,
        project_id=a.project_id,
        line_id=a.line_id,
        category=a.category,
        model=a.details.model,
        vendor=a.details.vendor,
        lot=a.details.lot,
        warranty_until=a.details.warranty_until.isoformat() if a.details.warranty_until else None,
        status=a.status,
        holder_id=a.holder_id,
        deployment=(
            DeploymentPublic(
                outpost=d.outpost, sector_id=d.sector_id, position=d.position, device_id=d.device_id
            )
            if d is not None
            else None
        ),
        status_report=a.status_report,
        last_check_at=a.last_check_at,
        updated_at=a.updated_at,
        version=a.version,
    )


def project_public(p: FundingProject) -> ProjectPublic:
    """A funding project as the API shows it (amount formatted)."""
    return ProjectPublic(
        id=p.id,
        name=p.name,
        donor=p.donor,
        programme=p.programme,
        agreement_no=p.agreement_no,
        amount=format_amount(p.amount_minor),
        currency=p.currency,
        start_on=p.start_on.isoformat(),
        end_on=p.end_on.isoformat(),
        check_interval_days=p.check_interval_days,
        demo=p.demo,
    )


def history_public(h: HistoryEntry) -> HistoryPublic:
    """A history entry as the API shows it."""
    return HistoryPublic(
        id=h.id,
        time=h.time,
        recorded_at=h.recorded_at,
        actor=h.actor,
        kind=str(h.kind),
        data=h.data,
        corrects=h.corrects,
    )


def transfer_public(t: Transfer) -> TransferPublic:
    """A transfer as the API shows it."""
    return TransferPublic(
        id=t.id,
        serial=t.serial,
        from_person=t.from_person,
        to_person=t.to_person,
        time=t.time,
        requested_by=t.requested_by,
        from_confirmed_at=t.from_confirmed_at,
        from_confirmed_by=t.from_confirmed_by,
        to_confirmed_at=t.to_confirmed_at,
        to_confirmed_by=t.to_confirmed_by,
        state=str(t.state),
    )


def check_public(c: EndUseCheck) -> CheckPublic:
    """An end-use check as the API shows it, with the URL of its photo."""
    return CheckPublic(
        id=c.id,
        serial=c.serial,
        time=c.time,
        checked_by=c.checked_by,
        lat=c.fix.lat,
        lon=c.fix.lon,
        accuracy_m=c.fix.accuracy_m,
        photo_url=f"/api/register/checks/{c.id}/photo",
        photo_sha256=c.photo_sha256,
        note=c.note,
    )
