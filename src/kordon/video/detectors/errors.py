"""Errors of the detector layer."""

from kordon.domain.errors import KordonError


class DetectorError(KordonError):
    """A detector cannot be built, loaded or run: the message says which file and why."""
