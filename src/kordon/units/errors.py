"""Errors of the unit register; the API maps them like the store's (404, 409, 422)."""

from __future__ import annotations

from kordon.store.errors import ConflictError, InvalidInputError, NotFoundError


class UnitInputError(InvalidInputError):
    """A value given to the unit register is invalid (nothing was changed): 422."""


class UnitNotFoundError(NotFoundError):
    """No unit with that id, callsign or CoT uid (or it is outside the caller's sectors): 404."""


class UnitConflictError(ConflictError):
    """The change contradicts the register's state (a duplicate callsign, a unit still
    attached to an incident, a concurrent change): 409."""


class UnitUnavailableError(UnitConflictError):
    """The unit cannot be dispatched in its current status: 409."""
