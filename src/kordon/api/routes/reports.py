"""``/api/reports``: sector and funding-project reports made on demand, and downloaded.

Making one is ``POST /api/reports``; the file (PDF or HTML) is kept on the node, hashed
into the evidence ledger, and served at ``GET /api/reports/{id}``. A sector report needs
the ``read`` permission and a sector in the user's scope (a report of every sector only
for users of every sector); a project report is allowed by ``project_access`` (the
register's donor and role rules), and refused everywhere when none is given. Refusals
answer 404 like unknown ids and are audited; every report made or downloaded is audited.

No ``from __future__ import annotations``: FastAPI resolves the annotations.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Literal, Protocol

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from kordon.accounts.roles import Permission, permissions_of
from kordon.accounts.users import User
from kordon.api.deps import AuditorDep, ContextDep, CurrentUser, audited_request
from kordon.api.responses import responses
from kordon.reports.errors import ReportError, ReportInputError, UnknownSubjectError
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.period import ReportPeriod
from kordon.reports.request import ReportRequest
from kordon.reports.service import StoredReport

ProjectAccess = Callable[[User, str], bool]
"""Whether a user may read the report of a funding project (by project id)."""


class ReportProvider(Protocol):
    """What the routes need of :class:`kordon.reports.service.ReportService`."""

    def period(self, first: str, last: str) -> ReportPeriod: ...

    def generate(
        self,
        request: ReportRequest,
        *,
        at: datetime,
        requested_by: str,
        report_id: str | None = None,
    ) -> StoredReport: ...

    def find(self, report_id: str) -> StoredReport | None: ...


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["sector", "project"] = Field(description="Sector or funding-project report.")
    first_day: date = Field(alias="from", description="First day (site's local calendar).")
    last_day: date = Field(alias="to", description="Last day, included.")
    format: Literal["pdf", "html"] = Field(default="pdf", description="Output format.")
    sector_id: str | None = Field(
        default=None,
        max_length=128,
        description="Sector of a sector report; none: every sector (users of every sector).",
    )
    project_id: str | None = Field(
        default=None, max_length=128, description="Funding project of a project report."
    )


class ReportPublic(BaseModel):
    id: str
    url: str = Field(description="Where to download it.")
    kind: str
    subject: str
    title: str
    format: str
    first_day: date
    last_day: date
    sha256: str = Field(description="SHA-256 of the file, as recorded in the evidence ledger.")
    generated_at: datetime
    generated_by: str

    @classmethod
    def of(cls, stored: StoredReport) -> "ReportPublic":
        return cls(
            id=stored.id,
            url=f"/api/reports/{stored.id}",
            kind=str(stored.kind),
            subject=stored.subject,
            title=stored.title,
            format=str(stored.fmt),
            first_day=stored.first_day,
            last_day=stored.last_day,
            sha256=stored.sha256,
            generated_at=stored.generated_at,
            generated_by=stored.generated_by,
        )


def _hidden(auditor: AuditorDep, subject: str, what: str) -> HTTPException:
    auditor.record("out_of_scope", subject, "refused", None)
    return HTTPException(status_code=404, detail=f"no {what}")


def session_router(
    provider: ReportProvider, *, project_access: ProjectAccess | None = None
) -> APIRouter:
    """:func:`router` behind the session, CSRF and audit dependency of every session route,
    ready for ``create_api(context, extra_routers=[...])``."""
    wrapper = APIRouter(dependencies=[Depends(audited_request)], responses=responses(401, 503))
    wrapper.include_router(router(provider, project_access=project_access))
    return wrapper


def router(provider: ReportProvider, *, project_access: ProjectAccess | None = None) -> APIRouter:
    """The report routes, bare: include them with the session dependencies of ``create_api``
    (or use :func:`session_router`)."""
    r = APIRouter(tags=["reports"])

    def may_read(
        user: User, stored_kind: ReportKind, sector_id: str | None, project_id: str | None
    ) -> bool:
        if stored_kind is ReportKind.SECTOR:
            return Permission.READ in permissions_of(user.role) and user.in_scope(sector_id)
        return (
            project_access is not None
            and project_id is not None
            and project_access(user, project_id)
        )

    @r.post(
        "/api/reports",
        response_model=ReportPublic,
        status_code=201,
        summary="Make a sector or funding-project report (PDF or HTML)",
        description=(
            "Makes the report now from the site's data, keeps it, and records its SHA-256 "
            "in the evidence ledger. Sectors and projects outside the user's scope answer "
            "404 like unknown ones."
        ),
        responses=responses(404, 503),
    )
    def create(
        body: ReportCreate, context: ContextDep, user: CurrentUser, auditor: AuditorDep
    ) -> ReportPublic:
        kind = ReportKind(body.kind)
        subject = body.project_id if kind is ReportKind.PROJECT else body.sector_id
        what = f"{kind} {subject!r}" if subject else f"{kind} report of every sector"
        if not may_read(user, kind, body.sector_id, body.project_id):
            raise _hidden(auditor, f"report:{kind}:{subject or '*'}", what)
        try:
            period = provider.period(body.first_day.isoformat(), body.last_day.isoformat())
            request = ReportRequest(
                kind,
                period,
                ReportFormat(body.format),
                sector_id=body.sector_id,
                project_id=body.project_id,
            )
            stored = provider.generate(request, at=context.clock(), requested_by=user.username)
        except UnknownSubjectError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        except ReportInputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        except ReportError as exc:
            raise HTTPException(status_code=503, detail=f"report not made: {exc}") from exc
        auditor.record(
            "report.generate",
            f"report:{stored.id}",
            "ok",
            {
                "subject": stored.subject,
                "from": stored.first_day.isoformat(),
                "to": stored.last_day.isoformat(),
                "format": str(stored.fmt),
                "sha256": stored.sha256,
            },
        )
        return ReportPublic.of(stored)

    @r.get(
        "/api/reports/{report_id}",
        response_class=FileResponse,
        responses={
            200: {"content": {"application/pdf": {}, "text/html": {}}},
            **responses(404),
        },
        summary="Download a report",
    )
    def download(report_id: str, user: CurrentUser, auditor: AuditorDep) -> FileResponse:
        stored = provider.find(report_id)
        if stored is None:
            raise HTTPException(status_code=404, detail=f"no report with id {report_id!r}")
        if not may_read(user, stored.kind, stored.sector_id, stored.project_id):
            raise _hidden(auditor, f"report:{report_id}", f"report with id {report_id!r}")
        auditor.record("download_report", f"report:{report_id}", "ok", {"sha256": stored.sha256})
        return FileResponse(
            stored.path,
            media_type=stored.fmt.media_type,
            filename=f"kordon-{stored.subject.replace(':', '-')}-{stored.first_day}"
            f"_{stored.last_day}{stored.fmt.suffix}",
        )

    return r
