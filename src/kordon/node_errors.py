"""``NodeBuildError``: a valid configuration that cannot be built into a node."""

from __future__ import annotations

from kordon.domain.errors import KordonError


class NodeBuildError(KordonError):
    """The configuration is valid but a part of the node cannot be built from it."""
