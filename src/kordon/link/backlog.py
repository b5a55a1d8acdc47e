"""``BacklogHealth``: the edge's own view of its link, as the device ``link-<edge>-outbox``.

How many outbox entries wait and how old the oldest one is (:func:`outbox_backlog`, one query
on the edge's ``link_outbox``). When either passes its limit (``max_entries``,
``max_age_s``) the pseudo-device ``link-<edge>-outbox`` is recorded ``degraded`` at the edge
with a
sentence saying which and by how much; ``online`` again once both are back under. Every
status carries the link's figures in its metrics (backlog size and age, bytes and entries
sent per priority, bytes per entry), and one is recorded at least every ``report_s`` so
the figures stay current (``/api/devices`` at the edge; like any device status it also
travels to the centre). Time is injected.

Not ``link-<edge>`` itself: the edge's device statuses travel to the centre, where
``link-<edge>`` is the centre's own view of that edge (refusals, clock offset,
``kordon.central.link_health``); one name for both would let each overwrite the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.store.errors import StoreError
from kordon.store.models_link import LinkOutboxRow
from kordon.store.session import translate_errors

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Backlog:
    entries: int
    oldest: datetime | None
    """When the oldest waiting entry was created (``None``: nothing waits)."""

    def age_s(self, now: datetime) -> float:
        return 0.0 if self.oldest is None else max(0.0, (now - self.oldest).total_seconds())


def outbox_backlog(sessions: sessionmaker[Session]) -> Backlog:
    """The ``link_outbox``'s size and its oldest entry's creation time."""
    statement = select(func.count(), func.min(LinkOutboxRow.created_at))
    with translate_errors("measuring the outbox backlog"), sessions() as session:
        count, oldest = session.execute(statement).one()
    return Backlog(int(count or 0), oldest)


@dataclass(frozen=True, slots=True)
class BacklogLimits:
    max_entries: int = 10_000
    max_age_s: float = 300.0
    check_s: float = 5.0
    """How often (monotonic seconds) the backlog is measured."""
    report_s: float = 300.0
    """A status with the figures at least this often, even without a change."""

    def __post_init__(self) -> None:
        if self.max_entries < 1 or not self.max_age_s > 0:
            raise ValueError("max_entries must be >= 1 and max_age_s > 0")
        if not self.check_s > 0 or not self.report_s > 0:
            raise ValueError("check_s and report_s must be > 0")


class BacklogHealth:
    """Records ``link-<edge>-outbox``'s status at the edge from its backlog."""

    def __init__(
        self,
        edge_id: str,
        measure: Callable[[], Backlog],
        record: Callable[[DeviceStatus], None],
        *,
        now: Callable[[], datetime],
        limits: BacklogLimits | None = None,
    ) -> None:
        self.device_id = f"link-{edge_id}-outbox"
        self._measure = measure
        self._record = record
        self._now = now
        self.limits = limits or BacklogLimits()
        self._state: DeviceState | None = None
        self._reported_at: datetime | None = None

    @property
    def state(self) -> DeviceState | None:
        """The last state recorded (``None``: none yet)."""
        return self._state

    def check(self, figures: Mapping[str, float]) -> DeviceStatus | None:
        """Measure the backlog; record and return a status if it changed or is due."""
        try:
            backlog = self._measure()
        except StoreError as exc:
            logger.warning("link %s: the backlog could not be measured: %s", self.device_id, exc)
            return None
        now = self._now()
        age = backlog.age_s(now)
        problems = []
        if backlog.entries > self.limits.max_entries:
            problems.append(f"{backlog.entries} entries wait (limit {self.limits.max_entries})")
        if age > self.limits.max_age_s:
            problems.append(f"the oldest waits for {age:.0f} s (limit {self.limits.max_age_s:g} s)")
        state = DeviceState.DEGRADED if problems else DeviceState.ONLINE
        due = self._reported_at is None or (
            (now - self._reported_at).total_seconds() >= self.limits.report_s
        )
        if state == self._state and not due:
            return None
        if problems:
            detail = "backlog to the centre: " + "; ".join(problems) + " (link slow or cut?)"
        else:
            detail = f"backlog to the centre: {backlog.entries} entries, oldest {age:.0f} s"
        metrics = {**figures, "backlog_entries": float(backlog.entries), "backlog_age_s": age}
        status = DeviceStatus(self.device_id, now, state, detail, metrics)
        if state != self._state and (problems or self._state is not None):
            log = logger.warning if problems else logger.info
            log("link %s: %s", self.device_id, detail)
        try:
            self._record(status)
        except StoreError as exc:
            logger.warning("link %s: status not recorded: %s", self.device_id, exc)
            return None
        self._state = state
        self._reported_at = now
        return status
