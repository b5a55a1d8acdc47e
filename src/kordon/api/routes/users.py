"""``/api/users``: the accounts (admin only; accounts are managed with ``kordon user``)."""

from fastapi import APIRouter, Depends

from kordon.accounts.roles import Permission
from kordon.api.deps import ContextDep, require
from kordon.api.responses import responses
from kordon.api.schemas.auth import UserAdminPublic


def router() -> APIRouter:
    r = APIRouter(tags=["users"])

    @r.get(
        "/api/users",
        response_model=list[UserAdminPublic],
        dependencies=[Depends(require(Permission.USERS))],
        summary="All accounts (admin)",
        responses=responses(403),
    )
    def users(context: ContextDep) -> list[UserAdminPublic]:
        return [UserAdminPublic.of_admin(u) for u in context.accounts.users.list_all()]

    return r
