"""Errors shared by every layer."""


class KordonError(Exception):
    """Base class of every error Kordon raises on purpose."""


class ShapeError(KordonError, ValueError):
    """An array does not have the shape a batch type requires."""
