"""Custody: transferring serials between people and the store, confirmed by both parties."""

from typing import Annotated, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from kordon.api.deps import ContextDep, CurrentUser
from kordon.api.routes.register_common import CHANGE, EDIT, RegisterDep, ScopeDep, refused
from kordon.api.routes.register_views import TransferPublic, transfer_public
from kordon.api.schemas.base import RequestBody
from kordon.register.custody import Party
from kordon.register.errors import ImportRefusedError

MAX_BULK = 500


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


def router() -> APIRouter:
    """Request transfers (all or none) and confirm them."""
    r = APIRouter(tags=["register"])

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
            return refused(exc)
        return [transfer_public(t) for t in done]

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
        return transfer_public(
            register.service.confirm_transfer(
                transfer_id,
                Party(body.party),
                person_id=body.person_id,
                actor=user.username,
                time=context.clock(),
            )
        )

    return r
