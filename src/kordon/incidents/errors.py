"""Errors of the incident service.

The service also raises, unchanged: ``kordon.domain.incident.InvalidTransitionError`` (the
lifecycle does not allow the action; the API answers 409), ``kordon.store.NotFoundError``
(no such incident; 404) and ``kordon.store.ConflictError`` (stale ``expected_version``; 409).
"""

from kordon.domain.errors import KordonError


class IncidentInputError(KordonError, ValueError):
    """An argument of an incident action is malformed (empty actor, unit, note too long...)."""


class ConfigurationError(KordonError, ValueError):
    """A correlation, priority or SLA policy was built with out-of-range values."""
