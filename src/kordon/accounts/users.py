"""``User`` and ``UserRepository`` (the ``users`` table)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kordon.accounts.errors import InvalidUserInputError, UnknownUserError, UserExistsError
from kordon.accounts.roles import Role
from kordon.domain.time import require_utc
from kordon.store.models_accounts import UserRow
from kordon.store.session import translate_errors

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
SECTOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


def check_username(username: str) -> str:
    if not USERNAME_RE.fullmatch(username):
        raise InvalidUserInputError(
            f"invalid username {username!r}: 2-64 characters, lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return username


def parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise InvalidUserInputError(f"unknown role {role!r}; valid roles: {valid}") from None


def check_sectors(sectors: Sequence[str]) -> tuple[str, ...]:
    if isinstance(sectors, str):
        raise InvalidUserInputError("sectors must be a list of sector ids, not one string")
    for sector in sectors:
        if not SECTOR_RE.fullmatch(sector):
            raise InvalidUserInputError(f"invalid sector id {sector!r}")
    return tuple(dict.fromkeys(sectors))


@dataclass(frozen=True, slots=True)
class User:
    """An operator account (without its password hash). ``sectors`` empty means all."""

    username: str
    role: Role
    sectors: tuple[str, ...]
    disabled: bool
    created_at: datetime
    updated_at: datetime

    def in_scope(self, sector_id: str | None) -> bool:
        """Whether an object in ``sector_id`` is visible to this user.

        Users scoped to sectors do not see objects that have no sector.
        """
        if not self.sectors:
            return True
        return sector_id is not None and sector_id in self.sectors


def user_from_row(row: UserRow) -> User:
    return User(
        username=row.username,
        role=Role(row.role),
        sectors=tuple(row.sectors),
        disabled=row.disabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class UserRepository:
    """Users in the store's database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self,
        *,
        username: str,
        password_hash: str,
        role: Role,
        sectors: Sequence[str],
        time: datetime,
    ) -> User:
        check_username(username)
        now = require_utc(time)
        with translate_errors(f"creating user {username}"), self._sessions.begin() as session:
            if session.get(UserRow, username) is not None:
                raise UserExistsError(f"user {username!r} already exists")
            row = UserRow(
                username=username,
                password_hash=password_hash,
                role=str(role),
                sectors=list(check_sectors(sectors)),
                disabled=False,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return user_from_row(row)

    def get(self, username: str) -> User:
        return self.get_with_hash(username)[0]

    def get_with_hash(self, username: str) -> tuple[User, str]:
        with translate_errors(f"reading user {username}"), self._sessions.begin() as session:
            row = session.get(UserRow, username)
            if row is None:
                raise UnknownUserError(f"no user named {username!r}")
            return user_from_row(row), row.password_hash

    def list_all(self) -> list[User]:
        with translate_errors("listing users"), self._sessions.begin() as session:
            return [
                user_from_row(r)
                for r in session.scalars(select(UserRow).order_by(UserRow.username))
            ]

    def count(self) -> int:
        return len(self.list_all())

    def update(
        self,
        username: str,
        *,
        time: datetime,
        password_hash: str | None = None,
        disabled: bool | None = None,
    ) -> User:
        with translate_errors(f"updating user {username}"), self._sessions.begin() as session:
            row = session.get(UserRow, username)
            if row is None:
                raise UnknownUserError(f"no user named {username!r}")
            if password_hash is not None:
                row.password_hash = password_hash
            if disabled is not None:
                row.disabled = disabled
            row.updated_at = require_utc(time)
            session.flush()
            return user_from_row(row)
