"""Capped exponential backoff with jitter, for reconnecting to a stream."""

from __future__ import annotations

import random

from kordon.domain.errors import KordonError


class Backoff:
    """Delay before attempt ``n``: ``initial_s · factor^n`` capped at ``max_s``, then scaled
    by a random factor in ``[1 - jitter, 1]`` from the injected RNG (so many cameras that
    dropped together do not reconnect in lockstep). ``reset()`` after a success."""

    def __init__(
        self,
        rng: random.Random,
        *,
        initial_s: float = 0.5,
        max_s: float = 30.0,
        factor: float = 2.0,
        jitter: float = 0.2,
    ) -> None:
        if not 0 < initial_s <= max_s:
            raise KordonError(f"backoff: need 0 < initial_s <= max_s, got {initial_s}, {max_s}")
        if factor < 1.0:
            raise KordonError(f"backoff: factor must be >= 1, got {factor}")
        if not 0.0 <= jitter < 1.0:
            raise KordonError(f"backoff: jitter must be in [0, 1), got {jitter}")
        self._rng = rng
        self.initial_s = initial_s
        self.max_s = max_s
        self.factor = factor
        self.jitter = jitter
        self.attempt = 0

    def next_delay_s(self) -> float:
        """The delay before the next attempt; advances the attempt counter."""
        base = min(self.max_s, self.initial_s * self.factor ** min(self.attempt, 64))
        self.attempt += 1
        return base * (1.0 - self.jitter * self._rng.random())

    def reset(self) -> None:
        self.attempt = 0
