"""Auth: login body, the public user, the session answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kordon.accounts.roles import Role
from kordon.accounts.users import User
from kordon.api.features import Feature
from kordon.api.schemas.base import PublicModel, RequestBody


class LoginRequest(RequestBody):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class UserPublic(PublicModel):
    username: str
    role: Role
    sectors: list[str] = Field(description="Sector ids the user may see; empty means all.")

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(username=user.username, role=user.role, sectors=list(user.sectors))


class UserAdminPublic(UserPublic):
    disabled: bool

    @classmethod
    def of_admin(cls, user: User) -> UserAdminPublic:
        return cls(
            username=user.username,
            role=user.role,
            sectors=list(user.sectors),
            disabled=user.disabled,
        )


class SessionPublic(PublicModel):
    user: UserPublic
    csrf_token: str
    features: list[Feature] = Field(
        description=(
            "The optional features this server serves (its routes are mounted); the console "
            "shows no tab, panel or key of the others and makes no request for them. A central "
            "server lists none of them."
        )
    )
