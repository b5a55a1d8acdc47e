"""``AccountService``: what the CLI and the API do with accounts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from kordon.accounts.errors import (
    InvalidCredentialsError,
    RateLimitedError,
    UnknownUserError,
)
from kordon.accounts.passwords import PasswordHasherService, check_password_strength
from kordon.accounts.ratelimit import LoginRateLimiter
from kordon.accounts.roles import Role
from kordon.accounts.sessions import AuthSession, IssuedSession, SessionManager, SessionPolicy
from kordon.accounts.users import User, UserRepository, check_sectors, check_username
from kordon.domain.time import require_utc

logger = logging.getLogger(__name__)

MAX_LOGIN_FIELD = 1024


class AccountService:
    """Users, logins and sessions over one database.

    Built from the store's session factory (``store.sessions``) after the store is open.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        hasher: PasswordHasherService | None = None,
        limiter: LoginRateLimiter | None = None,
        session_policy: SessionPolicy | None = None,
    ) -> None:
        self.users = UserRepository(sessions)
        self.sessions = SessionManager(sessions, session_policy or SessionPolicy())
        self._hasher = hasher or PasswordHasherService()
        self._limiter = limiter or LoginRateLimiter()

    def create_user(
        self,
        *,
        username: str,
        password: str,
        role: Role,
        sectors: Sequence[str] = (),
        time: datetime,
    ) -> User:
        check_username(username)
        check_password_strength(password)
        check_sectors(sectors)
        return self.users.create(
            username=username,
            password_hash=self._hasher.hash(password),
            role=role,
            sectors=sectors,
            time=time,
        )

    def reset_password(self, username: str, *, password: str, time: datetime) -> User:
        """Set a new password and log the user out everywhere."""
        check_password_strength(password)
        user = self.users.update(username, password_hash=self._hasher.hash(password), time=time)
        self.sessions.revoke_all(username, time=time)
        return user

    def set_disabled(self, username: str, *, disabled: bool, time: datetime) -> User:
        user = self.users.update(username, disabled=disabled, time=time)
        if disabled:
            self.sessions.revoke_all(username, time=time)
        return user

    def login(
        self, *, username: str, password: str, address: str, time: datetime, now_s: float
    ) -> IssuedSession:
        """Check the credentials and open a session.

        Raises ``RateLimitedError`` while the account or the address is locked out (the
        password is not even checked), ``InvalidCredentialsError`` otherwise on failure.
        ``now_s`` is the caller's monotonic clock, for the rate limiter.
        """
        require_utc(time)
        account = username[:MAX_LOGIN_FIELD]
        wait_s = self._limiter.retry_after_s(username=account, address=address, now_s=now_s)
        if wait_s > 0:
            raise RateLimitedError(
                f"too many failed logins; try again in {wait_s:.0f} s", retry_after_s=wait_s
            )
        user = self._check_password(username, password)
        if user is None:
            self._limiter.failure(username=account, address=address, now_s=now_s)
            raise InvalidCredentialsError("wrong username or password")
        self._limiter.success(username=account)
        return self.sessions.issue(user, time=time)

    def _check_password(self, username: str, password: str) -> User | None:
        if len(username) > MAX_LOGIN_FIELD or len(password) > MAX_LOGIN_FIELD:
            return None
        try:
            user, stored = self.users.get_with_hash(username)
        except UnknownUserError:
            self._hasher.burn(password)
            return None
        result = self._hasher.verify(stored, password)
        if not result.ok or user.disabled:
            return None
        if result.new_hash is not None:
            logger.info("rehashing the password of %s (parameters changed)", username)
            self.users.update(username, password_hash=result.new_hash, time=user.updated_at)
        return user

    def resolve_session(self, token: str, *, time: datetime) -> AuthSession:
        return self.sessions.resolve(token, time=time)

    def logout(self, session: AuthSession, *, time: datetime) -> None:
        self.sessions.revoke(session.token_sha256, time=time)
