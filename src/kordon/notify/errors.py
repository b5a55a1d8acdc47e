"""Errors of the outbound integrations."""

from __future__ import annotations

from kordon.domain.errors import KordonError


class NotifierConfigError(KordonError):
    """A notifier cannot be built: a secret missing from the environment, a bad file."""
