"""Errors of the camera pipeline."""

from kordon.domain.errors import KordonError


class PipelineError(KordonError):
    """A camera pipeline cannot be built, loaded or fed: the message names the camera."""
