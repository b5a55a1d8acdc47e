"""Exports of the visible register: a CSV or XLSX file and a printable sheet of QR labels."""

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from kordon.api.responses import responses
from kordon.api.routes.register_common import READ, RegisterDep, ScopeDep
from kordon.register.export import export_rows, write_csv, write_xlsx
from kordon.register.labels import label_sheet
from kordon.register.reader import AssetFilter


def router() -> APIRouter:
    """The register as a spreadsheet and as printable labels."""
    r = APIRouter(tags=["register"])

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

    return r
