"""ORM tables of operator accounts: users and their server-side sessions (migration 0003)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import JsonDocument, UTCDateTime
from kordon.store.models import ENUM, Base

USERNAME = String(64)


class UserRow(Base):
    """One operator account; only the argon2id hash of the password is stored."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(USERNAME, primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(ENUM)
    sectors: Mapped[list[str]] = mapped_column(JsonDocument)
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccountSessionRow(Base):
    """A login session; ``token_sha256`` is the hash of the cookie's token, never the token."""

    __tablename__ = "account_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        USERNAME, ForeignKey("users.username", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_account_sessions_username", "username"),)
