"""Errors raised by frame sources."""

from kordon.domain.errors import KordonError


class SourceError(KordonError):
    """A video source cannot be opened or read (missing, not video, corrupt, too large…)."""
