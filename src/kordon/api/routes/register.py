"""``/api/register``: the equipment register (issue 16).

Reading needs ``register_read`` and is limited to the user's register scope (a commander
sees his sectors, a donor auditor the projects of his donors); assets outside it answer 404
like unknown serials. Changes need ``register_edit``; end-use checks ``register_check``.
Every change is an entry of the asset's append-only history and of the evidence ledger.
"""

import base64
import binascii
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import Field, JsonValue

from kordon.accounts.roles import Permission, Role
from kordon.api.deps import ContextDep, CurrentUser, require
from kordon.api.responses import responses
from kordon.api.schemas.base import PublicModel, RequestBody
from kordon.domain.time import require_utc
from kordon.register.asset import Asset, AssetDetails, Deployment, NewAsset
from kordon.register.categories import Category
from kordon.register.check import EndUseCheck, GpsFix
from kordon.register.context import RegisterContext
from kordon.register.custody import Party, Transfer
from kordon.register.documents import Delivery
from kordon.register.errors import ImportRefusedError, RegisterInputError
from kordon.register.export import export_rows, write_csv, write_xlsx
from kordon.register.history import HistoryEntry
from kordon.register.importer import import_assets
from kordon.register.labels import label_sheet
from kordon.register.money import format_amount
from kordon.register.project import FundingProject
from kordon.register.queries import CategorySummary
from kordon.register.reader import AssetFilter
from kordon.register.rows import COLUMNS, parse_asset_row
from kordon.register.scope import RegisterScope
from kordon.register.status import AssetStatus
from kordon.register.uptime import DeviceUptime

MAX_BULK = 500
MAX_UPTIME_DAYS = 92

# -- schemas -----------------------------------------------------------------------------------


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


class AssetPagePublic(PublicModel):
    items: list[AssetPublic]
    next_after: str | None
    total: int
    """Matching assets, counted up to 1,000."""
    total_capped: bool
    """More than ``total`` assets match."""


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


class AssetDetailPublic(PublicModel):
    asset: AssetPublic
    project: ProjectPublic
    unit_cost: str
    holder: str | None
    """The holder's id and name (only what custody needs)."""
    history: list[HistoryPublic]
    transfers: list[TransferPublic]
    checks: list[CheckPublic]


class CategorySummaryPublic(PublicModel):
    category: Category
    ordered: int
    delivered: int
    in_use: int
    operational: int
    in_store: int
    under_repair: int
    lost: int
    destroyed: int
    unlinked_networked: int
    ordered_value: str
    delivered_value: str
    in_use_value: str
    operational_value: str
    lost_destroyed_value: str


class ProjectSummaryPublic(PublicModel):
    project: ProjectPublic
    categories: list[CategorySummaryPublic]


class OutagePublic(PublicModel):
    start: datetime
    end: datetime
    state: str
    detail: str
    ongoing: bool = Field(description="Still down at the end of the window.")


class UptimePublic(PublicModel):
    serial: str
    device_id: str
    since: datetime
    until: datetime
    up_s: float
    down_s: float
    unknown_s: float
    ratio: float | None
    outages: list[OutagePublic]


class RowErrorPublic(PublicModel):
    file: str
    row: int
    column: str
    reason: str


class ImportPublic(PublicModel):
    import_id: str
    assets: int
    lines_created: int
    deliveries: int


class AssetCreate(RequestBody):
    """One serial, with the columns of an import (text, checked like an imported row)."""

    cells: dict[str, Annotated[str, Field(max_length=4000)]] = Field(
        description=f"Column -> text; columns: {', '.join(COLUMNS)}.", max_length=len(COLUMNS)
    )


class DeployRequest(RequestBody):
    outpost: str = Field(min_length=1, max_length=128)
    sector_id: str | None = Field(default=None, max_length=128)
    position: str | None = Field(default=None, max_length=128)
    device_id: str | None = Field(default=None, max_length=128)


class StatusRequest(RequestBody):
    status: Literal["in_store", "under_repair", "lost", "destroyed"]
    report: str | None = Field(default=None, max_length=4000)


class CorrectionRequest(RequestBody):
    model: str = Field(min_length=1, max_length=128)
    vendor: str = Field(min_length=1, max_length=128)
    lot: str | None = Field(default=None, max_length=128)
    warranty_until: str | None = Field(default=None, max_length=10)
    reason: str = Field(min_length=1, max_length=2000)
    corrects: int | None = Field(default=None, ge=1)


class TransferRequest(RequestBody):
    serials: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        min_length=1, max_length=MAX_BULK
    )
    to_person: str | None = Field(default=None, max_length=64, description="None: the store.")


class ConfirmRequest(RequestBody):
    party: Literal["from", "to"]
    person_id: str | None = Field(
        default=None, max_length=64, description="The confirming person; none: the store."
    )


class CheckRequest(RequestBody):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    time: datetime | None = Field(default=None, description="When it was seen; default: now.")
    note: str = Field(default="", max_length=2000)
    photo_base64: str = Field(min_length=1, description="A JPEG, PNG or WebP photo, base64.")


class ImportRequest(RequestBody):
    file_name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,120}\.(csv|xlsx|xlsm|xls)$")
    content_base64: str = Field(min_length=1)


class DocumentRequest(RequestBody):
    file_name: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(
        min_length=1, description="A PDF, JPEG, PNG or WebP file, base64 (type sniffed)."
    )


class DocumentPublic(PublicModel):
    name: str
    sha256: str
    content_type: str
    size_bytes: int
    attached_at: datetime
    attached_by: str
    url: str


class DeliveryPublic(PublicModel):
    id: str
    project_id: str
    delivered_on: date
    received_by: str
    documents: list[DocumentPublic]
    sources: list[str] = Field(description="The imported files its serials came from.")


def _delivery_public(serial: str, d: Delivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=d.id,
        project_id=d.project_id,
        delivered_on=d.delivered_on,
        received_by=d.received_by,
        documents=[
            DocumentPublic(
                name=doc.name,
                sha256=doc.sha256,
                content_type=doc.content_type,
                size_bytes=doc.size_bytes,
                attached_at=doc.attached_at,
                attached_by=doc.attached_by,
                url=f"/api/register/assets/{quote(serial, safe='')}/documents/{doc.sha256}",
            )
            for doc in d.documents
        ],
        sources=list(d.sources),
    )


# -- views -----------------------------------------------------------------------------------


def _asset_public(a: Asset) -> AssetPublic:
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


def _project_public(p: FundingProject) -> ProjectPublic:
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


def _history_public(h: HistoryEntry) -> HistoryPublic:
    return HistoryPublic(
        id=h.id,
        time=h.time,
        recorded_at=h.recorded_at,
        actor=h.actor,
        kind=str(h.kind),
        data=h.data,
        corrects=h.corrects,
    )


def _transfer_public(t: Transfer) -> TransferPublic:
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


def _check_public(c: EndUseCheck) -> CheckPublic:
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


def _category_public(c: CategorySummary) -> CategorySummaryPublic:
    return CategorySummaryPublic(
        category=c.category,
        ordered=c.ordered,
        delivered=c.delivered,
        in_use=c.in_use,
        operational=c.operational,
        in_store=c.in_store,
        under_repair=c.under_repair,
        lost=c.lost,
        destroyed=c.destroyed,
        unlinked_networked=c.unlinked_networked,
        ordered_value=format_amount(c.ordered_value_minor),
        delivered_value=format_amount(c.delivered_value_minor),
        in_use_value=format_amount(c.in_use_value_minor),
        operational_value=format_amount(c.operational_value_minor),
        lost_destroyed_value=format_amount(c.lost_destroyed_value_minor),
    )


def _uptime_public(serial: str, u: DeviceUptime) -> UptimePublic:
    return UptimePublic(
        serial=serial,
        device_id=u.device_id,
        since=u.since,
        until=u.until,
        up_s=u.up_s,
        down_s=u.down_s,
        unknown_s=u.unknown_s,
        ratio=u.ratio,
        outages=[
            OutagePublic(
                start=o.start, end=o.end, state=o.state, detail=o.detail, ongoing=o.ongoing
            )
            for o in u.outages
        ],
    )


def _refused(exc: ImportRefusedError) -> JSONResponse:
    return JSONResponse(
        {
            "detail": str(exc)[:2000],
            "errors": [
                {"file": e.file, "row": e.row, "column": e.column, "reason": e.reason}
                for e in exc.errors[:1000]
            ],
        },
        status_code=422,
    )


def _decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(status_code=422, detail=f"{what} is not valid base64") from None


# -- dependencies ------------------------------------------------------------------------------


def get_register(context: ContextDep) -> RegisterContext:
    if context.register is None:
        raise HTTPException(status_code=503, detail="the equipment register is not enabled")
    return context.register


RegisterDep = Annotated[RegisterContext, Depends(get_register)]


def get_register_scope(register: RegisterDep, user: CurrentUser) -> RegisterScope:
    donors: frozenset[str] = frozenset()
    projects: list[str] | None = None
    if user.role is Role.DONOR_AUDITOR:
        donors = register.service.donors_of(user.username)
        projects = [p.id for p in register.service.projects() if p.donor in donors]
    return RegisterScope.of_user(
        role=user.role, sectors=user.sectors, donors=donors, donor_projects=projects
    )


ScopeDep = Annotated[RegisterScope, Depends(get_register_scope)]

READ = [Depends(require(Permission.REGISTER_READ))]
EDIT = [Depends(require(Permission.REGISTER_EDIT))]
CHECK = [Depends(require(Permission.REGISTER_CHECK))]
CHANGE = responses(403, 404, 409, 413)


def router() -> APIRouter:
    r = APIRouter(tags=["register"])

    @r.get(
        "/api/register/projects",
        response_model=list[ProjectPublic],
        dependencies=READ,
        summary="Funding projects (within the user's scope)",
        responses=responses(403),
    )
    def projects(register: RegisterDep, scope: ScopeDep) -> list[ProjectPublic]:
        return [_project_public(p) for p in register.reader.projects(scope)]

    @r.get(
        "/api/register/summary",
        response_model=list[ProjectSummaryPublic],
        dependencies=READ,
        summary="Per project and category: delivered, in use, operational, lost",
        responses=responses(403),
    )
    def summary(
        register: RegisterDep,
        scope: ScopeDep,
        project: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[ProjectSummaryPublic]:
        return [
            ProjectSummaryPublic(
                project=_project_public(s.project),
                categories=[_category_public(c) for c in s.categories],
            )
            for s in register.queries.project_summaries(scope, project_id=project)
        ]

    @r.get(
        "/api/register/assets",
        response_model=AssetPagePublic,
        dependencies=READ,
        summary="Assets: filter, search, keyset pages by serial",
        responses=responses(403),
    )
    def assets(
        *,
        register: RegisterDep,
        scope: ScopeDep,
        project: Annotated[str | None, Query(max_length=64)] = None,
        category: Annotated[Category | None, Query()] = None,
        status: Annotated[AssetStatus | None, Query()] = None,
        sector: Annotated[str | None, Query(max_length=128)] = None,
        holder: Annotated[str | None, Query(max_length=64)] = None,
        q: Annotated[str | None, Query(max_length=128)] = None,
        after: Annotated[str | None, Query(max_length=128)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> AssetPagePublic:
        where = AssetFilter(
            project_id=project,
            category=category,
            status=status,
            sector_id=sector,
            holder_id=holder,
            query=q,
        )
        page = register.reader.page(scope, where, after=after, limit=limit)
        return AssetPagePublic(
            items=[_asset_public(a) for a in page.items],
            next_after=page.next_after,
            total=page.total or 0,
            total_capped=page.total_capped,
        )

    @r.get(
        "/api/register/assets/{serial}",
        response_model=AssetDetailPublic,
        dependencies=READ,
        summary="One asset with its history, transfers and end-use checks",
        responses=responses(403, 404),
    )
    def asset(serial: str, register: RegisterDep, scope: ScopeDep) -> AssetDetailPublic:
        view = register.reader.view(scope, serial)
        holder = f"{view.holder.id} ({view.holder.name})" if view.holder is not None else None
        return AssetDetailPublic(
            asset=_asset_public(view.asset),
            project=_project_public(view.project),
            unit_cost=format_amount(view.line.unit_cost_minor),
            holder=holder,
            history=[_history_public(h) for h in view.history],
            transfers=[_transfer_public(t) for t in view.transfers],
            checks=[_check_public(c) for c in view.checks],
        )

    @r.get(
        "/api/register/assets/{serial}/uptime",
        response_model=UptimePublic,
        dependencies=READ,
        summary="Uptime and outages of a networked asset (from its device's health)",
        responses=responses(403, 404),
    )
    def uptime(
        *,
        serial: str,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        since: Annotated[datetime | None, Query()] = None,
        until: Annotated[datetime | None, Query()] = None,
    ) -> UptimePublic:
        found = register.reader.asset(scope, serial)
        device = found.deployment.device_id if found.deployment is not None else None
        if device is None:
            raise HTTPException(status_code=404, detail=f"asset {serial} is not linked to a device")
        try:
            end = require_utc(until) if until is not None else context.clock()
            start = require_utc(since) if since is not None else end - timedelta(days=7)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        if not timedelta(0) < end - start <= timedelta(days=MAX_UPTIME_DAYS):
            raise HTTPException(
                status_code=422, detail=f"the period must be 0 to {MAX_UPTIME_DAYS} days long"
            )
        found_uptime = [
            u for u in register.queries.uptimes(scope, since=start, until=end) if u.serial == serial
        ]
        if not found_uptime:
            raise HTTPException(status_code=404, detail=f"no uptime for asset {serial}")
        return _uptime_public(serial, found_uptime[0].uptime)

    @r.get(
        "/api/register/export.{fmt}",
        dependencies=READ,
        summary="Export the visible register (CSV or XLSX)",
        response_class=Response,
        responses={
            200: {"content": {"text/csv": {}, "application/octet-stream": {}}},
            **responses(403, 404),
        },
    )
    def export(
        fmt: Literal["csv", "xlsx"],
        register: RegisterDep,
        scope: ScopeDep,
        project: Annotated[str | None, Query(max_length=64)] = None,
    ) -> Response:
        with tempfile.TemporaryDirectory(prefix="kordon-export-") as folder:
            path = Path(folder) / f"register.{fmt}"
            rows = export_rows(register.sessions, scope, AssetFilter(project_id=project))
            (write_csv if fmt == "csv" else write_xlsx)(rows, path)
            data = path.read_bytes()
        media = (
            "text/csv"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return Response(
            data,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="register.{fmt}"'},
        )

    @r.get(
        "/api/register/labels.html",
        dependencies=READ,
        summary="A printable sheet of QR labels",
        response_class=HTMLResponse,
        responses=responses(403),
    )
    def labels(
        register: RegisterDep,
        scope: ScopeDep,
        project: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 300,
    ) -> HTMLResponse:
        page = register.reader.list_assets(scope, AssetFilter(project_id=project), limit=limit)
        demo = {p.id for p in register.reader.projects(scope) if p.demo}
        return HTMLResponse(
            label_sheet(
                page.items,
                title="Kordon equipment labels",
                demo=any(a.project_id in demo for a in page.items),
            )
        )

    @r.get(
        "/api/register/checks/{check_id}/photo",
        dependencies=READ,
        summary="The photo of an end-use check",
        response_class=Response,
        responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, **responses(403, 404)},
    )
    def photo(check_id: str, register: RegisterDep, scope: ScopeDep) -> Response:
        check = register.reader.check(check_id, scope)
        content_type = {"image/jpeg", "image/png", "image/webp"}
        stored = register.service.photo(check.photo_sha256, check.photo_type)
        if stored is None or check.photo_type not in content_type:
            raise HTTPException(status_code=404, detail=f"the photo of check {check_id} is gone")
        return Response(stored, media_type=check.photo_type)

    @r.get(
        "/api/register/assets/{serial}/delivery",
        response_model=DeliveryPublic,
        dependencies=READ,
        summary="The delivery an asset came in, with its documents",
        responses=responses(403, 404),
    )
    def delivery(serial: str, register: RegisterDep, scope: ScopeDep) -> DeliveryPublic:
        register.reader.asset(scope, serial)
        found = register.service.delivery_of(serial)
        if found is None:
            raise HTTPException(status_code=404, detail=f"{serial} has no delivery recorded")
        return _delivery_public(serial, found)

    @r.get(
        "/api/register/assets/{serial}/documents/{sha256}",
        dependencies=READ,
        summary="A document of the delivery an asset came in",
        response_class=Response,
        responses={
            200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}},
            **responses(403, 404),
        },
    )
    def document(serial: str, sha256: str, register: RegisterDep, scope: ScopeDep) -> Response:
        register.reader.asset(scope, serial)
        stored = register.service.document(serial, sha256)
        if stored is None:
            raise HTTPException(status_code=404, detail=f"no document {sha256} for {serial}")
        data, content_type, name = stored
        disposition = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        return Response(
            data,
            media_type=content_type,
            headers={
                "Content-Disposition": disposition,
                "X-Content-Type-Options": "nosniff",
            },
        )

    # -- changes -------------------------------------------------------------------------------

    @r.post(
        "/api/register/assets/{serial}/documents",
        response_model=DeliveryPublic,
        dependencies=EDIT,
        summary="Attach a document to the delivery an asset came in (bad type or size: 422/413)",
        responses=CHANGE,
    )
    def attach_document(
        *,
        serial: str,
        body: DocumentRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> DeliveryPublic:
        register.reader.asset(scope, serial)
        limit = register.service.max_document_bytes
        if len(body.content_base64) > (limit * 4) // 3 + 4:
            raise HTTPException(
                status_code=413, detail=f"the document is larger than {limit} bytes"
            )
        data = _decode(body.content_base64, "content_base64")
        try:
            attached = register.service.attach_document(
                serial,
                data=data,
                file_name=body.file_name,
                actor=user.username,
                time=context.clock(),
            )
        except RegisterInputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return _delivery_public(serial, attached)

    @r.post(
        "/api/register/assets",
        response_model=AssetPublic,
        dependencies=EDIT,
        summary="Register one serial",
        responses=CHANGE,
    )
    def create(
        body: AssetCreate, register: RegisterDep, context: ContextDep, user: CurrentUser
    ) -> AssetPublic | JSONResponse:
        now = context.clock()
        parsed = parse_asset_row(body.cells, today=now.date())
        if not isinstance(parsed, NewAsset):
            raise HTTPException(
                status_code=422, detail="; ".join(f"{e.column}: {e.reason}" for e in parsed)
            )
        try:
            return _asset_public(register.service.register(parsed, actor=user.username, time=now))
        except ImportRefusedError as exc:
            return _refused(exc)

    @r.post(
        "/api/register/imports",
        response_model=ImportPublic,
        dependencies=EDIT,
        summary="Import a CSV or XLSX file: all rows or none (row-level errors: 422)",
        responses=CHANGE,
    )
    def import_file(
        body: ImportRequest, register: RegisterDep, context: ContextDep, user: CurrentUser
    ) -> ImportPublic | JSONResponse:
        data = _decode(body.content_base64, "content_base64")
        with tempfile.TemporaryDirectory(prefix="kordon-import-") as folder:
            path = Path(folder) / Path(body.file_name).name
            path.write_bytes(data)
            try:
                result = import_assets(
                    register.service, path, actor=user.username, time=context.clock()
                )
            except ImportRefusedError as exc:
                return _refused(exc)
        return ImportPublic(
            import_id=result.import_id,
            assets=result.assets,
            lines_created=result.lines_created,
            deliveries=result.deliveries,
        )

    @r.post(
        "/api/register/assets/{serial}/deploy",
        response_model=AssetPublic,
        dependencies=EDIT,
        summary="Deploy an asset (outpost, sector, position, linked device)",
        responses=CHANGE,
    )
    def deploy(
        *,
        serial: str,
        body: DeployRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> AssetPublic:
        register.reader.asset(scope, serial)
        deployment = Deployment(
            outpost=body.outpost,
            sector_id=body.sector_id,
            position=body.position,
            device_id=body.device_id,
        )
        return _asset_public(
            register.service.deploy(serial, deployment, actor=user.username, time=context.clock())
        )

    @r.post(
        "/api/register/assets/{serial}/status",
        response_model=AssetPublic,
        dependencies=EDIT,
        summary="Set in store, under repair, lost or destroyed (the last two need a report)",
        responses=CHANGE,
    )
    def set_status(
        *,
        serial: str,
        body: StatusRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> AssetPublic:
        register.reader.asset(scope, serial)
        return _asset_public(
            register.service.set_status(
                serial,
                AssetStatus(body.status),
                report=body.report,
                actor=user.username,
                time=context.clock(),
            )
        )

    @r.post(
        "/api/register/assets/{serial}/corrections",
        response_model=AssetPublic,
        dependencies=EDIT,
        summary="Correct the recorded details (a new history entry; nothing is rewritten)",
        responses=CHANGE,
    )
    def correct(
        *,
        serial: str,
        body: CorrectionRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> AssetPublic:
        register.reader.asset(scope, serial)
        try:
            warranty = date.fromisoformat(body.warranty_until) if body.warranty_until else None
        except ValueError:
            raise HTTPException(status_code=422, detail="warranty_until: not a date") from None
        details = AssetDetails(
            model=body.model, vendor=body.vendor, lot=body.lot, warranty_until=warranty
        )
        return _asset_public(
            register.service.correct(
                serial,
                details,
                reason=body.reason,
                corrects=body.corrects,
                actor=user.username,
                time=context.clock(),
            )
        )

    @r.post(
        "/api/register/transfers",
        response_model=list[TransferPublic],
        dependencies=EDIT,
        summary="Transfer custody of one or more serials (all or none)",
        responses=CHANGE,
    )
    def transfers(
        body: TransferRequest, register: RegisterDep, context: ContextDep, user: CurrentUser
    ) -> list[TransferPublic] | JSONResponse:
        try:
            done = register.service.request_transfers(
                list(body.serials),
                to_person=body.to_person,
                actor=user.username,
                time=context.clock(),
            )
        except ImportRefusedError as exc:
            return _refused(exc)
        return [_transfer_public(t) for t in done]

    @r.post(
        "/api/register/transfers/{transfer_id}/confirm",
        response_model=TransferPublic,
        dependencies=EDIT,
        summary="One party confirms a transfer; custody moves when both have",
        responses=CHANGE,
    )
    def confirm(
        *,
        transfer_id: str,
        body: ConfirmRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> TransferPublic:
        register.reader.transfer(transfer_id, scope)
        return _transfer_public(
            register.service.confirm_transfer(
                transfer_id,
                Party(body.party),
                person_id=body.person_id,
                actor=user.username,
                time=context.clock(),
            )
        )

    @r.post(
        "/api/register/assets/{serial}/checks",
        response_model=CheckPublic,
        dependencies=CHECK,
        summary="An end-use check: photo and GPS of a serial (not an image or too large: 422)",
        responses=CHANGE,
    )
    def check(
        *,
        serial: str,
        body: CheckRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> CheckPublic:
        register.reader.asset(scope, serial)
        limit = register.service.max_photo_bytes
        if len(body.photo_base64) > (limit * 4) // 3 + 4:
            raise HTTPException(status_code=413, detail=f"the photo is larger than {limit} bytes")
        photo = _decode(body.photo_base64, "photo_base64")
        now = context.clock()
        try:
            fix = GpsFix(lat=body.lat, lon=body.lon, accuracy_m=body.accuracy_m)
            seen = require_utc(body.time) if body.time is not None else now
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        try:
            return _check_public(
                register.service.record_check(
                    serial,
                    fix=fix,
                    photo=photo,
                    note=body.note,
                    actor=user.username,
                    time=seen,
                    recorded_at=now,
                )
            )
        except RegisterInputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None

    return r
