"""Errors raised by the store; all are ``KordonError`` subclasses."""

from kordon.domain.errors import KordonError


class StoreError(KordonError):
    """The database could not do what was asked (unreachable, constraint, bad state)."""


class NotFoundError(StoreError, LookupError):
    """A row that the caller named by id does not exist."""


class ConflictError(StoreError):
    """An optimistic-concurrency check failed: someone else saved the row first."""


class InvalidInputError(StoreError, ValueError):
    """An argument or a record given to the store is out of range or malformed."""


class CorruptRecordError(StoreError):
    """A stored row cannot be mapped back to a domain object (unknown enum value, bad JSON)."""


class SchemaTooNewError(StoreError):
    """The database was migrated by a newer Kordon: its revision is unknown to this code."""
