"""Files kept with the register: end-use check photos, and the delivery an asset came in
with its documents (read and attached).
"""

from datetime import date, datetime
from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from pydantic import Field

from kordon.api.deps import ContextDep, CurrentUser
from kordon.api.responses import responses
from kordon.api.routes.register_common import (
    CHANGE,
    EDIT,
    READ,
    RegisterDep,
    ScopeDep,
    decode_base64,
)
from kordon.api.schemas.base import PublicModel, RequestBody
from kordon.register.documents import Delivery
from kordon.register.errors import RegisterInputError


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


def router() -> APIRouter:
    """Check photos, deliveries and their documents."""
    r = APIRouter(tags=["register"])

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
        data = decode_base64(body.content_base64, "content_base64")
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

    return r
