"""Login rate limiting: per account and per client address, separately, with exponential lock-out.

Two counters with their own policies: an account is locked after a few wrong passwords (from
anywhere), an address after many more (guessing across accounts). So one operator mistyping
their password locks only their own account, never a colleague at the same console, while a
password sprayer cycling through usernames from one address is still stopped.

Time is an argument (``now_s``, seconds on any monotonic scale, from the caller's injected
clock), so tests replay it. State is in memory: a restart forgives, acceptable for one node.
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


ACCOUNT_POLICY = RateLimitPolicy()
"""Per account: five wrong passwords, then 2 s, 4 s, 8 s … up to 15 min."""
ADDRESS_POLICY = RateLimitPolicy(free_failures=25)
"""Per address: room for a shift of operators' typos at one console, not for a spray."""


@dataclass(slots=True)
class _Entry:
    failures: int = 0
    locked_until_s: float = 0.0
    last_failure_s: float = 0.0


@dataclass(slots=True)
class FailureCounter:
    """Failures and lock-outs of one kind of key (accounts, or addresses) under one policy."""

    policy: RateLimitPolicy
    max_keys: int = 100_000
    _entries: dict[str, _Entry] = field(default_factory=dict)

    def retry_after_s(self, key: str, now_s: float) -> float:
        """Seconds until ``key`` may try again; 0 when it is not locked."""
        entry = self._entries.get(key)
        return 0.0 if entry is None else max(0.0, entry.locked_until_s - now_s)

    def failure(self, key: str, now_s: float) -> None:
        if key not in self._entries and len(self._entries) >= self.max_keys:
            self._forget_old(now_s)
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

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)

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


class LoginRateLimiter:
    """Counts failed logins per account and per address; either being locked refuses a login.

    A successful login clears its account's failures but not its address's: otherwise one
    valid account would let a sprayer reset the address counter between guesses.
    """

    def __init__(
        self,
        account: RateLimitPolicy = ACCOUNT_POLICY,
        address: RateLimitPolicy = ADDRESS_POLICY,
        *,
        max_keys: int = 100_000,
    ) -> None:
        self._accounts = FailureCounter(account, max_keys)
        self._addresses = FailureCounter(address, max_keys)

    @staticmethod
    def _account_key(username: str) -> str:
        return username.lower()

    def retry_after_s(self, *, username: str, address: str, now_s: float) -> float:
        """Seconds until this account may try again from this address; 0 when neither is locked."""
        return max(
            self._accounts.retry_after_s(self._account_key(username), now_s),
            self._addresses.retry_after_s(address, now_s),
        )

    def failure(self, *, username: str, address: str, now_s: float) -> None:
        self._accounts.failure(self._account_key(username), now_s)
        self._addresses.failure(address, now_s)

    def success(self, *, username: str) -> None:
        self._accounts.forget(self._account_key(username))
