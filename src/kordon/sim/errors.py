"""Errors raised by the simulator."""

from kordon.domain.errors import KordonError


class SimulationError(KordonError, ValueError):
    """A scenario, trajectory or render request is invalid (the message says which and why)."""
