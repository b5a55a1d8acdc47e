"""Operator accounts: users, argon2id passwords, server-side sessions, login rate limiting."""

from kordon.accounts.demo import ensure_demo_admin
from kordon.accounts.errors import (
    AccountError,
    InvalidCredentialsError,
    InvalidUserInputError,
    RateLimitedError,
    SessionInvalidError,
    UnknownUserError,
    UserExistsError,
)
from kordon.accounts.passwords import PasswordHasherService, generate_password
from kordon.accounts.ratelimit import LoginRateLimiter, RateLimitPolicy
from kordon.accounts.roles import Permission, Role, permissions_of
from kordon.accounts.service import AccountService
from kordon.accounts.sessions import AuthSession, IssuedSession, SessionManager, SessionPolicy
from kordon.accounts.users import User, UserRepository

__all__ = [
    "AccountError",
    "AccountService",
    "AuthSession",
    "InvalidCredentialsError",
    "InvalidUserInputError",
    "IssuedSession",
    "LoginRateLimiter",
    "PasswordHasherService",
    "Permission",
    "RateLimitPolicy",
    "RateLimitedError",
    "Role",
    "SessionInvalidError",
    "SessionManager",
    "SessionPolicy",
    "UnknownUserError",
    "User",
    "UserExistsError",
    "UserRepository",
    "ensure_demo_admin",
    "generate_password",
    "permissions_of",
]
