"""Errors of the edge–centre link."""

from __future__ import annotations

from kordon.domain.errors import KordonError


class LinkError(KordonError):
    """Something on the link was refused or cannot be done."""


class CodecError(LinkError, ValueError):
    """A payload, batch or acknowledgement is malformed or of an unknown version."""
