"""Server-side login sessions: random 256-bit tokens, only their SHA-256 stored.

The CSRF token of a session is derived from its token with HMAC, so it needs no storage
and is only computable by a holder of the cookie (or the server).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from kordon.accounts.errors import SessionInvalidError
from kordon.accounts.users import User, user_from_row
from kordon.domain.time import require_utc
from kordon.store.models_accounts import AccountSessionRow, UserRow
from kordon.store.session import translate_errors

TOKEN_BYTES = 32


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_for(token: str) -> str:
    return hmac.new(token.encode("utf-8"), b"kordon-csrf-v1", hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle_timeout_s: float = 30 * 60.0
    absolute_timeout_s: float = 12 * 3600.0
    touch_every_s: float = 60.0
    """``last_seen_at`` is written at most this often (not on every request)."""


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new session: ``token`` goes into the cookie and nowhere else."""

    token: str
    csrf_token: str
    user: User
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AuthSession:
    """A valid session resolved from a cookie."""

    token_sha256: str
    csrf_token: str
    user: User

    def csrf_ok(self, header: str | None) -> bool:
        return header is not None and hmac.compare_digest(header, self.csrf_token)


class SessionManager:
    def __init__(self, sessions: sessionmaker[Session], policy: SessionPolicy) -> None:
        self._sessions = sessions
        self._policy = policy

    @property
    def policy(self) -> SessionPolicy:
        return self._policy

    def issue(self, user: User, *, time: datetime) -> IssuedSession:
        now = require_utc(time)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = now + timedelta(seconds=self._policy.absolute_timeout_s)
        with translate_errors("creating a session"), self._sessions.begin() as session:
            session.add(
                AccountSessionRow(
                    token_sha256=token_sha256(token),
                    username=user.username,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires_at,
                    revoked_at=None,
                )
            )
        return IssuedSession(
            token=token, csrf_token=csrf_for(token), user=user, expires_at=expires_at
        )

    def resolve(self, token: str, *, time: datetime) -> AuthSession:
        """The valid session of ``token``; ``SessionInvalidError`` says why not."""
        now = require_utc(time)
        if not token or len(token) > 256:
            raise SessionInvalidError("no session")
        digest = token_sha256(token)
        with translate_errors("reading a session"), self._sessions.begin() as session:
            row = session.get(AccountSessionRow, digest)
            if row is None:
                raise SessionInvalidError("unknown session")
            if row.revoked_at is not None:
                raise SessionInvalidError("session was logged out")
            if now >= row.expires_at:
                raise SessionInvalidError("session expired (absolute limit)")
            idle_s = (now - row.last_seen_at).total_seconds()
            if idle_s >= self._policy.idle_timeout_s:
                raise SessionInvalidError("session expired (idle)")
            user_row = session.get(UserRow, row.username)
            if user_row is None or user_row.disabled:
                raise SessionInvalidError("account disabled")
            if idle_s >= self._policy.touch_every_s:
                row.last_seen_at = now
            return AuthSession(
                token_sha256=digest, csrf_token=csrf_for(token), user=user_from_row(user_row)
            )

    def revoke(self, token_digest: str, *, time: datetime) -> None:
        with translate_errors("revoking a session"), self._sessions.begin() as session:
            session.execute(
                update(AccountSessionRow)
                .where(
                    AccountSessionRow.token_sha256 == token_digest,
                    AccountSessionRow.revoked_at.is_(None),
                )
                .values(revoked_at=require_utc(time))
            )

    def revoke_all(self, username: str, *, time: datetime) -> None:
        with translate_errors(f"revoking sessions of {username}"), self._sessions.begin() as s:
            s.execute(
                update(AccountSessionRow)
                .where(
                    AccountSessionRow.username == username,
                    AccountSessionRow.revoked_at.is_(None),
                )
                .values(revoked_at=require_utc(time))
            )
