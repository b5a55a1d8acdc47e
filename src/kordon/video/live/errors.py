"""Errors of live video and playback."""

from __future__ import annotations

from kordon.domain.errors import KordonError


class LiveVideoError(KordonError):
    """A camera's stream cannot be shown live (codec, missing parameter sets, source)."""
