"""Login rate limiting: per username and per client address, with exponential lock-out.

Time is an argument (``now_s``, seconds on any monotonic scale), so tests replay it.
State is in memory: a restart forgives, which is acceptable for a single node.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    free_failures: int = 5
    """Failures allowed before the first lock-out."""
    base_lockout_s: float = 2.0
    """Length of the first lock-out; each further failure doubles it."""
    max_lockout_s: float = 900.0
    forget_after_s: float = 3600.0
    """A key with no failure for this long starts afresh."""


@dataclass(slots=True)
class _Entry:
    failures: int = 0
    locked_until_s: float = 0.0
    last_failure_s: float = 0.0


@dataclass(slots=True)
class LoginRateLimiter:
    """Counts failed logins per key (``user:NAME`` and ``addr:IP``) and locks keys out."""

    policy: RateLimitPolicy = field(default_factory=RateLimitPolicy)
    max_keys: int = 100_000
    _entries: dict[str, _Entry] = field(default_factory=dict)

    @staticmethod
    def keys(username: str, address: str) -> tuple[str, str]:
        return (f"user:{username.lower()}", f"addr:{address}")

    def retry_after_s(self, keys: tuple[str, ...], now_s: float) -> float:
        """Seconds until every key may try again; 0 when none is locked."""
        wait = 0.0
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None:
                wait = max(wait, entry.locked_until_s - now_s)
        return wait

    def failure(self, keys: tuple[str, ...], now_s: float) -> None:
        if len(self._entries) >= self.max_keys:
            self._forget_old(now_s)
        for key in keys:
            entry = self._entries.get(key)
            if entry is None or now_s - entry.last_failure_s > self.policy.forget_after_s:
                entry = _Entry()
                self._entries[key] = entry
            entry.failures += 1
            entry.last_failure_s = now_s
            excess = entry.failures - self.policy.free_failures
            if excess > 0:
                lock_s = min(
                    self.policy.base_lockout_s * 2.0 ** (excess - 1), self.policy.max_lockout_s
                )
                entry.locked_until_s = now_s + lock_s

    def success(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def _forget_old(self, now_s: float) -> None:
        old = [
            k
            for k, e in self._entries.items()
            if now_s - e.last_failure_s > self.policy.forget_after_s
        ]
        for key in old:
            del self._entries[key]
        if len(self._entries) >= self.max_keys:  # under attack: drop the oldest half
            ordered = sorted(self._entries, key=lambda k: self._entries[k].last_failure_s)
            for key in ordered[: len(ordered) // 2]:
                del self._entries[key]
