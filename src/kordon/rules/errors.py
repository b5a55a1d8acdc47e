"""Errors raised by rules: bad configuration at construction, bad input at ``trigger``."""

from kordon.domain.errors import KordonError


class RuleError(KordonError):
    """Base class of every error a rule raises on purpose."""


class RuleConfigError(RuleError, ValueError):
    """A rule or a geometry was built from invalid parameters."""


class GeometryError(RuleConfigError):
    """A line or polygon is unusable (too few points, zero-length segment, self-intersecting)."""


class RuleInputError(RuleError, ValueError):
    """A ``trigger`` call got input it cannot use (naive or backwards time, duplicate ids)."""
