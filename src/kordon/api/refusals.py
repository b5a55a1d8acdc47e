"""``RefusedAttempts``: refused unauthenticated attempts, counted per source per interval.

A forged cookie, a wrong or rate-limited login and a refused WebSocket upgrade cost an
attacker nothing; writing an audit entry for each let anyone grow the evidence ledger without
logging in. Instead each attempt is counted under its source — the action, the outcome, the
client address and, for logins, the username — and every source seen in an interval becomes
one audit entry with the count, the first and last time and the reasons. So the audit stays
complete (every attempt is counted) and bounded: at most ``max_sources`` entries per
interval, plus one overflow entry per action and outcome for the sources beyond.

Time is passed in. An interval's entries are written by the first call that sees a later
interval and by :meth:`flush` (called periodically and at stop by the API server).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import JsonValue

from kordon.api.providers import AuditSink
from kordon.domain.time import require_utc

OVERFLOW = "*"
"""Address and username of the bucket counting the sources beyond ``max_sources``."""
OTHER_REASON = "other"
NO_USER = "-"


@dataclass(frozen=True, slots=True)
class Source:
    """Who tried what: the unit refused attempts are counted by."""

    action: str
    """``login``, ``session`` (a request with an invalid cookie) or ``live``."""
    outcome: str
    """``refused`` or ``rate_limited``."""
    address: str
    username: str = NO_USER


@dataclass(slots=True)
class _Tally:
    first: datetime
    last: datetime
    count: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class RefusedAttempts:
    """Counts refused attempts and writes one ``audit`` entry per source per interval.

    Thread-safe: routes run in a thread pool. Entries are written outside the lock.
    """

    def __init__(
        self,
        sink: AuditSink,
        *,
        interval_s: float = 60.0,
        max_sources: int = 100,
        max_reasons: int = 8,
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s must be > 0, got {interval_s}")
        if max_sources < 1 or max_reasons < 1:
            raise ValueError("max_sources and max_reasons must be >= 1")
        self._sink = sink
        self._interval_s = interval_s
        self._max_sources = max_sources
        self._max_reasons = max_reasons
        self._lock = threading.Lock()
        self._window: int | None = None
        self._tallies: dict[Source, _Tally] = {}

    @property
    def interval_s(self) -> float:
        return self._interval_s

    @property
    def pending(self) -> int:
        """Attempts counted but not yet written."""
        with self._lock:
            return sum(t.count for t in self._tallies.values())

    def count(self, source: Source, *, reason: str, time: datetime) -> None:
        """Count one refused attempt at ``time`` (writes the previous interval when it ended)."""
        now = require_utc(time)
        window = self._window_of(now)
        with self._lock:
            ended: dict[Source, _Tally] = {}
            if self._window is not None and window > self._window:
                ended = self._take_locked()
            if self._window is None:
                self._window = window
            key = source
            if key not in self._tallies and len(self._tallies) >= self._max_sources:
                key = Source(source.action, source.outcome, OVERFLOW, OVERFLOW)
            tally = self._tallies.get(key)
            if tally is None:
                tally = self._tallies[key] = _Tally(first=now, last=now)
            tally.count += 1
            tally.first = min(tally.first, now)
            tally.last = max(tally.last, now)
            if reason not in tally.reasons and len(tally.reasons) >= self._max_reasons:
                reason = OTHER_REASON
            tally.reasons[reason] = tally.reasons.get(reason, 0) + 1
        self._write(ended, now)

    def flush(self, time: datetime, *, everything: bool = False) -> int:
        """Write the counts of an interval that has ended by ``time`` (all of them when
        ``everything``, at stop); returns how many entries were written."""
        now = require_utc(time)
        with self._lock:
            due = self._window is not None and (everything or self._window_of(now) > self._window)
            tallies = self._take_locked() if due else {}
        self._write(tallies, now)
        return len(tallies)

    def _window_of(self, time: datetime) -> int:
        return math.floor(time.timestamp() / self._interval_s)

    def _take_locked(self) -> dict[Source, _Tally]:
        tallies, self._tallies = self._tallies, {}
        self._window = None
        return tallies

    def _write(self, tallies: dict[Source, _Tally], time: datetime) -> None:
        for source, tally in tallies.items():
            reasons: dict[str, JsonValue] = dict(tally.reasons)
            details: dict[str, JsonValue] = {
                "address": source.address,
                "count": tally.count,
                "first": tally.first.astimezone(UTC).isoformat(),
                "last": tally.last.astimezone(UTC).isoformat(),
                "interval_s": self._interval_s,
                "reasons": reasons,
            }
            self._sink.record(
                source.username, source.action, source.username, source.outcome, details, time
            )
