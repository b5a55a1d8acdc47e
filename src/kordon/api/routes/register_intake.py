"""Intake: registering one serial, or importing a CSV or XLSX file (all rows or none)."""

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import Field

from kordon.api.deps import ContextDep, CurrentUser
from kordon.api.routes.register_common import CHANGE, EDIT, RegisterDep, decode_base64, refused
from kordon.api.routes.register_views import AssetPublic, asset_public
from kordon.api.schemas.base import PublicModel, RequestBody
from kordon.register.asset import NewAsset
from kordon.register.errors import ImportRefusedError
from kordon.register.importer import import_assets
from kordon.register.rows import COLUMNS, parse_asset_row


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


class ImportRequest(RequestBody):
    file_name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,120}\.(csv|xlsx|xlsm|xls)$")
    content_base64: str = Field(min_length=1)


def router() -> APIRouter:
    """Register one serial; import a file."""
    r = APIRouter(tags=["register"])

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
            return asset_public(register.service.register(parsed, actor=user.username, time=now))
        except ImportRefusedError as exc:
            return refused(exc)

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
        data = decode_base64(body.content_base64, "content_base64")
        with tempfile.TemporaryDirectory(prefix="kordon-import-") as folder:
            path = Path(folder) / Path(body.file_name).name
            path.write_bytes(data)
            try:
                result = import_assets(
                    register.service, path, actor=user.username, time=context.clock()
                )
            except ImportRefusedError as exc:
                return refused(exc)
        return ImportPublic(
            import_id=result.import_id,
            assets=result.assets,
            lines_created=result.lines_created,
            deliveries=result.deliveries,
        )

    return r
