"""Errors of the accounts package; all are ``KordonError`` subclasses."""

from kordon.domain.errors import KordonError


class AccountError(KordonError):
    """Base class of account errors."""


class InvalidUserInputError(AccountError, ValueError):
    """A username, role, sector list or password is malformed."""


class UserExistsError(AccountError):
    """A user with that name already exists."""


class UnknownUserError(AccountError, LookupError):
    """No user has that name."""


class InvalidCredentialsError(AccountError):
    """Wrong username or password, or a disabled account (deliberately indistinguishable)."""


class SessionInvalidError(AccountError):
    """The session token is unknown, expired, revoked, or its user is disabled."""


class RateLimitedError(AccountError):
    """Too many failed logins: try again after ``retry_after_s`` seconds."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
