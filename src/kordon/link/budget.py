"""``ByteBudget``: an outpost's bandwidth budget for the link, a token bucket in bytes.

``rate_bytes_s`` bytes are credited every second, up to ``burst_bytes``; every byte
published is charged (batches and their resends, ledger runs, track messages and the
evidence replies of :mod:`kordon.link.evidence_server`). The sender asks
:meth:`ByteBudget.available` before cutting a batch of
anything but alarms: nothing when it is not positive, else a batch of at most that many
bytes (its first entry always goes, so a large entry still leaves; the balance then goes
negative and the next ones wait longer: over time the rate holds). Alarms are charged too
but never wait: they may take the link beyond its budget, and the others then wait for it.
Time is injected (monotonic seconds).
"""

from __future__ import annotations

import math
from collections.abc import Callable


class ByteBudget:
    """Bytes the link may still spend now (not thread-safe: the sender's pump owns it)."""

    def __init__(
        self, rate_bytes_s: float, burst_bytes: int, *, clock: Callable[[], float]
    ) -> None:
        if not (math.isfinite(rate_bytes_s) and rate_bytes_s > 0):
            raise ValueError(f"rate_bytes_s must be a positive number, got {rate_bytes_s}")
        if burst_bytes < 1:
            raise ValueError(f"burst_bytes must be >= 1, got {burst_bytes}")
        self._rate = float(rate_bytes_s)
        self._burst = float(burst_bytes)
        self._clock = clock
        self._balance = float(burst_bytes)
        self._at = clock()

    @property
    def rate_bytes_s(self) -> float:
        return self._rate

    def available(self) -> float:
        """The balance now (negative while alarms or a large entry overspent it)."""
        now = self._clock()
        if now > self._at:
            self._balance = min(self._burst, self._balance + (now - self._at) * self._rate)
        self._at = max(self._at, now)
        return self._balance

    def charge(self, size: int) -> None:
        """``size`` bytes were published."""
        self.available()
        self._balance -= size

    def wait_s(self) -> float:
        """Seconds until the balance is positive again (0 if it is)."""
        balance = self.available()
        return 0.0 if balance > 0 else (1.0 - balance) / self._rate
